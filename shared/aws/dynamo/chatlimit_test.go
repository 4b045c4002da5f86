package dynamo

import (
	"errors"
	"testing"
	"time"

	miniserver "github.com/truora/minidyn/server"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/reply"
)

// errRefused stands for a false TakeChatSlot or ClaimChat in race.
var errRefused = errors.New("refused")

// runChatLimitSuite checks the chat.Store methods: the rate window and the
// claims.
func runChatLimitSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	limit := reply.Limit{Max: 3, Per: 30 * time.Second}

	t.Run("Window", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		now := t0.Add(5 * time.Second)
		for i := range limit.Max {
			ok, err := s.TakeChatSlot(ctx, 100, now.Add(time.Duration(i)*time.Second), limit)
			if err != nil || !ok {
				t.Fatalf("TakeChatSlot #%d = %v, %v; want true", i+1, ok, err)
			}
		}
		if ok, err := s.TakeChatSlot(ctx, 100, now.Add(20*time.Second), limit); err != nil || ok {
			t.Errorf("TakeChatSlot past the limit = %v, %v; want false", ok, err)
		}
		item := rawItem(t, s, chatLimitKey(100))
		wantNumber(t, item, "windowStart", t0.UnixMilli())
		wantNumber(t, item, "sent", int64(limit.Max))
		wantNumber(t, item, "expiresAt", t0.Add(2*limit.Per).Unix())

		// Another channel has a window of its own.
		if ok, err := s.TakeChatSlot(ctx, 200, now, limit); err != nil || !ok {
			t.Errorf("TakeChatSlot of another channel = %v, %v; want true", ok, err)
		}
		// The next window starts afresh.
		if ok, err := s.TakeChatSlot(ctx, 100, t0.Add(limit.Per), limit); err != nil || !ok {
			t.Errorf("TakeChatSlot in the next window = %v, %v; want true", ok, err)
		}
		item = rawItem(t, s, chatLimitKey(100))
		wantNumber(t, item, "windowStart", t0.Add(limit.Per).UnixMilli())
		wantNumber(t, item, "sent", 1)
	})

	t.Run("ClockBehind", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		// A worker whose clock runs ahead opened the next window; one
		// that is behind keeps counting in it rather than start over.
		for range 2 {
			check(t, "TakeChatSlot ahead", errIfNot(s.TakeChatSlot(ctx, 100, t0.Add(limit.Per), limit)))
		}
		if ok, err := s.TakeChatSlot(ctx, 100, t0.Add(limit.Per-time.Second), limit); err != nil || !ok {
			t.Errorf("TakeChatSlot behind = %v, %v; want true", ok, err)
		}
		if ok, err := s.TakeChatSlot(ctx, 100, t0.Add(limit.Per-time.Second), limit); err != nil || ok {
			t.Errorf("TakeChatSlot behind, window full = %v, %v; want false", ok, err)
		}
	})

	t.Run("Race", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		const n = 20
		l := reply.Limit{Max: 7, Per: time.Minute}
		wins, errs := race(n, func(i int) error {
			return errIfNot(s.TakeChatSlot(t.Context(), 100, t0.Add(time.Duration(i)*time.Millisecond), l))
		})
		if wins != l.Max {
			t.Errorf("%d concurrent TakeChatSlot with a limit of %d: %d passed, want %d", n, l.Max, wins, l.Max)
		}
		for _, err := range errs {
			if !errors.Is(err, errRefused) {
				t.Errorf("a concurrent TakeChatSlot failed: %v", err)
			}
		}
		wantNumber(t, rawItem(t, s, chatLimitKey(100)), "sent", int64(l.Max))
	})

	t.Run("NoLimit", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if ok, err := s.TakeChatSlot(t.Context(), 100, t0, reply.Limit{}); err != nil || ok {
			t.Errorf("TakeChatSlot with a zero limit = %v, %v; want false", ok, err)
		}
		_, err := s.TakeChatSlot(t.Context(), 0, t0, limit)
		wantKind(t, "TakeChatSlot without a broadcaster", err, fault.Invalid)
	})

	t.Run("Claim", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		const cause = "7c1e0b52-3f4a-4d8e-9a51-2b6f0c9d1e44"
		expires := t0.Add(time.Hour)
		if first, err := s.ClaimChat(ctx, 100, cause, expires); err != nil || !first {
			t.Fatalf("first ClaimChat = %v, %v; want true", first, err)
		}
		if first, err := s.ClaimChat(ctx, 100, cause, expires); err != nil || first {
			t.Errorf("second ClaimChat = %v, %v; want false", first, err)
		}
		wantNumber(t, rawItem(t, s, chatClaimKey(100, cause)), "expiresAt", expires.Unix())
		if first, err := s.ClaimChat(ctx, 200, cause, expires); err != nil || !first {
			t.Errorf("ClaimChat in another channel = %v, %v; want true", first, err)
		}
		check(t, "ReleaseChat", s.ReleaseChat(ctx, 100, cause))
		check(t, "ReleaseChat again", s.ReleaseChat(ctx, 100, cause))
		if first, err := s.ClaimChat(ctx, 100, cause, expires); err != nil || !first {
			t.Errorf("ClaimChat after ReleaseChat = %v, %v; want true", first, err)
		}
		_, err := s.ClaimChat(ctx, 100, "", expires)
		wantKind(t, "ClaimChat without a cause", err, fault.Invalid)
		wantKind(t, "ReleaseChat without a broadcaster", s.ReleaseChat(ctx, 0, cause), fault.Invalid)

		// A claim whose answer was lost after it landed is still this
		// call's, when the SDK's retry finds it, or taken back when every
		// attempt failed: either way the line is said once.
		retried := *s
		retried.Client = retriedWrites{s.Client}
		if first, err := retried.ClaimChat(ctx, 100, "lost-1", expires); err != nil || !first {
			t.Errorf("ClaimChat retried by the SDK = %v, %v; want true", first, err)
		}
		lost := *s
		lost.Client = lostWrites{s.Client}
		if _, err := lost.ClaimChat(ctx, 100, "lost-2", expires); !errors.Is(err, errLost) {
			t.Errorf("ClaimChat losing its answer = %v, want %v", err, errLost)
		}
		if first, err := s.ClaimChat(ctx, 100, "lost-2", expires); err != nil || !first {
			t.Errorf("ClaimChat retried by the job = %v, %v; want true", first, err)
		}

		wins, errs := race(10, func(int) error { return errIfNot(s.ClaimChat(t.Context(), 100, "raced", expires)) })
		if wins != 1 {
			t.Errorf("10 concurrent ClaimChat: %d won, want 1", wins)
		}
		for _, err := range errs {
			if !errors.Is(err, errRefused) {
				t.Errorf("a concurrent ClaimChat failed: %v", err)
			}
		}
	})
}

// errIfNot turns a false result into errRefused.
func errIfNot(ok bool, err error) error {
	if err == nil && !ok {
		return errRefused
	}
	return err
}

func TestChatLimitEmbedded(t *testing.T) {
	runChatLimitSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}

// TestChatLimitEmbeddedFailure checks that DynamoDB failing surfaces as
// Transient and changes nothing.
func TestChatLimitEmbeddedFailure(t *testing.T) {
	s, srv := newEmbedded(t)
	ctx := t.Context()
	l := reply.Limit{Max: 1, Per: time.Minute}
	srv.EmulateFailure(miniserver.FailureConditionInternalServerError)
	_, err := s.TakeChatSlot(ctx, 100, t0, l)
	wantKind(t, "TakeChatSlot during a DynamoDB failure", err, fault.Transient)
	_, err = s.ClaimChat(ctx, 100, "m1", t0)
	wantKind(t, "ClaimChat during a DynamoDB failure", err, fault.Transient)
	wantKind(t, "ReleaseChat during a DynamoDB failure", s.ReleaseChat(ctx, 100, "m1"), fault.Transient)
	srv.EmulateFailure(miniserver.FailureConditionNone)

	if ok, err := s.TakeChatSlot(ctx, 100, t0, l); err != nil || !ok {
		t.Errorf("TakeChatSlot after the failure = %v, %v; want true", ok, err)
	}
	if first, err := s.ClaimChat(ctx, 100, "m1", t0); err != nil || !first {
		t.Errorf("ClaimChat after the failure = %v, %v; want true", first, err)
	}
}
