package ingest

import (
	"context"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
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
	// Delivered reports whether the delivery with this message id was
	// completely handled.
	Delivered(ctx context.Context, id string) (bool, error)
	// MarkDelivered records that the delivery was completely handled; the
	// record may vanish after expires. Marking twice is not an error.
	MarkDelivered(ctx context.Context, id string, at, expires time.Time) error
}

// Queue takes jobs for the worker. Enqueueing a job whose ID was enqueued
// recently is a no-op (the queue deduplicates by ID); the worker also keys
// its writes by the job's cause, so an older duplicate changes nothing.
type Queue interface {
	Enqueue(ctx context.Context, jobs ...job.Job) error
}
