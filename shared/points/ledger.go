package points

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/fault"
)

// Op is what a change does to a balance.
type Op string

// The operations an admin can apply.
const (
	Add    Op = "add"    // raise the balance by the amount
	Remove Op = "remove" // lower it by the amount, never below zero
	Set    Op = "set"    // replace it with the amount
)

// Limits of a Change.
const (
	MaxMilli     = 1_000_000_000 * Milli // the largest amount one change moves
	MaxCauseLen  = 64                    // bytes of a cause
	MaxReasonLen = 200                   // characters of a reason
	MaxByLen     = 64                    // bytes of an author id
)

// Change is one points change other than the per-minute accrual, such as an
// admin's /points command. Cause names the change (for an admin command,
// the Discord interaction id): applying the same cause twice changes the
// balance once.
type Change struct {
	Cause  string
	Op     Op
	Milli  int64 // the amount in milli-points, ≥ 0
	Reason string
	By     string // the Discord user id of the admin
	At     time.Time
}

// Validate returns a fault.Invalid error with a user-safe message when c
// cannot be applied.
func (c Change) Validate() error {
	switch {
	case c.Cause == "" || len(c.Cause) > MaxCauseLen || !visibleASCII(c.Cause):
		// The cause becomes part of a storage key, so keep it to ids.
		return fault.E(fault.Invalid, "cause must be 1 to %d visible ASCII characters", MaxCauseLen)
	case c.Op != Add && c.Op != Remove && c.Op != Set:
		return fault.E(fault.Invalid, "unknown points operation %q", c.Op)
	case c.Op == Set && (c.Milli < 0 || c.Milli > MaxMilli):
		return fault.E(fault.Invalid, "amount must be between 0 and %d points", Whole(MaxMilli))
	case c.Op != Set && (c.Milli <= 0 || c.Milli > MaxMilli):
		return fault.E(fault.Invalid, "amount must be between 1 and %d points", Whole(MaxMilli))
	case !utf8.ValidString(c.Reason):
		return fault.E(fault.Invalid, "reason is not valid text")
	case utf8.RuneCountInString(c.Reason) > MaxReasonLen:
		return fault.E(fault.Invalid, "reason must be at most %d characters", MaxReasonLen)
	case c.By == "" || len(c.By) > MaxByLen || !utf8.ValidString(c.By):
		return fault.E(fault.Invalid, "change must name the admin who made it")
	case c.At.IsZero():
		return fault.E(fault.Invalid, "change has no time")
	}
	return nil
}

func visibleASCII(s string) bool {
	for i := range len(s) {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// After returns the balance c leaves when applied to before. It does not
// check that a Remove fits: the store's condition does that.
func (c Change) After(before int64) int64 {
	switch c.Op {
	case Add:
		return before + c.Milli
	case Remove:
		return before - c.Milli
	default:
		return c.Milli
	}
}

// Entry is a ledger entry: a change as applied, with the balance in
// milli-points before and after it.
type Entry struct {
	Change
	Before, After int64
}

// LedgerStore applies changes and keeps the ledger of a guild's viewers.
type LedgerStore interface {
	// AdjustPoints applies c to the viewer's balance and records it, once
	// per cause: a change whose cause was applied before changes nothing
	// and returns the recorded entry. It returns fault.Invalid for a
	// change that does not validate, fault.NotFound for a viewer never
	// seen in guild and fault.Conflict for a Remove of more than the
	// balance.
	AdjustPoints(ctx context.Context, guild string, userID int64, c Change) (Entry, error)
	// Ledger returns up to limit of the viewer's entries, newest first.
	Ledger(ctx context.Context, guild string, userID int64, limit int) ([]Entry, error)
}
