package raffle

import (
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/pick"
)

var t0 = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func TestNew(t *testing.T) {
	tests := []struct {
		name          string
		days, winners int
		prize         string
		wantEnds      time.Time
		wantWinners   int
		wantErr       fault.Kind
	}{
		{name: "defaults run to month end", wantEnds: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), wantWinners: 1},
		{name: "days and winners", days: 7, winners: 3, prize: "  a   PS5 ", wantEnds: t0.Add(7 * 24 * time.Hour), wantWinners: 3},
		{name: "too many days", days: MaxDays + 1, wantErr: fault.Invalid},
		{name: "negative days", days: -1, wantErr: fault.Invalid},
		{name: "too many winners", winners: MaxWinners + 1, wantErr: fault.Invalid},
		{name: "long prize", prize: strings.Repeat("x", MaxPrize+1), wantErr: fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(t0, tt.days, tt.winners, tt.prize, "c0ffee", Defaults())
			if tt.wantErr != 0 {
				if !fault.Is(err, tt.wantErr) {
					t.Fatalf("New() error = %v, want kind %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New() error = %v", err)
			}
			if !p.Ends.Equal(tt.wantEnds) || p.Winners != tt.wantWinners || p.State != Open {
				t.Errorf("New() = ends %v winners %d state %s, want ends %v winners %d open", p.Ends, p.Winners, p.State, tt.wantEnds, tt.wantWinners)
			}
			if strings.Contains(p.Prize, "  ") {
				t.Errorf("New() prize = %q, want spaces collapsed", p.Prize)
			}
		})
	}
}

func TestSettingsValidate(t *testing.T) {
	tests := []struct {
		name string
		s    Settings
		ok   bool
	}{
		{"defaults", Defaults(), true},
		{"zero", Settings{}, true},
		{"negative", Settings{PerHour: -1}, false},
		{"too many", Settings{PerGift: MaxPer + 1}, false},
		{"part hour hold", Settings{GiftHold: 90 * time.Minute}, false},
		{"long hold", Settings{GiftHold: (MaxHoldHours + 1) * time.Hour}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.s.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestEntries(t *testing.T) {
	s := Defaults()
	tests := []struct {
		name     string
		e        Entry
		ok       bool
		tickets  int64
		heldTill time.Time
	}{
		{"gift of 5", first(s.GiftEntry("m1", 5, t0)), true, 75, t0.Add(24 * time.Hour)},
		{"gift of none", first(s.GiftEntry("m1", 0, t0)), false, 0, t0.Add(24 * time.Hour)},
		{"sub", first(s.SubEntry("m2", t0)), true, 5, time.Time{}},
		{"kicks 250", first(s.KicksEntry("m3", 250, t0)), true, 2, time.Time{}},
		{"kicks 99", first(s.KicksEntry("m3", 99, t0)), false, 0, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.e.Tickets != tt.tickets || !tt.e.HoldUntil.Equal(tt.heldTill) {
				t.Errorf("entry = %d tickets held till %v, want %d held till %v", tt.e.Tickets, tt.e.HoldUntil, tt.tickets, tt.heldTill)
			}
			if ok := tt.e.Validate() == nil; ok != tt.ok {
				t.Errorf("Validate() ok = %v, want %v", ok, tt.ok)
			}
		})
	}
	noHold := s
	noHold.GiftHold = 0
	if e, _ := noHold.GiftEntry("m", 1, t0); !e.HoldUntil.IsZero() {
		t.Errorf("GiftEntry() with no hold = held till %v, want not held", e.HoldUntil)
	}
}

func first(e Entry, _ bool) Entry { return e }

func TestEntryValidate(t *testing.T) {
	ok := Entry{Cause: "c", Source: Manual, Tickets: -3, At: t0}
	tests := []struct {
		name string
		edit func(*Entry)
		want bool
	}{
		{"manual removal", func(*Entry) {}, true},
		{"no cause", func(e *Entry) { e.Cause = "" }, false},
		{"cause with #", func(e *Entry) { e.Cause = "a#b" }, false},
		{"zero", func(e *Entry) { e.Tickets = 0 }, false},
		{"removal not manual", func(e *Entry) { e.Source = Sub }, false},
		{"unknown source", func(e *Entry) { e.Source = "x" }, false},
		{"too many", func(e *Entry) { e.Tickets = MaxGrant + 1 }, false},
		{"no time", func(e *Entry) { e.At = time.Time{} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ok
			tt.edit(&e)
			if got := e.Validate() == nil; got != tt.want {
				t.Errorf("Validate(%+v) ok = %v, want %v", e, got, tt.want)
			}
		})
	}
}

func TestTicketsTotal(t *testing.T) {
	tests := []struct {
		name      string
		t         Tickets
		total     int64
		giftCount int64
	}{
		{"sources add up", Tickets{By: map[Source]int64{Watch: 20, Sub: 5, Kicks: 1}}, 26, 0},
		{"held gifts do not count", Tickets{By: map[Source]int64{Watch: 10, Gift: 30}, Held: 15}, 25, 15},
		{"never below zero", Tickets{By: map[Source]int64{Watch: 10, Manual: -50}}, 0, 0},
		{"removal ate the held gift", Tickets{By: map[Source]int64{Gift: 15, Manual: -15}, Held: 15}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.t.Total(); got != tt.total {
				t.Errorf("Total() = %d, want %d", got, tt.total)
			}
			if got := tt.t.Counted(Gift); got != tt.giftCount {
				t.Errorf("Counted(Gift) = %d, want %d", got, tt.giftCount)
			}
		})
	}
}

func TestWatchHours(t *testing.T) {
	tests := []struct {
		base, now, want int64
	}{{100, 100, 0}, {100, 159, 0}, {100, 160, 1}, {100, 400, 5}, {500, 100, 0}}
	for _, tt := range tests {
		if got := WatchHours(tt.base, tt.now); got != tt.want {
			t.Errorf("WatchHours(%d, %d) = %d, want %d", tt.base, tt.now, got, tt.want)
		}
	}
}

func TestChance(t *testing.T) {
	tests := []struct {
		mine, total int64
		winners     int
		want        float64
	}{{0, 10, 1, 0}, {1, 4, 1, 25}, {10, 10, 1, 100}, {1, 2, 2, 75}, {5, 0, 1, 0}}
	for _, tt := range tests {
		if got := Chance(tt.mine, tt.total, tt.winners); got != tt.want {
			t.Errorf("Chance(%d, %d, %d) = %v, want %v", tt.mine, tt.total, tt.winners, got, tt.want)
		}
	}
}

func TestTableAndDraw(t *testing.T) {
	seed := pick.Seed(make([]byte, pick.SeedSize))
	p, err := New(t0, 0, 2, "prize", seed.Commitment(), Defaults())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Exclude(7, true); err != nil {
		t.Fatal(err)
	}
	all := []Tickets{
		{UserID: 30, By: map[Source]int64{Watch: 10}},
		{UserID: 7, By: map[Source]int64{Watch: 99}},             // excluded
		{UserID: 4, By: map[Source]int64{Gift: 15}, Held: 15},    // only held
		{UserID: 100, By: map[Source]int64{Sub: 5, Manual: 1}},   // counts
		{UserID: 9, By: map[Source]int64{Watch: 10}},             // banned
		{UserID: 12, By: map[Source]int64{Watch: 5, Manual: -9}}, // zero
	}
	table := p.Table(all, func(u int64) bool { return u == 9 })
	want := []pick.Weighted{{ID: "100", Weight: 6}, {ID: "30", Weight: 10}} // byte order
	if len(table) != len(want) || table[0] != want[0] || table[1] != want[1] {
		t.Fatalf("Table() = %v, want %v", table, want)
	}
	if err := p.Draw(seed, table, map[string]string{"30": "a", "100": "b"}, t0); err != nil {
		t.Fatalf("Draw() error = %v", err)
	}
	if p.State != Drawn || len(p.Result.Names) != 2 || p.Result.Names[0] == p.Result.Names[1] {
		t.Errorf("Draw() = state %s names %v, want drawn with 2 different winners", p.State, p.Result.Names)
	}
	if err := pick.VerifyWeighted(p.Result.Proof, p.ID, table); err != nil {
		t.Errorf("VerifyWeighted() = %v, want nil", err)
	}
	if err := p.Draw(seed, table, nil, t0); !fault.Is(err, fault.Conflict) {
		t.Errorf("Draw() again = %v, want Conflict", err)
	}
	if err := p.End(); !fault.Is(err, fault.Conflict) {
		t.Errorf("End() after draw = %v, want Conflict", err)
	}
}

func TestDrawRefuses(t *testing.T) {
	seed := pick.Seed(make([]byte, pick.SeedSize))
	p, _ := New(t0, 0, 1, "", seed.Commitment(), Defaults())
	other := pick.Seed(append(make([]byte, pick.SeedSize-1), 1))
	if err := p.Draw(other, []pick.Weighted{{ID: "1", Weight: 1}}, nil, t0); !fault.Is(err, fault.Internal) {
		t.Errorf("Draw(wrong seed) = %v, want Internal", err)
	}
	if err := p.Draw(seed, nil, nil, t0); !fault.Is(err, fault.Conflict) {
		t.Errorf("Draw(empty table) = %v, want Conflict", err)
	}
}

func TestAccepts(t *testing.T) {
	p, _ := New(t0, 1, 1, "", "c", Defaults())
	tests := []struct {
		name string
		at   time.Time
		want bool
	}{{"before", t0.Add(-time.Second), false}, {"start", t0, true}, {"end", p.Ends, false}}
	for _, tt := range tests {
		if got := p.Accepts(tt.at); got != tt.want {
			t.Errorf("%s: Accepts(%v) = %v, want %v", tt.name, tt.at, got, tt.want)
		}
	}
}

func TestDrawFewerViewersThanWinners(t *testing.T) {
	seed := pick.Seed(make([]byte, pick.SeedSize))
	p, _ := New(t0, 0, 3, "", seed.Commitment(), Defaults())
	table := []pick.Weighted{{ID: "1", Weight: 5}, {ID: "2", Weight: 1}}
	if err := p.Draw(seed, table, nil, t0); err != nil {
		t.Fatalf("Draw(2 viewers, 3 winners) = %v", err)
	}
	if got := p.Result.Proof.Winners; len(got) != 2 || got[0] == got[1] {
		t.Errorf("Draw(2 viewers, 3 winners) winners = %v, want both viewers once", got)
	}
}
