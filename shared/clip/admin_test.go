package clip_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/clip"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/stream"
)

func clipsRequest(sub string, opts map[string]string) interact.Request {
	return interact.Request{ID: "i-" + sub, Guild: "g", Command: "clips", Sub: sub, Options: opts, At: start.Add(48 * time.Hour), CanManage: true}
}

// marked is a store with two markers in the stream of start and one in
// a stream the day before.
func marked(t *testing.T, st stream.State) *fakeStore {
	t.Helper()
	store := newStore(st, "streamer")
	before := start.Add(-24 * time.Hour)
	for _, m := range []clip.Marker{
		{Guild: "g", Stream: start, ID: "m2", At: start.Add(2 * time.Hour), Offset: 2*time.Hour - 30*time.Second, Title: "second", Username: "bob", ClipURL: "https://clips.example/2"},
		{Guild: "g", Stream: start, ID: "m1", At: start.Add(time.Hour), Offset: time.Hour - 30*time.Second, Title: "first", Username: "alice"},
		{Guild: "g", Stream: before, ID: "m0", At: before.Add(time.Minute), Offset: 30 * time.Second, Title: "yesterday", Username: "carol"},
	} {
		if _, _, err := store.AddClip(t.Context(), m); err != nil {
			t.Fatal(err)
		}
	}
	return store
}

func TestList(t *testing.T) {
	ended := live()
	ended.Live, ended.EndedAt = false, start.Add(3*time.Hour)
	this := "Clips of the stream started 2026-03-14 19:00 UTC (2):\n`0:59:30` first, by alice\n`1:59:30` second, by bob <https://clips.example/2>"
	tests := []struct {
		name string
		st   stream.State
		opts map[string]string
		want string
	}{
		{"current stream", live(), nil, this},
		{"last stream, offline", ended, nil, this},
		{"no stream known: the last with clips", stream.State{}, nil, this},
		{"by day", live(), map[string]string{"stream": "2026-03-13"},
			"Clips of the stream started 2026-03-13 19:00 UTC (1):\n`0:00:30` yesterday, by carol"},
		{"a day without clips", live(), map[string]string{"stream": "2026-03-01"},
			"No stream that started on 2026-03-01 has clips. Streams with clips: 2026-03-14, 2026-03-13."},
		{"a stream without clips", stream.State{Live: true, StartedAt: start.Add(30 * time.Hour)}, nil,
			"No clips were marked in the stream started 2026-03-16 01:00 UTC. Streams with clips: 2026-03-14, 2026-03-13."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &clip.Admin{Store: marked(t, tt.st)}
			got, err := a.Handle(t.Context(), clipsRequest("list", tt.opts))
			if err != nil || got.Content != tt.want || !got.Ephemeral {
				t.Errorf("/clips list %v = %q (ephemeral %t), %v; want %q", tt.opts, got.Content, got.Ephemeral, err, tt.want)
			}
		})
	}
	t.Run("none at all", func(t *testing.T) {
		a := &clip.Admin{Store: newStore(stream.State{}, "streamer")}
		got, err := a.Handle(t.Context(), clipsRequest("list", nil))
		want := "No clips were marked yet: viewers mark them with !clip [title] while the stream is live."
		if err != nil || got.Content != want {
			t.Errorf("/clips list = %q, %v; want %q", got.Content, err, want)
		}
	})
	t.Run("bad day", func(t *testing.T) {
		a := &clip.Admin{Store: marked(t, live())}
		if _, err := a.Handle(t.Context(), clipsRequest("list", map[string]string{"stream": "last week"})); !fault.Is(err, fault.Invalid) {
			t.Errorf("/clips list stream:\"last week\" error = %v, want fault.Invalid", err)
		}
	})
}

// TestListLong: a stream with many markers lists what fits in one
// Discord message and says how many more there are.
func TestListLong(t *testing.T) {
	var ms []clip.Marker
	for i := range 200 {
		ms = append(ms, clip.Marker{Offset: time.Duration(i) * time.Minute, Title: strings.Repeat("x", 60), Username: fmt.Sprintf("viewer%d", i)})
	}
	got := clip.List(start, ms)
	if len(got) > 2000 {
		t.Errorf("List(200 markers) is %d bytes, want at most 2000", len(got))
	}
	lines := strings.Split(got, "\n")
	shown := len(lines) - 2
	if want := fmt.Sprintf("… and %d more", 200-shown); lines[len(lines)-1] != want {
		t.Errorf("List(200 markers) ends %q, want %q", lines[len(lines)-1], want)
	}
}

func TestSettingsCommand(t *testing.T) {
	store := newStore(live(), "streamer")
	a := &clip.Admin{Store: store}
	tests := []struct {
		name     string
		id       string
		opts     map[string]string
		want     string
		wantErr  error
		wantKind fault.Kind
	}{
		{"show defaults", "i1", nil, "!clip marks the stream 30 s before it is typed; it rests 15 s in the channel and 60 s per viewer (moderators skip both).", nil, 0},
		{"change two", "i2", map[string]string{"lead": "10", "user_cooldown": "0"}, "!clip marks the stream 10 s before it is typed; it rests 15 s in the channel and 0 s per viewer (moderators skip both).", nil, 0},
		{"too short a cooldown", "i3", map[string]string{"cooldown": "1"}, "", nil, fault.Invalid},
		{"not a number", "i4", map[string]string{"lead": "ten"}, "", nil, fault.Invalid},
		{"the same interaction again", "i2", map[string]string{"lead": "99"}, "", interact.ErrApplied, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := clipsRequest("settings", tt.opts)
			r.ID = tt.id
			got, err := a.Handle(t.Context(), r)
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("/clips settings %v error = %v, want %v", tt.opts, err, tt.wantErr)
			case tt.wantErr == nil && tt.want == "" && !fault.Is(err, tt.wantKind):
				t.Errorf("/clips settings %v error = %v, want kind %v", tt.opts, err, tt.wantKind)
			case tt.want != "" && (err != nil || got.Content != tt.want):
				t.Errorf("/clips settings %v = %q, %v; want %q", tt.opts, got.Content, err, tt.want)
			}
		})
	}
	set, _ := store.ClipSettings(t.Context(), "g")
	if want := (clip.Settings{Lead: 10 * time.Second, Cooldown: 15 * time.Second}); set != want {
		t.Errorf("settings after the commands = %+v, want %+v", set, want)
	}
}
