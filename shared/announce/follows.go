package announce

import (
	"context"
	"github.com/kickbot/kickbot/shared/wording"
	"strconv"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
)

// Follow batches.
const (
	// FollowEvery is the least time from a batch's first follow to its
	// post, so a guild gets at most one follow post per FollowEvery.
	FollowEvery = 5 * time.Minute
	// MaxFollowNames is how many followers a batch names; the rest are
	// counted ("and N more").
	MaxFollowNames = 25
	// FollowLookback is how far back a tick looks for due batches, so that
	// ticks that failed or never came are made up by the next.
	FollowLookback = 15 * time.Minute
)

// FollowBatch is a guild's follows gathered for one post.
type FollowBatch struct {
	// Opened is when its first follow came: the batch's id.
	Opened time.Time
	// Names are the first MaxFollowNames followers; Count counts all.
	Names []string
	Count int
	// Scheduled says the batch is on the list of due batches.
	Scheduled bool
}

// Due is when b is posted: FollowEvery after its first follow, at the
// first whole minute (the tick's) from then.
func (b FollowBatch) Due() time.Time { return DueAt(b.Opened) }

// DueAt is when the batch opened at opened is due.
func DueAt(opened time.Time) time.Time {
	due := opened.Add(FollowEvery)
	if t := due.Truncate(time.Minute); t.Before(due) {
		return t.Add(time.Minute)
	}
	return due
}

// DueFollows names a batch that is due.
type DueFollows struct {
	Guild  string
	Opened time.Time
}

// FollowStore keeps the follow batches. Implementations return
// fault.Transient for failures a retry may fix.
type FollowStore interface {
	// AddFollowerOnce adds name to guild's open batch, opening one at now
	// when none is open, keeping the first MaxFollowNames names (each
	// once) and counting all, and returns the batch after. It does so
	// once per cause (the follow's delivery id), marking the cause with
	// the follower in one write, so that no failure between the two loses
	// the follower or adds them twice; added reports whether this call
	// added them.
	AddFollowerOnce(ctx context.Context, guild, cause, name string, now time.Time) (b FollowBatch, added bool, err error)
	// OpenFollows returns guild's open batch; zero when none is open.
	OpenFollows(ctx context.Context, guild string) (FollowBatch, error)
	// ScheduleFollows lists guild's batch opened at opened as due at its
	// Due time and marks it Scheduled; again, it changes nothing.
	ScheduleFollows(ctx context.Context, guild string, opened time.Time) error
	// DueFollows lists the batches due from from to to, ends included.
	DueFollows(ctx context.Context, from, to time.Time) ([]DueFollows, error)
	// TakeFollows closes guild's open batch opened at opened, so that
	// later follows open a new one, and returns it; a batch taken before
	// and not yet done is returned again. false when there is neither:
	// the batch was posted. Taking a batch drops an older taken one.
	TakeFollows(ctx context.Context, guild string, opened time.Time) (FollowBatch, bool, error)
	// DoneFollows forgets the taken batch opened at opened and takes it
	// off the due list; forgetting none is no error.
	DoneFollows(ctx context.Context, guild string, opened time.Time) error
}

// Queue takes jobs for the worker.
type Queue interface {
	Enqueue(ctx context.Context, jobs ...job.Job) error
}

// follow adds ev's follower to the guild's batch, once per delivery, and
// makes sure the open batch is scheduled: a retry after a failed
// scheduling schedules it, though the follower is in already.
func (s *Service) follow(ctx context.Context, guild string, ev event.Event) error {
	if s == nil || s.Follows == nil || s.Store == nil {
		return nil
	}
	if ev.ID == "" {
		return fault.E(fault.Invalid, "event without an id")
	}
	cfg, err := s.Store.AnnounceConfig(ctx, guild)
	if err != nil || !cfg.Setting(Follow).On {
		return err
	}
	b, _, err := s.Follows.AddFollowerOnce(ctx, guild, ev.ID, name(ev.Follow.Follower), s.now())
	if err != nil {
		return err
	}
	return s.schedule(ctx, guild, b)
}

// schedule makes sure the open batch b is listed as due, or posts it now
// when the ticks no longer look back far enough for it.
func (s *Service) schedule(ctx context.Context, guild string, b FollowBatch) error {
	switch {
	case b.Opened.IsZero():
		return nil
	case s.now().After(b.Due().Add(FollowLookback)):
		// The ticks no longer look back this far: a batch whose listing
		// or jobs were lost for good is posted now, with this follow.
		return s.FlushFollows(ctx, guild, b.Opened)
	case b.Scheduled:
		return nil
	}
	return s.Follows.ScheduleFollows(ctx, guild, b.Opened)
}

// DueLister lists the follow batches due (FollowStore's DueFollows).
type DueLister interface {
	DueFollows(ctx context.Context, from, to time.Time) ([]DueFollows, error)
}

// QueueDueFollows queues a job (job.ForFollows) for each follow batch due
// by now, looking FollowLookback back; the sweep's minute tick calls it.
// A batch stays listed until its post is done, so a job lost or failed
// for good is queued again by the next tick, and the post's mark keeps a
// batch from being posted twice.
func QueueDueFollows(ctx context.Context, store DueLister, q Queue, now time.Time) (int, error) {
	due, err := store.DueFollows(ctx, now.Add(-FollowLookback), now)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	jobs := make([]job.Job, len(due))
	for i, d := range due {
		jobs[i] = job.ForFollows(d.Guild, d.Opened)
	}
	return len(jobs), q.Enqueue(ctx, jobs...)
}

// FlushFollows posts guild's follow batch opened at opened (a follows
// job): it takes the batch, posts it once (keyed by opened), and forgets
// it. A post that failed transiently returns its error, the batch kept
// for the retry; one that cannot succeed (the channel is gone, the bot may
// not post there) is logged and dropped.
func (s *Service) FlushFollows(ctx context.Context, guild string, opened time.Time) error {
	if s == nil || s.Follows == nil {
		return nil
	}
	b, ok, err := s.Follows.TakeFollows(ctx, guild, opened)
	if err != nil {
		return err
	}
	if ok && b.Count > 0 {
		err := s.Announce(ctx, guild, Follow, "batch:"+strconv.FormatInt(opened.UnixMilli(), 10), FollowPost(b))
		switch {
		case fault.Is(err, fault.Transient):
			return err
		case err != nil:
			s.log().WarnContext(ctx, "follow batch not posted", "guild", guild, "followers", b.Count, "error", err)
		}
	}
	return s.Follows.DoneFollows(ctx, guild, opened)
}

// FollowPost is the post of a follow batch.
func FollowPost(b FollowBatch) Post {
	names := make([]string, len(b.Names))
	for i, n := range b.Names {
		names[i] = Escape(wording.Cut(n, maxName))
	}
	list := strings.Join(names, ", ")
	if more := b.Count - len(b.Names); more > 0 {
		list += " and " + strconv.Itoa(more) + " more"
	}
	// Names at maxName, escaped, could pass Discord's 4,096 characters.
	list = wording.Cut(list, interact.MaxEmbedDescription)
	first := ""
	if len(b.Names) > 0 {
		first = b.Names[0]
	}
	return Post{
		Embed: interact.Embed{Title: "New followers", Description: list, Color: interact.Accent, Timestamp: b.Opened,
			Fields: []interact.Field{{Name: "Followers", Value: strconv.Itoa(b.Count), Inline: true}}},
		Vars: map[string]string{"user": first, "count": strconv.Itoa(b.Count)},
	}
}
