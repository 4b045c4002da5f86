package chat_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/custom"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/reply"
)

func Example() {
	// In the worker, Kick is kickapi.ChatPoster, Tokens a
	// credential.Source and the stores the DynamoDB adapter; here fakes
	// play them.
	kick := newFakeKick("streamer-token")
	sender := &chat.Sender{
		Kick:   kick,
		Tokens: &fakeTokens{token: "streamer-token"},
		Store:  newMemStore(),
		Limit:  reply.Limit{Max: 20, Per: 30 * time.Second},
	}
	commands := &chat.Commands{Viewers: &fakeViewers{viewers: guildViewers}, Chat: sender}

	ctx := context.Background()
	at := time.Date(2026, 3, 14, 19, 2, 11, 0, time.UTC)
	ev := event.Event{
		ID: "01JQ7ZC4M2T8Y1B5N0P6R3K9VD", Type: event.ChatMessage, Broadcaster: 4402117, SentAt: at,
		Chat: &event.Chat{
			MessageID: "7c1e0b52-3f4a-4d8e-9a51-2b6f0c9d1e44", CreatedAt: at,
			Sender: event.User{ID: 7, Username: "alice"}, Content: "!watchtime",
		},
	}
	cmd, _ := command.Parse(ev.Chat.Content)

	// Answered as a reply, 20 seconds after the viewer asked.
	if err := commands.Run(ctx, "883082587327823872", ev, cmd, at.Add(20*time.Second)); err != nil {
		panic(err)
	}
	// Three minutes late: not answered.
	ev.Chat.MessageID = "0b9e51d2-6c1a-4e7b-8f3d-5a2c9e0d4b17"
	_ = commands.Run(ctx, "883082587327823872", ev, cmd, at.Add(3*time.Minute))

	for _, p := range kick.Sent() {
		fmt.Printf("%q in reply to %s\n", p.Msg.Text, p.Msg.ReplyTo)
	}
	// Output:
	// "@alice has watched 3h 20m" in reply to 7c1e0b52-3f4a-4d8e-9a51-2b6f0c9d1e44
}

func ExampleCommands_Run_custom() {
	// The guild's custom commands, as /command add made them; in the
	// worker Customs is the DynamoDB store.
	customs := newFakeCustoms(custom.Command{
		Name: "hello", Aliases: []string{"hi"}, Response: "Hello {touser}, you have {points:touser} points!",
		Cooldown: 5 * time.Second, Enabled: true,
	})
	say := &fakeSayer{}
	commands := &chat.Commands{Viewers: &fakeViewers{viewers: guildViewers}, Chat: say, Customs: customs}

	at := time.Date(2026, 3, 14, 19, 2, 11, 0, time.UTC)
	for i, content := range []string{"!HI @Bob_TheBuilder", "!hello"} { // the second is on cooldown
		ev := event.Event{
			ID: fmt.Sprint("delivery-", i), Type: event.ChatMessage, Broadcaster: 4402117, SentAt: at,
			Chat: &event.Chat{MessageID: fmt.Sprint("message-", i), CreatedAt: at,
				Sender: event.User{ID: 7, Username: "alice"}, Content: content},
		}
		cmd, _ := command.Parse(ev.Chat.Content)
		if err := commands.Run(context.Background(), "883082587327823872", ev, cmd, at.Add(time.Second)); err != nil {
			panic(err)
		}
	}
	for _, m := range say.said {
		fmt.Println(m.Text)
	}
	// Output:
	// Hello Bob_TheBuilder, you have 1 points!
}
