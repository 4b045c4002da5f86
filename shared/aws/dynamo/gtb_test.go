package dynamo

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/gtb"
	"github.com/kickbot/kickbot/shared/money"
)

func gtbGuess(user int64, amount money.Cents, ms int, msg string) gtb.Guess {
	return gtb.Guess{UserID: user, Username: fmt.Sprint("v", user), Amount: amount, At: t0.Add(time.Duration(ms) * time.Millisecond), MessageID: msg}
}

// byUser maps guesses to their viewers.
func byUser(gs []gtb.Guess) map[int64]gtb.Guess {
	out := map[int64]gtb.Guess{}
	for _, g := range gs {
		out[g.UserID] = g
	}
	return out
}

// runGTBSuite checks the rounds of guess the balance and their guesses.
func runGTBSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("Rounds", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		_, err := s.GTBRound(ctx, "g")
		wantKind(t, "GTBRound before any", err, fault.NotFound)
		_, err = s.CloseGTBOnce(ctx, "g", at(1), cause("c0"))
		wantKind(t, "CloseGTBOnce before any", err, fault.NotFound)

		r, err := s.OpenGTBOnce(ctx, "g", 2, at(1), cause("o1"))
		check(t, "OpenGTBOnce", err)
		want := gtb.Round{Number: 1, State: gtb.Open, Winners: 2, OpenedAt: at(1)}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("OpenGTBOnce (-want +got):\n%s", diff)
		}
		_, err = s.OpenGTBOnce(ctx, "g", 2, at(1), cause("o1"))
		wantApplied(t, "OpenGTBOnce replayed", err)
		_, err = s.OpenGTBOnce(ctx, "g", 3, at(2), cause("o2"))
		wantKind(t, "OpenGTBOnce while open", err, fault.Conflict)
		_, err = s.OpenGTBOnce(ctx, "g", 11, at(2), cause("o3"))
		wantKind(t, "OpenGTBOnce of 11 winners", err, fault.Invalid)
		_, err = s.ResultGTB(ctx, "g", 1, 100, nil, "r0")
		wantKind(t, "ResultGTB while open", err, fault.Conflict)

		r, err = s.CloseGTBOnce(ctx, "g", at(5), cause("c1"))
		check(t, "CloseGTBOnce", err)
		want.State, want.ClosedAt = gtb.Closed, at(5)
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("CloseGTBOnce (-want +got):\n%s", diff)
		}
		_, err = s.CloseGTBOnce(ctx, "g", at(6), cause("c1"))
		wantApplied(t, "CloseGTBOnce replayed", err)
		_, err = s.CloseGTBOnce(ctx, "g", at(6), cause("c2"))
		wantKind(t, "CloseGTBOnce when closed", err, fault.NotFound)

		placed := gtb.Winners([]gtb.Guess{gtbGuess(7, 1234_00, 5, "m1"), gtbGuess(8, 1300_00, 6, "m2")}, 1240_00, 2)
		r, err = s.ResultGTB(ctx, "g", 1, 1240_00, placed, "r1")
		check(t, "ResultGTB", err)
		want.State, want.Result, want.Placed = gtb.Resulted, 1240_00, placed
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("ResultGTB (-want +got):\n%s", diff)
		}
		// The job run again, with other winners (a guess came late): the
		// first result stands.
		r, err = s.ResultGTB(ctx, "g", 1, 1240_00, placed[:1], "r1")
		check(t, "ResultGTB again", err)
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("ResultGTB again (-want +got):\n%s", diff)
		}
		_, err = s.ResultGTB(ctx, "g", 1, 5, nil, "r2")
		wantKind(t, "ResultGTB of another interaction", err, fault.Conflict)
		check(t, "MarkGTBAnnounced", s.MarkGTBAnnounced(ctx, "g", 1))
		want.Announced = true
		got, err := s.GTBRound(ctx, "g")
		check(t, "GTBRound", err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GTBRound (-want +got):\n%s", diff)
		}

		r, err = s.OpenGTBOnce(ctx, "g", 3, at(10), cause("o4"))
		check(t, "OpenGTBOnce of the next", err)
		if r.Number != 2 || r.State != gtb.Open || r.Placed != nil || r.Announced {
			t.Errorf("OpenGTBOnce of the next = %+v, want #2 open and empty", r)
		}
		_, err = s.ResultGTB(ctx, "g", 1, 5, nil, "r1")
		wantKind(t, "ResultGTB of a replaced round", err, fault.Conflict)
		// Replays of round 1's commands are told apart from refusals, and
		// change nothing of round 2.
		_, err = s.OpenGTBOnce(ctx, "g", 2, at(1), cause("o1"))
		wantApplied(t, "OpenGTBOnce of round 1 replayed", err)
		_, err = s.CloseGTBOnce(ctx, "g", at(11), cause("c1"))
		wantApplied(t, "CloseGTBOnce of round 1 replayed", err)
		if r, err := s.GTBRound(ctx, "g"); err != nil || r.Number != 2 || r.State != gtb.Open {
			t.Errorf("GTBRound after the replays = %+v, %v; want #2 open", r, err)
		}
		// Other guilds have rounds of their own.
		_, err = s.GTBRound(ctx, "h")
		wantKind(t, "GTBRound of another guild", err, fault.NotFound)
		_, err = s.OpenGTBOnce(ctx, "", 3, at(10), cause("o5"))
		wantKind(t, "OpenGTBOnce without a guild", err, fault.Invalid)
	})

	t.Run("GuessOutcomes", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		steps := []struct {
			name     string
			g        gtb.Guess
			want     gtb.Outcome
			replaced money.Cents
		}{
			{"first", gtbGuess(7, 100_00, 1000, "m5"), gtb.Added, 0},
			{"the same message", gtbGuess(7, 100_00, 1000, "m5"), gtb.Repeated, 0},
			{"an older message", gtbGuess(7, 999_00, 500, "m9"), gtb.Superseded, 0},
			{"same time, smaller id", gtbGuess(7, 999_00, 1000, "m4"), gtb.Superseded, 0},
			{"same time, greater id", gtbGuess(7, 200_00, 1000, "m6"), gtb.Replaced, 100_00},
			{"later", gtbGuess(7, 300_00, 2000, "m1"), gtb.Replaced, 200_00},
			{"another viewer", gtbGuess(8, 50_00, 1500, "m2"), gtb.Added, 0},
		}
		for _, st := range steps {
			out, prev, err := s.PutGTBGuess(ctx, "g", 1, st.g)
			if err != nil || out != st.want || prev.Amount != st.replaced {
				t.Errorf("%s: PutGTBGuess = %v, %v, %v; want %v replacing %v", st.name, out, prev.Amount, err, st.want, st.replaced)
			}
		}
		got, err := s.GTBGuesses(ctx, "g", 1)
		check(t, "GTBGuesses", err)
		want := map[int64]gtb.Guess{7: gtbGuess(7, 300_00, 2000, "m1"), 8: gtbGuess(8, 50_00, 1500, "m2")}
		if diff := cmp.Diff(want, byUser(got)); diff != "" || len(got) != 2 {
			t.Errorf("GTBGuesses (-want +got):\n%s", diff)
		}
		if other, err := s.GTBGuesses(ctx, "g", 2); err != nil || len(other) != 0 {
			t.Errorf("GTBGuesses of round 2 = %v, %v; want none", other, err)
		}
		for _, bad := range []gtb.Guess{
			{UserID: 7, Amount: 1, At: t0}, gtbGuess(0, 1, 1, "m"), gtbGuess(7, 0, 1, "m"), gtbGuess(7, gtb.MaxGuess+1, 1, "m"),
		} {
			_, _, err := s.PutGTBGuess(ctx, "g", 1, bad)
			wantKind(t, fmt.Sprintf("PutGTBGuess(%+v)", bad), err, fault.Invalid)
		}
	})

	t.Run("ConcurrentGuesses", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		_, err := s.OpenGTBOnce(ctx, "g", 3, t0.Add(-time.Minute), cause("o1"))
		check(t, "OpenGTBOnce", err)
		// 50 viewers type !gtb twice each; some pairs are sent in the same
		// millisecond, which the message id decides.
		var all []gtb.Guess
		want := map[int64]gtb.Guess{}
		for v := int64(1); v <= 50; v++ {
			a := gtbGuess(v, money.Cents(v*100), int(v*7%5), fmt.Sprintf("m%02d-a", v))
			b := gtbGuess(v, money.Cents(v*100+1), int(v*3%5), fmt.Sprintf("m%02d-b", v))
			all = append(all, a, b)
			want[v] = slices.MaxFunc([]gtb.Guess{a, b}, func(x, y gtb.Guess) int {
				if x.After(y) {
					return 1
				}
				return -1
			})
		}
		// run answers all 100 at once, as concurrent jobs would, and
		// counts the replies by kind: "in", "now" (replaced) and "" (a
		// later guess stood).
		run := func() map[string]int {
			var mu sync.Mutex
			counts := map[string]int{}
			start := make(chan struct{})
			var wg sync.WaitGroup
			for _, g := range all {
				wg.Go(func() {
					<-start
					text, err := gtb.Chat{Store: s}.Answer(ctx, chat.Ask{Guild: "g", Asker: event.User{ID: g.UserID, Username: g.Username},
						Name: "gtb", Args: g.Amount.String(), MessageID: g.MessageID, Sent: g.At, Now: g.At})
					if err != nil {
						t.Errorf("Answer(%s) = %v", g.MessageID, err)
					}
					kind := ""
					switch {
					case strings.Contains(text, " is in "):
						kind = "in"
					case strings.Contains(text, " is now "):
						kind = "now"
					case text != "":
						t.Errorf("Answer(%s) = %q", g.MessageID, text)
					}
					mu.Lock()
					counts[kind]++
					mu.Unlock()
				})
			}
			close(start)
			wg.Wait()
			return counts
		}
		wantGuesses := func(what string) {
			t.Helper()
			got, err := s.GTBGuesses(ctx, "g", 1)
			check(t, "GTBGuesses", err)
			if diff := cmp.Diff(want, byUser(got)); diff != "" || len(got) != 50 {
				t.Errorf("%s: %d guesses (-want +got):\n%s", what, len(got), diff)
			}
		}
		// Each viewer's first write lands (in), the other replaces it or
		// finds the later one there (silent).
		if first := run(); first["in"] != 50 || first["now"]+first[""] != 50 {
			t.Errorf("replies to 100 guesses = %v, want 50 in and 50 replaced or silent", first)
		}
		wantGuesses("after 100 concurrent guesses")
		// Every job run again: the latest repeats its reply (which the chat
		// sender says once), the other is silent, and nothing changes.
		if again := run(); again["in"] != 50 || again[""] != 50 {
			t.Errorf("replies to the 100 run again = %v, want 50 in and 50 silent", again)
		}
		wantGuesses("after the 100 ran again")
	})
}

func TestGTBEmbedded(t *testing.T) {
	runGTBSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}
