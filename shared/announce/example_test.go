package announce_test

import (
	"context"
	"fmt"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/event"
)

func Example() {
	ctx := context.Background()
	st, p := newStore("100"), &poster{}
	st.cfg.Kinds = map[announce.Kind]announce.Setting{
		announce.Kicks: {On: true, Channel: "200", Template: "{user} sent {amount} KICKs: thank you!", Role: "300"},
	}
	s := &announce.Service{Store: st, Poster: p}
	ev := event.Event{ID: "delivery-1", Type: event.KicksGifted, Kicks: &event.Kicks{Sender: event.User{ID: 1, Username: "ann"}, Amount: 100}}
	_ = s.Event(ctx, "guild", ev)
	_ = s.Event(ctx, "guild", ev) // a duplicate delivery
	for _, m := range p.got {
		fmt.Printf("#%s %q: %s %v\n", m.Channel, m.Content, m.Embed.Title, m.Embed.Fields)
	}
	// Output:
	// #200 "<@&300> ann sent 100 KICKs: thank you!": KICKs [{From ann true} {Amount 100 KICKs true}]
}
