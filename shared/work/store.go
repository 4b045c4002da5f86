package work

import (
	"context"
	"time"

	"github.com/kickbot/kickbot/shared/event"
)

// Store is what the worker needs from the database. Implementations return
// fault.Transient for failures a retry may fix.
type Store interface {
	// SetStreamStatus applies a live/offline change, delivered at at, to the
	// guild's stream state, unless a status delivered at or after at is
	// already stored. Repeating a call changes nothing.
	SetStreamStatus(ctx context.Context, guild string, at time.Time, s event.Status) error
	// SetStreamMetadata does the same for title, category, language and the
	// mature flag.
	SetStreamMetadata(ctx context.Context, guild string, at time.Time, m event.Metadata) error
	// LogEvent appends ev to the guild's event log, keyed by its delivery
	// time (ev.SentAt), ev.ID and ev.Type; the entry may vanish after
	// expires. Logging the same event again changes nothing.
	LogEvent(ctx context.Context, guild string, ev event.Event, expires time.Time) error
	// RecordBan marks user banned in guild until until (audience.Forever for
	// a permanent ban) by a ban issued at at, unless a ban or unban issued
	// after at is stored: moderation is ordered by the events' own times,
	// not their arrival. Repeating a call changes nothing.
	RecordBan(ctx context.Context, guild string, user event.User, at, until time.Time) error
	// RecordSubscription records that user's subscription runs from from
	// until until, unless a later end is already stored (the start is kept
	// with its end: the sweep counts a subscription only from its start).
	RecordSubscription(ctx context.Context, guild string, user event.User, from, until time.Time) error
}
