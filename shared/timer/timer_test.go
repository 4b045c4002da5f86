package timer_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/timer"
)

var t0 = time.Date(2026, 12, 3, 20, 0, 0, 0, time.UTC)

func mins(n int) time.Duration { return time.Duration(n) * time.Minute }

// chats has each of users chat once at t0+at minutes (and 10 seconds).
func chats(at int, users ...int64) []timer.Chat {
	out := make([]timer.Chat, len(users))
	for i, u := range users {
		out[i] = timer.Chat{UserID: u, At: t0.Add(mins(at) + 10*time.Second)}
	}
	return out
}

func join(parts ...[]timer.Chat) []timer.Chat {
	var out []timer.Chat
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func base() timer.Timer {
	return timer.Timer{Name: "discord", Variants: []string{"Join the Discord!"}, Interval: mins(10),
		MinChatters: 3, Enabled: true, Created: t0.Add(-mins(60)), LastPost: t0}
}

func TestDue(t *testing.T) {
	live := func(c []timer.Chat) timer.Channel {
		return timer.Channel{Live: true, LiveSince: t0.Add(-mins(30)), Chats: c}
	}
	busy := chats(2, 1, 2, 3)
	for _, tt := range []struct {
		name string
		edit func(*timer.Timer)
		now  time.Time
		ch   timer.Channel
		want bool
	}{
		{"interval passed, three chatters", nil, t0.Add(mins(10)), live(busy), true},
		{"interval not passed", nil, t0.Add(mins(9)), live(busy), false},
		{"long after the interval", nil, t0.Add(mins(45)), live(busy), true},
		{"two chatters", nil, t0.Add(mins(10)), live(chats(2, 1, 2)), false},
		{"one viewer chatting every minute", nil, t0.Add(mins(10)), live(join(chats(1, 7), chats(2, 7), chats(3, 7), chats(4, 7))), false},
		{"three across minutes", nil, t0.Add(mins(10)), live(join(chats(1, 1), chats(5, 2), chats(9, 3))), true},
		{"chat before the last post does not count", nil, t0.Add(mins(10)), live(join(chats(-3, 1, 2), chats(4, 3))), false},
		{"chat in the post's own minute counts", nil, t0.Add(mins(10)), live(chats(0, 1, 2, 3)), true},
		{"min chatters 0 posts into silence", func(tm *timer.Timer) { tm.MinChatters = 0 }, t0.Add(mins(10)), live(nil), true},
		{"min chatters 5", func(tm *timer.Timer) { tm.MinChatters = 5 }, t0.Add(mins(10)), live(chats(2, 1, 2, 3, 4)), false},
		{"offline stream", nil, t0.Add(mins(10)), timer.Channel{Chats: busy}, false},
		{"offline stream, offline timer", func(tm *timer.Timer) { tm.Offline = true }, t0.Add(mins(10)), timer.Channel{Chats: busy}, true},
		{"disabled", func(tm *timer.Timer) { tm.Enabled = false }, t0.Add(mins(10)), live(busy), false},
		{"never posted: waits an interval from creation", func(tm *timer.Timer) { tm.LastPost, tm.Created = time.Time{}, t0 }, t0.Add(mins(9)), live(busy), false},
		{"never posted, interval since creation", func(tm *timer.Timer) { tm.LastPost, tm.Created = time.Time{}, t0 }, t0.Add(mins(10)), live(busy), true},
		{"chat before this stream does not count", nil, t0.Add(mins(10)),
			timer.Channel{Live: true, LiveSince: t0.Add(mins(5)), Chats: join(chats(2, 1, 2), chats(6, 3))}, false},
		{"chat before this stream counts for an offline timer", func(tm *timer.Timer) { tm.Offline = true }, t0.Add(mins(10)),
			timer.Channel{Live: true, LiveSince: t0.Add(mins(5)), Chats: join(chats(2, 1, 2), chats(6, 3))}, true},
		{"chat older than the lookback", func(tm *timer.Timer) { tm.LastPost = t0.Add(-48 * time.Hour); tm.Offline = true }, t0.Add(mins(10)),
			timer.Channel{Chats: join(chats(-30*60, 1, 2), chats(5, 3))}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tm := base()
			if tt.edit != nil {
				tt.edit(&tm)
			}
			if got := tm.Due(tt.now, tt.ch); got != tt.want {
				t.Errorf("Due(%v) = %v, want %v", tt.now.Sub(t0), got, tt.want)
			}
		})
	}
}

func TestPickRotates(t *testing.T) {
	tm := base()
	tm.Variants = []string{"a", "b", "c"}
	ch := timer.Channel{Live: true}
	var got []string
	for i := range 5 {
		now := t0.Add(mins(10 * (i + 1)))
		ch.Chats = chats(10*i+1, 1, 2, 3)
		p, ok := timer.Pick([]timer.Timer{tm}, now, ch)
		if !ok {
			t.Fatalf("Pick at %v: nothing due", now.Sub(t0))
		}
		if !p.Prior.Equal(tm.LastPost) || !p.Slot.Equal(now) {
			t.Errorf("Pick at %v: Prior %v, Slot %v; want %v, %v", now.Sub(t0), p.Prior, p.Slot, tm.LastPost, now)
		}
		got = append(got, p.Text)
		tm.LastPost, tm.Next = p.Slot, p.Next
	}
	if want := "a b c a b"; strings.Join(got, " ") != want {
		t.Errorf("posts = %q, want %q", strings.Join(got, " "), want)
	}
}

func TestPickNextOutOfRange(t *testing.T) {
	// An edit that dropped variants leaves Next past the end.
	tm := base()
	tm.Variants, tm.Next = []string{"a", "b"}, 5
	p, ok := timer.Pick([]timer.Timer{tm}, t0.Add(mins(10)), timer.Channel{Live: true, Chats: chats(1, 1, 2, 3)})
	if !ok || p.Text != "b" || p.Next != 0 {
		t.Errorf("Pick with Next 5 of 2 = %+v, %v; want b then 0", p, ok)
	}
}

// TestPickStaggers checks that timers due in the same minute post one a
// minute, the longest waiting first, and never two at once.
func TestPickStaggers(t *testing.T) {
	mk := func(name string, interval int, last int) timer.Timer {
		tm := base()
		tm.Name, tm.Interval, tm.LastPost, tm.MinChatters = name, mins(interval), t0.Add(mins(last)), 0
		return tm
	}
	timers := []timer.Timer{mk("c", 10, 0), mk("b", 10, 0), mk("a", 15, -10), mk("late", 5, -20)}
	ch := timer.Channel{Live: true}
	var order []string
	for i := range 6 {
		now := t0.Add(mins(10 + i))
		p, ok := timer.Pick(timers, now, ch)
		if !ok {
			order = append(order, "-")
			continue
		}
		order = append(order, p.Name)
		for j := range timers {
			if timers[j].Name == p.Name {
				timers[j].LastPost = p.Slot
			}
		}
	}
	// late was due at -15, a at +5, b and c at +10 (by name).
	if got, want := strings.Join(order, " "), "late a b c - late"; got != want {
		t.Errorf("posts a minute from +10 = %q, want %q", got, want)
	}
}

func TestReadFrom(t *testing.T) {
	a, b := base(), base()
	b.Name, b.LastPost = "b", t0.Add(-mins(20))
	old := b
	old.LastPost = t0.Add(-mins(90))
	ch := timer.Channel{Live: true, LiveSince: t0.Add(-mins(25))}
	for _, tt := range []struct {
		name   string
		now    time.Time
		timers []timer.Timer
		want   time.Time
		ok     bool
	}{
		{"none waiting", t0.Add(mins(5)), []timer.Timer{a}, time.Time{}, false},
		{"one waiting", t0.Add(mins(10)), []timer.Timer{a}, t0, true},
		{"the earliest of two", t0.Add(mins(10)), []timer.Timer{a, b}, t0.Add(-mins(20)), true},
		{"no earlier than the stream", t0.Add(mins(10)), []timer.Timer{old}, t0.Add(-mins(25)), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := timer.ReadFrom(tt.timers, tt.now, ch)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("ReadFrom = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(*timer.Timer)
		want fault.Kind
	}{
		{"valid", func(*timer.Timer) {}, 0},
		{"name with capitals", func(tm *timer.Timer) { tm.Name = "Discord" }, fault.Invalid},
		{"name too long", func(tm *timer.Timer) { tm.Name = strings.Repeat("a", 26) }, fault.Invalid},
		{"name of 25", func(tm *timer.Timer) { tm.Name = strings.Repeat("a", 25) }, 0},
		{"name with a space", func(tm *timer.Timer) { tm.Name = "a b" }, fault.Invalid},
		{"empty name", func(tm *timer.Timer) { tm.Name = "" }, fault.Invalid},
		{"interval 4 minutes", func(tm *timer.Timer) { tm.Interval = mins(4) }, fault.Invalid},
		{"interval 5 minutes", func(tm *timer.Timer) { tm.Interval = mins(5) }, 0},
		{"interval of seconds", func(tm *timer.Timer) { tm.Interval = mins(5) + time.Second }, fault.Invalid},
		{"interval over a day", func(tm *timer.Timer) { tm.Interval = 24*time.Hour + time.Minute }, fault.Invalid},
		{"no variants", func(tm *timer.Timer) { tm.Variants = nil }, fault.Invalid},
		{"an empty variant", func(tm *timer.Timer) { tm.Variants = []string{"a", " "} }, fault.Invalid},
		{"variant of 500", func(tm *timer.Timer) { tm.Variants = []string{strings.Repeat("é", 500)} }, 0},
		{"variant of 501", func(tm *timer.Timer) { tm.Variants = []string{"ok", strings.Repeat("x", 501)} }, fault.Invalid},
		{"eleven variants", func(tm *timer.Timer) { tm.Variants = strings.Split("abcdefghijk", "") }, fault.Invalid},
		{"negative min chatters", func(tm *timer.Timer) { tm.MinChatters = -1 }, fault.Invalid},
		{"min chatters 101", func(tm *timer.Timer) { tm.MinChatters = 101 }, fault.Invalid},
		{"stream variables", func(tm *timer.Timer) {
			tm.Variants = []string{"{channel} live for {uptime}: {title} ({category}) {random:a|b} {randnum:1-9}"}
		}, 0},
		{"a viewer variable after a stray brace", func(tm *timer.Timer) { tm.Variants = []string{"{nope} {{user} x"} }, fault.Invalid},
		{"a brace alone", func(tm *timer.Timer) { tm.Variants = []string{"{ user } { and }"} }, 0},
		{"a viewer variable", func(tm *timer.Timer) { tm.Variants = []string{"ok", "hi {User}"} }, fault.Invalid},
		{"a viewer variable with an argument", func(tm *timer.Timer) { tm.Variants = []string{"{points:touser}"} }, fault.Invalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tm := base()
			tt.edit(&tm)
			err := tm.Validate()
			if (tt.want == 0) != (err == nil) || (err != nil && !fault.Is(err, tt.want)) {
				t.Errorf("Validate() = %v, want kind %v", err, tt.want)
			}
		})
	}
}

func TestCanAdd(t *testing.T) {
	var full []timer.Timer
	for i := range timer.MaxTimers {
		tm := base()
		tm.Name = "t" + strings.Repeat("x", i%20) + string(rune('a'+i%26))
		full = append(full, tm)
	}
	if err := timer.CanAdd(append(full[:1:1], base()), base()); !fault.Is(err, fault.Conflict) {
		t.Errorf("CanAdd of a taken name = %v, want Conflict", err)
	}
	if err := timer.CanAdd(full, base()); !fault.Is(err, fault.Invalid) {
		t.Errorf("CanAdd to %d timers = %v, want Invalid", len(full), err)
	}
	if err := timer.CanAdd(full[:timer.MaxTimers-1], base()); err != nil {
		t.Errorf("CanAdd to %d timers = %v, want nil", timer.MaxTimers-1, err)
	}
}

func TestSplit(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"one", "one"},
		{"a || b ||  c ", "a|b|c"},
		{"a||b", "a||b"}, // the separator has spaces: links may hold "||"
	} {
		if got := strings.Join(timer.Split(tt.in), "|"); got != tt.want {
			t.Errorf("Split(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
