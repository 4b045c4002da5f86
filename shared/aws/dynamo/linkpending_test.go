package dynamo

import (
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
)

// TestPendingLinkEmbedded: a sign-in waits for its own member; a newer
// sign-in replaces it; confirming links the newest one and uses it up;
// an expired one links nothing; bad input is refused.
func TestPendingLinkEmbedded(t *testing.T) {
	s, _ := newEmbedded(t)
	ctx := t.Context()
	until := at(15)
	check(t, "PendLink", s.PendLink(ctx, "g", "m1", 7, "first", until))
	check(t, "PendLink", s.PendLink(ctx, "g", "m1", 8, "second", until))
	check(t, "PendLink", s.PendLink(ctx, "g", "m2", 9, "theirs", at(1)))

	if _, _, err := s.ConfirmLink(ctx, "g", "m3", at(0)); !fault.Is(err, fault.NotFound) {
		t.Errorf("ConfirmLink(m3) = %v, want not found", err)
	}
	if _, _, err := s.ConfirmLink(ctx, "h", "m1", at(0)); !fault.Is(err, fault.NotFound) {
		t.Errorf("ConfirmLink in another guild = %v, want not found", err)
	}
	id, name, err := s.ConfirmLink(ctx, "g", "m1", at(14))
	if err != nil || id != 8 || name != "second" {
		t.Errorf("ConfirmLink(m1) = %d, %q, %v; want 8, second", id, name, err)
	}
	if id, _, err := s.LinkedKick(ctx, "g", "m1"); err != nil || id != 8 {
		t.Errorf("LinkedKick(m1) = %d, %v; want 8", id, err)
	}
	if len(rawItem(t, s, pendingLinkKey("g", "m1"))) != 0 {
		t.Error("the confirmed sign-in is still stored")
	}
	// Expired: the time decides, whatever the TTL has not yet deleted.
	if _, _, err := s.ConfirmLink(ctx, "g", "m2", at(1)); !fault.Is(err, fault.NotFound) {
		t.Errorf("ConfirmLink of an expired sign-in = %v, want not found", err)
	}
	if _, _, err := s.LinkedKick(ctx, "g", "m2"); !fault.Is(err, fault.NotFound) {
		t.Errorf("LinkedKick(m2) = %v, want not found", err)
	}
	wantNumber(t, rawItem(t, s, pendingLinkKey("g", "m2")), "expiresAt", at(1).Unix())

	for _, bad := range []struct {
		guild, member string
		kick          int64
		until         time.Time
	}{{"", "m", 1, until}, {"g", "", 1, until}, {"g", "m", 0, until}, {"g", "m", 1, time.Time{}}} {
		if err := s.PendLink(ctx, bad.guild, bad.member, bad.kick, "x", bad.until); !fault.Is(err, fault.Invalid) {
			t.Errorf("PendLink(%+v) = %v, want invalid", bad, err)
		}
	}
}
