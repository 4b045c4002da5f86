package work_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/work"
)

// rankStore answers /rank from fixed values; interact.Store's other
// methods are not used by /rank and panic if called.
type rankStore struct {
	interact.Store
	viewer audience.Viewer
	rank   int64
	err    error
}

func (s rankStore) ViewerByName(context.Context, string, string) (audience.Viewer, error) {
	return s.viewer, s.err
}

func (s rankStore) Rank(context.Context, string, interact.Board, int64) (int64, audience.Viewer, error) {
	return s.rank, s.viewer, s.err
}

func (s rankStore) Connected(context.Context, string) (bool, error) { return true, nil }

// replies records what the worker answered.
type replies struct {
	finished []interact.Response
	refused  []string
	tokens   []string
	err      error // returned by Finish
}

func (r *replies) Finish(_ context.Context, token string, resp interact.Response) error {
	r.tokens = append(r.tokens, token)
	if r.err != nil {
		return r.err
	}
	r.finished = append(r.finished, resp)
	return nil
}

func (r *replies) Refuse(_ context.Context, token, msg string) error {
	r.tokens = append(r.tokens, token)
	r.refused = append(r.refused, msg)
	return nil
}

// noError stands for a nil error in a table of error kinds.
const noError fault.Kind = 255

var asked = time.Date(2026, 3, 14, 20, 0, 0, 0, time.UTC)

func rankJob() job.Job {
	return job.ForInteraction(interact.Request{
		ID: "1200", Guild: "g1", UserID: "77", Command: "rank",
		Options: map[string]string{"user": "alice"}, At: asked,
	}, "tok-1")
}

func TestInteractionJob(t *testing.T) {
	alice := audience.Viewer{UserID: 5, Username: "alice", WatchMinutes: 90}
	transient := fault.E(fault.Transient, "throttled")
	tests := []struct {
		name        string
		store       rankStore
		finishErr   error
		at          time.Time
		wantKind    fault.Kind // of Do's error; noError for nil
		wantFinish  int
		wantRefused []string
	}{
		{"answered", rankStore{viewer: alice, rank: 3}, nil, asked.Add(time.Second), noError, 1, nil},
		{"no such viewer is refused to the caller alone", rankStore{err: fault.E(fault.NotFound, "no viewer named alice")}, nil,
			asked.Add(time.Second), noError, 0, []string{"no viewer named alice has been seen in this server's Kick chat"}},
		{"a transient failure is retried while the token lives", rankStore{err: transient}, nil,
			asked.Add(time.Minute), fault.Transient, 0, nil},
		{"a transient failure too late for a retry says so now", rankStore{err: transient}, nil,
			asked.Add(10 * time.Minute), noError, 0, []string{interact.FailureMessage}},
		{"an edit Discord throttles is retried", rankStore{viewer: alice, rank: 3}, transient,
			asked.Add(time.Minute), fault.Transient, 0, nil},
		{"an expired token is not answered", rankStore{viewer: alice, rank: 3}, nil,
			asked.Add(interact.TokenLife), fault.NotFound, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := &replies{err: tt.finishErr}
			w := &work.Worker{
				Interact: &interact.Handler{Store: tt.store}, Replies: rep,
				Now: func() time.Time { return tt.at },
			}
			err := w.Do(context.Background(), rankJob())
			if tt.wantKind == noError {
				if err != nil {
					t.Fatalf("Do = %v, want nil", err)
				}
			} else if got := fault.KindOf(err); err == nil || got != tt.wantKind {
				t.Fatalf("Do = %v (kind %v), want kind %v", err, got, tt.wantKind)
			}
			if got := len(rep.finished); got != tt.wantFinish {
				t.Errorf("finished %d times, want %d", got, tt.wantFinish)
			}
			if diff := cmp.Diff(rep.refused, tt.wantRefused); diff != "" {
				t.Errorf("refusals (-got +want):\n%s", diff)
			}
			for _, tok := range rep.tokens {
				if tok != "tok-1" {
					t.Errorf("answered with token %q, want the job's", tok)
				}
			}
		})
	}
}

func TestInteractionJobAnswer(t *testing.T) {
	rep := &replies{}
	w := &work.Worker{
		Interact: &interact.Handler{Store: rankStore{viewer: audience.Viewer{UserID: 5, Username: "alice", WatchMinutes: 90}, rank: 3}},
		Replies:  rep, Now: func() time.Time { return asked },
	}
	if err := w.Do(context.Background(), rankJob()); err != nil {
		t.Fatal(err)
	}
	want, err := (&interact.Handler{Store: rankStore{viewer: audience.Viewer{UserID: 5, Username: "alice", WatchMinutes: 90}, rank: 3}}).
		Handle(context.Background(), rankJob().Interaction.Request)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rep.finished, []interact.Response{want}); diff != "" {
		t.Errorf("answer (-got +want):\n%s", diff)
	}
}

func TestInteractionJobNeedsReplier(t *testing.T) {
	err := (&work.Worker{}).Do(context.Background(), rankJob())
	if fault.KindOf(err) != fault.Internal {
		t.Errorf("Do without Replies = %v, want an Internal error", err)
	}
}

// throttledStore finds alice and fails every points change transiently.
type throttledStore struct{ rankStore }

func (throttledStore) AdjustPoints(context.Context, string, int64, points.Change) (points.Entry, error) {
	return points.Entry{}, fault.E(fault.Transient, "throttled")
}

// TestInteractionJobChangeTooLate checks the last answer to a change that
// kept failing: its write may have landed, so the caller is told to check,
// not to try again, which could make it twice.
func TestInteractionJobChangeTooLate(t *testing.T) {
	rep := &replies{}
	store := throttledStore{rankStore{viewer: audience.Viewer{UserID: 5, Username: "alice"}}}
	w := &work.Worker{Interact: &interact.Handler{Store: store}, Replies: rep, Now: func() time.Time { return asked.Add(10 * time.Minute) }}
	j := job.ForInteraction(interact.Request{
		ID: "1201", Guild: "g1", UserID: "77", CanManage: true, Command: "points", Sub: "add",
		Options: map[string]string{"user": "alice", "amount": "50"}, At: asked,
	}, "tok-1")
	if err := w.Do(context.Background(), j); err != nil {
		t.Fatalf("Do = %v, want nil", err)
	}
	if diff := cmp.Diff(rep.refused, []string{interact.UncertainMessage}); diff != "" {
		t.Errorf("refusals (-got +want):\n%s", diff)
	}
}
