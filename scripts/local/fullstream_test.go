package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// TestFullStreamScenario plays the replayer's full stream
// (kicksim.FullStream) through the local runner on a simulated clock,
// running the sweep's minute tick (and its follow batches) each simulated
// minute. Kick's channels API has no thumbnail for the first minute and a
// half, so the go-live alert waits for it. It checks every post the fake
// Discord got and every line the fake Kick chat got, in order: the
// go-live embed with the channels API's title, category and thumbnail,
// the role mention and the Watch button; one follow post for the wave;
// the sub, renewal, gift (10 giftees and "and 3 more"), KICKs and
// redemption; the two clips; the recap once the flap window the admin
// set (15 min, not the default 10) has passed; in Kick chat the
// thank-yous and the !clip replies, the early one refused; then /clips
// list and each viewer's points, for watching and for events.
func TestFullStreamScenario(t *testing.T) {
	ctx := context.Background()
	const channel, role = "883082588674195459", "883082588674195460"
	base := time.Date(2026, 11, 21, 20, 0, 0, 0, time.UTC)
	sim := clock.New(base)
	lc := startLiveChannel(t, config{now: sim.Now, interactionsNow: sim.Now})
	r, ds, admin, kick := lc.r, lc.ds, lc.admin, lc.kick
	// The channel's name, as /kick connect stores it (a seed has none).
	if err := r.Store.ConnectChannel(ctx, seededGuild, seededChannel, "northwind", base); err != nil {
		t.Fatal(err)
	}
	sc := kicksim.FullStream{Broadcaster: seededChannel, Start: base, Channel: channel, Role: role}
	live := base.Add(kicksim.FullLiveAfter)
	thumb := "https://images.kick.com/video_thumbnails/northwind/1/480.webp"
	// Its title differs from the status event's, to show where the
	// alert's comes from.
	kickChannel := kickfake.Channel{BroadcasterUserID: seededChannel, Slug: "northwind", Title: "Ranked grind, day 3",
		CategoryName: "Just Chatting", Live: true, StartedAt: live}
	r.KickFake.SetChannel(kickChannel) // no thumbnail yet

	next := base.Add(time.Minute) // the next minute to tick
	tickTo := func(until time.Time) {
		t.Helper()
		for ; !next.After(until); next = next.Add(time.Minute) {
			if next.Equal(live.Add(90 * time.Second).Truncate(time.Minute)) {
				kickChannel.Thumbnail = thumb // Kick made one
				r.KickFake.SetChannel(kickChannel)
			}
			sim.Set(next.Add(time.Second))
			if _, err := r.Sweeper.Run(ctx, watchtime.MinuteOf(next), sim.Now()); err != nil {
				t.Fatal(err)
			}
			if err := r.Queue.Drain(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	var ids discordsim.IDs
	var answers []string
	for _, st := range sc.Steps() {
		tickTo(st.At)
		sim.Set(st.At)
		if st.Command != nil {
			status, body, err := ds.Send(ctx, admin.Command(ids.Next(), st.Command.Name, st.Command.Opts...))
			if err != nil || status != http.StatusOK {
				t.Fatalf("/%s %v: status %d, err %v, body %s", st.Command.Name, st.Command.Opts, status, err, body)
			}
			answers = append(answers, answerText(string(body)))
		} else if status, err := kick.Send(ctx, st.Delivery); err != nil || status != http.StatusOK {
			t.Fatalf("%s at %s: status %d, err %v", st.Delivery.Type, st.At, status, err)
		}
		if err := r.Queue.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	end := live.Add(kicksim.FullMinutes * time.Minute)
	// The recap waits out the flap window /announce set gave.
	tickTo(end.Add((kicksim.FullFlapMinutes - 1) * time.Minute))
	if reqs := r.DiscordFake.Requests(); len(reqs) != 9 {
		t.Errorf("%d posts a minute before the flap window ends, want 9: the recap waits", len(reqs))
	}
	tickTo(end.Add((kicksim.FullFlapMinutes + 1) * time.Minute))

	// The clip markers: the early !clip left none.
	status, body, err := ds.Send(ctx, admin.Command(ids.Next(), "clips", discordsim.Sub("list")))
	if err != nil || status != http.StatusOK {
		t.Fatalf("/clips list: status %d, err %v", status, err)
	}
	want := "Clips of the stream started 2026-11-21 20:00 UTC (2):\n`0:01:35` Big play, by viewer002\n`0:05:35` Clutch, by viewer004"
	if got := answerText(string(body)); got != want {
		t.Errorf("/clips list = %q, want %q", got, want)
	}
	if flap := "A stream back online within 15 min of going offline continues the last one"; !strings.Contains(answers[0], flap) {
		t.Errorf("/announce set kind:live answered %q, want %q", answers[0], flap)
	}
	for i, a := range answers {
		answers[i], _, _ = strings.Cut(a, "\n") // the first line
	}
	ch := "<#" + channel + ">"
	wantAnswers := []string{
		"live announcements go to " + ch + ", mentioning <@&" + role + ">: " + kicksim.FullLiveTemplate,
		"offline announcements go to " + ch + ": {channel} went offline.",
		"follow announcements go to " + ch + ": {count} new followers!",
		"sub announcements go to " + ch + ": {user} subscribed!",
		"gift announcements go to " + ch + ": {user} gifted {count} subs!",
		"kicks announcements go to " + ch + ": {user} sent {amount} KICKs!",
		"redemption announcements go to " + ch + ": {user} redeemed {reward}!",
		"clip announcements go to " + ch + ": {user} clipped the stream!",
		"Saved.", "Saved.", "Saved.", "Saved.",
	}
	if diff := cmp.Diff(wantAnswers, answers); diff != "" {
		t.Errorf("slash command answers, first lines (-want +got):\n%s", diff)
	}
	var said []string
	for _, m := range r.KickFake.Messages() {
		said = append(said, m.Content)
	}
	wantSaid := []string{
		"@viewer002 clip marked at 0:01:35: Big play", // 2:05 into the stream, less the 30 s lead
		// viewer002's second !clip, 45 s later, is within the viewer's
		// cooldown: refused without a word, as chat commands are.
		"Thanks viewer001 for 1 months!",
		"Thanks viewer002 for 7 months!",
		"Thank you viewer003 for gifting 13 subs!",
		"viewer004 sent 500 KICKs, thank you!",
		"@viewer004 clip marked at 0:05:35: Clutch",
	}
	if diff := cmp.Diff(wantSaid, said); diff != "" {
		t.Errorf("Kick chat (-want +got):\n%s", diff)
	}
	var posted []string
	for _, req := range r.DiscordFake.Requests() {
		posted = append(posted, renderPost(req))
	}
	at := func(min, sec int) string {
		return live.Add(time.Duration(min)*time.Minute + time.Duration(sec)*time.Second).Format(time.RFC3339)
	}
	started := fmt.Sprintf("<t:%d:f>", live.Unix())
	nobody := "(may notify [] <nil>)"
	post := "#" + channel + " "
	wantPosted := []string{
		// Posted by the tick after Kick had a thumbnail.
		post + "<@&" + role + "> northwind is live: Ranked grind, day 3 (Just Chatting) (may notify [] [" + role + "])" +
			" [Ranked grind, day 3 | url=https://kick.com/northwind | description=northwind is live on Kick. | timestamp=" + at(0, 0) +
			" | image=" + thumb + " | Category=Just Chatting] (button Watch https://kick.com/northwind)",
		post + "viewer002 clipped the stream! " + nobody + " [🎬 Big play | url=https://kick.com/northwind" +
			" | description=Clip marked 0:01:35 into the stream started " + started + ". | timestamp=" + at(2, 5) +
			" | Offset=0:01:35 | Requested by=viewer002 | Stream=Ranked grind, !discord] (button Watch on Kick https://kick.com/northwind)",
		post + "viewer001 subscribed! " + nobody + " [New subscriber | description=**viewer001** subscribed! | timestamp=" + at(4, 20) + " | Months=1]",
		post + "viewer002 renewed their subscription: 7 months! " + nobody + " [Subscription renewed | description=**viewer002** renewed their subscription! | timestamp=" + at(4, 40) + " | Months=7]",
		post + "viewer003 gifted 13 subs! " + nobody + " [Gifted subs | description=**viewer003** gifted 13 subs! | timestamp=" + at(5, 0) +
			" | Gifter=viewer003 | Subs=13 | Giftees=viewer020, viewer021, viewer022, viewer023, viewer024, viewer025, viewer026, viewer027, viewer028, viewer029 and 3 more]",
		post + "viewer004 sent 500 KICKs! " + nobody + " [KICKs | description=**viewer004** sent 500 KICKs! | timestamp=" + at(5, 30) +
			" | From=viewer004 | Amount=500 KICKs | Message=lets go]",
		post + "viewer004 clipped the stream! " + nobody + " [🎬 Clutch | url=https://kick.com/northwind" +
			" | description=Clip marked 0:05:35 into the stream started " + started + ". | timestamp=" + at(6, 5) +
			" | Offset=0:05:35 | Requested by=viewer004 | Stream=Ranked grind, !discord] (button Watch on Kick https://kick.com/northwind)",
		post + "viewer005 redeemed Hydrate!! " + nobody + " [Reward redeemed | description=**viewer005** redeemed **Hydrate!** | timestamp=" + at(6, 15) +
			" | Reward=Hydrate! | Redeemed by=viewer005 | Input=play the cursed map]",
		// The wave's one post, at the first tick 5 min after its first
		// follow; the re-sent follow counted once.
		post + "4 new followers! " + nobody + " [New followers | description=viewer010, viewer011, viewer012, viewer013 | timestamp=" + at(1, 5) + " | Followers=4]",
		// The tick past the 15 min flap window. The followers count as
		// active viewers (any viewer's event does), hence 10 chatters.
		// A chatter's minutes are the wall-clock minutes it was active
		// in: viewer005's skipped one is filled by its redemption,
		// viewer002's by its !clips and renewal; the stream's last,
		// partial minute (20:10:00 to the end at 20:10:30) counts
		// viewer003 and viewer005.
		post + "northwind went offline. " + nobody + " [Stream recap: Ranked grind, day 3 | url=https://kick.com/northwind" +
			" | description=northwind streamed for 10m. | timestamp=" + at(10, 0) + " | Duration=10m | Peak active viewers=7 | Active viewers=10" +
			" | Minutes watched=77 | Points for watching=15 | New follows=4 | Subs=2 | Gifted subs=13 | KICKs=500" +
			" | Most active (minutes)=1. viewer000 (10 min)\n2. viewer005 (10 min)\n3. viewer002 (9 min)\n4. viewer003 (8 min)\n5. viewer004 (8 min) | footer=Stream recap]",
	}
	if diff := cmp.Diff(wantPosted, posted); diff != "" {
		t.Errorf("Discord (-want +got):\n%s", diff)
	}
	// Points: the default 1 per 5 minutes watched (the recap's 77
	// minutes, 15.4 points) and the events' points, each once.
	for name, want := range map[string]int64{
		"viewer000": 2000,          // 10 minutes
		"viewer001": 100000 + 2000, // a sub
		"viewer002": 100000 + 2000, // a renewal
		"viewer003": 130000 + 1800, // 13 gifted subs
		"viewer004": 10000 + 1800,  // 500 KICKs
		"viewer005": 1800,          // a redemption earns nothing
		"viewer010": 5000 + 1000,   // a first follow, then active 5 minutes
		"viewer011": 5000 + 1000,   // the same, its follow re-sent
		"viewer020": 0,             // a giftee
	} {
		if v, err := r.Store.ViewerByName(ctx, seededGuild, name); err != nil || v.PointsMilli != want {
			t.Errorf("points of %s = %d milli, %v; want %d", name, v.PointsMilli, err, want)
		}
	}
	if f := r.KickFake.Failures(); len(f) != 0 {
		t.Errorf("fake Kick refused: %q", f)
	}
}

// renderPost is a Discord request on one line, with all of a post that
// a member sees or that decides who is notified: the channel, the
// content, which mentions may notify, each embed's title, link,
// description, image, fields and footer, and the link buttons.
func renderPost(req discord.Request) string {
	body, _ := req.Body.(map[string]any)
	parts := []string{renderDiscord(discord.Request{Method: req.Method, Path: req.Path})}
	if c, _ := body["content"].(string); c != "" {
		parts = append(parts, c)
	}
	if am, ok := body["allowed_mentions"].(map[string]any); ok {
		parts = append(parts, fmt.Sprintf("(may notify %v %v)", am["parse"], am["roles"]))
	}
	embeds, _ := body["embeds"].([]any)
	for _, e := range embeds {
		em, _ := e.(map[string]any)
		s := fmt.Sprintf("[%v", em["title"])
		for _, k := range []string{"url", "description", "timestamp"} {
			if v, ok := em[k]; ok {
				s += fmt.Sprintf(" | %s=%v", k, v)
			}
		}
		if img, ok := em["image"].(map[string]any); ok {
			s += fmt.Sprintf(" | image=%v", img["url"])
		}
		fields, _ := em["fields"].([]any)
		for _, f := range fields {
			fm, _ := f.(map[string]any)
			s += fmt.Sprintf(" | %v=%v", fm["name"], fm["value"])
		}
		if f, ok := em["footer"].(map[string]any); ok {
			s += fmt.Sprintf(" | footer=%v", f["text"])
		}
		parts = append(parts, s+"]")
	}
	rows, _ := body["components"].([]any)
	for _, row := range rows {
		rm, _ := row.(map[string]any)
		cs, _ := rm["components"].([]any)
		for _, c := range cs {
			cm, _ := c.(map[string]any)
			parts = append(parts, fmt.Sprintf("(button %v %v)", cm["label"], cm["url"]))
		}
	}
	return strings.Join(parts, " ")
}
