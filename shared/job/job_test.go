package job_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/timer"
)

// roundTrip encodes and decodes j and checks it comes back the same.
func roundTrip(t *testing.T, j job.Job) {
	t.Helper()
	b, err := j.Encode()
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	got, err := job.Decode(b)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if diff := cmp.Diff(j, got); diff != "" {
		t.Errorf("round trip (-sent +got):\n%s", diff)
	}
}

func TestRoundTrip(t *testing.T) {
	ev := event.Event{
		ID: "01JQ7ZC4M2T8Y1B5N0P6R3K9VD", Type: event.ChatMessage, Broadcaster: 4402117,
		SentAt: time.Date(2026, 3, 14, 19, 2, 11, 0, time.UTC),
		Chat:   &event.Chat{MessageID: "m1", Sender: event.User{ID: 7, Username: "pixelpanda"}, Content: "!points"},
	}
	for _, cmd := range []*command.Command{nil, {Name: "points"}} {
		roundTrip(t, job.ForEvent("123", ev, cmd))
	}
}

func TestSweepRoundTrip(t *testing.T) {
	j := job.ForSweep("123", 29_577_000, time.Date(2026, 3, 14, 20, 0, 3, 0, time.UTC))
	if j.ID != "sweep/29577000/123" {
		t.Errorf("ID = %q, want sweep/29577000/123", j.ID)
	}
	roundTrip(t, j)
}

func TestLiveRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 14, 20, 0, 3, 0, time.UTC)
	j := job.ForLive("123", 29_577_000, at)
	if j.ID != "live/29577000/123" || j.Kind != job.KindLive {
		t.Errorf("ForLive = %s, want live job live/29577000/123", j)
	}
	if again := job.ForLive("123", 29_577_000, at.Add(time.Second)); again.ID != j.ID {
		t.Errorf("a second sweep in the minute queues %q, want %q", again.ID, j.ID)
	}
	roundTrip(t, j)
}

func TestOtherKindsRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 14, 20, 7, 3, 0, time.UTC)
	roles := job.ForRoles("123", at, 10*time.Minute)
	if want := fmt.Sprintf("roles/%d/123", at.Truncate(10*time.Minute).Unix()); roles.ID != want {
		t.Errorf("roles job ID = %q, want %q (the run's slot)", roles.ID, want)
	}
	if again := job.ForRoles("123", at.Add(2*time.Minute), 10*time.Minute); again.ID != roles.ID {
		t.Errorf("a second fan-out in the same slot has ID %q, want %q", again.ID, roles.ID)
	}
	inter := job.ForInteraction(interact.Request{ID: "1482453932679757825", Guild: "123", UserID: "5", Command: "rank",
		Options: map[string]string{"user": "pixelpanda"}, At: at}, "tok")
	roundTrip(t, roles)
	roundTrip(t, inter)
}

func TestTimerJob(t *testing.T) {
	slot := time.Date(2026, 3, 14, 20, 7, 0, 0, time.UTC)
	p := timer.Post{Name: "discord", Slot: slot, Prior: slot.Add(-10 * time.Minute), Text: "Join the Discord!", Next: 1}
	j := job.ForTimer("18446744073709551615", p)
	if want := fmt.Sprintf("timer/%d/18446744073709551615/discord", slot.Unix()/60); j.ID != want {
		t.Errorf("ForTimer ID = %q, want %q (guild, timer and slot)", j.ID, want)
	}
	long := p
	long.Name = strings.Repeat("a", timer.MaxName)
	if id := job.ForTimer("18446744073709551615", long).ID; len(id) > job.MaxIDLen {
		t.Errorf("ForTimer of the longest names has a %d-byte ID, want at most %d", len(id), job.MaxIDLen)
	}
	roundTrip(t, j)
	first := p
	first.Prior = time.Time{}
	roundTrip(t, job.ForTimer("1", first))
}

func TestFollowsJob(t *testing.T) {
	opened := time.Date(2026, 3, 14, 20, 7, 3, 250e6, time.UTC)
	j := job.ForFollows("18446744073709551615", opened)
	if want := fmt.Sprintf("follows/%d/18446744073709551615", opened.UnixMilli()); j.ID != want {
		t.Errorf("ForFollows ID = %q, want %q (guild and batch)", j.ID, want)
	}
	roundTrip(t, j)
}

func TestDecodeRejects(t *testing.T) {
	for _, in := range []string{
		``, `{`, `[]`, `{"id":"a"}`,
		`{"id":"a","kind":"event","guild":"1"}`,
		`{"id":"a","kind":"nope","guild":"1","event":{}}`,
		`{"id":"a","kind":"command","guild":"1","event":{}}`,
		`{"id":"a","kind":"sweep","guild":"1"}`,
		`{"id":"a","kind":"sweep","guild":"1","sweep":{"minute":5}}`,
		`{"id":"a","kind":"interaction","guild":"1"}`,
		`{"id":"a","kind":"interaction","guild":"1","interaction":{"request":{"id":"9","guild":"1","at":"2026-03-14T20:00:00Z"}}}`,
		`{"id":"a","kind":"interaction","guild":"1","interaction":{"token":"t","request":{"id":"9","guild":"2","at":"2026-03-14T20:00:00Z"}}}`,
		`{"id":"a","kind":"roles"}`,
		`{"id":"a","kind":"follows","guild":"1"}`,
		`{"id":"a","kind":"live","guild":"1"}`,
		`{"id":"a","kind":"live","guild":"1","sweep":{"minute":5}}`,
		`{"id":"a","kind":"timer","guild":"1"}`,
		`{"id":"a","kind":"timer","guild":"1","timer":{"name":"Bad Name","slot":"2026-03-14T20:00:00Z","text":"hi"}}`,
		`{"id":"a","kind":"timer","guild":"1","timer":{"name":"ok","text":"hi"}}`,
		`{"id":"a","kind":"timer","guild":"1","timer":{"name":"ok","slot":"2026-03-14T20:00:00Z"}}`,
	} {
		if _, err := job.Decode([]byte(in)); !fault.Is(err, fault.Invalid) {
			t.Errorf("Decode(%q) error = %v, want an Invalid error", in, err)
		}
	}
}

func ExampleForEvent() {
	ev := event.Event{ID: "01JQ7ZC4M2T8Y1B5N0P6R3K9VD", Type: event.Followed, Broadcaster: 4402117,
		Follow: &event.Follow{Follower: event.User{ID: 7}}}
	j := job.ForEvent("1234", ev, nil)
	fmt.Println(j.ID, j.Kind)
	// Output: event/5tQErY6ZOa-gX9qjNCHADhByQa3JMO-wcd4f84A5Mew event
}

// TestForEventID: the longest message id the webhook accepts (128 bytes)
// with a 20-digit guild still makes a valid job, and the ID tells apart
// every guild, type and message id.
func TestForEventID(t *testing.T) {
	long := strings.Repeat("A", 128)
	base := event.Event{ID: long, Type: event.ChatMessage, Broadcaster: 4402117,
		Chat: &event.Chat{MessageID: "c1", Sender: event.User{ID: 7}, Content: "!points"}}
	cmd := &command.Command{Name: "points"}
	j := job.ForEvent("18446744073709551615", base, cmd)
	if err := j.Validate(); err != nil {
		t.Fatalf("ForEvent(128-byte message id).Validate() = %v, want nil", err)
	}
	if len(j.ID) > job.MaxIDLen {
		t.Errorf("len(ID) = %d, want at most %d", len(j.ID), job.MaxIDLen)
	}
	if again := job.ForEvent("18446744073709551615", base, cmd); again.ID != j.ID {
		t.Errorf("ForEvent() again has ID %q, want %q", again.ID, j.ID)
	}
	other := func(f func(ev *event.Event) string) string {
		ev := base
		guild := f(&ev)
		return job.ForEvent(guild, ev, cmd).ID
	}
	for name, id := range map[string]string{
		"other guild":      other(func(*event.Event) string { return "1" }),
		"other type":       other(func(ev *event.Event) string { ev.Type = event.KicksGifted; return "18446744073709551615" }),
		"other message id": other(func(ev *event.Event) string { ev.ID = long[1:]; return "18446744073709551615" }),
		// The separators keep a shifted boundary from hashing the same.
		"id moved into the guild": other(func(ev *event.Event) string { ev.ID = long[1:]; return "18446744073709551615A" }),
	} {
		if id == j.ID {
			t.Errorf("%s: ID = %q, the same as the original's", name, id)
		}
	}
}
