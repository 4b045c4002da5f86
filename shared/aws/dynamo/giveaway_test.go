package dynamo

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/giveaway"
	"github.com/kickbot/kickbot/shared/pick"
)

// startGiveaway builds giveaway number of minutes minutes opening at the
// minute m, its seed all b.
func startGiveaway(t *testing.T, number int64, m, minutes int, b byte) giveaway.Giveaway {
	t.Helper()
	g, err := giveaway.Start(giveaway.Options{Prize: "a chair", Keyword: "pizza", Minutes: minutes, Winners: 2, SubLuck: 2},
		number, at(m), bytes.NewReader(bytes.Repeat([]byte{b}, pick.SeedSize)))
	check(t, "giveaway.Start", err)
	return g
}

func entry(user int64, sec int) giveaway.Entry {
	return giveaway.Entry{UserID: user, Username: fmt.Sprint("v", user), Subscriber: user%2 == 0,
		At: t0.Add(time.Duration(sec) * time.Second), MessageID: fmt.Sprintf("m-%d-%d", user, sec)}
}

// runGiveawaySuite checks giveaways and their keyword entries.
func runGiveawaySuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("Life", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		_, err := s.Giveaway(ctx, "g")
		wantKind(t, "Giveaway before any", err, fault.NotFound)
		_, err = s.EndGiveawayOnce(ctx, "g", at(1), cause("e0"))
		wantKind(t, "EndGiveawayOnce before any", err, fault.NotFound)

		g1 := startGiveaway(t, 1, 0, 10, 1)
		got, err := s.StartGiveawayOnce(ctx, "g", g1, cause("s1"))
		check(t, "StartGiveawayOnce", err)
		if diff := cmp.Diff(g1, got); diff != "" {
			t.Errorf("StartGiveawayOnce (-want +got):\n%s", diff)
		}
		if read, err := s.Giveaway(ctx, "g"); err != nil || !cmp.Equal(read, g1) {
			t.Errorf("Giveaway = %+v, %v, want %+v", read, err, g1)
		}
		_, err = s.StartGiveawayOnce(ctx, "g", g1, cause("s1"))
		wantApplied(t, "StartGiveawayOnce replayed", err)
		_, err = s.StartGiveawayOnce(ctx, "g", startGiveaway(t, 2, 1, 10, 2), cause("s2"))
		wantKind(t, "StartGiveawayOnce while running", err, fault.Conflict)
		_, err = s.DrawGiveaway(ctx, "g", 1, pick.WeightedProof{Winners: []string{"a#1"}}, at(5), "d0")
		wantKind(t, "DrawGiveaway while running", err, fault.Conflict)

		ended, err := s.EndGiveawayOnce(ctx, "g", at(4), cause("e1"))
		check(t, "EndGiveawayOnce", err)
		if ended.State != giveaway.Closed || !ended.ClosedAt.Equal(at(4)) {
			t.Errorf("EndGiveawayOnce = %s at %v, want closed at %v", ended.State, ended.ClosedAt, at(4))
		}
		_, err = s.EndGiveawayOnce(ctx, "g", at(4), cause("e1"))
		wantApplied(t, "EndGiveawayOnce replayed", err)

		p := pick.WeightedProof{Commitment: g1.Commitment, Seed: g1.Seed.String(), ClientSeed: "cs", Winners: []string{"a#1", "b#2"}, Entries: 5, Total: 7}
		drawn, err := s.DrawGiveaway(ctx, "g", 1, p, at(5), "d1")
		check(t, "DrawGiveaway", err)
		if drawn.State != giveaway.Drawn || !cmp.Equal(drawn.Proof, p) {
			t.Errorf("DrawGiveaway = %s %+v, want drawn with %+v", drawn.State, drawn.Proof, p)
		}
		again, err := s.DrawGiveaway(ctx, "g", 1, pick.WeightedProof{Winners: []string{"z#9"}}, at(6), "d1")
		if err != nil || !cmp.Equal(again.Proof, p) {
			t.Errorf("DrawGiveaway run again = %+v, %v, want the first draw", again.Proof, err)
		}
		_, err = s.DrawGiveaway(ctx, "g", 1, p, at(6), "d2")
		wantKind(t, "DrawGiveaway for another cause", err, fault.Conflict)

		re := p
		re.Winners = []string{"a#1", "b#2", "c#3"}
		rolled, err := s.RerollGiveaway(ctx, "g", 1, re, "b#2", "r1")
		check(t, "RerollGiveaway", err)
		if !slices.Equal(rolled.CurrentWinners(), []string{"a#1", "c#3"}) {
			t.Errorf("RerollGiveaway winners = %v, want a#1 c#3", rolled.CurrentWinners())
		}
		if _, err := s.RerollGiveaway(ctx, "g", 1, re, "b#2", "r1"); err != nil {
			t.Errorf("RerollGiveaway run again = %v, want the stored reroll", err)
		}
		// A second reroll read before the first landed is refused.
		_, err = s.RerollGiveaway(ctx, "g", 1, re, "a#1", "r2")
		wantKind(t, "RerollGiveaway of a stale draw", err, fault.Conflict)
		check(t, "MarkGiveawayAnnounced", s.MarkGiveawayAnnounced(ctx, "g", 1, 3))

		// A new giveaway replaces the drawn one.
		g2 := startGiveaway(t, 2, 20, 5, 2)
		if _, err := s.StartGiveawayOnce(ctx, "g", g2, cause("s3")); err != nil {
			t.Fatalf("StartGiveawayOnce(second) = %v", err)
		}
		_, err = s.StartGiveawayOnce(ctx, "g", g2, cause("s1"))
		wantApplied(t, "the first StartGiveawayOnce replayed late", err)
		// Run out without /giveaway end: the draw closes it at its end.
		late, err := s.DrawGiveaway(ctx, "g", 2, p, at(30), "d3")
		if err != nil || !late.ClosedAt.Equal(at(25)) || late.State != giveaway.Drawn {
			t.Errorf("DrawGiveaway(ran out) = %s closed %v, %v, want drawn, closed at %v", late.State, late.ClosedAt, err, at(25))
		}
	})

	t.Run("Entries", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		_, err := s.EnterGiveaway(ctx, "g", 1, giveaway.Entry{UserID: 1, At: t0})
		wantKind(t, "EnterGiveaway without a message id", err, fault.Invalid)
		// 60 viewers, each entering three times concurrently (a second
		// keyword message and a retried delivery): one entry each, the
		// first written.
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			added int
		)
		for user := int64(1); user <= 60; user++ {
			for _, e := range []giveaway.Entry{entry(user, 1), entry(user, 1), entry(user, 2)} {
				wg.Go(func() {
					ok, err := s.EnterGiveaway(ctx, "g", 1, e)
					if err != nil {
						t.Errorf("EnterGiveaway = %v", err)
					}
					mu.Lock()
					if ok {
						added++
					}
					mu.Unlock()
				})
			}
		}
		wg.Wait()
		if added != 60 {
			t.Errorf("EnterGiveaway entered %d times, want 60", added)
		}
		_, err = s.EnterGiveaway(ctx, "g", 2, entry(1, 3)) // another giveaway
		check(t, "EnterGiveaway(giveaway 2)", err)
		got, err := s.GiveawayEntries(ctx, "g", 1)
		check(t, "GiveawayEntries", err)
		if len(got) != 60 {
			t.Fatalf("GiveawayEntries = %d entries, want 60", len(got))
		}
		for _, e := range got {
			first, second := entry(e.UserID, 1), entry(e.UserID, 2)
			if !cmp.Equal(e, first) && !cmp.Equal(e, second) {
				t.Errorf("entry of %d = %+v, want %+v or %+v", e.UserID, e, first, second)
			}
		}
		if other, err := s.GiveawayEntries(ctx, "g", 2); err != nil || len(other) != 1 {
			t.Errorf("GiveawayEntries(2) = %v, %v, want one", other, err)
		}
	})
}

func TestBannedAt(t *testing.T) {
	s, _ := newEmbedded(t)
	ctx := t.Context()
	check(t, "RecordBan 1", s.RecordBan(ctx, "g", event.User{ID: 1, Username: "v1"}, at(0), at(60)))  // banned through
	check(t, "RecordBan 2", s.RecordBan(ctx, "g", event.User{ID: 2, Username: "v2"}, at(0), at(5)))   // timeout over
	check(t, "RecordBan 3", s.RecordBan(ctx, "g", event.User{ID: 3, Username: "v3"}, at(20), at(60))) // banned after
	users := []int64{1, 2, 3, 4, 1}
	for i := range 150 { // more than one BatchGetItem
		users = append(users, int64(100+i))
	}
	got, err := s.BannedAt(ctx, "g", users, at(10))
	check(t, "BannedAt", err)
	if want := map[int64]bool{1: true}; !cmp.Equal(got, want) {
		t.Errorf("BannedAt(at 10) = %v, want %v", got, want)
	}
}

func TestGiveawayEmbedded(t *testing.T) {
	runGiveawaySuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}
