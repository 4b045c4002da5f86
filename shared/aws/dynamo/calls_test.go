package dynamo

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/calls"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/pick"
)

// callSeed is a fixed seed for the rounds of these tests.
var callSeed = pick.Seed(make([]byte, pick.SeedSize))

func openRound(t *testing.T, s *Store, id string, limit int, dup bool) calls.State {
	t.Helper()
	st, err := s.CallState(t.Context(), "g")
	check(t, "CallState", err)
	st, err = calls.Open(st, id, limit, dup, callSeed, t0)
	check(t, "Open", err)
	check(t, "SaveCallState", s.SaveCallState(t.Context(), "g", st, cause("open-"+id)))
	st, err = s.CallState(t.Context(), "g")
	check(t, "CallState", err)
	return st
}

func newCall(r calls.Round, id string, user int64, slot string) calls.Call {
	return calls.Call{Round: r.ID, ID: id, UserID: user, Username: fmt.Sprintf("u%d", user), Slot: slot, At: t0}
}

// runCallsSuite checks the slot call methods: AddCall's limit, duplicate
// rule, numbering and retries, also under concurrent calls, the state's
// versioned writes and PickCall.
func runCallsSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("LimitUnderConcurrency", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		st := openRound(t, s, "r1", 1, true)
		// 100 calls from 20 viewers, five each, all at once.
		var wg sync.WaitGroup
		outs := make([]calls.Outcome, 100)
		errs := make([]error, 100)
		for i := range 100 {
			wg.Go(func() {
				c := newCall(st.Round, fmt.Sprintf("m%03d", i), int64(1000+i%20), fmt.Sprintf("slot %d", i))
				_, outs[i], errs[i] = s.AddCall(t.Context(), "g", st.Round, c)
			})
		}
		wg.Wait()
		check(t, "AddCall", errors.Join(errs...))
		accepted := 0
		for _, o := range outs {
			if o == calls.Accepted {
				accepted++
			} else if o != calls.AtLimit {
				t.Errorf("AddCall outcome %d, want Accepted or AtLimit", o)
			}
		}
		if accepted != 20 {
			t.Errorf("accepted %d calls, want 20 (one per viewer)", accepted)
		}
		all, err := s.Calls(t.Context(), "g", "r1")
		check(t, "Calls", err)
		users := map[int64]bool{}
		for i, c := range all {
			if c.Number != i+1 {
				t.Errorf("call %d has number %d, want %d (numbers 1…20, none twice)", i, c.Number, i+1)
			}
			users[c.UserID] = true
		}
		if len(all) != 20 || len(users) != 20 {
			t.Errorf("Calls = %d calls of %d viewers, want 20 of 20", len(all), len(users))
		}
	})
	t.Run("DuplicatesUnderConcurrency", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		st := openRound(t, s, "r1", 0, false)
		spellings := []string{"Sweet Bonanza", "sweet bonanza", "SWEETBONANZA", "Sweet  Bonanza", "sweetBonanza"}
		var wg sync.WaitGroup
		outs := make([]calls.Outcome, 20)
		errs := make([]error, 20)
		for i := range 20 {
			wg.Go(func() {
				c := newCall(st.Round, fmt.Sprintf("m%02d", i), int64(1+i), spellings[i%len(spellings)])
				_, outs[i], errs[i] = s.AddCall(t.Context(), "g", st.Round, c)
			})
		}
		wg.Wait()
		check(t, "AddCall", errors.Join(errs...))
		n := map[calls.Outcome]int{}
		for _, o := range outs {
			n[o]++
		}
		if want := map[calls.Outcome]int{calls.Accepted: 1, calls.Duplicate: 19}; !cmp.Equal(n, want) {
			t.Errorf("outcomes = %v, want %v", n, want)
		}
	})
	t.Run("RulesInOrder", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		st := openRound(t, s, "r1", 2, false)
		tests := []struct {
			name   string
			call   calls.Call
			want   calls.Outcome
			number int
		}{
			{"first call", newCall(st.Round, "m1", 7, "Gates of Olympus"), calls.Accepted, 1},
			{"the same message again", newCall(st.Round, "m1", 7, "Gates of Olympus"), calls.Again, 1},
			{"a slot called already", newCall(st.Round, "m2", 8, "gates of olympus"), calls.Duplicate, 0},
			{"another viewer", newCall(st.Round, "m3", 8, "Wanted Dead or a Wild"), calls.Accepted, 2},
			{"the viewer's second", newCall(st.Round, "m4", 7, "Sugar Rush"), calls.Accepted, 3},
			{"the viewer's third, over the limit", newCall(st.Round, "m5", 7, "Big Bass"), calls.AtLimit, 0},
			{"the second again", newCall(st.Round, "m4", 7, "Sugar Rush"), calls.Again, 3},
		}
		for _, tt := range tests {
			got, out, err := s.AddCall(ctx, "g", st.Round, tt.call)
			check(t, tt.name, err)
			if out != tt.want || got.Number != tt.number {
				t.Errorf("%s: AddCall = #%d, outcome %d, want #%d, outcome %d", tt.name, got.Number, out, tt.number, tt.want)
			}
		}
		// Another round starts afresh: its own limits and slots.
		st2, err := calls.Clear(st, "r2", callSeed, t0)
		check(t, "Clear", err)
		check(t, "SaveCallState", s.SaveCallState(ctx, "g", st2, cause("clear")))
		got, out, err := s.AddCall(ctx, "g", st2.Round, newCall(st2.Round, "m6", 7, "Big Bass"))
		if err != nil || out != calls.Accepted || got.Number != 1 {
			t.Errorf("AddCall in a cleared round = #%d, %d, %v, want #1 accepted", got.Number, out, err)
		}
		all, err := s.Calls(ctx, "g", "r1")
		check(t, "Calls", err)
		want := []calls.Call{
			{Round: "r1", ID: "m1", Number: 1, UserID: 7, Username: "u7", Slot: "Gates of Olympus", At: t0},
			{Round: "r1", ID: "m3", Number: 2, UserID: 8, Username: "u8", Slot: "Wanted Dead or a Wild", At: t0},
			{Round: "r1", ID: "m4", Number: 3, UserID: 7, Username: "u7", Slot: "Sugar Rush", At: t0},
		}
		if diff := cmp.Diff(want, all); diff != "" {
			t.Errorf("Calls (-want +got):\n%s", diff)
		}
		if item := rawItem(t, s, callKey("g", "r1", 7, "m1")); item["expiresAt"] == nil {
			t.Error("a call has no expiresAt: it would be kept for ever")
		}
	})
	t.Run("StateAndPick", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		st := openRound(t, s, "r1", 1, false)
		if st.Version != 1 || !st.Round.Open || st.Round.Commitment != callSeed.Commitment() {
			t.Errorf("CallState after open = %+v, want version 1, open, the seed's commitment", st)
		}
		// A replayed interaction changes nothing; a stale version is refused.
		again, err := calls.Close(st)
		check(t, "Close", err)
		if err := s.SaveCallState(ctx, "g", again, cause("open-r1")); !errors.Is(err, interact.ErrApplied) {
			t.Errorf("SaveCallState replayed = %v, want ErrApplied", err)
		}
		stale := st
		stale.Version = 0
		wantKind(t, "SaveCallState of a stale state", s.SaveCallState(ctx, "g", stale, cause("x")), fault.Conflict)
		for i, slot := range []string{"A", "B", "C"} {
			_, _, err := s.AddCall(ctx, "g", st.Round, newCall(st.Round, fmt.Sprintf("m%d", i), int64(10+i), slot))
			check(t, "AddCall", err)
		}
		all, err := s.Calls(ctx, "g", "r1")
		check(t, "Calls", err)
		if pc, ok, err := s.PickedCall(ctx, "g"); err != nil || ok {
			t.Errorf("PickedCall before a pick = %+v, %v, %v, want none", pc, ok, err)
		}
		p, err := calls.Draw(st.Round, calls.Pending(all), t0)
		check(t, "Draw", err)
		after := calls.Picked(st, p, pick.Seed(make([]byte, pick.SeedSize)))
		check(t, "PickCall", s.PickCall(ctx, "g", after))
		// /hunt add without a slot takes the pick.
		want := interact.PickedCall{Slot: p.Call.Slot, By: p.Call.Username, Number: p.Call.Number}
		if pc, ok, err := s.PickedCall(ctx, "g"); err != nil || !ok || pc != want {
			t.Errorf("PickedCall after the pick = %+v, %v, %v, want %+v", pc, ok, err, want)
		}
		wantKind(t, "PickCall again from the same state", s.PickCall(ctx, "g", after), fault.Conflict)
		got, err := s.CallState(ctx, "g")
		check(t, "CallState", err)
		if got.Last == nil || got.Last.Call.ID != p.Call.ID || got.Current == nil || got.Current.Slot != p.Call.Slot || got.Round.Picks != 1 {
			t.Errorf("CallState after the pick = %+v, want the pick as last and current, 1 pick", got)
		}
		if err := pick.Verify(got.Last.Proof); err != nil {
			t.Errorf("Verify(stored proof) = %v", err)
		}
		all, err = s.Calls(ctx, "g", "r1")
		check(t, "Calls", err)
		if pending := calls.Pending(all); len(pending) != 2 || !all[p.Call.Number-1].Picked {
			t.Errorf("after the pick %d calls pending and call #%d picked=%v, want 2 and true", len(pending), p.Call.Number, all[p.Call.Number-1].Picked)
		}
		check(t, "MarkCallPosted", s.MarkCallPosted(ctx, "g", all[0]))
		c, out, err := s.AddCall(ctx, "g", st.Round, all[0])
		if err != nil || out != calls.Again || !c.Posted {
			t.Errorf("AddCall of a posted call = %+v, %d, %v, want it again, posted", c, out, err)
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		r := calls.Round{ID: "r1", Open: true, Limit: 1}
		good := newCall(r, "m1", 1, "A")
		for _, tt := range []struct {
			name   string
			change func(c *calls.Call)
		}{
			{"no id", func(c *calls.Call) { c.ID = "" }},
			{"no viewer", func(c *calls.Call) { c.UserID = 0 }},
			{"no slot", func(c *calls.Call) { c.Slot = "" }},
			{"no time", func(c *calls.Call) { c.At = time.Time{} }},
			{"a long id", func(c *calls.Call) { c.ID = strings.Repeat("x", 200) }},
		} {
			c := good
			tt.change(&c)
			_, _, err := s.AddCall(t.Context(), "g", r, c)
			wantKind(t, "AddCall with "+tt.name, err, fault.Invalid)
		}
		_, _, err := s.AddCall(t.Context(), "", r, good)
		wantKind(t, "AddCall without a guild", err, fault.Invalid)
		_, err = s.CallState(t.Context(), "")
		wantKind(t, "CallState without a guild", err, fault.Invalid)
	})
}

func TestCallsEmbedded(t *testing.T) {
	runCallsSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}
