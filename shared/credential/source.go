package credential

import (
	"context"
	"errors"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
)

// Store keeps one Record per broadcaster. Every write but Lease is
// conditioned on the version the caller read and bumps it, so a caller
// that read an older version loses with fault.Conflict and reads again.
type Store interface {
	// Load returns broadcaster's credentials, read consistently;
	// fault.NotFound when the channel was never connected (or was
	// disconnected).
	Load(ctx context.Context, broadcaster int64) (Record, error)
	// Lease records that the caller refreshes the token until until. It
	// fails with fault.Conflict unless the stored version is still version
	// and no lease is live at now (none, or one ending at or before now).
	Lease(ctx context.Context, broadcaster, version int64, now, until time.Time) error
	// Release ends the lease that ends at until, if it is still there and
	// the version is still version; otherwise it changes nothing and
	// returns nil. A holder whose refresh failed releases its lease so
	// that the next caller need not wait for it to run out.
	Release(ctx context.Context, broadcaster, version int64, until time.Time) error
	// Save stores t as version+1 and ends the lease, if the stored
	// version is still version; fault.Conflict otherwise.
	Save(ctx context.Context, broadcaster, version int64, t Token) error
	// MarkNeedsReauth records, as version+1, that Kick refused the refresh
	// token: it ends the lease and drops the token. fault.Conflict when the
	// stored version is no longer version.
	MarkNeedsReauth(ctx context.Context, broadcaster, version int64) error
}

// Refresher asks Kick for a new token pair. The Kick client is adapted to
// it.
type Refresher interface {
	// Refresh trades refreshToken for a new token pair. The result's
	// Refresh may be empty (the old one then stays), and its Scopes nil
	// (the stored ones then stay).
	Refresh(ctx context.Context, refreshToken string) (Token, error)
	// Rejected reports whether err, from Refresh, says Kick refused the
	// refresh token for good (invalid_grant), as opposed to a failure a
	// retry may fix.
	Rejected(err error) bool
}

// ErrReconnect is the error, of kind fault.Forbidden, of every Token call
// for a broadcaster whose refresh token Kick refused. Its message is safe
// to show to the guild's admins.
var ErrReconnect error = &fault.Error{
	Kind: fault.Forbidden,
	Msg:  "Kick no longer accepts the bot's login for this channel: reconnect the Kick channel",
}

// Defaults for the zero values of Source's settings.
const (
	DefaultEarly    = 5 * time.Minute
	DefaultLeaseFor = 20 * time.Second
	DefaultAttempts = 12

	// firstWait and maxWait bound the waits for another caller's refresh:
	// 50ms, doubling, at most 1s; with DefaultAttempts about 8.5s in all.
	firstWait = 50 * time.Millisecond
	maxWait   = time.Second

	// releaseTimeout bounds the release of a lease after a failed refresh.
	releaseTimeout = 2 * time.Second
)

// Source hands out a broadcaster's access token, refreshing it with Kick
// when needed, once across every Lambda that asks at the same time.
type Source struct {
	Store Store
	Kick  Refresher
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Wait pauses for d or until ctx ends (returning its error); nil uses
	// a timer. Tests pass a function that synchronises instead.
	Wait func(ctx context.Context, d time.Duration) error
	// Early is how long before its expiry a token is refreshed, so that it
	// does not expire between Token and its use; 0 is DefaultEarly.
	Early time.Duration
	// LeaseFor is how long a refresh may take before another caller takes
	// it over; 0 is DefaultLeaseFor. The call to Kick gets half of it, so
	// a slow refresh is abandoned before its lease can be taken over.
	LeaseFor time.Duration
	// Attempts bounds the reads of the store in one call (each wait for
	// another caller's refresh and each lost race costs one); past it,
	// Token fails with fault.Transient. 0 is DefaultAttempts.
	Attempts int
}

// Token returns broadcaster's access token, fresh for at least Early.
//
// When the stored token is fresh it costs one read. Otherwise the caller
// that wins the lease calls Kick once and saves the new token, and the
// others wait (with Wait, backing off) and read again until the new
// version appears; if the holder dies, its lease ends and the next caller
// takes over. Waiting longer than Attempts reads allow fails with
// fault.Transient, for the caller to retry later.
//
// Errors: fault.Invalid for a broadcaster id that is not positive, the
// store's fault.NotFound when the channel is not connected, ErrReconnect
// (fault.Forbidden) once Kick refused the refresh token, and the kind of
// the store's or Kick's failure otherwise (fault.Transient for a Kick
// failure without one).
func (s *Source) Token(ctx context.Context, broadcaster int64) (string, error) {
	return s.token(ctx, broadcaster, "")
}

// TokenAfter401 is Token for a caller whose request Kick answered 401
// with the access token rejected: it refreshes the token, even if it is
// not yet due, but only if the stored access token is still rejected.
// So when ten callers hit a 401 with the same token, one refresh runs and
// all ten get its result.
func (s *Source) TokenAfter401(ctx context.Context, broadcaster int64, rejected string) (string, error) {
	if rejected == "" {
		return "", fault.E(fault.Invalid, "TokenAfter401 needs the rejected token")
	}
	return s.token(ctx, broadcaster, rejected)
}

func (s *Source) token(ctx context.Context, broadcaster int64, stale string) (string, error) {
	if broadcaster <= 0 {
		return "", fault.E(fault.Invalid, "a Kick token needs a broadcaster id")
	}
	if s.Store == nil || s.Kick == nil {
		return "", fault.E(fault.Internal, "credential source has no store or no Kick client")
	}
	waits := 0
	for range s.attempts() {
		rec, err := s.Store.Load(ctx, broadcaster)
		if err != nil {
			return "", err
		}
		if rec.NeedsReauth {
			return "", ErrReconnect
		}
		now := s.now()
		if s.usable(rec, now, stale) {
			return rec.Access, nil
		}
		if rec.LeaseUntil.After(now) {
			// Another caller is refreshing: wait for its version, or for
			// its lease to end, whichever comes first.
			d := min(backoff(waits), rec.LeaseUntil.Sub(now))
			waits++
			if err := s.wait(ctx, d); err != nil {
				return "", fault.Wrap(fault.Transient, err, "wait for the Kick token refresh")
			}
			continue
		}
		until := now.Add(s.leaseFor())
		err = s.Store.Lease(ctx, broadcaster, rec.Version, now, until)
		if fault.Is(err, fault.Conflict) {
			continue // someone else leased or saved first: read again
		}
		if err != nil {
			return "", err
		}
		access, again, err := s.refresh(ctx, broadcaster, rec, until)
		if again {
			continue // the record changed under the lease: read again
		}
		return access, err
	}
	return "", fault.E(fault.Transient, "the Kick token is being refreshed elsewhere; try again")
}

// usable reports whether rec's access token may be handed out at now: it
// is set, not the one a caller saw rejected, and not due for refresh.
func (s *Source) usable(rec Record, now time.Time, stale string) bool {
	if rec.Access == "" || (stale != "" && rec.Access == stale) {
		return false
	}
	return rec.Expiry.IsZero() || now.Before(rec.Expiry.Add(-s.early()))
}

// refresh calls Kick for the holder of the lease that ends at until and
// stores the result. again says that the version moved on under the lease
// (the holder was too slow, or the channel was connected again), so that
// the caller should read the record again.
func (s *Source) refresh(ctx context.Context, broadcaster int64, rec Record, until time.Time) (access string, again bool, err error) {
	if rec.Refresh == "" {
		return s.needsReauth(ctx, broadcaster, rec)
	}
	kctx, cancel := context.WithTimeout(ctx, s.leaseFor()/2)
	t, err := s.Kick.Refresh(kctx, rec.Refresh)
	cancel()
	switch {
	case err != nil && s.Kick.Rejected(err):
		return s.needsReauth(ctx, broadcaster, rec)
	case err == nil && t.Access == "":
		err = fault.E(fault.Internal, "Kick's token refresh returned no access token")
	case err != nil:
		if _, ok := errors.AsType[*fault.Error](err); !ok {
			err = fault.Wrap(fault.Transient, err, "refresh the Kick token")
		}
	}
	if err != nil {
		// Best effort: an unreleased lease only makes the next caller wait
		// for it to run out. The caller's ctx may have ended; the release
		// still deserves its chance, briefly.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		_ = s.Store.Release(rctx, broadcaster, rec.Version, until)
		cancel()
		return "", false, err
	}
	if t.Refresh == "" {
		t.Refresh = rec.Refresh
	}
	if t.Scopes == nil {
		t.Scopes = rec.Scopes
	}
	err = s.Store.Save(ctx, broadcaster, rec.Version, t)
	if fault.Is(err, fault.Conflict) {
		return "", true, nil
	}
	if err != nil {
		return "", false, err
	}
	return t.Access, false, nil
}

// needsReauth marks rec as needing a new authorisation and returns
// ErrReconnect, or again when the record changed meanwhile (a new
// connection may have replaced it).
func (s *Source) needsReauth(ctx context.Context, broadcaster int64, rec Record) (access string, again bool, err error) {
	err = s.Store.MarkNeedsReauth(ctx, broadcaster, rec.Version)
	switch {
	case fault.Is(err, fault.Conflict):
		return "", true, nil
	case err != nil:
		return "", false, err
	}
	return "", false, ErrReconnect
}

func backoff(waits int) time.Duration {
	if waits >= 5 { // 50ms << 5 is past maxWait
		return maxWait
	}
	return min(firstWait<<waits, maxWait)
}

func (s *Source) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Source) wait(ctx context.Context, d time.Duration) error {
	if s.Wait != nil {
		return s.Wait(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (s *Source) early() time.Duration {
	if s.Early <= 0 {
		return DefaultEarly
	}
	return s.Early
}

func (s *Source) leaseFor() time.Duration {
	if s.LeaseFor <= 0 {
		return DefaultLeaseFor
	}
	return s.LeaseFor
}

func (s *Source) attempts() int {
	if s.Attempts <= 0 {
		return DefaultAttempts
	}
	return s.Attempts
}
