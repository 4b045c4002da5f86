package dynamo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"
	miniserver "github.com/truora/minidyn/server"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// change is an admin's change of whole points at minute of the test.
func change(cause string, op points.Op, whole int64, minute int) points.Change {
	return points.Change{Cause: cause, Op: op, Milli: points.FromWhole(whole), Reason: "test", By: "42", At: at(minute)}
}

// seedViewer records user as seen in guild's chat, with whole points.
func seedViewer(t *testing.T, s *Store, guild string, user int64, whole int64) {
	t.Helper()
	_, err := s.Credit(t.Context(), guild, watchtime.Credit{UserID: user, Username: fmt.Sprint("user", user), Minute: 1})
	check(t, "Credit", err)
	if whole > 0 {
		_, err := s.AdjustPoints(t.Context(), guild, user, change(fmt.Sprint("seed", user), points.Add, whole, 0))
		check(t, "seed points", err)
	}
}

// wantBalance checks the viewer's balance in milli-points.
func wantBalance(t *testing.T, s *Store, guild string, user, want int64) {
	t.Helper()
	v, err := s.Viewer(t.Context(), guild, user)
	check(t, "Viewer", err)
	if v.PointsMilli != want {
		t.Errorf("balance of %s/%d = %d, want %d", guild, user, v.PointsMilli, want)
	}
}

// ledgerCauses lists the causes in the viewer's ledger, newest first.
func ledgerCauses(t *testing.T, s *Store, guild string, user int64) []string {
	t.Helper()
	entries, err := s.Ledger(t.Context(), guild, user, 1000)
	check(t, "Ledger", err)
	var causes []string
	for _, e := range entries {
		causes = append(causes, e.Cause)
	}
	return causes
}

func wantCauses(t *testing.T, s *Store, guild string, user int64, want ...string) {
	t.Helper()
	if diff := cmp.Diff(want, ledgerCauses(t, s, guild, user)); diff != "" {
		t.Errorf("ledger of %s/%d (-want +got):\n%s", guild, user, diff)
	}
}

// lostAnswers is DynamoDB applying every transaction and the caller never
// hearing back (a timeout after the write landed).
type lostAnswers struct{ API }

var errLost = errors.New("connection lost")

func (l lostAnswers) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if _, err := l.API.TransactWriteItems(ctx, in, o...); err != nil {
		return nil, err
	}
	return nil, errLost
}

// runLedgerSuite runs the points-ledger cases against a Store that newStore
// makes on an empty table.
func runLedgerSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("AddOncePerCause", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		seedViewer(t, s, "g", 7, 0)

		c := change("i1", points.Add, 5, 1)
		c.At = c.At.Add(1500 * time.Microsecond) // kept to the millisecond
		got, err := s.AdjustPoints(ctx, "g", 7, c)
		check(t, "AdjustPoints", err)
		c.At = at(1).Add(time.Millisecond)
		want := points.Entry{Change: c, Before: 0, After: 5000}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("AdjustPoints (-want +got):\n%s", diff)
		}
		// The same interaction again, even retried later with more points
		// asked, is the change already made.
		again := change("i1", points.Add, 9, 3)
		got, err = s.AdjustPoints(ctx, "g", 7, again)
		check(t, "AdjustPoints again", err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("AdjustPoints again (-want +got):\n%s", diff)
		}
		wantBalance(t, s, "g", 7, 5000)
		wantCauses(t, s, "g", 7, "i1")

		r := decodeItem[ledgerRecord](t, s, ledgerKey("g", 7, c.At, "i1"))
		wantRecord := ledgerRecord{
			itemKey: itemKey{PK: "GUILD#g", SK: fmt.Sprintf("LEDGER#7#%d#i1", c.At.UnixMilli())},
			UserID:  7, Cause: "i1", Op: "add", Milli: 5000, Before: 0, After: 5000,
			Reason: "test", By: "42", At: c.At.UnixMilli(),
		}
		if r != wantRecord {
			t.Errorf("ledger item = %+v, want %+v", r, wantRecord)
		}
		// The entry stays out of the indexes, which key on guild.
		if _, ok := rawItem(t, s, r.itemKey)["guild"]; ok {
			t.Errorf("ledger item has a guild attribute")
		}
	})

	t.Run("RemoveMoreThanBalance", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		seedViewer(t, s, "g", 7, 3)
		seedViewer(t, s, "g", 8, 1)
		seedViewer(t, s, "g", 9, 0)
		seedViewer(t, s, "g", 10, 48210)
		for _, tc := range []struct {
			user  int64
			whole int64
			msg   string
		}{
			{7, 4, "the viewer has only 3 points"},
			{8, 2, "the viewer has only 1 point"},
			{9, 1, "the viewer has only 0 points"}, // no pointsMilli attribute at all
			{10, 1_000_000, "the viewer has only 48,210 points"},
		} {
			_, err := s.AdjustPoints(ctx, "g", tc.user, change("r1", points.Remove, tc.whole, 1))
			if !fault.Is(err, fault.Conflict) || fault.Message(err) != tc.msg {
				t.Errorf("remove %d from viewer %d = %v (kind %v), want conflict %q", tc.whole, tc.user, err, fault.KindOf(err), tc.msg)
			}
			if len(rawItem(t, s, causeKey("g", tc.user, "r1"))) > 0 {
				t.Errorf("viewer %d records the refused change", tc.user)
			}
		}
		wantBalance(t, s, "g", 7, 3000)
		wantCauses(t, s, "g", 7, "seed7")
		wantCauses(t, s, "g", 9)
		if _, ok := rawItem(t, s, viewerKey("g", 9))[balanceAttr]; ok {
			t.Errorf("a refused remove wrote a balance")
		}

		// Once the viewer has the points, the same cause goes through.
		_, err := s.AdjustPoints(ctx, "g", 7, change("top-up", points.Add, 1, 2))
		check(t, "top up", err)
		got, err := s.AdjustPoints(ctx, "g", 7, change("r1", points.Remove, 4, 3))
		check(t, "remove after top-up", err)
		if got.Before != 4000 || got.After != 0 {
			t.Errorf("remove after top-up: before, after = %d, %d; want 4000, 0", got.Before, got.After)
		}
	})

	t.Run("RemoveAll", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		seedViewer(t, s, "g", 7, 3)
		got, err := s.AdjustPoints(t.Context(), "g", 7, change("r1", points.Remove, 3, 1))
		check(t, "AdjustPoints", err)
		if got.Before != 3000 || got.After != 0 {
			t.Errorf("remove all: before, after = %d, %d; want 3000, 0", got.Before, got.After)
		}
		wantBalance(t, s, "g", 7, 0)
		wantCauses(t, s, "g", 7, "r1", "seed7")
	})

	t.Run("Set", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		seedViewer(t, s, "g", 7, 0)
		for i, step := range []struct {
			whole         int64
			before, after int64
		}{
			{10, 0, 10000}, // no balance yet
			{10, 10000, 10000},
			{2, 10000, 2000},
			{0, 2000, 0},
		} {
			got, err := s.AdjustPoints(ctx, "g", 7, change(fmt.Sprint("s", i), points.Set, step.whole, i+1))
			check(t, "set", err)
			if got.Before != step.before || got.After != step.after {
				t.Errorf("set %d: before, after = %d, %d; want %d, %d", step.whole, got.Before, got.After, step.before, step.after)
			}
			wantBalance(t, s, "g", 7, step.after)
		}
		wantCauses(t, s, "g", 7, "s3", "s2", "s1", "s0")
	})

	t.Run("UnknownViewer", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		seedViewer(t, s, "other", 7, 0)
		for _, op := range []points.Op{points.Add, points.Remove, points.Set} {
			_, err := s.AdjustPoints(ctx, "g", 7, change("i1", op, 1, 1))
			if !fault.Is(err, fault.NotFound) || fault.Message(err) != "no such viewer" {
				t.Errorf("%s for an unknown viewer = %v (kind %v), want not found", op, err, fault.KindOf(err))
			}
		}
		if _, err := s.Viewer(ctx, "g", 7); !fault.Is(err, fault.NotFound) {
			t.Errorf("Viewer after changes to an unknown viewer: err = %v, want not found", err)
		}
		wantCauses(t, s, "g", 7)
	})

	t.Run("Invalid", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		seedViewer(t, s, "g", 7, 1)
		ok := change("i1", points.Add, 1, 1)
		for _, tc := range []struct {
			name  string
			guild string
			user  int64
			c     func(*points.Change)
		}{
			{"no guild", "", 7, func(*points.Change) {}},
			{"no viewer", "g", 0, func(*points.Change) {}},
			{"add nothing", "g", 7, func(c *points.Change) { c.Milli = 0 }},
			{"no cause", "g", 7, func(c *points.Change) { c.Cause = "" }},
			{"no time", "g", 7, func(c *points.Change) { c.At = time.Time{} }},
			{"before 1970", "g", 7, func(c *points.Change) { c.At = time.Unix(-1, 0) }},
			{"year 2287", "g", 7, func(c *points.Change) { c.At = time.Date(2287, 1, 1, 0, 0, 0, 0, time.UTC) }},
		} {
			c := ok
			tc.c(&c)
			if _, err := s.AdjustPoints(ctx, tc.guild, tc.user, c); !fault.Is(err, fault.Invalid) {
				t.Errorf("AdjustPoints (%s) = %v (kind %v), want invalid", tc.name, err, fault.KindOf(err))
			}
		}
		for _, tc := range []struct {
			guild string
			user  int64
			limit int
		}{{"", 7, 10}, {"g", 0, 10}, {"g", 7, 0}} {
			if _, err := s.Ledger(ctx, tc.guild, tc.user, tc.limit); !fault.Is(err, fault.Invalid) {
				t.Errorf("Ledger(%q, %d, %d) = %v, want invalid", tc.guild, tc.user, tc.limit, err)
			}
		}
		wantBalance(t, s, "g", 7, 1000)
		wantCauses(t, s, "g", 7, "seed7")
	})

	t.Run("DottedCause", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		seedViewer(t, s, "g", 7, 0)
		c := change("raffle.3[0]#win", points.Add, 2, 1)
		for range 2 {
			_, err := s.AdjustPoints(t.Context(), "g", 7, c)
			check(t, "AdjustPoints", err)
		}
		wantBalance(t, s, "g", 7, 2000)
		wantCauses(t, s, "g", 7, "raffle.3[0]#win")
	})

	t.Run("ConcurrentSameCause", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		seedViewer(t, s, "g", 7, 5)
		got := make([]points.Entry, 10)
		errs := make([]error, 10)
		var wg sync.WaitGroup
		for i := range got {
			wg.Go(func() {
				got[i], errs[i] = s.AdjustPoints(t.Context(), "g", 7, change("i1", points.Add, 1, 1))
			})
		}
		wg.Wait()
		want := points.Entry{Change: change("i1", points.Add, 1, 1), Before: 5000, After: 6000}
		for i := range got {
			if errs[i] != nil {
				t.Errorf("goroutine %d: %v", i, errs[i])
			} else if diff := cmp.Diff(want, got[i]); diff != "" {
				t.Errorf("goroutine %d (-want +got):\n%s", i, diff)
			}
		}
		wantBalance(t, s, "g", 7, 6000)
		wantCauses(t, s, "g", 7, "i1", "seed7")
	})

	t.Run("ConcurrentCauses", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		seedViewer(t, s, "g", 7, 5)
		got := make([]points.Entry, 10)
		var wg sync.WaitGroup
		for i := range got {
			wg.Go(func() {
				var err error
				got[i], err = s.AdjustPoints(t.Context(), "g", 7, change(fmt.Sprint("i", i), points.Add, 1, 1))
				if err != nil {
					t.Errorf("goroutine %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		wantBalance(t, s, "g", 7, 15000)
		// Each change saw the one before it: the befores are 5 to 14 points.
		seen := map[int64]bool{}
		for _, e := range got {
			if e.After != e.Before+1000 || e.Before < 5000 || e.Before > 14000 || seen[e.Before] {
				t.Errorf("entry %s: before, after = %d, %d; want distinct befores of 5000 to 14000, after = before + 1000", e.Cause, e.Before, e.After)
			}
			seen[e.Before] = true
		}
		if n := len(ledgerCauses(t, s, "g", 7)); n != 11 {
			t.Errorf("ledger holds %d entries, want 11", n)
		}
	})

	t.Run("NewestFirst", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		s.pageSize = 1 // make the paging loop run
		ctx := t.Context()
		seedViewer(t, s, "g", 7, 0)
		seedViewer(t, s, "g", 70, 0) // a user id that 7 prefixes
		seedViewer(t, s, "h", 7, 0)
		for i, step := range []struct {
			user   int64
			cause  string
			minute int
		}{
			{7, "a", 5}, {70, "x", 6}, {7, "b", 7}, {7, "c", 6}, {7, "d", 20},
		} {
			_, err := s.AdjustPoints(ctx, "g", step.user, change(step.cause, points.Add, int64(i+1), step.minute))
			check(t, "AdjustPoints", err)
		}
		wantCauses(t, s, "g", 7, "d", "b", "c", "a")
		wantCauses(t, s, "g", 70, "x")
		wantCauses(t, s, "h", 7)
		got, err := s.Ledger(ctx, "g", 7, 2)
		check(t, "Ledger", err)
		want := []points.Entry{
			{Change: change("d", points.Add, 5, 20), Before: 8000, After: 13000},
			{Change: change("b", points.Add, 3, 7), Before: 1000, After: 4000},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Ledger(g, 7, 2) (-want +got):\n%s", diff)
		}
		if got, err := s.Ledger(ctx, "g", 8, 10); err != nil || len(got) != 0 {
			t.Errorf("Ledger of a viewer never changed = %v, %v; want none", got, err)
		}
	})

	t.Run("RetryAfterALostAnswer", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		seedViewer(t, s, "g", 7, 2)

		// The first attempt lands, but its caller hears only an error.
		lost := *s
		lost.Client = lostAnswers{s.Client}
		first := change("i1", points.Remove, 2, 1)
		if _, err := lost.AdjustPoints(ctx, "g", 7, first); !errors.Is(err, errLost) || !fault.Is(err, fault.Transient) {
			t.Fatalf("AdjustPoints losing its answer = %v (kind %v), want transient", err, fault.KindOf(err))
		}
		wantBalance(t, s, "g", 7, 0)
		wantCauses(t, s, "g", 7, "i1", "seed7")
		// Credits land before the retry.
		_, err := s.AdjustPoints(ctx, "g", 7, change("i2", points.Add, 6, 2))
		check(t, "AdjustPoints", err)

		// The retry carries another time; the entry keeps the first one.
		retry := change("i1", points.Remove, 2, 9)
		got, err := s.AdjustPoints(ctx, "g", 7, retry)
		check(t, "retry", err)
		want := points.Entry{Change: first, Before: 2000, After: 0}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("retry (-want +got):\n%s", diff)
		}
		wantBalance(t, s, "g", 7, 6000)
		wantCauses(t, s, "g", 7, "i2", "i1", "seed7")
	})

	t.Run("ViewerItemDoesNotGrow", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		seedViewer(t, s, "g", 7, 1)
		attrs := len(rawItem(t, s, viewerKey("g", 7)))
		for i := range 30 {
			_, err := s.AdjustPoints(ctx, "g", 7, change(fmt.Sprint("c", i), points.Add, 1, i+1))
			check(t, "AdjustPoints", err)
		}
		if got := len(rawItem(t, s, viewerKey("g", 7))); got != attrs {
			t.Errorf("viewer item has %d attributes after 30 changes, want %d as before them", got, attrs)
		}
		wantBalance(t, s, "g", 7, 31000)
	})
}

func TestLedgerEmbedded(t *testing.T) {
	runLedgerSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}

// TestLedgerEmbeddedFailure checks that DynamoDB failing surfaces as
// Transient and changes nothing.
func TestLedgerEmbeddedFailure(t *testing.T) {
	s, srv := newEmbedded(t)
	ctx := t.Context()
	seedViewer(t, s, "g", 7, 1)
	srv.EmulateFailure(miniserver.FailureConditionInternalServerError)
	if _, err := s.AdjustPoints(ctx, "g", 7, change("i1", points.Add, 1, 1)); !fault.Is(err, fault.Transient) {
		t.Errorf("AdjustPoints during a DynamoDB failure = %v (kind %v), want transient", err, fault.KindOf(err))
	}
	if _, err := s.Ledger(ctx, "g", 7, 10); !fault.Is(err, fault.Transient) {
		t.Errorf("Ledger during a DynamoDB failure = %v (kind %v), want transient", err, fault.KindOf(err))
	}
	srv.EmulateFailure(miniserver.FailureConditionNone)
	wantBalance(t, s, "g", 7, 1000)
	wantCauses(t, s, "g", 7, "seed7")
}
