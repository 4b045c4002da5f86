package event_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/event"
)

var t0 = time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)

func TestActorAndOccurredAt(t *testing.T) {
	u := event.User{ID: 7, Username: "pixelpanda"}
	tests := []struct {
		name      string
		ev        event.Event
		wantActor int64 // 0: no actor
		wantAt    time.Time
	}{
		{"chat", event.Event{Chat: &event.Chat{Sender: u, CreatedAt: t0.Add(-time.Minute)}}, 7, t0.Add(-time.Minute)},
		{"chat without created_at", event.Event{Chat: &event.Chat{Sender: u}}, 7, t0},
		{"follow", event.Event{Follow: &event.Follow{Follower: u}}, 7, t0},
		{"sub", event.Event{Sub: &event.Sub{Subscriber: u, CreatedAt: t0.Add(-time.Hour)}}, 7, t0.Add(-time.Hour)},
		{"anonymous gifter", event.Event{Gifts: &event.Gifts{Gifter: event.User{Anonymous: true}}}, 0, t0},
		{"redemption", event.Event{Redemption: &event.Redemption{Redeemer: u, RedeemedAt: t0.Add(time.Second)}}, 7, t0.Add(time.Second)},
		{"kicks", event.Event{Kicks: &event.Kicks{Sender: u}}, 7, t0},
		{"status", event.Event{Status: &event.Status{Live: true}}, 0, t0},
		{"ban", event.Event{Ban: &event.Ban{Target: u, CreatedAt: t0.Add(-time.Second)}}, 0, t0.Add(-time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.ev.SentAt = t0
			a, ok := tt.ev.Actor()
			if got := map[bool]int64{true: a.ID, false: 0}[ok]; got != tt.wantActor {
				t.Errorf("Actor() = %d, %v; want %d", a.ID, ok, tt.wantActor)
			}
			if got := tt.ev.OccurredAt(); !got.Equal(tt.wantAt) {
				t.Errorf("OccurredAt() = %v, want %v", got, tt.wantAt)
			}
		})
	}
}

func TestKnown(t *testing.T) {
	if len(event.Types) != 10 {
		t.Errorf("%d event types, want Kick's 10", len(event.Types))
	}
	for _, typ := range event.Types {
		if !typ.Known() {
			t.Errorf("%s.Known() = false", typ)
		}
	}
	if event.Type("channel.raided").Known() {
		t.Error("an invented type is Known")
	}
}

func TestBadgesAndBans(t *testing.T) {
	u := event.User{Badges: []event.Badge{{Type: "subscriber", Count: 6}}}
	if !u.HasBadge("subscriber") || u.HasBadge("moderator") {
		t.Errorf("HasBadge wrong for %+v", u)
	}
	if !(event.Ban{}).Permanent() || (event.Ban{ExpiresAt: t0}).Permanent() {
		t.Error("Permanent() wrong")
	}
}

func ExampleEvent_Actor() {
	ev := event.Event{Type: event.Followed, Follow: &event.Follow{Follower: event.User{ID: 51234077, Username: "pixelpanda"}}}
	u, ok := ev.Actor()
	fmt.Println(u.Username, ok)
	// Output: pixelpanda true
}
