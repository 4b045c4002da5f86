package golive_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/golive"
)

// A stream goes live before Kick has a thumbnail, gets one two minutes
// later, flaps offline and back, and ends: one alert, one recap.
func Example() {
	ctx := context.Background()
	start := time.Date(2026, 3, 14, 18, 0, 0, 0, time.UTC)
	thumb := ""
	kick := kickFunc(func(int64) (golive.Channel, error) {
		return golive.Channel{Slug: "northwind", Title: "BONUS HUNT", Category: "Slots & Casino", Thumbnail: thumb}, nil
	})
	rec := &recorder{}
	a := &golive.Alerts{Store: newStore(), Kick: kick, Announce: rec}
	at := func(m int) time.Time { return start.Add(time.Duration(m) * time.Minute) }

	_ = a.Status(ctx, "g1", 4402117, at(0), event.Status{Live: true, StartedAt: at(0)}, at(0))
	_ = a.Tick(ctx, "g1", at(1))
	thumb = "https://images.kick.com/video_thumbnails/northwind/1/480.webp"
	_ = a.Tick(ctx, "g1", at(2))
	_ = a.Status(ctx, "g1", 4402117, at(40), event.Status{EndedAt: at(40)}, at(40))
	_ = a.Status(ctx, "g1", 4402117, at(43), event.Status{Live: true, StartedAt: at(43)}, at(43))
	_ = a.Status(ctx, "g1", 4402117, at(90), event.Status{EndedAt: at(90)}, at(90))
	_ = a.Tick(ctx, "g1", at(100))
	for _, p := range rec.posts {
		fmt.Println(p.Kind, p.Post.Embed.Title, p.Post.Embed.Image != "")
	}
	// Output:
	// live BONUS HUNT true
	// offline Stream recap: BONUS HUNT false
}
