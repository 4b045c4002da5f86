package chat_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/settings"
)

const guild = "883082587327823872"

var (
	alice = event.User{ID: 7, Username: "alice"}
	// guildViewers are the fake store's viewers.
	guildViewers = []audience.Viewer{
		{Guild: guild, UserID: 7, Username: "alice", WatchMinutes: 200, PointsMilli: 1_234_500},
		{Guild: guild, UserID: 8, Username: "Bob_TheBuilder", WatchMinutes: 1*24*60 + 2*60 + 5, PointsMilli: 1_000},
		{Guild: guild, UserID: 9, Username: "newbie"},
		{Guild: "other", UserID: 10, Username: "elsewhere", PointsMilli: 5_000},
	}
)

// chatEvent is a chat message from sender with content, sent age before
// now.
func chatEvent(sender event.User, content string, age time.Duration) event.Event {
	return event.Event{
		ID: "01JQ7ZC4M2T8Y1B5N0P6R3K9VD", Type: event.ChatMessage, Broadcaster: broadcaster,
		SentAt: now.Add(-age),
		Chat:   &event.Chat{MessageID: msgID, Sender: sender, Content: content, CreatedAt: now.Add(-age)},
	}
}

func run(t *testing.T, c *chat.Commands, ev event.Event) error {
	t.Helper()
	cmd, ok := command.Parse(ev.Chat.Content)
	if !ok {
		t.Fatalf("%q is not a command", ev.Chat.Content)
	}
	return c.Run(t.Context(), guild, ev, cmd, now)
}

func TestCommandAnswers(t *testing.T) {
	tests := []struct {
		sender  event.User
		content string
		want    string
	}{
		{alice, "!points", "@alice has 1,234 points"},
		{alice, "!POINTS", "@alice has 1,234 points"},
		{alice, "!points alice", "@alice has 1,234 points"},
		{alice, "!points @Alice", "@alice has 1,234 points"},
		{alice, "!points @bob_thebuilder", "@alice: Bob_TheBuilder has 1 point"},
		{alice, "!points newbie and more words", "@alice: newbie has 0 points"},
		{alice, "!points elsewhere", "@alice: I haven't seen elsewhere in this chat yet"},
		{alice, "!points @" + string(make([]byte, 40)), "@alice: I haven't seen them in this chat yet"},
		{alice, "!points thisnameismuchtoolongforkick", "@alice: I haven't seen thisnameismuchtoolongfork… in this chat yet"},
		{event.User{ID: 9, Username: "newbie"}, "!points", "@newbie has 0 points so far. Chat while the stream is live to earn some!"},
		// Ingest records every chatter before the command runs; one it
		// has not is new.
		{event.User{ID: 99, Username: "fresh"}, "!points", "@fresh has 0 points so far. Chat while the stream is live to earn some!"},
		{alice, "!watchtime", "@alice has watched 3h 20m"},
		{alice, "!watchtime bob_thebuilder", "@alice: Bob_TheBuilder has watched 1d 2h 5m"},
		{alice, "!watchtime newbie", "@alice: newbie has no watchtime yet"},
		{alice, "!watchtime ghost", "@alice: I haven't seen ghost in this chat yet"},
		{event.User{ID: 9, Username: "newbie"}, "!watchtime", "@newbie has no watchtime yet. Chat while the stream is live to earn some!"},
	}
	for _, tt := range tests {
		t.Run(tt.content, func(t *testing.T) {
			say := &fakeSayer{}
			c := &chat.Commands{Viewers: &fakeViewers{viewers: guildViewers, settings: settings.Defaults()}, Chat: say}
			if err := run(t, c, chatEvent(tt.sender, tt.content, 10*time.Second)); err != nil {
				t.Fatalf("Run: %v", err)
			}
			want := []chat.Message{{Broadcaster: broadcaster, Text: tt.want, ReplyTo: msgID}}
			if len(say.said) == 1 {
				say.said[0].Text = chat.Speakable(say.said[0].Text) // as the Sender says it
			}
			if diff := cmp.Diff(want, say.said); diff != "" {
				t.Errorf("said (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCommandNotAnswered(t *testing.T) {
	bot := event.User{ID: 5000, Username: "kickbot"}
	otherBot := event.User{ID: 5001, Username: "BotRix"}
	noTime := chatEvent(alice, "!points", 0)
	noTime.Chat.CreatedAt, noTime.SentAt = time.Time{}, time.Time{}
	tests := []struct {
		name string
		ev   event.Event
	}{
		{"stale", chatEvent(alice, "!points", 3*time.Minute)},
		{"just stale", chatEvent(alice, "!points", 2*time.Minute+time.Millisecond)},
		{"no time", noTime},
		{"from the bot", chatEvent(bot, "!points", time.Second)},
		{"from an ignored bot", chatEvent(otherBot, "!watchtime", time.Second)},
		{"anonymous", chatEvent(event.User{Anonymous: true}, "!points", time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			say := &fakeSayer{}
			set := settings.Defaults()
			set.Ignored = []string{"botrix"}
			c := &chat.Commands{Viewers: &fakeViewers{viewers: guildViewers, settings: set}, Chat: say, BotUserID: bot.ID}
			if err := run(t, c, tt.ev); err != nil {
				t.Errorf("Run = %v, want nil", err)
			}
			if len(say.said) != 0 {
				t.Errorf("said %+v, want nothing", say.said)
			}
		})
	}
}

func TestCommandFreshWithoutCreatedAt(t *testing.T) {
	// A payload without created_at is dated by its delivery.
	ev := chatEvent(alice, "!points", 0)
	ev.Chat.CreatedAt = time.Time{}
	ev.SentAt = now.Add(-5 * time.Second)
	say := &fakeSayer{}
	c := &chat.Commands{Viewers: &fakeViewers{viewers: guildViewers}, Chat: say}
	if err := run(t, c, ev); err != nil || len(say.said) != 1 {
		t.Errorf("Run = %v and said %d messages, want nil and 1", err, len(say.said))
	}
}

func TestCommandErrors(t *testing.T) {
	notChat := chatEvent(alice, "!points", 0)
	notChat.Chat = nil
	tests := []struct {
		name    string
		viewers *fakeViewers
		say     *fakeSayer
		ev      event.Event
		cmd     command.Command
		kind    fault.Kind
	}{
		{"not a chat message", &fakeViewers{}, &fakeSayer{}, notChat, command.Command{Name: "points"}, fault.Invalid},
		{"store down", &fakeViewers{err: fault.E(fault.Transient, "throttled")}, &fakeSayer{}, chatEvent(alice, "!points", 0), command.Command{Name: "points"}, fault.Transient},
		{"must reconnect", &fakeViewers{viewers: guildViewers}, &fakeSayer{err: credential.ErrReconnect}, chatEvent(alice, "!points", 0), command.Command{Name: "points"}, fault.Forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &chat.Commands{Viewers: tt.viewers, Chat: tt.say}
			err := c.Run(t.Context(), guild, tt.ev, tt.cmd, now)
			if !fault.Is(err, tt.kind) {
				t.Errorf("Run error = %v (kind %v), want kind %v", err, fault.KindOf(err), tt.kind)
			}
			if len(tt.say.said) != 0 {
				t.Errorf("said %+v, want nothing", tt.say.said)
			}
		})
	}
}

func TestCommandRetryTooLate(t *testing.T) {
	down := fault.E(fault.Transient, "kick answered 503")
	tests := []struct {
		name       string
		age        time.Duration
		retryAfter time.Duration
		want       error
	}{
		{"retried in time", 10 * time.Second, 30 * time.Second, down},
		{"retry too late", 100 * time.Second, 30 * time.Second, nil},
		{"the template's visibility timeout", 0, 6 * time.Minute, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &chat.Commands{Viewers: &fakeViewers{viewers: guildViewers}, Chat: &fakeSayer{err: down}, RetryAfter: tt.retryAfter}
			if err := run(t, c, chatEvent(alice, "!points", tt.age)); err != tt.want {
				t.Errorf("Run = %v, want %v", err, tt.want)
			}
		})
	}
	// Only a failure a retry may fix is dropped.
	c := &chat.Commands{Viewers: &fakeViewers{viewers: guildViewers}, Chat: &fakeSayer{err: credential.ErrReconnect}, RetryAfter: time.Hour}
	if err := run(t, c, chatEvent(alice, "!points", 0)); !errors.Is(err, credential.ErrReconnect) {
		t.Errorf("Run = %v, want credential.ErrReconnect", err)
	}
}

func TestCommandSilenceIsNoError(t *testing.T) {
	for _, out := range []chat.Outcome{chat.Limited, chat.Repeated, chat.Empty} {
		c := &chat.Commands{Viewers: &fakeViewers{viewers: guildViewers}, Chat: &fakeSayer{out: out}}
		if err := run(t, c, chatEvent(alice, "!points", 0)); err != nil {
			t.Errorf("Run when the reply was %v = %v, want nil", out, err)
		}
	}
}

func TestKnown(t *testing.T) {
	for name, want := range map[string]bool{"points": true, "watchtime": true, "commands": true, "call": false, "": false} {
		if got := chat.Known(name); got != want {
			t.Errorf("Known(%q) = %v, want %v", name, got, want)
		}
	}
}
