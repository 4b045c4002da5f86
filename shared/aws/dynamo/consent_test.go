package dynamo

import (
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
)

// runConsentSuite checks ClaimNonce.
func runConsentSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("ClaimNonce", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		expires := at(10)

		check(t, "ClaimNonce", s.ClaimNonce(ctx, "n1", expires))
		err := s.ClaimNonce(ctx, "n1", at(20))
		wantKind(t, "ClaimNonce again", err, fault.Conflict)
		if msg := fault.Message(err); !strings.Contains(msg, "already used") {
			t.Errorf("second claim says %q, want it to say the link was already used", msg)
		}
		// The first claim's expiry stays, in unix seconds for the TTL.
		wantNumber(t, rawItem(t, s, itemKey{PK: "NONCE#n1", SK: "NONCE"}), "expiresAt", expires.Unix())
		check(t, "ClaimNonce of another nonce", s.ClaimNonce(ctx, "n2", expires))

		wantKind(t, "ClaimNonce without a nonce", s.ClaimNonce(ctx, "", expires), fault.Invalid)
		wantKind(t, "ClaimNonce of a huge nonce", s.ClaimNonce(ctx, strings.Repeat("x", 513), expires), fault.Invalid)
		wantKind(t, "ClaimNonce without an expiry", s.ClaimNonce(ctx, "n3", time.Time{}), fault.Invalid)
	})

	t.Run("ClaimNonceRace", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		wins, errs := race(10, func(int) error { return s.ClaimNonce(t.Context(), "n1", at(10)) })
		if wins != 1 {
			t.Errorf("%d of 10 concurrent claims won, want 1", wins)
		}
		for _, err := range errs {
			wantKind(t, "losing claim", err, fault.Conflict)
		}
	})
}

func TestConsentEmbedded(t *testing.T) {
	runConsentSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}
