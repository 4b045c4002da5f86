package kickapi

import (
	"context"
	"errors"

	"github.com/kickbot/kickbot/shared/chat"
)

// ChatPoster adapts a Client to chat.Kick: it posts the bot's messages
// with SendChat, as the app's bot account (AsBot) into the channel of the
// token's owner, the streamer.
type ChatPoster struct {
	Client *Client
}

var _ chat.Kick = ChatPoster{}

// Post sends m.Text as the bot with the streamer's token, replying to
// m.ReplyTo when it is set. It has SendChat's errors: fault.Invalid for
// an empty or overlong text (nothing is sent), ErrUnauthorized (of kind
// fault.Forbidden) for a refused token, fault.Transient for a 429 or a
// 5xx.
func (p ChatPoster) Post(ctx context.Context, token string, m chat.Message) (string, error) {
	return p.Client.SendChat(ctx, token, ChatMessage{
		As: AsBot,
		// Kick ignores it for the bot, which posts in the token owner's
		// channel, but it says which channel is meant.
		BroadcasterUserID: m.Broadcaster,
		Content:           m.Text,
		ReplyTo:           m.ReplyTo,
	})
}

// Unauthorized reports whether err is Kick refusing the user token (401):
// a refreshed token may work.
func (ChatPoster) Unauthorized(err error) bool { return errors.Is(err, ErrUnauthorized) }
