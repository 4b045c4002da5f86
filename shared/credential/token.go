// Package credential keeps a Kick broadcaster's user access token usable
// across concurrent Lambdas: it hands out the stored token while it is
// fresh and, when it is not, lets exactly one caller refresh it with Kick
// while the others wait for the result.
//
// Kick's user access tokens live about two hours and its refresh tokens
// die after 30 to 90 days whatever we do (kick-api.md §2.4), so a refresh
// is routine and a refused refresh token is a normal end: the credentials
// are then marked as needing a new authorisation, and every caller gets
// ErrReconnect, without asking Kick again, until the streamer connects the
// channel again.
//
// The race is settled by the Store, not by locks in memory: each stored
// Record has a version, a refresh first takes a short lease conditioned on
// that version and on no live lease, and saving the new token is
// conditioned on the version again and bumps it. See Source.Token.
package credential

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"time"
)

// Token is a Kick user token pair as Kick issued it.
//
// Its String, GoString, Format and LogValue methods never show Access or
// Refresh, only whether each is set, so a Token (or a Record) can be put
// in a log or an error without leaking it. Encoding it with encoding/json
// or the like does show them: only a store should do that.
type Token struct {
	Access  string
	Refresh string
	// Expiry is when Access stops working; the zero time means Kick gave
	// no lifetime, and Access is used until Kick refuses it (see
	// Source.TokenAfter401).
	Expiry time.Time
	// Scopes are the scopes the streamer granted.
	Scopes []string
}

// Has reports whether the token carries scope.
func (t Token) Has(scope string) bool { return slices.Contains(t.Scopes, scope) }

func redacted(secret string) string {
	if secret == "" {
		return "none"
	}
	return "redacted"
}

func expiryText(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format(time.RFC3339)
}

// String describes t without its secrets.
func (t Token) String() string {
	return fmt.Sprintf("Token{access: %s, refresh: %s, expiry: %s, scopes: %v}",
		redacted(t.Access), redacted(t.Refresh), expiryText(t.Expiry), t.Scopes)
}

// GoString is String for %#v, which would otherwise print every field.
func (t Token) GoString() string { return "credential." + t.String() }

// Format prints String for every verb (and GoString for %#v), so that no
// verb, %d or %x included, reaches the secret fields.
func (t Token) Format(f fmt.State, verb rune) { format(f, verb, t.String(), t.GoString()) }

// LogValue gives slog the token without its secrets.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("access", redacted(t.Access)),
		slog.String("refresh", redacted(t.Refresh)),
		slog.String("expiry", expiryText(t.Expiry)),
		slog.Any("scopes", t.Scopes),
	)
}

func format(f fmt.State, verb rune, s, gs string) {
	if verb == 'v' && f.Flag('#') {
		s = gs
	}
	_, _ = io.WriteString(f, s)
}

// Record is a broadcaster's stored credentials.
type Record struct {
	Token
	// Version counts the writes of the token (Store.Save, Store.
	// MarkNeedsReauth, a new connection); every conditional write names
	// the version it read.
	Version int64
	// LeaseUntil, while in the future, says that a caller is refreshing
	// the token: the others wait for the next version instead of asking
	// Kick too. The zero time is no lease.
	LeaseUntil time.Time
	// NeedsReauth says that Kick refused the refresh token: only a new
	// authorisation by the streamer helps. The token fields are then empty.
	NeedsReauth bool
}

// String describes r without its secrets.
func (r Record) String() string {
	lease := "none"
	if !r.LeaseUntil.IsZero() {
		lease = r.LeaseUntil.UTC().Format(time.RFC3339Nano)
	}
	return "Record{" + r.Token.String() + ", version: " + strconv.FormatInt(r.Version, 10) +
		", lease until: " + lease + ", needs reauth: " + strconv.FormatBool(r.NeedsReauth) + "}"
}

// GoString is String for %#v.
func (r Record) GoString() string { return "credential." + r.String() }

// Format prints String for every verb (and GoString for %#v).
func (r Record) Format(f fmt.State, verb rune) { format(f, verb, r.String(), r.GoString()) }

// LogValue gives slog the record without its secrets.
func (r Record) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("token", r.Token),
		slog.Int64("version", r.Version),
		slog.Time("leaseUntil", r.LeaseUntil),
		slog.Bool("needsReauth", r.NeedsReauth),
	)
}
