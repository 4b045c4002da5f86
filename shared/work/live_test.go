package work_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/work"
)

// liveLog records the go-live hook's calls.
type liveLog struct {
	calls []string
	err   error
}

func (l *liveLog) Status(_ context.Context, g string, _ int64, at time.Time, s event.Status, now time.Time) error {
	l.calls = append(l.calls, "status "+g+" "+map[bool]string{true: "live", false: "offline"}[s.Live]+" "+at.Format(time.TimeOnly)+" "+now.Format(time.TimeOnly))
	return l.err
}

func (l *liveLog) Tick(_ context.Context, g string, now time.Time) error {
	l.calls = append(l.calls, "tick "+g+" "+now.Format(time.TimeOnly))
	return l.err
}

func TestLiveHook(t *testing.T) {
	now := t0.Add(3 * time.Second)
	tests := []struct {
		name     string
		j        job.Job
		storeErr error
		liveErr  error
		want     []string
		wantErr  fault.Kind // with fail; otherwise nil is wanted
		fail     bool
	}{
		{"a status event goes to the alerts after the stream state", job.ForEvent("g", ev(event.LivestreamStatus), nil), nil, nil,
			[]string{"status g live 20:00:00 20:00:03"}, 0, false},
		{"a stream state that failed tells the alerts nothing", job.ForEvent("g", ev(event.LivestreamStatus), nil),
			fault.Wrap(fault.Transient, errors.New("throttled"), "save"), nil, nil, fault.Transient, true},
		{"the alerts' failure fails the job", job.ForEvent("g", ev(event.LivestreamStatus), nil), nil,
			fault.Wrap(fault.Transient, errors.New("kick down"), "kick"), []string{"status g live 20:00:00 20:00:03"}, fault.Transient, true},
		{"a live job ticks", job.ForLive("g", 5, t0), nil, nil, []string{"tick g 20:00:03"}, 0, false},
		{"metadata is not a status", job.ForEvent("g", ev(event.LivestreamMetadata), nil), nil, nil, nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := &liveLog{err: tt.liveErr}
			w := &work.Worker{Store: &recStore{err: tt.storeErr}, Live: live, Now: func() time.Time { return now }}
			err := w.Do(t.Context(), tt.j)
			if !tt.fail && err != nil || tt.fail && !fault.Is(err, tt.wantErr) {
				t.Errorf("Do(%s) = %v, want failure %v of kind %v", tt.j, err, tt.fail, tt.wantErr)
			}
			if !slices.Equal(live.calls, tt.want) {
				t.Errorf("Do(%s) hook calls = %q, want %q", tt.j, live.calls, tt.want)
			}
		})
	}
	// Without alerts a live job does nothing and succeeds.
	if err := (&work.Worker{Store: &recStore{}}).Do(t.Context(), job.ForLive("g", 5, t0)); err != nil {
		t.Errorf("Do(live job) without alerts = %v, want nil", err)
	}
}
