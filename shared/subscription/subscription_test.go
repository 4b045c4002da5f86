package subscription_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/subscription"
)

const me, other = 4402117, 99

var (
	chat   = subscription.EventVersion{Event: "chat.message.sent", Version: 1}
	live   = subscription.EventVersion{Event: "livestream.status.updated", Version: 1}
	follow = subscription.EventVersion{Event: "channel.followed", Version: 1}
)

func sub(id string, ev subscription.EventVersion, b int64) subscription.Sub {
	return subscription.Sub{ID: id, Event: ev.Event, Version: ev.Version, Broadcaster: b}
}

// TestWanted checks the list against kick-api.md §5: ten event types, all
// at version 1, the same set the event package knows.
func TestWanted(t *testing.T) {
	want := []string{
		"chat.message.sent", "channel.followed", "channel.subscription.renewal",
		"channel.subscription.gifts", "channel.subscription.new",
		"channel.reward.redemption.updated", "livestream.status.updated",
		"livestream.metadata.updated", "moderation.banned", "kicks.gifted",
	}
	var got, types []string
	for _, w := range subscription.Wanted() {
		if w.Version != 1 {
			t.Errorf("Wanted has %v, want version 1", w)
		}
		got = append(got, w.Event)
	}
	for _, ty := range event.Types {
		types = append(types, string(ty))
	}
	slices.Sort(got)
	slices.Sort(want)
	slices.Sort(types)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Wanted events (-doc +got):\n%s", diff)
	}
	if diff := cmp.Diff(types, got); diff != "" {
		t.Errorf("Wanted events (-event.Types +got):\n%s", diff)
	}
	w := subscription.Wanted()
	w[0].Event = "changed"
	if subscription.Wanted()[0].Event == "changed" {
		t.Error("Wanted returns a shared slice")
	}
}

func TestPlan(t *testing.T) {
	stale := subscription.EventVersion{Event: "livestream.status.updated", Version: 0}
	dropped := subscription.EventVersion{Event: "channel.raided", Version: 1}
	tests := []struct {
		name        string
		broadcaster int64
		want        []subscription.EventVersion
		have        []subscription.Sub
		wantCreate  []subscription.EventVersion
		wantRemove  []string
	}{
		{
			name: "nothing yet", broadcaster: me,
			want:       []subscription.EventVersion{chat, live, follow},
			wantCreate: []subscription.EventVersion{chat, live, follow},
		},
		{
			name: "all present", broadcaster: me,
			want: []subscription.EventVersion{chat, live},
			have: []subscription.Sub{sub("01B", chat, me), sub("01A", live, me)},
		},
		{
			name: "one missing", broadcaster: me,
			want:       []subscription.EventVersion{chat, live, follow},
			have:       []subscription.Sub{sub("01B", chat, me), sub("01A", follow, me)},
			wantCreate: []subscription.EventVersion{live},
		},
		{
			name: "duplicates keep the oldest", broadcaster: me,
			want:       []subscription.EventVersion{chat},
			have:       []subscription.Sub{sub("01C", chat, me), sub("01A", chat, me), sub("01B", chat, me)},
			wantRemove: []string{"01B", "01C"},
		},
		{
			name: "the same id listed twice", broadcaster: me,
			want: []subscription.EventVersion{chat},
			have: []subscription.Sub{sub("01A", chat, me), sub("01A", chat, me)},
		},
		{
			name: "unwanted event and old version removed", broadcaster: me,
			want:       []subscription.EventVersion{live},
			have:       []subscription.Sub{sub("01A", live, me), sub("01B", stale, me), sub("01C", dropped, me)},
			wantRemove: []string{"01B", "01C"},
		},
		{
			name: "other broadcasters left alone", broadcaster: me,
			want:       []subscription.EventVersion{chat},
			have:       []subscription.Sub{sub("01A", chat, other), sub("01B", chat, other), sub("01C", dropped, other)},
			wantCreate: []subscription.EventVersion{chat},
		},
		{
			name: "entries without id neither count nor go", broadcaster: me,
			want:       []subscription.EventVersion{chat},
			have:       []subscription.Sub{sub("", chat, me), sub("", dropped, me)},
			wantCreate: []subscription.EventVersion{chat},
		},
		{
			name: "repeated want created once", broadcaster: me,
			want:       []subscription.EventVersion{chat, chat, live},
			wantCreate: []subscription.EventVersion{chat, live},
		},
		{
			name: "want nothing removes everything of ours", broadcaster: me,
			have:       []subscription.Sub{sub("01B", chat, me), sub("01A", live, me), sub("01C", live, other)},
			wantRemove: []string{"01A", "01B"},
		},
		{
			name: "no broadcaster", broadcaster: 0,
			want: []subscription.EventVersion{chat},
			have: []subscription.Sub{sub("01A", chat, 0), sub("01B", chat, 0)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			create, remove := subscription.Plan(tt.broadcaster, tt.want, tt.have)
			if diff := cmp.Diff(tt.wantCreate, create, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Plan create (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantRemove, remove, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Plan remove (-want +got):\n%s", diff)
			}
		})
	}
}

// apply does to have what Kick would do with a plan: delete the removed
// ids and add a subscription with a new id per created event.
func apply(broadcaster int64, have []subscription.Sub, create []subscription.EventVersion, remove []string, next *int) []subscription.Sub {
	var out []subscription.Sub
	for _, s := range have {
		if !slices.Contains(remove, s.ID) {
			out = append(out, s)
		}
	}
	for _, c := range create {
		*next++
		out = append(out, sub("02"+strconv.Itoa(*next), c, broadcaster))
	}
	return out
}

// TestPlanIdempotent applies a plan and plans again, from messy starting
// points, and checks the second plan is empty and the first did not depend
// on the order of have.
func TestPlanIdempotent(t *testing.T) {
	want := subscription.Wanted()
	messy := []subscription.Sub{
		sub("01F", chat, me), sub("01A", chat, me), sub("01Q", chat, me),
		sub("01C", live, other), sub("01D", subscription.EventVersion{Event: "kicks.gifted", Version: 2}, me),
		sub("01E", live, me), sub("01B", live, me), sub("", follow, me),
	}
	for rot := range messy {
		have := append(slices.Clone(messy[rot:]), messy[:rot]...)
		create, remove := subscription.Plan(me, want, have)
		if rot == 0 {
			if got, want := remove, []string{"01D", "01E", "01F", "01Q"}; !slices.Equal(got, want) {
				t.Errorf("first plan removes %v, want %v", got, want)
			}
			if got, wantN := len(create), len(want)-2; got != wantN {
				t.Errorf("first plan creates %d, want %d", got, wantN)
			}
		}
		firstCreate, firstRemove := subscription.Plan(me, want, messy)
		if !slices.Equal(create, firstCreate) || !slices.Equal(remove, firstRemove) {
			t.Errorf("rotation %d: Plan = %v, %v; want %v, %v (order of have must not matter)", rot, create, remove, firstCreate, firstRemove)
		}
		n := 0
		after := apply(me, have, create, remove, &n)
		if c, r := subscription.Plan(me, want, after); len(c) != 0 || len(r) != 0 {
			t.Errorf("rotation %d: second Plan = %v, %v; want nothing", rot, c, r)
		}
		if c, r := subscription.Plan(other, []subscription.EventVersion{live}, after); len(c) != 0 || len(r) != 0 {
			t.Errorf("rotation %d: Plan for the other broadcaster = %v, %v; want nothing", rot, c, r)
		}
	}
}

func TestOrphans(t *testing.T) {
	have := []subscription.Sub{
		sub("01C", chat, 3), sub("01A", chat, me), sub("01B", live, 3), sub("01D", live, other), sub("", live, 3),
	}
	tests := []struct {
		name      string
		connected []int64
		want      []string
	}{
		{"all connected", []int64{me, other, 3}, nil},
		{"one gone", []int64{me, other}, []string{"01B", "01C"}},
		{"none connected", nil, []string{"01A", "01B", "01C", "01D"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := subscription.Orphans(tt.connected, have)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Orphans(%v) (-want +got):\n%s", tt.connected, diff)
			}
		})
	}
}

func Example() {
	// What Kick lists for the channel: a duplicate chat subscription (a
	// retried create) and nothing else.
	have := []subscription.Sub{
		{ID: "01JQ80H3W7XK2D9M4ZC1V6B8TB", Event: "chat.message.sent", Version: 1, Broadcaster: 4402117},
		{ID: "01JQ80H3W7XK2D9M4ZC1V6B8TA", Event: "chat.message.sent", Version: 1, Broadcaster: 4402117},
	}
	create, remove := subscription.Plan(4402117, subscription.Wanted(), have)
	fmt.Println(len(create), "to create, first", create[0])
	fmt.Println("remove", remove)
	// Output:
	// 9 to create, first channel.followed@v1
	// remove [01JQ80H3W7XK2D9M4ZC1V6B8TB]
}
