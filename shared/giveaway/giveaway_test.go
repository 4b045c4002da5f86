package giveaway

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/pick"
)

var t0 = time.Date(2026, 12, 3, 20, 0, 0, 0, time.UTC)

func random() *bytes.Reader { return bytes.NewReader(bytes.Repeat([]byte{9}, pick.SeedSize)) }

func start(t *testing.T, o Options) Giveaway {
	t.Helper()
	g, err := Start(o, 1, t0, random())
	if err != nil {
		t.Fatalf("Start(%+v) = %v", o, err)
	}
	return g
}

func TestStart(t *testing.T) {
	g := start(t, Options{Prize: "  a gaming chair ", Keyword: " Pizza "})
	want := Giveaway{Number: 1, Prize: "a gaming chair", Keyword: "pizza", Winners: DefaultWinners, SubLuck: 1, State: Open,
		OpenedAt: t0, EndsAt: t0.Add(DefaultMinutes * time.Minute), Seed: g.Seed, Commitment: g.Seed.Commitment()}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("Start mismatch (-want +got):\n%s", diff)
	}
	bad := []struct {
		name string
		o    Options
	}{
		{"no prize", Options{Prize: " "}},
		{"prize too long", Options{Prize: strings.Repeat("x", MaxPrize+1)}},
		{"two-line prize", Options{Prize: "a\nb"}},
		{"two-word keyword", Options{Prize: "p", Keyword: "free pizza"}},
		{"keyword too long", Options{Prize: "p", Keyword: strings.Repeat("k", MaxKeyword+1)}},
		{"too long", Options{Prize: "p", Minutes: MaxMinutes + 1}},
		{"negative minutes", Options{Prize: "p", Minutes: -1}},
		{"too many winners", Options{Prize: "p", Winners: MaxWinners + 1}},
		{"min watch above the length", Options{Prize: "p", Minutes: 5, MinWatch: 6}},
		{"negative min watch", Options{Prize: "p", MinWatch: -1}},
		{"too much luck", Options{Prize: "p", SubLuck: MaxLuck + 1}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Start(tt.o, 1, t0, random()); !fault.Is(err, fault.Invalid) {
				t.Errorf("Start(%+v) = %v, want a fault.Invalid", tt.o, err)
			}
		})
	}
	if _, err := Start(Options{Prize: "p"}, 1, t0, bytes.NewReader(nil)); err == nil {
		t.Error("Start(no randomness) = nil error, want one")
	}
}

func TestMatches(t *testing.T) {
	g := start(t, Options{Prize: "p", Keyword: "pizza", Minutes: 10})
	closed := g
	closed.State, closed.ClosedAt = Closed, t0.Add(time.Minute)
	none := start(t, Options{Prize: "p"})
	late := g
	late.OpenedAt = t0.Add(700 * time.Millisecond)
	tests := []struct {
		name string
		g    Giveaway
		text string
		at   time.Time
		want bool
	}{
		{"the keyword", g, "pizza", t0.Add(time.Second), true},
		{"another case, spaces", g, "  PIZZA ", t0.Add(time.Second), true},
		{"the second it opened, dated to the second", late, "pizza", t0, true},
		{"before it opened", g, "pizza", t0.Add(-time.Second), false},
		{"after it ends", g, "pizza", t0.Add(10 * time.Minute), false},
		{"the keyword in a sentence", g, "i want pizza", t0.Add(time.Second), false},
		{"another word", g, "pizzas", t0.Add(time.Second), false},
		{"closed", closed, "pizza", t0.Add(30 * time.Second), false},
		{"no keyword", none, "", t0.Add(time.Second), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.g.Matches(tt.text, tt.at); got != tt.want {
				t.Errorf("Matches(%q, %v) = %v, want %v", tt.text, tt.at, got, tt.want)
			}
		})
	}
}

func act(user int64, name string, minute int, sub bool) audience.Activity {
	return audience.Activity{UserID: user, Username: name, At: t0.Add(time.Duration(minute)*time.Minute + time.Second), Subscriber: &sub}
}

func TestTable(t *testing.T) {
	kw := start(t, Options{Prize: "p", Keyword: "pizza", Minutes: 10, SubLuck: 3, MinWatch: 2})
	kw.State, kw.ClosedAt = Closed, t0.Add(5*time.Minute)
	open := start(t, Options{Prize: "p", Minutes: 10, SubLuck: 2})
	open.State, open.ClosedAt = Closed, t0.Add(10*time.Minute)
	activity := []audience.Activity{
		act(1, "alice", 0, false), act(1, "alice", 1, true), // 2 minutes, latest a sub
		act(2, "bob", 0, false), act(2, "bob", 0, false), // 1 minute
		act(3, "carol", 2, false), act(3, "carol", 3, false), act(3, "carol", 7, false), // 7 is after kw closed
		act(4, "dave", -1, true), act(4, "dave", -2, true), // before it opened
		act(5, "erin", 1, false), act(5, "erin", 4, false),
	}
	entries := []Entry{
		{UserID: 1, Username: "alice", Subscriber: true, At: t0.Add(time.Minute)},
		{UserID: 2, Username: "bob", At: t0.Add(time.Minute)},   // one minute only
		{UserID: 3, Username: "carol", At: t0.Add(time.Minute)}, // 2 minutes inside
		{UserID: 4, Username: "dave", At: t0.Add(time.Minute)},  // no activity inside
		{UserID: 5, Username: "erin", At: t0.Add(6 * time.Minute)},
		{UserID: 6, Username: "zed", At: t0.Add(time.Minute)}, // excluded
	}
	tests := []struct {
		name     string
		g        Giveaway
		excluded map[int64]bool
		want     []Entrant
	}{
		{"keyword, min watch, sub luck, entry after the end", kw, map[int64]bool{6: true}, []Entrant{
			{UserID: 1, Username: "alice", Tickets: 3, ID: "alice#1"},
			{UserID: 3, Username: "carol", Tickets: 1, ID: "carol#3"},
		}},
		{"every active viewer, banned left out", open, map[int64]bool{5: true}, []Entrant{
			{UserID: 1, Username: "alice", Tickets: 2, ID: "alice#1"},
			{UserID: 2, Username: "bob", Tickets: 1, ID: "bob#2"},
			{UserID: 3, Username: "carol", Tickets: 1, ID: "carol#3"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Table(tt.g, entries, activity, tt.excluded)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Table mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// drawn is a closed keyword giveaway of 3 winners among 8 entrants, drawn.
func drawn(t *testing.T) (Giveaway, []Entrant) {
	t.Helper()
	g := start(t, Options{Prize: "p", Keyword: "pizza", Winners: 3})
	g.State = Closed
	var table []Entrant
	for i := range 8 {
		table = append(table, Entrant{UserID: int64(i + 1), Username: fmt.Sprint("v", i), Tickets: int64(i + 1), ID: EntrantID(int64(i+1), fmt.Sprint("v", i))})
	}
	p, err := Draw(g, "guild", table)
	if err != nil {
		t.Fatal(err)
	}
	g.State, g.Proof = Drawn, p
	return g, table
}

func TestDraw(t *testing.T) {
	g, table := drawn(t)
	if len(g.Proof.Winners) != 3 || g.Proof.Entries != 8 || g.Proof.Total != 36 {
		t.Fatalf("Draw = %+v, want 3 winners of 8 entries and 36 tickets", g.Proof)
	}
	if err := pick.VerifyWeighted(g.Proof, Period("guild", 1), weighted(table)); err != nil {
		t.Errorf("VerifyWeighted(Draw's proof) = %v, want nil", err)
	}
	few := g
	few.State, few.Proof = Closed, pick.WeightedProof{}
	if p, err := Draw(few, "guild", table[:2]); err != nil || len(p.Winners) != 2 {
		t.Errorf("Draw(2 entrants, 3 winners) = %v, %v, want both entrants", p.Winners, err)
	}
	bad := []struct {
		name  string
		state State
		table []Entrant
		kind  fault.Kind
	}{
		{"still open", Open, table, fault.Conflict},
		{"drawn already", Drawn, table, fault.Conflict},
		{"nobody entered", Closed, nil, fault.NotFound},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			h := g
			h.State = tt.state
			if _, err := Draw(h, "guild", tt.table); !fault.Is(err, tt.kind) {
				t.Errorf("Draw(%s, %d entrants) = %v, want a %v", tt.state, len(tt.table), err, tt.kind)
			}
		})
	}
}

func TestReroll(t *testing.T) {
	g, table := drawn(t)
	first := slices.Clone(g.Proof.Winners)
	p, replaced, err := Reroll(g, "guild", table, "")
	if err != nil {
		t.Fatal(err)
	}
	if replaced != first[2] || !slices.Equal(p.Winners[:3], first) || len(p.Winners) != 4 || slices.Contains(first, p.Winners[3]) {
		t.Errorf("Reroll(last) = %v replacing %s, want %v and one new winner, replacing %s", p.Winners, replaced, first, first[2])
	}
	g.Proof, g.Rerolled = p, append(g.Rerolled, replaced)
	if want := []string{first[0], first[1], p.Winners[3]}; !slices.Equal(g.CurrentWinners(), want) {
		t.Errorf("CurrentWinners() = %v, want %v", g.CurrentWinners(), want)
	}
	// A named winner.
	p2, replaced2, err := Reroll(g, "guild", table, first[0])
	if err != nil || replaced2 != first[0] || len(p2.Winners) != 5 {
		t.Errorf("Reroll(%s) = %v, %s, %v, want 5 drawn replacing %s", first[0], p2.Winners, replaced2, err, first[0])
	}
	if err := pick.VerifyWeighted(p2, Period("guild", 1), weighted(table)); err != nil {
		t.Errorf("VerifyWeighted(reroll's proof) = %v, want nil", err)
	}
	changed := slices.Clone(table)
	changed[0].Tickets++
	bad := []struct {
		name  string
		table []Entrant
		who   string
		kind  fault.Kind
	}{
		{"not a winner", table, "nobody#9", fault.NotFound},
		{"a rerolled winner", table, first[2], fault.NotFound},
		{"a changed table", changed, "", fault.Conflict},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := Reroll(g, "guild", tt.table, tt.who); !fault.Is(err, tt.kind) {
				t.Errorf("Reroll(%q) = %v, want a %v", tt.who, err, tt.kind)
			}
		})
	}
	t.Run("everyone drawn", func(t *testing.T) {
		h, table := drawn(t)
		for range 5 {
			p, who, err := Reroll(h, "guild", table, "")
			if err != nil {
				t.Fatal(err)
			}
			h.Proof, h.Rerolled = p, append(h.Rerolled, who)
		}
		if _, _, err := Reroll(h, "guild", table, ""); !fault.Is(err, fault.NotFound) {
			t.Errorf("Reroll(all 8 drawn) = %v, want a fault.NotFound", err)
		}
	})
}

func TestAnnouncement(t *testing.T) {
	g, _ := drawn(t)
	got := Announcement(g)
	for _, w := range g.CurrentWinners() {
		if !strings.Contains(got, "@"+Name(w)) {
			t.Errorf("Announcement = %q, want it to name %s", got, Name(w))
		}
	}
	if !strings.HasPrefix(got, "🎉 Giveaway #1 (p): @") || !strings.Contains(got, "8 entrants, 36 tickets") {
		t.Errorf("Announcement = %q, want the number, prize, winners and counts", got)
	}
	g.Prize = strings.Repeat("x", MaxPrize)
	for range MaxWinners {
		g.Proof.Winners = append(g.Proof.Winners, strings.Repeat("n", 25)+"#1")
	}
	if long := Announcement(g); len([]rune(long)) > MaxAnnouncement || !strings.Contains(long, "…") {
		t.Errorf("Announcement(long) = %d characters, want at most %d, cut with …", len([]rune(long)), MaxAnnouncement)
	}
	g.Proof.Winners = nil
	if got := Announcement(g); !strings.Contains(got, "nobody entered") {
		t.Errorf("Announcement(no winners) = %q, want nobody entered", got)
	}
}

// countingCurrent is a Current that counts its reads.
type countingCurrent struct {
	g     *Giveaway
	reads int
}

func (c *countingCurrent) Giveaway(context.Context, string) (Giveaway, error) {
	c.reads++
	if c.g == nil {
		return Giveaway{}, fault.E(fault.NotFound, "no giveaway")
	}
	return *c.g, nil
}

func TestKeywords(t *testing.T) {
	ctx := context.Background()
	store := &countingCurrent{}
	k := &Keywords{Store: store, KnownTTL: 30 * time.Second, NoneTTL: 5 * time.Second}
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	match := func(text string, s int) bool {
		t.Helper()
		_, ok, err := k.Match(ctx, "guild", text, at(s), at(s))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	// Ordinary chat never reads.
	if match("hello there everyone", 0) || match(strings.Repeat("a", MaxKeyword+1), 0) || store.reads != 0 {
		t.Fatalf("Match(sentences) read %d times, want 0", store.reads)
	}
	// No giveaway: one read, cached for NoneTTL.
	if match("pizza", 0) || match("pizza", 4) || store.reads != 1 {
		t.Errorf("Match(no giveaway) read %d times in 5s, want 1", store.reads)
	}
	g := start(t, Options{Prize: "p", Keyword: "pizza", Minutes: 1})
	store.g = &g
	// Seen once NoneTTL is over; then cached for KnownTTL.
	if !match("pizza", 5) || !match("Pizza", 20) || match("burger", 21) || store.reads != 2 {
		t.Errorf("Match(open giveaway) = reads %d, want 2 and the keyword matched", store.reads)
	}
	// Ended: the cache runs to EndsAt at most.
	if match("pizza", 60) || store.reads != 3 {
		t.Errorf("Match(after EndsAt) = reads %d, want 3 and no match", store.reads)
	}
	// Other guilds have their own entry.
	if _, ok, _ := k.Match(ctx, "other", "pizza", at(61), at(61)); ok || store.reads != 4 {
		t.Errorf("Match(other guild) reads %d, want 4", store.reads)
	}
}

type enterer struct{ entries []Entry }

func (e *enterer) EnterGiveaway(_ context.Context, _ string, _ int64, x Entry) (bool, error) {
	e.entries = append(e.entries, x)
	return true, nil
}

func TestEntrance(t *testing.T) {
	g := start(t, Options{Prize: "p", Keyword: "pizza", Minutes: 5})
	store := &countingCurrent{g: &g}
	got := &enterer{}
	in := &Entrance{Keywords: &Keywords{Store: store}, Store: got}
	sub := event.User{ID: 5, Username: "sue", Badges: []event.Badge{{Type: "subscriber"}}}
	msg := func(id, text string, u event.User, at time.Time) event.Event {
		return event.Event{ID: "d-" + id, Type: event.ChatMessage, Chat: &event.Chat{MessageID: id, Sender: u, Content: text, CreatedAt: at}}
	}
	now := t0.Add(time.Minute)
	for _, ev := range []event.Event{
		msg("a", "hello all", sub, now),                          // not a candidate: no read
		{ID: "f", Type: event.Followed, Follow: &event.Follow{}}, // not chat
		msg("b", "pizza", event.User{Username: "anon"}, now),     // no sender id
		msg("c", "Pizza", sub, now.Add(time.Hour)),               // dated ahead of our clock: taken at now
		msg("d", "burger", sub, now),
	} {
		if err := in.Enter(context.Background(), "guild", ev, now); err != nil {
			t.Fatal(err)
		}
	}
	want := []Entry{{UserID: 5, Username: "sue", Subscriber: true, At: now, MessageID: "c"}}
	if diff := cmp.Diff(want, got.entries); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if store.reads != 1 {
		t.Errorf("giveaway reads = %d, want 1", store.reads)
	}
}
