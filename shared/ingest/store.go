package ingest

import (
	"context"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/job"
)

// Store is what ingestion needs from the database. Implementations return
// fault.Transient for failures a retry may fix.
type Store interface {
	// Guilds returns the guilds connected to a Kick broadcaster; none (and no
	// error) when the broadcaster is not connected.
	Guilds(ctx context.Context, broadcaster int64) ([]string, error)
	// TouchViewer records a viewer's activity in guild: the stored last-chat
	// time becomes a.At unless it is already a.At or later (and with it the
	// subscriber badge, when a says). Repeating a call changes nothing.
	TouchViewer(ctx context.Context, guild string, a audience.Activity) error
	// Delivered reports whether the delivery with this message id and type
	// was completely handled. The type is part of the key because it is
	// not signed: a copy re-sent under another type must not make the
	// genuine delivery look done.
	Delivered(ctx context.Context, id string, typ event.Type) (bool, error)
	// MarkDelivered records that the delivery was completely handled; the
	// record may vanish after expires. Marking twice is not an error.
	MarkDelivered(ctx context.Context, id string, typ event.Type, at, expires time.Time) error
	// KeepUnprocessable stores a verified delivery that cannot be handled,
	// for inspection; the record may vanish after expires. Keeping the
	// same delivery (id and type) again changes nothing.
	KeepUnprocessable(ctx context.Context, u Unprocessable, expires time.Time) error
}

// Unprocessable is a delivery whose signature checked out but which
// cannot be handled: its body is not the payload of its type, or the
// event in it cannot be applied. Kick is answered 2xx for it (an error
// would make Kick retry for a day and then unsubscribe), so it is kept.
type Unprocessable struct {
	MessageID string
	Type      string
	// SentAt is the signed delivery time; ReceivedAt is when it came.
	SentAt, ReceivedAt time.Time
	// Body is the raw body, exactly as signed.
	Body []byte
	// Reason says what was wrong with it.
	Reason string
}

// Queue takes jobs for the worker. Enqueueing a job whose ID was enqueued
// recently is a no-op (the queue deduplicates by ID); the worker also keys
// its writes by the job's cause, so an older duplicate changes nothing.
type Queue interface {
	Enqueue(ctx context.Context, jobs ...job.Job) error
}
