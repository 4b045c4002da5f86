package dynamo

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/hunt"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/money"
)

func huntCause(id string) interact.Cause { return interact.Cause{ID: id, Expires: at(60)} }

// runHuntSuite checks the hunt item: its changes once per interaction,
// concurrent adds, and the final balance FinishedHunt gives GTB.
func runHuntSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("Lifecycle", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		if _, ok, err := s.LatestHunt(ctx, "g"); err != nil || ok {
			t.Fatalf("LatestHunt before any = %v, %v, want false, nil", ok, err)
		}
		if _, ok, err := s.FinishedHunt(ctx, "g"); err != nil || ok {
			t.Fatalf("FinishedHunt before any = %v, %v, want false, nil", ok, err)
		}
		_, err := s.AddBonus(ctx, "g", "Gates", 200, huntCause("a0"))
		wantKind(t, "AddBonus without a hunt", err, fault.NotFound)

		h0, err := hunt.New("Friday", 100000, at(0))
		check(t, "New", err)
		_, err = s.StartHunt(ctx, "g", h0, huntCause("s1"))
		check(t, "StartHunt", err)
		if _, err := s.StartHunt(ctx, "g", h0, huntCause("s1")); !errors.Is(err, interact.ErrApplied) {
			t.Errorf("StartHunt replayed = %v, want ErrApplied", err)
		}
		_, err = s.StartHunt(ctx, "g", h0, huntCause("s2"))
		wantKind(t, "StartHunt while one is open", err, fault.Conflict)

		for i, b := range []struct {
			slot string
			bet  money.Cents
		}{{"Gates of Olympus", 200}, {"Sweet Bonanza", 100}, {"Wanted", 300}, {"Big Bass", 200}, {"Dog House", 60}} {
			h, err := s.AddBonus(ctx, "g", b.slot, b.bet, huntCause(fmt.Sprint("a", i+1)))
			check(t, "AddBonus "+b.slot, err)
			if len(h.Bonuses) != i+1 || h.Bonuses[i].Slot != b.slot || h.Bonuses[i].ID != fmt.Sprint("a", i+1) {
				t.Fatalf("AddBonus(%q) = %+v, want it as bonus #%d", b.slot, h.Bonuses, i+1)
			}
		}
		if _, err := s.AddBonus(ctx, "g", "Gates of Olympus", 200, huntCause("a1")); !errors.Is(err, interact.ErrApplied) {
			t.Errorf("AddBonus replayed = %v, want ErrApplied", err)
		}
		_, err = s.AddBonus(ctx, "g", "", 200, huntCause("a9"))
		wantKind(t, "AddBonus of no slot", err, fault.Invalid)

		_, i, err := s.PayBonus(ctx, "g", "gates of olympus", 15000, huntCause("p1"))
		if err != nil || i != 0 {
			t.Fatalf("PayBonus = %d, %v, want 0, nil", i, err)
		}
		_, _, err = s.PayBonus(ctx, "g", "#2", 3333, huntCause("p2"))
		check(t, "PayBonus #2", err)
		// A replay with another amount changes nothing.
		if _, _, err := s.PayBonus(ctx, "g", "#2", 1, huntCause("p2")); !errors.Is(err, interact.ErrApplied) {
			t.Errorf("PayBonus replayed = %v, want ErrApplied", err)
		}
		_, _, err = s.PayBonus(ctx, "g", "Wanted", 1, huntCause("p3"))
		check(t, "PayBonus Wanted", err)
		_, _, err = s.PayBonus(ctx, "g", "#9", 1, huntCause("p4"))
		wantKind(t, "PayBonus #9", err, fault.NotFound)

		_, gone, err := s.RemoveBonus(ctx, "g", "", huntCause("r1"))
		if err != nil || gone.Slot != "Dog House" {
			t.Fatalf("RemoveBonus() = %+v, %v, want Dog House", gone, err)
		}
		// Replayed, it removes nothing more, and says so rather than "no
		// such bonus" even for a bonus it names that is gone.
		if _, _, err := s.RemoveBonus(ctx, "g", "", huntCause("r1")); !errors.Is(err, interact.ErrApplied) {
			t.Errorf("RemoveBonus replayed = %v, want ErrApplied", err)
		}
		_, _, err = s.RemoveBonus(ctx, "g", "dog house", huntCause("r2"))
		wantKind(t, "RemoveBonus of a removed bonus", err, fault.NotFound)
		_, _, err = s.RemoveBonus(ctx, "g", "dog house", huntCause("r1"))
		if !errors.Is(err, interact.ErrApplied) {
			t.Errorf("RemoveBonus replayed naming the bonus it removed = %v, want ErrApplied", err)
		}
		check(t, "add it back", func() error { _, err := s.AddBonus(ctx, "g", "Dog House", 60, huntCause("a6")); return err }())

		got, ok, err := s.LatestHunt(ctx, "g")
		if err != nil || !ok {
			t.Fatalf("LatestHunt = %v, %v", ok, err)
		}
		want := hunt.Totals{Bonuses: 5, Opened: 3, Cost: 100000, Bet: 860, Won: 18334, Profit: -81666,
			Average: 3056, HasAverage: true, BreakEven: 31410, HasBreakEven: true}
		if diff := cmp.Diff(want, got.Totals()); diff != "" {
			t.Errorf("LatestHunt().Totals() mismatch (-want +got):\n%s", diff)
		}
		if got.Name != "Friday" || !got.Started.Equal(at(0)) || !got.Open() {
			t.Errorf("LatestHunt() = %q started %v open %v, want Friday started %v, open", got.Name, got.Started, got.Open(), at(0))
		}
		if _, ok, err := s.FinishedHunt(ctx, "g"); err != nil || ok {
			t.Errorf("FinishedHunt of an open hunt = %v, %v, want false", ok, err)
		}

		fin, err := s.FinishHunt(ctx, "g", at(90), huntCause("f1"))
		if err != nil || fin.Open() {
			t.Fatalf("FinishHunt = %v, %v, want finished", fin.Finished, err)
		}
		if _, err := s.FinishHunt(ctx, "g", at(91), huntCause("f1")); !errors.Is(err, interact.ErrApplied) {
			t.Errorf("FinishHunt replayed = %v, want ErrApplied", err)
		}
		_, err = s.FinishHunt(ctx, "g", at(91), huntCause("f2"))
		wantKind(t, "FinishHunt twice", err, fault.Conflict)
		_, err = s.AddBonus(ctx, "g", "Late", 100, huntCause("a7"))
		wantKind(t, "AddBonus to a finished hunt", err, fault.Conflict)
		if bal, ok, err := s.FinishedHunt(ctx, "g"); err != nil || !ok || bal != 18334 {
			t.Errorf("FinishedHunt = %v, %v, %v, want $183.34, true", bal, ok, err)
		}
		if got, _, _ := s.LatestHunt(ctx, "g"); !got.Finished.Equal(at(90)) {
			t.Errorf("LatestHunt().Finished = %v, want %v", got.Finished, at(90))
		}

		// A new hunt replaces the finished one; the old start's replay
		// changes nothing.
		h1, _ := hunt.New("", 5000, at(120))
		next, err := s.StartHunt(ctx, "g", h1, huntCause("s3"))
		if err != nil || len(next.Bonuses) != 0 || next.Start != 5000 {
			t.Fatalf("StartHunt after a finished hunt = %+v, %v", next, err)
		}
		if _, err := s.StartHunt(ctx, "g", h0, huntCause("s1")); !errors.Is(err, interact.ErrApplied) {
			t.Errorf("the first StartHunt replayed = %v, want ErrApplied", err)
		}
		if _, ok, err := s.FinishedHunt(ctx, "g"); err != nil || ok {
			t.Errorf("FinishedHunt once a new hunt started = %v, %v, want false", ok, err)
		}
		if other, ok, err := s.LatestHunt(ctx, "h"); err != nil || ok {
			t.Errorf("LatestHunt of another guild = %+v, %v, %v, want none", other, ok, err)
		}
	})

	t.Run("ConcurrentAdds", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		h0, _ := hunt.New("", 100000, at(0))
		_, err := s.StartHunt(ctx, "g", h0, huntCause("s"))
		check(t, "StartHunt", err)
		const n = 10
		var wg sync.WaitGroup
		errs := make([]error, 2*n)
		for i := range 2 * n {
			wg.Go(func() {
				// Each add twice, as a retried interaction: once each lands.
				_, errs[i] = s.AddBonus(ctx, "g", fmt.Sprint("slot ", i%n), 100, huntCause(fmt.Sprint("c", i%n)))
			})
		}
		wg.Wait()
		applied := 0
		for i, err := range errs {
			switch {
			case errors.Is(err, interact.ErrApplied):
				applied++
			case err != nil:
				t.Errorf("AddBonus %d = %v", i, err)
			}
		}
		got, _, err := s.LatestHunt(ctx, "g")
		check(t, "LatestHunt", err)
		ids := map[string]bool{}
		for _, b := range got.Bonuses {
			ids[b.ID] = true
		}
		if len(got.Bonuses) != n || len(ids) != n || applied != n {
			t.Errorf("after %d concurrent adds of %d bonuses: %d bonuses, %d distinct, %d replays refused; want %d, %d, %d",
				2*n, n, len(got.Bonuses), len(ids), applied, n, n, n)
		}
	})
}

func TestHuntEmbedded(t *testing.T) {
	runHuntSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}
