package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
	"github.com/kickbot/kickbot/shared/roles"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/watchtime"
)

const (
	guild       = "883082587327823872"
	broadcaster = 4402117
	member      = "569802374110117888"
	role        = "973524801945731072"
)

// fakes starts a fake Kick and a fake Discord over HTTP, with clients of
// them as main builds them.
func fakes(t *testing.T) (*kickfake.Server, *kickapi.Client, *discord.Fake, *discord.REST) {
	t.Helper()
	kf := &kickfake.Server{ClientID: "app", ClientSecret: "secret"}
	ksrv := httptest.NewServer(kf)
	t.Cleanup(ksrv.Close)
	kick := kickapi.New("app", "secret")
	kick.APIBase, kick.AuthBase = ksrv.URL, ksrv.URL
	df := &discord.Fake{BotToken: "bot"}
	dsrv := httptest.NewServer(df)
	t.Cleanup(dsrv.Close)
	rest, err := discord.NewREST("bot", discordsim.AppID, dsrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return kf, kick, df, rest
}

// connected connects guild to the channel northwind with a login the fake
// Kick issued, and returns the login's tokens.
func connected(t *testing.T, store *dynamo.Store, kf *kickfake.Server, now time.Time) (access, refresh string) {
	t.Helper()
	access, refresh = kf.IssueUserToken(kickfake.User{ID: broadcaster, Name: "northwind"}, "user:read", "chat:write")
	if err := store.ConnectChannel(t.Context(), guild, broadcaster, "northwind", now); err != nil {
		t.Fatal(err)
	}
	if err := store.PutCredentials(t.Context(), broadcaster, credential.Token{Access: access, Refresh: refresh, Expiry: now.Add(time.Hour)}, []string{"user:read", "chat:write"}); err != nil {
		t.Fatal(err)
	}
	return access, refresh
}

// TestWorkerWiring runs one job of each kind that needs an outside
// service through the worker as main wires it, against a fake Kick and a
// fake Discord over HTTP and the embedded store: a deferred /kick status,
// a chat command and a role sync.
func TestWorkerWiring(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC()
	// Limited to what the function's role grants.
	store := dynamo.New(dynamotest.Restrict(t, dynamotest.Table(t, "kickbot"), "WorkerFunction"), "kickbot")

	kf, kick, df, rest := fakes(t)
	// A connected channel with a stored login, a linked viewer who has
	// watched a minute, and a role reward at one minute.
	access, refresh := connected(t, store, kf, now)
	if _, err := store.Credit(ctx, guild, watchtime.Credit{UserID: 51234077, Username: "pixelpanda", Minute: watchtime.MinuteOf(now), PointsMilli: 5000}); err != nil {
		t.Fatal(err)
	}
	if err := store.Link(ctx, guild, member, 51234077, "pixelpanda"); err != nil {
		t.Fatal(err)
	}
	if err := store.AddRoleRule(ctx, guild, roles.Rule{Minutes: 1, RoleID: role}); err != nil {
		t.Fatal(err)
	}
	s := settings.Defaults()
	s.AnnounceChannel = "883082588674195457"
	if err := store.PutSettings(ctx, guild, s); err != nil {
		t.Fatal(err)
	}

	w := worker(store, rest, kick, slog.New(slog.NewTextHandler(io.Discard, nil)))

	status := job.ForInteraction(interact.Request{ID: "1482453932679757825", Guild: guild, UserID: "190000000000000001",
		CanManage: true, Command: "kick", Sub: "status", At: now}, "tok-status")
	chat := job.ForEvent(guild, event.Event{ID: "01JQ7ZC4M2T8Y1B5N0P6R3K9VD", Type: event.ChatMessage, Broadcaster: broadcaster, SentAt: now,
		Chat: &event.Chat{MessageID: "3f1c8e0a-5b7d-4e2a-9c61-0d8f2b7a4e15", Sender: event.User{ID: 51234077, Username: "pixelpanda"},
			Content: "!points", CreatedAt: now}}, &command.Command{Name: "points"})
	sync := job.ForRoles(guild, now, 10*time.Minute)
	for _, j := range []job.Job{status, chat, sync} {
		if err := w.Do(ctx, j); err != nil {
			t.Fatalf("%s: %v", j, err)
		}
	}

	var edited, granted bool
	for _, r := range df.Requests() {
		b, _ := json.Marshal(r.Body)
		switch {
		case r.Method == http.MethodPatch && strings.Contains(r.Path, "/tok-status/messages/@original"):
			edited = strings.Contains(string(b), "northwind") && strings.Contains(string(b), "Event subscriptions")
		case r.Method == http.MethodPut && r.Path == "/api/v9/guilds/"+guild+"/members/"+member+"/roles/"+role:
			granted = true
		}
	}
	if !edited {
		t.Errorf("no edit of /kick status naming the channel and its subscriptions: %+v", df.Requests())
	}
	if !granted {
		t.Errorf("the linked member was not granted the role: %+v", df.Requests())
	}
	msgs := kf.Messages()
	if len(msgs) != 1 || msgs[0].Content != "@pixelpanda has 5 points" || msgs[0].ReplyTo != "3f1c8e0a-5b7d-4e2a-9c61-0d8f2b7a4e15" {
		t.Errorf("Kick chat = %+v, want one reply with pixelpanda's points", msgs)
	}
	if f := kf.Failures(); len(f) != 0 {
		t.Errorf("fake Kick refused: %q", f)
	}

	// Kick stops accepting the login: the next reply finds out, and the
	// guild's announcement channel is told at once, once. (Commands other
	// than the !points above: it is still cooling down.)
	kf.Expire(access)
	kf.RejectRefresh(refresh)
	for i, id := range []string{"01JQ7ZC4M2T8Y1B5N0P6R3K9VE", "01JQ7ZC4M2T8Y1B5N0P6R3K9VF"} {
		name := []string{"watchtime", "commands"}[i]
		again := chat
		again.ID = id + "/" + guild
		e := *chat.Event
		e.ID, e.Chat = id, &event.Chat{MessageID: fmt.Sprintf("3f1c8e0a-5b7d-4e2a-9c61-0d8f2b7a4e1%d", i), Sender: e.Chat.Sender, Content: "!" + name, CreatedAt: now}
		again.Event, again.Command = &e, &command.Command{Name: name}
		if err := w.Do(ctx, again); !errors.Is(err, credential.ErrReconnect) {
			t.Fatalf("chat after the refusal: %v, want ErrReconnect", err)
		}
	}
	notices := 0
	for _, r := range df.Requests() {
		b, _ := json.Marshal(r.Body)
		if r.Method == http.MethodPost && r.Path == "/api/v9/channels/"+s.AnnounceChannel+"/messages" && strings.Contains(string(b), "Kick no longer accepts") {
			notices++
		}
	}
	if notices != 1 {
		t.Errorf("%d reconnect notices in the announcement channel, want 1", notices)
	}
	if len(kf.Messages()) != 1 {
		t.Errorf("Kick chat has %d messages, want still 1", len(kf.Messages()))
	}
}

// TestBansOrderedByTheirTime delivers moderation.banned jobs out of
// order, as two webhook instances or Kick's retry can, through the worker
// as main wires it: the ban issued last is the one that holds.
func TestBansOrderedByTheirTime(t *testing.T) {
	ctx := context.Background()
	// Limited to what the function's role grants.
	store := dynamo.New(dynamotest.Restrict(t, dynamotest.Table(t, "kickbot"), "WorkerFunction"), "kickbot")
	w := worker(store, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t0 := time.Date(2026, 3, 14, 20, 0, 0, 0, time.UTC)
	target := event.User{ID: 51234077, Username: "pixelpanda"}
	ban := func(id string, issued, expires time.Time) job.Job {
		return job.ForEvent(guild, event.Event{ID: id, Type: event.Banned, Broadcaster: broadcaster, SentAt: t0.Add(time.Minute),
			Ban: &event.Ban{Target: target, CreatedAt: issued, ExpiresAt: expires}}, nil)
	}
	permanent := ban("01JQ7ZC4M2T8Y1B5N0P6R3K9V1", t0.Add(5*time.Second), time.Time{})
	olderTimeout := ban("01JQ7ZC4M2T8Y1B5N0P6R3K9V2", t0, t0.Add(10*time.Minute))
	newerTimeout := ban("01JQ7ZC4M2T8Y1B5N0P6R3K9V3", t0.Add(10*time.Second), t0.Add(20*time.Minute))
	steps := []struct {
		name string
		job  job.Job
		want time.Time
	}{
		{"a permanent ban", permanent, audience.Forever},
		{"an older timeout arriving later", olderTimeout, audience.Forever},
		{"the permanent ban again (Kick's retry)", permanent, audience.Forever},
		{"a newer timeout", newerTimeout, t0.Add(20 * time.Minute)},
		{"the permanent ban once more", permanent, t0.Add(20 * time.Minute)},
	}
	for _, st := range steps {
		if err := w.Do(ctx, st.job); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		v, err := store.Viewer(ctx, guild, target.ID)
		if err != nil {
			t.Fatalf("%s: Viewer: %v", st.name, err)
		}
		if !v.BannedUntil.Equal(st.want) {
			t.Errorf("after %s: banned until %v, want %v", st.name, v.BannedUntil, st.want)
		}
	}
}
