package announce_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

var t0 = time.Date(2026, 3, 14, 20, 0, 30, 0, time.UTC)

const (
	guild       = "42"
	announceCh  = "100"
	followCh    = "200"
	streamerRol = "300"
)

func service(st *memStore, p *poster) *announce.Service {
	return &announce.Service{Store: st, Poster: p, Follows: st, Channels: channels{"pixel_panda"}, Now: func() time.Time { return t0 }}
}

func TestAnnounceSettings(t *testing.T) {
	post := announce.Post{Embed: interact.Embed{Title: "Live"}, Link: announce.Link{Label: "Watch", URL: "https://kick.com/x"},
		Vars: map[string]string{"title": "Bonus *hunt*"}}
	tests := []struct {
		name    string
		channel string // the guild's announcement channel
		kinds   map[announce.Kind]announce.Setting
		kind    announce.Kind
		want    []announce.Message
	}{
		{"live is on by default, to the announcement channel", announceCh, nil, announce.Live,
			[]announce.Message{{Channel: announceCh, Content: "pixel\\_panda is live!", Embed: post.Embed, Link: post.Link}}},
		{"nothing without an announcement channel", "", nil, announce.Live, nil},
		{"sub is off by default", announceCh, nil, announce.Sub, nil},
		{"switched off", announceCh, map[announce.Kind]announce.Setting{announce.Live: {On: false, Channel: followCh}}, announce.Live, nil},
		{"own channel, template and role", announceCh,
			map[announce.Kind]announce.Setting{announce.Live: {On: true, Channel: followCh, Template: "{title} on {channel} {nope}", Role: streamerRol}},
			announce.Live,
			[]announce.Message{{Channel: followCh, Content: "<@&300> Bonus \\*hunt\\* on pixel\\_panda {nope}", MentionRole: streamerRol,
				Embed: post.Embed, Link: post.Link}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, p := newStore(tt.channel), &poster{}
			st.cfg.Kinds = tt.kinds
			if err := service(st, p).Announce(t.Context(), guild, tt.kind, "c1", post); err != nil {
				t.Fatalf("Announce() = %v, want nil", err)
			}
			if diff := cmp.Diff(tt.want, p.got); diff != "" {
				t.Errorf("posted (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAnnounceOncePerCause(t *testing.T) {
	st, p := newStore(announceCh), &poster{}
	s := service(st, p)
	post := announce.Post{Embed: interact.Embed{Title: "Live"}}
	p.fail = fault.E(fault.Transient, "discord is down")
	if err := s.Announce(t.Context(), guild, announce.Live, "stream-1", post); !fault.Is(err, fault.Transient) {
		t.Fatalf("Announce() with Discord down = %v, want transient", err)
	}
	for range 3 { // the retry, and two duplicates
		if err := s.Announce(t.Context(), guild, announce.Live, "stream-1", post); err != nil {
			t.Fatalf("Announce() again = %v, want nil", err)
		}
	}
	if len(p.got) != 1 {
		t.Errorf("posts = %d, want 1: a failed post is retried, a duplicate posts nothing", len(p.got))
	}
	if err := s.Announce(t.Context(), guild, announce.Live, "stream-2", post); err != nil || len(p.got) != 2 {
		t.Errorf("Announce(another cause) = %v with %d posts, want nil and 2", err, len(p.got))
	}
	for _, bad := range []struct {
		kind  announce.Kind
		cause string
	}{{"nope", "c"}, {announce.Live, ""}} {
		if err := s.Announce(t.Context(), guild, bad.kind, bad.cause, post); !fault.Is(err, fault.Invalid) {
			t.Errorf("Announce(%q, %q) = %v, want invalid", bad.kind, bad.cause, err)
		}
	}
}

// allOn routes every kind to followCh with its default template.
func allOn() map[announce.Kind]announce.Setting {
	m := map[announce.Kind]announce.Setting{}
	for _, k := range announce.Kinds {
		m[k] = announce.Setting{On: true, Channel: followCh}
	}
	return m
}

func users(prefix string, n int) []event.User {
	out := make([]event.User, n)
	for i := range out {
		out[i] = event.User{ID: int64(i + 10), Username: prefix + string(rune('a'+i%26)) + strings.Repeat("x", i/26)}
	}
	return out
}

func TestEventPosts(t *testing.T) {
	alice := event.User{ID: 1, Username: "alice_k"}
	giftees := users("g", 12)
	tests := []struct {
		name string
		ev   event.Event
		want announce.Message
	}{
		{"new sub", event.Event{ID: "d1", Type: event.SubscriptionNew, SentAt: t0, Sub: &event.Sub{Subscriber: alice, Months: 1}},
			announce.Message{Channel: followCh, Content: "alice\\_k subscribed!", Embed: interact.Embed{
				Title: "New subscriber", Description: "**alice\\_k** subscribed!", Color: interact.Accent, Timestamp: t0,
				Fields: []interact.Field{{Name: "Months", Value: "1", Inline: true}}}}},
		{"renewal", event.Event{ID: "d2", Type: event.SubscriptionRenew, SentAt: t0, Sub: &event.Sub{Subscriber: alice, Months: 7, CreatedAt: t0.Add(-time.Hour)}},
			announce.Message{Channel: followCh, Content: "alice\\_k renewed their subscription: 7 months!", Embed: interact.Embed{
				Title: "Subscription renewed", Description: "**alice\\_k** renewed their subscription!", Color: interact.Accent, Timestamp: t0.Add(-time.Hour),
				Fields: []interact.Field{{Name: "Months", Value: "7", Inline: true}}}}},
		{"gift of 12", event.Event{ID: "d3", Type: event.SubscriptionGifts, SentAt: t0, Gifts: &event.Gifts{Gifter: alice, Giftees: giftees}},
			announce.Message{Channel: followCh, Content: "alice\\_k gifted 12 subs!", Embed: interact.Embed{
				Title: "Gifted subs", Description: "**alice\\_k** gifted 12 subs!", Color: interact.Accent, Timestamp: t0,
				Fields: []interact.Field{{Name: "Gifter", Value: "alice\\_k", Inline: true}, {Name: "Subs", Value: "12", Inline: true},
					{Name: "Giftees", Value: "ga, gb, gc, gd, ge, gf, gg, gh, gi, gj and 2 more"}}}}},
		{"anonymous gift of 1", event.Event{ID: "d4", Type: event.SubscriptionGifts, SentAt: t0,
			Gifts: &event.Gifts{Gifter: event.User{Anonymous: true}, Giftees: giftees[:1]}},
			announce.Message{Channel: followCh, Content: "Anonymous gifted a sub!", Embed: interact.Embed{
				Title: "Gifted subs", Description: "**Anonymous** gifted 1 sub!", Color: interact.Accent, Timestamp: t0,
				Fields: []interact.Field{{Name: "Gifter", Value: "Anonymous", Inline: true}, {Name: "Subs", Value: "1", Inline: true},
					{Name: "Giftees", Value: "ga"}}}}},
		{"kicks with a message", event.Event{ID: "d5", Type: event.KicksGifted, SentAt: t0,
			Kicks: &event.Kicks{Sender: alice, Amount: 500, Message: "gg @everyone"}},
			announce.Message{Channel: followCh, Content: "alice\\_k sent 500 KICKs!", Embed: interact.Embed{
				Title: "KICKs", Description: "**alice\\_k** sent 500 KICKs!", Color: interact.Accent, Timestamp: t0,
				Fields: []interact.Field{{Name: "From", Value: "alice\\_k", Inline: true}, {Name: "Amount", Value: "500 KICKs", Inline: true},
					{Name: "Message", Value: "gg @everyone"}}}}},
		{"redemption with input", event.Event{ID: "d6", Type: event.RewardRedemption, SentAt: t0,
			Redemption: &event.Redemption{ID: "r1", Status: "pending", UserInput: "play *Big Bass*", Redeemer: alice, RedeemedAt: t0,
				Reward: event.Reward{Title: "Song request"}}},
			announce.Message{Channel: followCh, Content: "alice\\_k redeemed Song request!", Embed: interact.Embed{
				Title: "Reward redeemed", Description: "**alice\\_k** redeemed **Song request**", Color: interact.Accent, Timestamp: t0,
				Fields: []interact.Field{{Name: "Reward", Value: "Song request", Inline: true}, {Name: "Redeemed by", Value: "alice\\_k", Inline: true},
					{Name: "Input", Value: "play \\*Big Bass\\*"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, p := newStore(announceCh), &poster{}
			st.cfg.Kinds = allOn()
			s := service(st, p)
			for range 2 { // a duplicate delivery posts nothing
				if err := s.Event(t.Context(), guild, tt.ev); err != nil {
					t.Fatalf("Event() = %v, want nil", err)
				}
			}
			if diff := cmp.Diff([]announce.Message{tt.want}, p.got); diff != "" {
				t.Errorf("posted (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEventTemplates(t *testing.T) {
	alice := event.User{ID: 1, Username: "alice"}
	tests := []struct {
		name, template string
		ev             event.Event
		want           string
	}{
		{"months", "{user} x{months}", event.Event{ID: "1", Type: event.SubscriptionRenew, Sub: &event.Sub{Subscriber: alice, Months: 3}}, "alice x3"},
		{"count", "{count} from {user}", event.Event{ID: "2", Type: event.SubscriptionGifts, Gifts: &event.Gifts{Gifter: alice, Giftees: users("g", 3)}}, "3 from alice"},
		{"amount", "{amount}!", event.Event{ID: "3", Type: event.KicksGifted, Kicks: &event.Kicks{Sender: alice, Amount: 100}}, "100!"},
		{"reward and input", "{reward}: {input}", event.Event{ID: "4", Type: event.RewardRedemption,
			Redemption: &event.Redemption{ID: "r", Redeemer: alice, Reward: event.Reward{Title: "Hydrate"}, UserInput: "{user}"}}, "Hydrate: {user}"},
		// Without the guild's own template, the default fits the event.
		{"default sub", "", event.Event{ID: "5", Type: event.SubscriptionNew, Sub: &event.Sub{Subscriber: alice, Months: 1}}, "alice subscribed!"},
		{"default renewal", "", event.Event{ID: "6", Type: event.SubscriptionRenew, Sub: &event.Sub{Subscriber: alice, Months: 3}}, "alice renewed their subscription: 3 months!"},
		{"default renewal of 1 month", "", event.Event{ID: "7", Type: event.SubscriptionRenew, Sub: &event.Sub{Subscriber: alice, Months: 1}}, "alice renewed their subscription!"},
		{"default single gift", "", event.Event{ID: "8", Type: event.SubscriptionGifts, Gifts: &event.Gifts{Gifter: alice, Giftees: users("g", 1)}}, "alice gifted a sub!"},
		{"default gifts", "", event.Event{ID: "9", Type: event.SubscriptionGifts, Gifts: &event.Gifts{Gifter: alice, Giftees: users("g", 2)}}, "alice gifted 2 subs!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, p := newStore(announceCh), &poster{}
			st.cfg.Kinds = allOn()
			for k, v := range st.cfg.Kinds {
				v.Template = tt.template
				st.cfg.Kinds[k] = v
			}
			if err := service(st, p).Event(t.Context(), guild, tt.ev); err != nil || len(p.got) != 1 {
				t.Fatalf("Event() = %v with %d posts, want nil and 1", err, len(p.got))
			}
			if got := p.got[0].Content; got != tt.want {
				t.Errorf("content = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRedemptionOncePerRedemption(t *testing.T) {
	st, p := newStore(announceCh), &poster{}
	st.cfg.Kinds = allOn()
	s := service(st, p)
	for i, status := range []string{"pending", "accepted"} {
		ev := event.Event{ID: "delivery-" + status, Type: event.RewardRedemption, SentAt: t0,
			Redemption: &event.Redemption{ID: "r1", Status: status, Redeemer: event.User{ID: 1, Username: "a"}, Reward: event.Reward{Title: "x"}}}
		if err := s.Event(t.Context(), guild, ev); err != nil {
			t.Fatalf("Event(%d) = %v", i, err)
		}
	}
	if len(p.got) != 1 {
		t.Errorf("posts = %d, want 1: a redemption's status change is not a new redemption", len(p.got))
	}
}

func follow(id string, name string) event.Event {
	return event.Event{ID: id, Type: event.Followed, SentAt: t0, Follow: &event.Follow{Follower: event.User{ID: 1, Username: name}}}
}

// TestFollowBatching: 100 follows in 2 minutes make one post, after the
// tick at which the batch is due; duplicates add nobody.
func TestFollowBatching(t *testing.T) {
	st, p := newStore(announceCh), &poster{}
	st.cfg.Kinds = allOn()
	now := t0
	s := service(st, p)
	s.Now = func() time.Time { return now }
	for i := range 100 {
		now = t0.Add(time.Duration(i) * 1200 * time.Millisecond)
		ev := follow("f"+string(rune('A'+i%26))+strings.Repeat("z", i/26), "viewer_"+string(rune('a'+i%26))+strings.Repeat("z", i/26))
		for range 2 {
			if err := s.Event(t.Context(), guild, ev); err != nil {
				t.Fatalf("Event(follow %d) = %v", i, err)
			}
		}
	}
	q := &queue{}
	tick := func(at time.Time) {
		t.Helper()
		if _, err := announce.QueueDueFollows(t.Context(), st, q, at); err != nil {
			t.Fatalf("QueueDueFollows(%v) = %v", at, err)
		}
	}
	tick(t0.Add(5 * time.Minute)) // 20:05:30: the batch opened at 20:00:30 is due at 20:06
	if len(q.jobs) != 0 {
		t.Fatalf("jobs at 20:05:30 = %v, want none: the batch is due at 20:06", q.jobs)
	}
	tick(t0.Add(5*time.Minute + 30*time.Second))
	tick(t0.Add(6*time.Minute + 30*time.Second)) // the next tick finds it again
	if len(q.jobs) != 2 || q.jobs[0].ID != q.jobs[1].ID {
		t.Fatalf("jobs = %v, want the batch's job twice (one id)", q.jobs)
	}
	for _, j := range q.jobs { // a job delivered twice posts once
		if err := s.FlushFollows(t.Context(), j.Guild, j.Follows); err != nil {
			t.Fatalf("FlushFollows() = %v", err)
		}
	}
	if len(p.got) != 1 {
		t.Fatalf("posts = %d, want exactly 1 for 100 follows in 2 minutes", len(p.got))
	}
	m := p.got[0]
	if m.Channel != followCh || m.Content != "100 new followers!" || m.Embed.Title != "New followers" ||
		!strings.HasSuffix(m.Embed.Description, "viewer\\_y and 75 more") || !strings.HasPrefix(m.Embed.Description, "viewer\\_a, viewer\\_b, ") ||
		!cmp.Equal(m.Embed.Fields, []interact.Field{{Name: "Followers", Value: "100", Inline: true}}) || !m.Embed.Timestamp.Equal(t0) {
		t.Errorf("follow post = %+v, want 100 followers, 25 named, to the follow channel", m)
	}
	q.jobs = nil
	tick(t0.Add(7 * time.Minute))
	if len(q.jobs) != 0 {
		t.Errorf("jobs after the post = %v, want none", q.jobs)
	}
	// A later follow opens a new batch.
	now = t0.Add(8 * time.Minute)
	if err := s.Event(t.Context(), guild, follow("late", "latecomer")); err != nil {
		t.Fatal(err)
	}
	tick(t0.Add(13*time.Minute + 30*time.Second))
	for _, j := range q.jobs {
		if err := s.FlushFollows(t.Context(), j.Guild, j.Follows); err != nil {
			t.Fatal(err)
		}
	}
	if len(p.got) != 2 || p.got[1].Embed.Description != "latecomer" {
		t.Errorf("posts = %+v, want a second post naming latecomer", p.got)
	}
}

func TestFollowRetries(t *testing.T) {
	st, p := newStore(announceCh), &poster{}
	st.cfg.Kinds = allOn()
	s := service(st, p)
	st.failNext = fault.E(fault.Transient, "throttled")
	if err := s.Event(t.Context(), guild, follow("f1", "ann")); !fault.Is(err, fault.Transient) {
		t.Fatalf("Event() with the store failing = %v, want transient", err)
	}
	if err := s.Event(t.Context(), guild, follow("f1", "ann")); err != nil {
		t.Fatalf("Event() retried = %v", err)
	}
	p.fail = fault.E(fault.Transient, "discord is down")
	opened := t0
	if err := s.FlushFollows(t.Context(), guild, opened); !fault.Is(err, fault.Transient) {
		t.Fatalf("FlushFollows() with Discord down = %v, want transient", err)
	}
	// A follow during the failing post opens the next batch.
	s.Now = func() time.Time { return t0.Add(time.Minute) }
	if err := s.Event(t.Context(), guild, follow("f2", "bob")); err != nil {
		t.Fatal(err)
	}
	if err := s.FlushFollows(t.Context(), guild, opened); err != nil {
		t.Fatalf("FlushFollows() retried = %v", err)
	}
	if len(p.got) != 1 || p.got[0].Embed.Description != "ann" {
		t.Fatalf("posts = %+v, want one naming ann", p.got)
	}
	if err := s.FlushFollows(t.Context(), guild, t0.Add(time.Minute)); err != nil || len(p.got) != 2 || p.got[1].Embed.Description != "bob" {
		t.Errorf("FlushFollows(second batch) = %v, posts %+v, want bob's post", err, p.got)
	}
}

func TestFollowsOff(t *testing.T) {
	st, p := newStore(announceCh), &poster{}
	if err := service(st, p).Event(t.Context(), guild, follow("f1", "ann")); err != nil {
		t.Fatal(err)
	}
	if st.open != nil || len(st.due) != 0 {
		t.Errorf("batch = %+v, due %v, want none: follows are off by default", st.open, st.due)
	}
}

func TestFlushFollowsDropsWhatCannotPost(t *testing.T) {
	st, p := newStore(announceCh), &poster{}
	st.cfg.Kinds = allOn()
	s := service(st, p)
	if err := s.Event(t.Context(), guild, follow("f1", "ann")); err != nil {
		t.Fatal(err)
	}
	p.fail = fault.E(fault.Forbidden, "the bot may not post there")
	if err := s.FlushFollows(t.Context(), guild, t0); err != nil {
		t.Fatalf("FlushFollows() to a forbidden channel = %v, want nil (dropped, logged)", err)
	}
	if st.taken != nil || len(st.due) != 0 {
		t.Errorf("taken %+v, due %v, want both cleared", st.taken, st.due)
	}
}

// TestLostBatchPostedByTheNextFollow: a batch whose listing was lost (its
// scheduling failed on every retry) is posted by the first follow after
// the ticks stopped looking for it.
func TestLostBatchPostedByTheNextFollow(t *testing.T) {
	st, p := newStore(announceCh), &poster{}
	st.cfg.Kinds = allOn()
	now := t0
	s := service(st, p)
	s.Now = func() time.Time { return now }
	if err := s.Event(t.Context(), guild, follow("f1", "ann")); err != nil {
		t.Fatal(err)
	}
	clear(st.due) // lost
	st.open.Scheduled = false
	now = t0.Add(10 * time.Minute) // the ticks still look back this far
	if err := s.Event(t.Context(), guild, follow("f2", "bob")); err != nil || len(p.got) != 0 {
		t.Fatalf("Event() = %v, %d posts; want the batch rescheduled, no post", err, len(p.got))
	}
	clear(st.due)
	st.open.Scheduled = false
	now = t0.Add(30 * time.Minute)
	if err := s.Event(t.Context(), guild, follow("f3", "cy")); err != nil {
		t.Fatal(err)
	}
	if len(p.got) != 1 || p.got[0].Embed.Description != "ann, bob, cy" {
		t.Errorf("posts = %+v, want one naming ann, bob and cy", p.got)
	}
	if st.open != nil || st.taken != nil {
		t.Errorf("open %+v, taken %+v after the post, want neither", st.open, st.taken)
	}
}
