package announce_test

import (
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/event"
)

// maxContent is Discord's limit on a message's content.
const maxContent = 2000

// TestAnnounceListFits: with every kind's message 400 characters of
// markdown, each escaped twice as long, /announce list's embed held
// about 7,000 characters, and Discord refuses it whole.
func TestAnnounceListFits(t *testing.T) {
	st := newStore(announceCh)
	s := service(st, &poster{})
	s.Flaps = &flaps{}
	message := strings.Repeat("*", announce.MaxTemplate)
	for _, k := range announce.Kinds {
		r := admin("set-"+string(k), "set", "kind", string(k), "channel", "12345678901234567890", "message", message, "role", "12345678901234567890")
		if _, err := s.Handle(t.Context(), r); err != nil {
			t.Fatalf("set %s: %v", k, err)
		}
	}
	resp, err := s.Handle(t.Context(), admin("l", "list"))
	if err != nil || len(resp.Embeds) != 1 {
		t.Fatalf("list = %+v, %v; want one embed", resp, err)
	}
	if why := resp.Embeds[0].Over(); why != "" {
		t.Errorf("list's embed is over Discord's limits: %s", why)
	}
}

// FuzzAnnounceSet sets every kind with any channel, message, role and
// flap window: a refused /announce set changes nothing; an accepted one
// stores exactly what was given (the message trimmed), valid; /announce
// list then fits in one Discord embed, and /announce test posts content
// within Discord's limit that mentions only the role set.
func FuzzAnnounceSet(f *testing.F) {
	f.Add(followCh, " {user} x{months} ", streamerRol, "")
	f.Add("201", "", "", "25")
	f.Add(followCh, strings.Repeat("*", announce.MaxTemplate), "12345678901234567890", "120")
	f.Add("12345678901234567890", strings.Repeat("{title}", 57), streamerRol, "0")
	f.Add("not a channel", "@everyone <@&1> {user}", "<@&300>", "-1")
	f.Add(followCh, "\xff", "", "121")
	f.Add(followCh, strings.Repeat("é", announce.MaxTemplate+1), "", " 7 ")
	f.Fuzz(func(t *testing.T, channel, message, role, flap string) {
		st, fl, p := newStore(announceCh), &flaps{}, &poster{}
		s := service(st, p)
		s.Flaps = fl
		for _, k := range announce.Kinds {
			opts := []string{"kind", string(k), "channel", channel, "message", message, "role", role}
			if k == announce.Live && flap != "" {
				opts = append(opts, "flap_minutes", flap)
			}
			before, flapBefore := st.cfg, fl.set[guild]
			_, err := s.Handle(t.Context(), admin("set-"+string(k), "set", opts...))
			if err != nil {
				if diff := cmp.Diff(before, st.cfg); diff != "" || fl.set[guild] != flapBefore {
					t.Fatalf("refused set %s %q = %v changed the settings (-before +after):\n%s", k, opts, err, diff)
				}
				continue
			}
			want := announce.Setting{On: true, Channel: channel, Template: strings.TrimSpace(message), Role: role}
			if got := st.cfg.Setting(k); got != want || st.cfg.Validate() != nil {
				t.Fatalf("set %s %q stored %+v (valid: %v), want %+v", k, opts, got, st.cfg.Validate(), want)
			}
			if d := fl.set[guild]; d < 0 || d > announce.MaxFlapMinutes*time.Minute || d%time.Minute != 0 {
				t.Fatalf("set %s %q: flap window %v", k, opts, d)
			}
		}
		resp, err := s.Handle(t.Context(), admin("list", "list"))
		if err != nil || len(resp.Embeds) != 1 {
			t.Fatalf("list = %+v, %v; want one embed", resp, err)
		}
		if why := resp.Embeds[0].Over(); why != "" {
			t.Fatalf("set with channel %q message %q role %q: list's embed is over Discord's limits: %s", channel, message, role, why)
		}
		for _, k := range announce.Kinds {
			if _, err := s.Handle(t.Context(), admin("test-"+string(k), "test", "kind", string(k))); err != nil {
				t.Fatalf("test %s = %v", k, err)
			}
		}
		for _, m := range p.got {
			if n := utf8.RuneCountInString(m.Content); n > maxContent || !utf8.ValidString(m.Content) {
				t.Fatalf("message %q posts %d characters (valid UTF-8: %v), want at most %d", message, n, utf8.ValidString(m.Content), maxContent)
			}
			if m.MentionRole != "" && m.MentionRole != role {
				t.Fatalf("post mentions role %q, not one set", m.MentionRole)
			}
		}
	})
}

// FuzzEventPost builds the post of a sub, renewal, gift, KICKs,
// redemption or follow batch from any names, titles, messages and counts Kick might send:
// its embed fits Discord's limits (title 256, description 4,096, each
// field 1,024, 6,000 in all), or Discord refuses the post whole and the
// announcement is lost.
func FuzzEventPost(f *testing.F) {
	f.Add(0, "kick_viewer", "Hydrate!", "a glass of water", 3, int64(100))
	f.Add(2, "", "", "", 0, int64(0))
	f.Add(3, strings.Repeat("_", 300), strings.Repeat("*", 300), strings.Repeat("`", 600), 30, int64(1<<40))
	f.Add(4, strings.Repeat("é", 2000), strings.Repeat("[", 2000), strings.Repeat("|", 5000), 12, int64(-1))
	f.Add(5, strings.Repeat("_", 200), "", "", 40, int64(7))
	f.Fuzz(func(t *testing.T, which int, user, title, text string, n int, amount int64) {
		n = min(max(n, 0), 100)
		u := event.User{ID: 1, Username: user}
		ev := event.Event{ID: "delivery", SentAt: t0}
		if (which%6+6)%6 == 5 {
			names := make([]string, min(n, announce.MaxFollowNames))
			for i := range names {
				names[i] = user + strconv.Itoa(i)
			}
			p := announce.FollowPost(announce.FollowBatch{Opened: t0, Names: names, Count: n + int(amount&0xffff)})
			if why := p.Embed.Over(); why != "" {
				t.Fatalf("FollowPost(%d names of %d characters) embed: %s (description %d characters)", len(names),
					utf8.RuneCountInString(user), why, utf8.RuneCountInString(p.Embed.Description))
			}
			return
		}
		switch (which%6 + 6) % 6 {
		case 0:
			ev.Type, ev.Sub = event.SubscriptionNew, &event.Sub{Subscriber: u, Months: n}
		case 1:
			ev.Type, ev.Sub = event.SubscriptionRenew, &event.Sub{Subscriber: u, Months: n}
		case 2:
			giftees := make([]event.User, n)
			for i := range giftees {
				giftees[i] = event.User{ID: int64(i + 2), Username: title + strconv.Itoa(i)}
			}
			ev.Type, ev.Gifts = event.SubscriptionGifts, &event.Gifts{Gifter: u, Giftees: giftees}
		case 3:
			ev.Type, ev.Kicks = event.KicksGifted, &event.Kicks{Sender: u, Amount: amount, Message: text}
		case 4:
			ev.Type, ev.Redemption = event.RewardRedemption, &event.Redemption{ID: "r1", Redeemer: u, UserInput: text, Reward: event.Reward{Title: title}}
		}
		_, cause, p, ok := announce.EventPost(ev)
		if !ok || cause == "" {
			t.Fatalf("EventPost(%+v) = %q, %v; want a post with a cause", ev, cause, ok)
		}
		e := p.Embed
		if why := e.Over(); why != "" {
			t.Fatalf("EventPost(user %d characters, title %d, text %d) embed: %s (title %d, description %d characters)",
				utf8.RuneCountInString(user), utf8.RuneCountInString(title), utf8.RuneCountInString(text), why,
				utf8.RuneCountInString(e.Title), utf8.RuneCountInString(e.Description))
		}
	})
}
