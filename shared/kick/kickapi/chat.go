package kickapi

import (
	"context"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/fault"
)

// MaxChatLength is the most characters (Unicode code points) Kick takes in
// one chat message.
const MaxChatLength = 500

// ChatSender says under whose name a chat message goes out.
type ChatSender string

const (
	// AsBot posts as the app's bot account into the channel of the token
	// owner, who must have granted the app chat:write. The bot's reply
	// to a streamer's chat is sent this way with the streamer's token.
	AsBot ChatSender = "bot"
	// AsUser posts as the token owner into BroadcasterUserID's channel.
	AsUser ChatSender = "user"
)

// ChatMessage is a message to post in a Kick channel's chat.
type ChatMessage struct {
	// As is under whose name the message goes out; "" means AsBot.
	As ChatSender
	// BroadcasterUserID is the channel to post in. AsUser needs it; AsBot
	// posts in the token owner's channel, and Kick ignores it.
	BroadcasterUserID int64
	// Content is the text, 1 to MaxChatLength characters.
	Content string
	// ReplyTo is the message_id of the chat message this answers, as a
	// chat.message.sent event gives it; "" for none.
	ReplyTo string
}

// SendChat posts msg with userToken, which needs the chat:write scope, and
// returns the new message's id. Content that is empty or longer than
// MaxChatLength is fault.Invalid and nothing is sent: Kick would refuse it,
// and cutting it is the caller's choice to make.
func (c *Client) SendChat(ctx context.Context, userToken string, msg ChatMessage) (messageID string, err error) {
	const what = "send kick chat message"
	as := msg.As
	if as == "" {
		as = AsBot
	}
	switch {
	case userToken == "":
		return "", fault.E(fault.Invalid, "%s: no user token", what)
	case as != AsBot && as != AsUser:
		return "", fault.E(fault.Invalid, "%s: sender %q is neither %s nor %s", what, as, AsBot, AsUser)
	case as == AsUser && msg.BroadcasterUserID < 1:
		return "", fault.E(fault.Invalid, "%s: a message as the user needs the channel's broadcaster id", what)
	case strings.TrimSpace(msg.Content) == "":
		return "", fault.E(fault.Invalid, "%s: no content", what)
	}
	if n := utf8.RuneCountInString(msg.Content); n > MaxChatLength {
		return "", fault.E(fault.Invalid, "%s: %d characters, Kick takes at most %d", what, n, MaxChatLength)
	}
	body := struct {
		Type              ChatSender `json:"type"`
		Content           string     `json:"content"`
		BroadcasterUserID int64      `json:"broadcaster_user_id,omitempty"`
		ReplyTo           string     `json:"reply_to_message_id,omitempty"`
	}{as, msg.Content, msg.BroadcasterUserID, msg.ReplyTo}
	var resp struct {
		Data struct {
			IsSent    bool   `json:"is_sent"`
			MessageID string `json:"message_id"`
		} `json:"data"`
	}
	r := call{method: http.MethodPost, path: "/public/v1/chat", body: body, what: what}
	if err := c.do(ctx, userToken, r, &resp); err != nil {
		return "", err
	}
	if !resp.Data.IsSent {
		return "", fault.E(fault.Internal, "%s: kick answered that it did not send the message", what)
	}
	return resp.Data.MessageID, nil
}
