package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"
	miniserver "github.com/truora/minidyn/server"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
)

// recordingPoster records the announcements posted; fail fails the next
// one.
type recordingPoster struct {
	got  []announce.Message
	fail error
}

func (p *recordingPoster) PostAnnouncement(_ context.Context, m announce.Message) error {
	if err := p.fail; err != nil {
		p.fail = nil
		return err
	}
	p.got = append(p.got, m)
	return nil
}

// jobs records the jobs enqueued.
type jobs struct{ got []job.Job }

func (q *jobs) Enqueue(_ context.Context, js ...job.Job) error {
	q.got = append(q.got, js...)
	return nil
}

// runAnnounceStoreSuite checks the announcement settings, the post marks
// and the follow batches.
func runAnnounceStoreSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("Config", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		got, err := s.AnnounceConfig(ctx, "g")
		if err != nil || got.Version != 0 || len(got.Kinds) != 0 {
			t.Fatalf("AnnounceConfig before any = %+v, %v; want zero", got, err)
		}
		c := announce.Config{Kinds: map[announce.Kind]announce.Setting{announce.Sub: {On: true, Channel: "200", Template: "{user}!", Role: "300"}}}
		cause := interact.Cause{ID: "i1", Expires: t0.Add(time.Hour)}
		check(t, "SaveAnnounceConfig", s.SaveAnnounceConfig(ctx, "g", c, cause))
		if err := s.SaveAnnounceConfig(ctx, "g", c, cause); err != interact.ErrApplied {
			t.Errorf("SaveAnnounceConfig(replay) = %v, want ErrApplied", err)
		}
		// A save over the version it read (0) after another save: refused.
		wantKind(t, "SaveAnnounceConfig over a stale version", s.SaveAnnounceConfig(ctx, "g", c, interact.Cause{ID: "i2", Expires: t0.Add(time.Hour)}), fault.Conflict)
		bad := announce.Config{Version: 1, Kinds: map[announce.Kind]announce.Setting{announce.Sub: {On: true, Channel: "#x"}}}
		wantKind(t, "SaveAnnounceConfig of a bad channel", s.SaveAnnounceConfig(ctx, "g", bad, interact.Cause{ID: "i3", Expires: t0.Add(time.Hour)}), fault.Invalid)
		got, err = s.AnnounceConfig(ctx, "g")
		check(t, "AnnounceConfig", err)
		c.Version = 1
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("AnnounceConfig (-want +got):\n%s", diff)
		}
	})

	t.Run("Marks", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		for i, want := range []bool{true, false} {
			first, err := s.ClaimAnnouncement(ctx, "g", announce.Sub, "d1", t0.Add(time.Hour))
			if err != nil || first != want {
				t.Errorf("ClaimAnnouncement #%d = %v, %v; want %v", i+1, first, err, want)
			}
		}
		if first, err := s.ClaimAnnouncement(ctx, "g", announce.Gift, "d1", t0); err != nil || !first {
			t.Errorf("ClaimAnnouncement of another kind = %v, %v; want first", first, err)
		}
		check(t, "ReleaseAnnouncement", s.ReleaseAnnouncement(ctx, "g", announce.Sub, "d1"))
		check(t, "ReleaseAnnouncement again", s.ReleaseAnnouncement(ctx, "g", announce.Sub, "d1"))
		if first, err := s.ClaimAnnouncement(ctx, "g", announce.Sub, "d1", t0); err != nil || !first {
			t.Errorf("ClaimAnnouncement after release = %v, %v; want first", first, err)
		}
		k, _ := markKey("g", announce.Sub, "d1")
		wantNumber(t, rawItem(t, s, k), "expiresAt", t0.Unix())
		_, err := s.ClaimAnnouncement(ctx, "g", "nope", "d1", t0)
		wantKind(t, "ClaimAnnouncement of an unknown kind", err, fault.Invalid)
	})

	t.Run("MarkAnswerLost", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		// The SDK retries a put whose answer was lost after it landed:
		// the retry's failed condition is this call's own mark, so the
		// post is still this call's to make.
		retried := *s
		retried.Client = retriedWrites{s.Client}
		if first, err := retried.ClaimAnnouncement(ctx, "g", announce.Sub, "d1", t0); err != nil || !first {
			t.Errorf("ClaimAnnouncement retried by the SDK = %v, %v; want first", first, err)
		}
		if first, err := s.ClaimAnnouncement(ctx, "g", announce.Sub, "d1", t0); err != nil || first {
			t.Errorf("ClaimAnnouncement after it = %v, %v; want not first", first, err)
		}
		// Every attempt lands unheard: the call fails and takes its mark
		// back, so that the job's retry marks and posts.
		lost := *s
		lost.Client = lostWrites{s.Client}
		if first, err := lost.ClaimAnnouncement(ctx, "g", announce.Gift, "d2", t0); !errors.Is(err, errLost) || first {
			t.Errorf("ClaimAnnouncement losing its answer = %v, %v; want %v", first, err, errLost)
		}
		if first, err := s.ClaimAnnouncement(ctx, "g", announce.Gift, "d2", t0); err != nil || !first {
			t.Errorf("ClaimAnnouncement retried by the job = %v, %v; want first", first, err)
		}
		// The take-back outlasts a few failed deletes (a hot partition).
		flaky := *s
		flaky.Client = &failedDeletes{API: lostWrites{s.Client}, n: 2}
		if _, err := flaky.ClaimAnnouncement(ctx, "g", announce.Kicks, "d3", t0); !errors.Is(err, errLost) {
			t.Errorf("ClaimAnnouncement losing its answer = %v; want %v", err, errLost)
		}
		if first, err := s.ClaimAnnouncement(ctx, "g", announce.Kicks, "d3", t0); err != nil || !first {
			t.Errorf("ClaimAnnouncement after a take-back that failed twice = %v, %v; want first", first, err)
		}
		// The SDK's retry finds the mark, and reading whose it is fails:
		// the call fails and takes its mark back.
		unread := *s
		unread.Client = &failedGets{API: retriedWrites{s.Client}, n: 1}
		if first, err := unread.ClaimAnnouncement(ctx, "g", announce.Kicks, "d4", t0); !errors.Is(err, errLost) || first {
			t.Errorf("ClaimAnnouncement failing to read its mark back = %v, %v; want %v", first, err, errLost)
		}
		if first, err := s.ClaimAnnouncement(ctx, "g", announce.Kicks, "d4", t0); err != nil || !first {
			t.Errorf("ClaimAnnouncement retried by the job = %v, %v; want first", first, err)
		}
		// Another call's mark is neither this call's nor taken back.
		if first, err := lost.ClaimAnnouncement(ctx, "g", announce.Gift, "d2", t0); err != nil || first {
			t.Errorf("ClaimAnnouncement of a marked cause = %v, %v; want not first", first, err)
		}
		if first, err := s.ClaimAnnouncement(ctx, "g", announce.Gift, "d2", t0); err != nil || first {
			t.Errorf("ClaimAnnouncement after it = %v, %v; want not first: the mark stays", first, err)
		}
	})

	// The other claims that guard an effect take the same care: an
	// interaction's claim and a report's mark.
	t.Run("ClaimsAnswerLost", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		retried, lost := *s, *s
		retried.Client, lost.Client = retriedWrites{s.Client}, lostWrites{s.Client}
		c := interact.Cause{ID: "i1", Expires: t0.Add(time.Hour)}
		if err := retried.ClaimInteraction(ctx, "g", c); err != nil {
			t.Errorf("ClaimInteraction retried by the SDK = %v, want nil: the claim is this call's", err)
		}
		if err := s.ClaimInteraction(ctx, "g", c); !errors.Is(err, interact.ErrApplied) {
			t.Errorf("ClaimInteraction after it = %v, want ErrApplied", err)
		}
		c2 := interact.Cause{ID: "i2", Expires: t0.Add(time.Hour)}
		if err := lost.ClaimInteraction(ctx, "g", c2); !errors.Is(err, errLost) {
			t.Errorf("ClaimInteraction losing its answer = %v, want %v", err, errLost)
		}
		if err := s.ClaimInteraction(ctx, "g", c2); err != nil {
			t.Errorf("ClaimInteraction retried by the job = %v, want nil: the lost claim was taken back", err)
		}
		if first, err := retried.MarkReported(ctx, "g", "missing-permission"); err != nil || !first {
			t.Errorf("MarkReported retried by the SDK = %v, %v; want first", first, err)
		}
		if first, err := s.MarkReported(ctx, "g", "missing-permission"); err != nil || first {
			t.Errorf("MarkReported after it = %v, %v; want not first", first, err)
		}
		if first, err := lost.MarkReported(ctx, "g", "role-above-bot"); !errors.Is(err, errLost) || first {
			t.Errorf("MarkReported losing its answer = %v, %v; want %v", first, err, errLost)
		}
		if first, err := s.MarkReported(ctx, "g", "role-above-bot"); err != nil || !first {
			t.Errorf("MarkReported retried = %v, %v; want first", first, err)
		}
	})

	t.Run("FollowerOnce", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		retried := *s
		retried.Client = retriedWrites{s.Client}
		for i, name := range []string{"ann", "bob", "ann"} { // ann follows again
			b, _, err := retried.AddFollowerOnce(ctx, "g", fmt.Sprint("d", i), name, t0.Add(time.Duration(i)*time.Second))
			check(t, "AddFollowerOnce", err)
			if want := []string{"ann", "bob"}[:min(i+1, 2)]; b.Count != len(want) || !slices.Equal(b.Names, want) {
				t.Errorf("AddFollowerOnce(%s), retried by the SDK = %d %q; want %d %q", name, b.Count, b.Names, len(want), want)
			}
		}
	})

	t.Run("FollowerAndMarkTogether", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		lost := *s
		lost.Client = lostAnswers{s.Client}
		for i, c := range []struct {
			store       *Store
			cause, name string
			added       bool
			names       []string
		}{
			{s, "d1", "ann", true, []string{"ann"}},
			{s, "d1", "ann", false, []string{"ann"}}, // the job retried
			// The transaction lands, its answer is lost: this call's own.
			{&lost, "d2", "bob", true, []string{"ann", "bob"}},
			{s, "d2", "bob", false, []string{"ann", "bob"}},
			{s, "d3", "ann", false, []string{"ann", "bob"}}, // ann follows again
			{s, "d3", "ann", false, []string{"ann", "bob"}},
		} {
			b, added, err := c.store.AddFollowerOnce(ctx, "g", c.cause, c.name, t0.Add(time.Duration(i)*time.Second))
			check(t, "AddFollowerOnce", err)
			if added != c.added || b.Count != len(c.names) || !slices.Equal(b.Names, c.names) || !b.Opened.Equal(t0) {
				t.Errorf("#%d AddFollowerOnce(%s, %s) = %v, %d %q opened %v; want %v, %d %q opened %v", i+1, c.cause, c.name,
					added, b.Count, b.Names, b.Opened, c.added, len(c.names), c.names, t0)
			}
		}
		// Past the names a batch keeps, followers are counted, once each.
		for i := range announce.MaxFollowNames + 2 {
			for range 2 {
				_, _, err := s.AddFollowerOnce(ctx, "g", fmt.Sprint("f", i), fmt.Sprint("fan", i), t0)
				check(t, "AddFollowerOnce", err)
			}
		}
		b, err := s.OpenFollows(ctx, "g")
		check(t, "OpenFollows", err)
		if want := 2 + announce.MaxFollowNames + 2; b.Count != want || len(b.Names) != announce.MaxFollowNames {
			t.Errorf("batch after %d followers, each twice = %d counted, %d named; want %d, %d", want, b.Count, len(b.Names), want, announce.MaxFollowNames)
		}
	})

	t.Run("FollowBatch", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		opened := t0.Add(30 * time.Second)
		for i := range 30 {
			b, _, err := s.AddFollowerOnce(ctx, "g", fmt.Sprintf("d%02d", i), fmt.Sprintf("f%02d", i), opened.Add(time.Duration(i)*time.Second))
			check(t, "AddFollowerOnce", err)
			if b.Count != i+1 || !b.Opened.Equal(opened) || len(b.Names) != min(i+1, announce.MaxFollowNames) {
				t.Fatalf("AddFollowerOnce #%d = %+v, want %d counted, opened at %v", i+1, b, i+1, opened)
			}
		}
		raw := rawItem(t, s, followsKey("g"))
		if names := raw["names"]; names == nil {
			t.Fatalf("batch item = %v, want names", raw)
		}
		check(t, "ScheduleFollows", s.ScheduleFollows(ctx, "g", opened))
		check(t, "ScheduleFollows again", s.ScheduleFollows(ctx, "g", opened))
		b, err := s.OpenFollows(ctx, "g")
		check(t, "OpenFollows", err)
		if !b.Scheduled || b.Count != 30 {
			t.Errorf("OpenFollows = %+v, want the scheduled batch of 30", b)
		}
		due := func(from, to time.Time) []announce.DueFollows {
			t.Helper()
			got, err := s.DueFollows(ctx, from, to)
			check(t, "DueFollows", err)
			return got
		}
		if got := due(t0, t0.Add(5*time.Minute)); len(got) != 0 {
			t.Errorf("DueFollows to 12:05 = %v, want none: due at 12:06", got)
		}
		want := []announce.DueFollows{{Guild: "g", Opened: opened}}
		if diff := cmp.Diff(want, due(t0, t0.Add(6*time.Minute))); diff != "" {
			t.Errorf("DueFollows to 12:06 (-want +got):\n%s", diff)
		}
		taken, ok, err := s.TakeFollows(ctx, "g", opened)
		check(t, "TakeFollows", err)
		if !ok || taken.Count != 30 || len(taken.Names) != 25 || taken.Names[0] != "f00" || taken.Names[24] != "f24" {
			t.Fatalf("TakeFollows = %+v, %v; want 30 with the first 25 names", taken, ok)
		}
		// A follow after the take opens a new batch; the retry of the
		// take reads the taken one back.
		b, _, err = s.AddFollowerOnce(ctx, "g", "dlate", "late", t0.Add(10*time.Minute))
		check(t, "AddFollowerOnce", err)
		if b.Count != 1 || !b.Opened.Equal(t0.Add(10*time.Minute)) || b.Scheduled {
			t.Errorf("AddFollowerOnce after the take = %+v, want a new batch", b)
		}
		again, ok, err := s.TakeFollows(ctx, "g", opened)
		check(t, "TakeFollows again", err)
		if diff := cmp.Diff(taken, again); !ok || diff != "" {
			t.Errorf("TakeFollows again = %v (-first +again):\n%s", ok, diff)
		}
		check(t, "DoneFollows", s.DoneFollows(ctx, "g", opened))
		check(t, "DoneFollows again", s.DoneFollows(ctx, "g", opened))
		if _, ok, err := s.TakeFollows(ctx, "g", opened); err != nil || ok {
			t.Errorf("TakeFollows after done = %v, %v; want none", ok, err)
		}
		if got := due(t0, t0.Add(20*time.Minute)); len(got) != 0 {
			t.Errorf("DueFollows after done = %v, want none", got)
		}
		b, err = s.OpenFollows(ctx, "g")
		check(t, "OpenFollows", err)
		if b.Count != 1 || !cmp.Equal(b.Names, []string{"late"}) {
			t.Errorf("OpenFollows = %+v, want late's batch", b)
		}
		_, _, err = s.AddFollowerOnce(ctx, "", "d", "x", t0)
		wantKind(t, "AddFollowerOnce without a guild", err, fault.Invalid)
	})

	t.Run("FollowsRetriedAndDuplicated", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		p := &recordingPoster{}
		now := t0
		svc := &announce.Service{Store: s, Poster: p, Follows: s, Now: func() time.Time { return now }}
		cfg := announce.Config{Kinds: map[announce.Kind]announce.Setting{announce.Follow: {On: true, Channel: "200"}}}
		check(t, "SaveAnnounceConfig", s.SaveAnnounceConfig(ctx, "g", cfg, interact.Cause{ID: "i1", Expires: t0.Add(time.Hour)}))
		for i := range 100 {
			now = t0.Add(time.Duration(i) * 1200 * time.Millisecond)
			ev := event.Event{ID: fmt.Sprintf("d%03d", i), Type: event.Followed, SentAt: now,
				Follow: &event.Follow{Follower: event.User{ID: int64(i + 1), Username: fmt.Sprintf("v%03d", i)}}}
			for range 2 { // each delivered twice
				check(t, "Event", svc.Event(ctx, "g", ev))
			}
		}
		q := &jobs{}
		for _, tick := range []time.Duration{5 * time.Minute, 6 * time.Minute, 7 * time.Minute} {
			_, err := announce.QueueDueFollows(ctx, s, q, t0.Add(tick))
			check(t, "QueueDueFollows", err)
		}
		// Opened at 12:00:00, the batch is due at 12:05, and each tick
		// finds it until it is posted: one job id.
		if len(q.got) != 3 || q.got[0].ID != q.got[2].ID {
			t.Fatalf("jobs = %v, want the batch's job at 12:05, 12:06 and 12:07", q.got)
		}
		p.fail = fault.E(fault.Transient, "discord is down")
		wantKind(t, "FlushFollows with Discord down", svc.FlushFollows(ctx, "g", q.got[0].Follows), fault.Transient)
		for _, j := range q.got {
			check(t, "FlushFollows", svc.FlushFollows(ctx, j.Guild, j.Follows))
		}
		if len(p.got) != 1 {
			t.Fatalf("posts = %d, want 1", len(p.got))
		}
		if f := p.got[0].Embed.Fields; len(f) != 1 || f[0].Value != "100" {
			t.Errorf("post fields = %v, want 100 followers", f)
		}
		// Read back from the table: nothing left to post, one mark each.
		b, err := s.OpenFollows(ctx, "g")
		check(t, "OpenFollows", err)
		if item := rawItem(t, s, followsKey("g")); b.Count != 0 || item["tOpened"] != nil {
			t.Errorf("batch item after the post = %v, want empty", item)
		}
		for _, cause := range []string{"d000", "d099", fmt.Sprintf("batch:%d", t0.UnixMilli())} {
			k, _ := markKey("g", announce.Follow, cause)
			if rawItem(t, s, k) == nil {
				t.Errorf("mark %s missing", cause)
			}
		}
		due, err := s.DueFollows(ctx, t0, t0.Add(time.Hour))
		if err != nil || len(due) != 0 {
			t.Errorf("DueFollows after the post = %v, %v; want none", due, err)
		}
	})
}

func TestAnnounceStoreEmbedded(t *testing.T) {
	runAnnounceStoreSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}

func TestAnnounceStoreEmbeddedFailure(t *testing.T) {
	s, srv := newEmbedded(t)
	ctx := t.Context()
	srv.EmulateFailure(miniserver.FailureConditionInternalServerError)
	wantAllTransient(t, []storeCall{
		{"AnnounceConfig", func() error { _, err := s.AnnounceConfig(ctx, "g"); return err }},
		{"ClaimAnnouncement", func() error { _, err := s.ClaimAnnouncement(ctx, "g", announce.Sub, "c", t0); return err }},
		{"AddFollowerOnce", func() error { _, _, err := s.AddFollowerOnce(ctx, "g", "d", "x", t0); return err }},
		{"DueFollows", func() error { _, err := s.DueFollows(ctx, t0, t0); return err }},
		{"TakeFollows", func() error { _, _, err := s.TakeFollows(ctx, "g", t0); return err }},
	})
}

// retriedWrites is the SDK retrying each put and update whose answer was
// lost after it landed: the write is applied, then sent again, and the
// caller hears the second answer.
type retriedWrites struct{ API }

func (r retriedWrites) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if _, err := r.API.PutItem(ctx, in, o...); err != nil {
		return nil, err
	}
	return r.API.PutItem(ctx, in, o...)
}

func (r retriedWrites) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if _, err := r.API.UpdateItem(ctx, in, o...); err != nil {
		return nil, err
	}
	return r.API.UpdateItem(ctx, in, o...)
}

// lostWrites is DynamoDB applying each put and the caller never hearing
// back, however often the SDK retries.
type lostWrites struct{ API }

func (l lostWrites) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if _, err := l.API.PutItem(ctx, in, o...); err != nil {
		return nil, err
	}
	return nil, errLost
}

// failedDeletes fails the first n deletes, as a throttled partition does.
type failedDeletes struct {
	API
	n int
}

func (f *failedDeletes) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	if f.n > 0 {
		f.n--
		return nil, errLost
	}
	return f.API.DeleteItem(ctx, in, o...)
}

// failedGets fails the first n reads.
type failedGets struct {
	API
	n int
}

func (f *failedGets) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if f.n > 0 {
		f.n--
		return nil, errLost
	}
	return f.API.GetItem(ctx, in, o...)
}
