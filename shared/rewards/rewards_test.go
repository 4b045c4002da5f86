package rewards_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/rewards"
)

var sent = time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)

func user(id int64, name string) event.User { return event.User{ID: id, Username: name} }

func follow(id string, u event.User) event.Event {
	return event.Event{ID: id, Type: event.Followed, SentAt: sent, Broadcaster: 1, Follow: &event.Follow{Follower: u}}
}

func sub(id string, typ event.Type, u event.User, months int) event.Event {
	return event.Event{ID: id, Type: typ, SentAt: sent, Broadcaster: 1, Sub: &event.Sub{Subscriber: u, Months: months}}
}

func gifts(id string, gifter event.User, n int) event.Event {
	ev := event.Event{ID: id, Type: event.SubscriptionGifts, SentAt: sent, Broadcaster: 1, Gifts: &event.Gifts{Gifter: gifter}}
	for i := range n {
		ev.Gifts.Giftees = append(ev.Gifts.Giftees, user(int64(100+i), "giftee"))
	}
	return ev
}

func kicks(id string, u event.User, amount int64) event.Event {
	return event.Event{ID: id, Type: event.KicksGifted, SentAt: sent, Broadcaster: 1, Kicks: &event.Kicks{Sender: u, Amount: amount}}
}

func TestEarned(t *testing.T) {
	all := rewards.Settings{Follow: 5, Sub: 100, Gift: 50, Kicks: 10}
	alice, bob := user(7, "alice"), user(8, "bob")
	change := func(cause string, whole int64, reason string) points.Change {
		return points.Change{Cause: cause, Op: points.Add, Milli: points.FromWhole(whole), Reason: reason, By: rewards.By, At: sent}
	}
	tests := []struct {
		name string
		set  rewards.Settings
		ev   event.Event
		want rewards.Credit
		ok   bool
	}{
		{"follow", all, follow("d1", alice), rewards.Credit{User: alice, FirstFollow: true, Change: change("d1", 5, "first follow")}, true},
		{"new sub", all, sub("d2", event.SubscriptionNew, alice, 1), rewards.Credit{User: alice, Change: change("d2", 100, "subscription")}, true},
		{"renewal", all, sub("d3", event.SubscriptionRenew, alice, 6), rewards.Credit{User: alice, Change: change("d3", 100, "subscription renewal")}, true},
		{"gifts to the gifter", all, gifts("d4", bob, 3), rewards.Credit{User: bob, Change: change("d4", 150, "3 gifted subs")}, true},
		{"anonymous gift", all, gifts("d5", event.User{Anonymous: true}, 3), rewards.Credit{}, false},
		{"anonymous gifter with an id", all, gifts("d6", event.User{ID: 8, Anonymous: true}, 3), rewards.Credit{}, false},
		{"whole hundreds of KICKs", all, kicks("d7", bob, 250), rewards.Credit{User: bob, Change: change("d7", 20, "250 KICKs")}, true},
		{"exactly 100 KICKs", all, kicks("d8", bob, 100), rewards.Credit{User: bob, Change: change("d8", 10, "100 KICKs")}, true},
		{"KICKs below 100", all, kicks("d9", bob, 99), rewards.Credit{}, false},
		{"off by default", rewards.Settings{}, sub("d10", event.SubscriptionNew, alice, 1), rewards.Credit{}, false},
		{"only the kind switched on", rewards.Settings{Sub: 1}, follow("d11", alice), rewards.Credit{}, false},
		{"a redemption earns nothing", all, event.Event{ID: "d12", Type: event.RewardRedemption, SentAt: sent,
			Redemption: &event.Redemption{Redeemer: alice}}, rewards.Credit{}, false},
		{"chat earns nothing here", all, event.Event{ID: "d13", Type: event.ChatMessage, SentAt: sent,
			Chat: &event.Chat{Sender: alice}}, rewards.Credit{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := rewards.Earned(tc.set, tc.ev)
			if ok != tc.ok {
				t.Fatalf("Earned(%s) ok = %v, want %v", tc.ev.ID, ok, tc.ok)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Earned(%s) (-want +got):\n%s", tc.ev.ID, diff)
			}
			if ok {
				if err := got.Change.Validate(); err != nil {
					t.Errorf("Earned(%s).Change.Validate() = %v, want nil", tc.ev.ID, err)
				}
			}
		})
	}
}

func TestThanks(t *testing.T) {
	on := rewards.Settings{Thanks: map[rewards.Kind]string{
		rewards.Sub:   "ty {user} for {months} months",
		rewards.Gift:  "{gifter} gifted {count}! ({user})",
		rewards.Kicks: "{user} sent {amount} KICKs {months}",
	}}
	tests := []struct {
		name string
		set  rewards.Settings
		ev   event.Event
		want string
		ok   bool
	}{
		{"sub", on, sub("d1", event.SubscriptionNew, user(7, "alice"), 0), "ty alice for 1 months", true},
		{"renewal", on, sub("d2", event.SubscriptionRenew, user(7, "alice"), 12), "ty alice for 12 months", true},
		{"gift", on, gifts("d3", user(8, "bob"), 1200), "bob gifted 1,200! (bob)", true},
		{"anonymous gift", on, gifts("d4", event.User{Anonymous: true, Username: "hidden"}, 5), "Anonymous gifted 5! (Anonymous)", true},
		// A variable a kind does not have stays as written.
		{"kicks", on, kicks("d5", user(9, "carol"), 50), "carol sent 50 KICKs {months}", true},
		{"a template starting with !", rewards.Settings{Thanks: map[rewards.Kind]string{rewards.Sub: "!{user}"}},
			sub("d6", event.SubscriptionNew, user(7, "alice"), 1), "▸ !alice", true},
		{"off by default", rewards.Settings{}, sub("d7", event.SubscriptionNew, user(7, "alice"), 1), "", false},
		{"other kinds stay off", rewards.Settings{Thanks: map[rewards.Kind]string{rewards.Sub: "x"}}, kicks("d8", user(9, "carol"), 500), "", false},
		{"follows are not thanked", on, follow("d9", user(7, "alice")), "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := rewards.Thanks(tc.set, tc.ev)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Thanks(%s) = %q, %v, want %q, %v", tc.ev.ID, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestSettingsValidate(t *testing.T) {
	tests := []struct {
		name string
		set  rewards.Settings
		ok   bool
	}{
		{"zero", rewards.Settings{}, true},
		{"all at the limit", rewards.Settings{Follow: rewards.MaxPoints, Sub: rewards.MaxPoints, Gift: rewards.MaxPoints, Kicks: rewards.MaxPoints,
			Thanks: map[rewards.Kind]string{rewards.Sub: strings.Repeat("é", rewards.MaxTemplate)}}, true},
		{"negative", rewards.Settings{Gift: -1}, false},
		{"too many points", rewards.Settings{Kicks: rewards.MaxPoints + 1}, false},
		{"unknown kind", rewards.Settings{Thanks: map[rewards.Kind]string{"follow": "x"}}, false},
		{"empty template", rewards.Settings{Thanks: map[rewards.Kind]string{rewards.Gift: ""}}, false},
		{"long template", rewards.Settings{Thanks: map[rewards.Kind]string{rewards.Gift: strings.Repeat("a", rewards.MaxTemplate+1)}}, false},
		{"invalid text", rewards.Settings{Thanks: map[rewards.Kind]string{rewards.Gift: "\xff"}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.set.Validate()
			if tc.ok != (err == nil) || (err != nil && !fault.Is(err, fault.Invalid)) {
				t.Errorf("Validate() = %v, want ok %v (invalid otherwise)", err, tc.ok)
			}
		})
	}
}
