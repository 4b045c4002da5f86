package kickapi_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
)

func TestChatPoster(t *testing.T) {
	f := newFixture(t)
	p := kickapi.ChatPoster{Client: f.client}
	access, _ := f.kick.IssueUserToken(streamer, "chat:write")

	id, err := p.Post(t.Context(), access, chat.Message{Broadcaster: streamer.ID, Text: "@pixelpanda has 1,250 points", ReplyTo: replyTo})
	if err != nil {
		t.Fatalf("Post: %v", err)
	}
	want := []kickfake.Message{{ID: id, BroadcasterUserID: streamer.ID, Type: "bot", SenderUserID: streamer.ID, Content: "@pixelpanda has 1,250 points", ReplyTo: replyTo}}
	if diff := cmp.Diff(want, f.kick.Messages(), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("messages Kick received (-want +got):\n%s", diff)
	}
	if p.Unauthorized(err) {
		t.Errorf("Unauthorized(nil) = true, want false")
	}

	f.kick.Expire(access)
	f.expectFailure("expired access token")
	_, err = p.Post(t.Context(), access, chat.Message{Broadcaster: streamer.ID, Text: "again"})
	if !p.Unauthorized(err) {
		t.Errorf("Unauthorized(%v) = false after a 401, want true", err)
	}
	if p.Unauthorized(errors.New("kick answered 500")) {
		t.Errorf("Unauthorized(another error) = true, want false")
	}
}
