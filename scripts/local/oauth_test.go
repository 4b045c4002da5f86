package main

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
	"github.com/kickbot/kickbot/shared/upkeep"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// buttonURL returns the URL of the link button in an interaction answer.
func buttonURL(t *testing.T, body []byte) string {
	t.Helper()
	m := regexp.MustCompile(`"url":"([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("answer has no link button: %s", body)
	}
	var u string
	if err := json.Unmarshal([]byte(`"`+string(m[1])+`"`), &u); err != nil {
		t.Fatal(err)
	}
	return u
}

var approveLink = regexp.MustCompile(`<a href="([^"]+)">Approve</a>`)

// clickThrough plays a person's browser: it opens link, follows the
// redirects to the fake Kick's consent page, clicks Approve, follows the
// redirect back to the callback and returns the page it shows. visited
// lists every URL requested.
func clickThrough(t *testing.T, link string) (status int, page string, visited []*url.URL) {
	t.Helper()
	browser := &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		visited = append(visited, req.URL)
		return nil
	}}
	get := func(u string) (*http.Response, string) {
		t.Helper()
		parsed, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		visited = append(visited, parsed)
		resp, err := browser.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", parsed.Path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, consentPage := get(link)
	m := approveLink.FindStringSubmatch(consentPage)
	if resp.Request.URL.Path != "/oauth/authorize" || m == nil {
		t.Fatalf("start link ended at %s (%d), want the fake Kick's consent page:\n%s", resp.Request.URL, resp.StatusCode, consentPage)
	}
	approve, err := resp.Request.URL.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	resp, page = get(approve.String())
	if resp.Request.URL.Path != connect.CallbackPath {
		t.Fatalf("approving ended at %s, want the callback", resp.Request.URL)
	}
	return resp.StatusCode, page, visited
}

// TestRunnerConnectAndLink is the Kick connection end to end on the
// runner in its fake-Kick mode: an admin's /kick connect, the consent
// clicked through over HTTP, the guild then receiving webhooks and
// /kick status seeing the channel; then a member's /link.
func TestRunnerConnectAndLink(t *testing.T) {
	r := startRunner(t, "")
	ctx := context.Background()
	if r.KickFake == nil || !strings.HasPrefix(r.BaseURL, "http://localhost:") {
		t.Fatalf("runner without KICK_CLIENT_ID: fake Kick %v, base URL %q; want a fake and http://localhost:<port>", r.KickFake != nil, r.BaseURL)
	}
	dkey, err := discordsim.ReadPrivateKey(r.DiscordPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	discord := &discordsim.Sender{URL: r.URL + "/interactions", Key: dkey}
	const guild = "1234"
	admin := discordsim.Caller{Guild: guild, UserID: "100000000000000001", Admin: true}
	var ids discordsim.IDs

	// /kick connect answers the admin with a button to the start link.
	status, body, err := discord.Send(ctx, admin.Command(ids.Next(), "kick", discordsim.Sub("connect")))
	if err != nil || status != http.StatusOK {
		t.Fatalf("/kick connect: status %d, err %v", status, err)
	}
	link := buttonURL(t, body)
	if !strings.HasPrefix(link, r.BaseURL+connect.StartPath+"?state=") {
		t.Fatalf("button URL %q, want the runner's start route", link)
	}

	status, page, visited := clickThrough(t, link)
	if status != http.StatusOK || !strings.Contains(page, "Kick channel connected") || !strings.Contains(page, "northwind") {
		t.Fatalf("callback page %d:\n%s", status, page)
	}
	var authorize *url.URL
	for _, u := range visited {
		if u.Path == "/oauth/authorize" {
			authorize = u
		}
	}
	if authorize == nil || authorize.Query().Get("redirect_uri") != r.BaseURL+connect.CallbackPath ||
		authorize.Query().Get("scope") != strings.Join(connect.ConnectScopes, " ") {
		t.Errorf("authorize request %v, want the runner's callback and the connect scopes", authorize)
	}
	if f := r.KickFake.Failures(); len(f) != 0 {
		t.Errorf("fake Kick refused: %q", f)
	}
	if b, name, _, err := r.Store.Connection(ctx, guild); err != nil || b != fakeStreamer.ID || name != fakeStreamer.Name {
		t.Fatalf("Connection(%s) = %d, %q, %v; want %d", guild, b, name, err, fakeStreamer.ID)
	}
	if n := len(r.KickFake.Subscriptions(fakeStreamer.ID)); n != 10 {
		t.Errorf("fake Kick holds %d subscriptions, want 10", n)
	}

	// The guild now receives the channel's webhooks.
	key, err := kicksim.ReadPrivateKey(r.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := kicksim.Fixtures(filepath.Join("..", "..", "testdata", "kick"), time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Type != event.Followed {
			continue
		}
		var body struct {
			Broadcaster struct {
				UserID int64 `json:"user_id"`
			} `json:"broadcaster"`
		}
		if err := json.Unmarshal(d.Body, &body); err != nil || body.Broadcaster.UserID != fakeStreamer.ID {
			t.Fatalf("follow fixture is not for broadcaster %d (%v): %s", fakeStreamer.ID, err, d.Body)
		}
		if status, err := (&kicksim.Sender{URL: r.URL + "/webhooks/kick", Key: key}).Send(ctx, d); err != nil || status != http.StatusOK {
			t.Fatalf("follow delivery: status %d, err %v", status, err)
		}
	}
	if err := r.Queue.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	evs, err := r.Store.Events(ctx, guild, 10)
	if err != nil || len(evs) != 1 || evs[0].Type != event.Followed {
		t.Errorf("event log of %s = %+v, %v; want the follow", guild, evs, err)
	}

	// /kick status, answered by the worker, names the channel.
	before := len(r.DiscordFake.Requests())
	if status, _, err := discord.Send(ctx, admin.Command(ids.Next(), "kick", discordsim.Sub("status"))); err != nil || status != http.StatusOK {
		t.Fatalf("/kick status: status %d, err %v", status, err)
	}
	if err := r.Queue.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := r.DiscordFake.Requests()
	if len(reqs) != before+1 {
		t.Fatalf("fake Discord got %d requests after /kick status, want 1", len(reqs)-before)
	}
	if b, _ := json.Marshal(reqs[len(reqs)-1].Body); !strings.Contains(string(b), "northwind") {
		t.Errorf("/kick status answer %s, want it to name northwind", b)
	}

	// A member links their Kick account: sign in to the fake Kick as the
	// viewer (its home page's form), then /link.
	viewer := kickfake.User{ID: 51234077, Name: "pixelpanda"}
	resp, err := http.Get(r.KickFakeURL + "/local/signin?id=51234077&name=pixelpanda")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	member := discordsim.Caller{Guild: guild, UserID: "100000000000000002"}
	_, body, err = discord.Send(ctx, member.Command(ids.Next(), "link"))
	if err != nil {
		t.Fatal(err)
	}
	status, page, _ = clickThrough(t, buttonURL(t, body))
	if status != http.StatusOK || !strings.Contains(page, "Confirm the link in Discord") || !strings.Contains(page, viewer.Name) ||
		!strings.Contains(page, member.UserID) {
		t.Fatalf("link callback page %d:\n%s", status, page)
	}
	// Nothing is linked until the member who asked confirms; another
	// member cannot.
	if _, _, err := r.Store.LinkedKick(ctx, guild, member.UserID); !fault.Is(err, fault.NotFound) {
		t.Errorf("LinkedKick before /confirm-link = %v, want not found", err)
	}
	someone := discordsim.Caller{Guild: guild, UserID: "100000000000000003"}
	if _, body, err := discord.Send(ctx, someone.Command(ids.Next(), "confirm-link")); err != nil || !strings.Contains(string(body), "no Kick sign-in is waiting for you") {
		t.Errorf("another member's /confirm-link: %v, %s", err, body)
	}
	if _, body, err := discord.Send(ctx, member.Command(ids.Next(), "confirm-link")); err != nil || !strings.Contains(string(body), "Linked your Kick account **pixelpanda**") {
		t.Errorf("/confirm-link: %v, %s", err, body)
	}
	if id, name, err := r.Store.LinkedKick(ctx, guild, member.UserID); err != nil || id != viewer.ID || name != viewer.Name {
		t.Errorf("LinkedKick = %d, %q, %v; want %d, %q", id, name, err, viewer.ID, viewer.Name)
	}

	// The viewer asks for their points in Kick chat: the bot answers there,
	// as a reply, with the streamer's token.
	var command kicksim.Delivery
	for _, d := range ds {
		if d.Type == event.ChatMessage && strings.Contains(string(d.Body), `"!points"`) {
			command = d
		}
	}
	command.Body = regexp.MustCompile(`"created_at": *"[^"]*"`).ReplaceAll(command.Body,
		[]byte(`"created_at":"`+time.Now().UTC().Format(time.RFC3339)+`"`))
	if status, err := (&kicksim.Sender{URL: r.URL + "/webhooks/kick", Key: key}).Send(ctx, command); err != nil || status != http.StatusOK {
		t.Fatalf("!points delivery: status %d, err %v", status, err)
	}
	if err := r.Queue.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := r.KickFake.Messages()
	if len(msgs) != 1 || msgs[0].Type != "bot" || msgs[0].BroadcasterUserID != fakeStreamer.ID ||
		!strings.HasPrefix(msgs[0].Content, "@pixelpanda has ") || msgs[0].ReplyTo == "" {
		t.Errorf("fake Kick chat = %+v, want one bot reply to pixelpanda's !points", msgs)
	}

	// Role rewards: a linked member past the threshold gets the role from
	// the next sync, once.
	if _, err := r.Store.Credit(ctx, guild, watchtime.Credit{UserID: viewer.ID, Username: viewer.Name, Minute: watchtime.MinuteOf(time.Now())}); err != nil {
		t.Fatal(err)
	}
	const role = "973524801945731072"
	if status, body, err := discord.Send(ctx, admin.Command(ids.Next(), "roles", discordsim.Sub("add", discordsim.Role("role", role), discordsim.Int("minutes", 1)))); err != nil || !strings.Contains(string(body), role) {
		t.Fatalf("/roles add: status %d, err %v: %s", status, err, body)
	}
	grants := func() int {
		n := 0
		for _, req := range r.DiscordFake.Requests() {
			if req.Method == http.MethodPut && req.Path == "/api/v9/guilds/"+guild+"/members/"+member.UserID+"/roles/"+role {
				n++
			}
		}
		return n
	}
	for i := range 2 {
		if err := r.Upkeep.Run(ctx, upkeep.Roles, time.Now().Add(time.Duration(i)*upkeep.RolesEvery)); err != nil {
			t.Fatal(err)
		}
		if err := r.Queue.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := grants(); n != 1 {
		t.Errorf("role granted %d times over two syncs, want 1", n)
	}
	if f := r.KickFake.Failures(); len(f) != 0 {
		t.Errorf("fake Kick refused: %q", f)
	}
}

// TestRunnerFakeKickHome: the fake Kick's home page starts a consent as a
// Discord button would.
func TestRunnerFakeKickHome(t *testing.T) {
	r := startRunner(t, "")
	resp, err := http.Get(r.KickFakeURL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "Signed in as <b>northwind</b>") {
		t.Errorf("home page:\n%s", b)
	}
	status, page, _ := clickThrough(t, r.KickFakeURL+"/local/start?purpose=connect&guild=1234&user=100000000000000001")
	if status != http.StatusOK || !strings.Contains(page, "Kick channel connected") {
		t.Fatalf("callback page %d:\n%s", status, page)
	}
	resp, err = http.Get(r.KickFakeURL + "/local/start?purpose=connect&guild=guild-1&user=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("start for a guild that is not a Discord id = %d, want 400", resp.StatusCode)
	}
}
