package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/giveaway"
	"github.com/kickbot/kickbot/shared/golive"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/raffle"
	"github.com/kickbot/kickbot/shared/watchtime"
	"github.com/kickbot/kickbot/shared/work"
)

const (
	guild       = "883082587327823872"
	otherGuild  = "883082587327823999" // no Kick channel connected
	broadcaster = 4402117
)

var start = time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)

// seeded viewers: watch minutes and points (1 point per 5 minutes).
var seeded = []struct {
	id      int64
	name    string
	minutes int
}{{101, "ironkettle", 30}, {102, "mossyrock", 20}, {103, "pebblecat", 5}, {104, "quietfern", 1}}

// queue keeps the jobs the function queues.
type queue struct {
	mu   sync.Mutex
	jobs []job.Job
}

func (q *queue) Enqueue(_ context.Context, jobs ...job.Job) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.jobs = append(q.jobs, jobs...)
	return nil
}

type env struct {
	store *dynamo.Store
	queue *queue
	priv  ed25519.PrivateKey
	h     func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
	now   time.Time
	ids   discordsim.IDs
}

// setupEnv runs the function's handler over the embedded emulator, with
// one connected guild and its viewers credited minute by minute, as the
// sweep credits them.
func setupEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	client := dynamotest.Table(t, "kickbot")
	store := dynamo.New(client, "kickbot")
	if err := store.Connect(ctx, guild, broadcaster, start); err != nil {
		t.Fatal(err)
	}
	for _, v := range seeded {
		for m := range v.minutes {
			c := watchtime.Credit{UserID: v.id, Username: v.name, Minute: watchtime.MinuteOf(start) + watchtime.Minute(m), PointsMilli: 200}
			if ok, err := store.Credit(ctx, guild, c); err != nil || !ok {
				t.Fatalf("credit %s: %v, %v", v.name, ok, err)
			}
		}
	}
	// The sweep builds the boards every few minutes; here, once now.
	if err := store.BuildBoards(ctx, guild, start); err != nil {
		t.Fatal(err)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: store, queue: &queue{}, priv: priv, now: start.Add(time.Hour)}
	// The handler's store is limited to what the function's role grants.
	fn := dynamo.New(dynamotest.Restrict(t, client, "InteractionsFunction"), "kickbot")
	e.h = handler(&interact.Handler{Store: fn, Links: fn, Roles: fn, Bans: fn, Custom: fn, Timers: fn, Hunts: fn, Giveaways: &giveaway.Admin{Store: fn}, Raffle: &raffle.Admin{Store: fn}, Announce: &announce.Service{Store: fn, Flaps: &golive.Alerts{Store: fn}}}, e.queue, pub, nil, func() time.Time { return e.now })
	return e
}

// response is what Discord reads from an interaction response.
type response struct {
	Type int `json:"type"`
	Data *struct {
		Content string `json:"content"`
		Flags   int    `json:"flags"`
		Embeds  []struct {
			Title       string `json:"title"`
			Description string `json:"description"`
			Fields      []struct{ Name, Value string }
			Footer      *struct{ Text string } `json:"footer"`
		} `json:"embeds"`
		Components []struct {
			Components []struct {
				CustomID string `json:"custom_id"`
				Disabled bool   `json:"disabled"`
			} `json:"components"`
		} `json:"components"`
	} `json:"data"`
	Error string `json:"error"`
}

// text is everything the response shows, for matching.
func (r response) text() string {
	if r.Data == nil {
		return r.Error
	}
	s := r.Data.Content
	for _, e := range r.Data.Embeds {
		s += "\n" + e.Title + "\n" + e.Description
		for _, f := range e.Fields {
			s += "\n" + f.Name + ": " + f.Value
		}
		if e.Footer != nil {
			s += "\n" + e.Footer.Text
		}
	}
	return s
}

func (r response) ephemeral() bool { return r.Data != nil && r.Data.Flags&64 != 0 }

// apiEvent wraps body as API Gateway delivers it: lower-case header names.
func apiEvent(body []byte, headers http.Header) events.APIGatewayV2HTTPRequest {
	hs := map[string]string{}
	for k, v := range headers {
		hs[strings.ToLower(k)] = v[0]
	}
	return events.APIGatewayV2HTTPRequest{
		RawPath: "/interactions", Headers: hs, Body: string(body),
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodPost, Path: "/interactions"},
		},
	}
}

// send signs body at e.now and runs it through the function.
func (e *env) send(t *testing.T, body []byte) (int, response) {
	t.Helper()
	return e.sendEvent(t, apiEvent(body, discord.SignedHeaders(e.priv, e.now, body)))
}

func (e *env) sendEvent(t *testing.T, ev events.APIGatewayV2HTTPRequest) (int, response) {
	t.Helper()
	out, err := e.h(context.Background(), ev)
	if err != nil {
		t.Fatalf("handler error: %v", err)
	}
	var r response
	if err := json.Unmarshal([]byte(out.Body), &r); err != nil {
		t.Fatalf("response %q is not JSON: %v", out.Body, err)
	}
	return out.StatusCode, r
}

var (
	member = discordsim.Caller{Guild: guild, UserID: "569802374110117888", Username: "mossy"}
	admin  = discordsim.Caller{Guild: guild, UserID: "190000000000000001", Username: "streamer", Admin: true}
)

func TestCommands(t *testing.T) {
	str, i64 := discordsim.String, discordsim.Int
	tests := []struct {
		name      string
		caller    discordsim.Caller
		command   string
		opts      []discordsim.Option
		ephemeral bool
		want      []string // in the response's text, in order
	}{
		{"watchtime", member, "watchtime", []discordsim.Option{str("user", "ironkettle")}, false,
			[]string{"Watchtime", "**ironkettle** has watched for **30m**"}},
		{"watchtime any case and @", member, "watchtime", []discordsim.Option{str("user", "@MossyRock")}, false,
			[]string{"**mossyrock** has watched for **20m**"}},
		{"watchtime no such user", member, "watchtime", []discordsim.Option{str("user", "nobody")}, true,
			[]string{"no viewer named nobody has been seen"}},
		{"watchtime needs a user", member, "watchtime", nil, true, []string{"name a Kick user"}},
		{"points show", member, "points", []discordsim.Option{discordsim.Sub("show", str("user", "ironkettle"))}, false,
			[]string{"Points", "**ironkettle** has **6** points"}},
		{"points show no such user", member, "points", []discordsim.Option{discordsim.Sub("show", str("user", "ghost"))}, true,
			[]string{"no viewer named ghost"}},
		{"leaderboard", member, "leaderboard", nil, false,
			[]string{"Watchtime leaderboard", "ironkettle", "mossyrock", "pebblecat"}},
		{"leaderboard by points", member, "leaderboard", []discordsim.Option{str("board", "points")}, false,
			[]string{"Points leaderboard", "ironkettle", "mossyrock"}},
		{"settings show", admin, "settings", []discordsim.Option{discordsim.Sub("show")}, true,
			[]string{"Settings", "Activity window", "5 minutes"}},
		{"settings show needs Manage Server", member, "settings", []discordsim.Option{discordsim.Sub("show")}, true,
			[]string{"you need the Manage Server permission"}},
		{"settings set", admin, "settings", []discordsim.Option{discordsim.Sub("set", i64("activity_window", 10), discordsim.Bool("track_offline", true))}, true,
			[]string{"10 minutes"}},
		{"settings set nothing", admin, "settings", []discordsim.Option{discordsim.Sub("set")}, true,
			[]string{"choose at least one setting"}},
		{"settings set out of range", admin, "settings", []discordsim.Option{discordsim.Sub("set", i64("activity_window", 100000))}, true,
			[]string{"activity"}},
		{"points add", admin, "points", []discordsim.Option{discordsim.Sub("add", str("user", "pebblecat"), i64("amount", 50), str("reason", "quiz"))}, true,
			[]string{"Points added", "**pebblecat** now has **51** points", "Before: 1", "Change: +50", "After: 51", "Reason: quiz"}},
		{"points add needs Manage Server", member, "points", []discordsim.Option{discordsim.Sub("add", str("user", "pebblecat"), i64("amount", 50))}, true,
			[]string{"you need the Manage Server permission"}},
		{"points add zero", admin, "points", []discordsim.Option{discordsim.Sub("add", str("user", "pebblecat"), i64("amount", 0))}, true,
			[]string{"amount must be a whole number between 1 and 1,000,000,000"}},
		{"points add too many", admin, "points", []discordsim.Option{discordsim.Sub("add", str("user", "pebblecat"), i64("amount", 1_000_000_001))}, true,
			[]string{"amount must be a whole number between 1 and"}},
		{"points remove more than the balance", admin, "points", []discordsim.Option{discordsim.Sub("remove", str("user", "mossyrock"), i64("amount", 500))}, true,
			[]string{"cannot remove 500 points from mossyrock"}},
		{"points set", admin, "points", []discordsim.Option{discordsim.Sub("set", str("user", "quietfern"), i64("amount", 7))}, true,
			[]string{"Points set", "**quietfern** now has **7** points"}},
		{"points add no such user", admin, "points", []discordsim.Option{discordsim.Sub("add", str("user", "ghost"), i64("amount", 5))}, true,
			[]string{"no viewer named ghost"}},
		{"unknown command", member, "dance", nil, true, []string{"unknown command"}},
		{"not connected", discordsim.Caller{Guild: otherGuild, UserID: "5"}, "watchtime", []discordsim.Option{str("user", "ironkettle")}, true,
			[]string{"this server is not connected to a Kick channel yet"}},
		{"not connected leaderboard", discordsim.Caller{Guild: otherGuild, UserID: "5"}, "leaderboard", nil, true,
			[]string{"not connected"}},
	}
	e := setupEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := e.send(t, tt.caller.Command(e.ids.Next(), tt.command, tt.opts...))
			if status != http.StatusOK || got.Type != 4 {
				t.Fatalf("status %d, type %d (%s), want 200 and a message (type 4)", status, got.Type, got.text())
			}
			if got.ephemeral() != tt.ephemeral {
				t.Errorf("ephemeral = %v, want %v: %s", got.ephemeral(), tt.ephemeral, got.text())
			}
			text := got.text()
			for _, w := range tt.want {
				i := strings.Index(text, w)
				if i < 0 {
					t.Fatalf("response %q lacks %q", got.text(), w)
				}
				text = text[i+len(w):]
			}
		})
	}
	if len(e.queue.jobs) != 0 {
		t.Errorf("inline commands queued %d jobs, want none", len(e.queue.jobs))
	}
}

func TestSettingsSetIsStored(t *testing.T) {
	e := setupEnv(t)
	e.send(t, admin.Command(e.ids.Next(), "settings", discordsim.Sub("set", discordsim.Int("points_per_5min", 3))))
	s, err := e.store.Settings(context.Background(), guild)
	if err != nil {
		t.Fatal(err)
	}
	if s.PointsPer5Min != 3 {
		t.Errorf("stored points per 5 minutes = %d, want 3", s.PointsPer5Min)
	}
}

// TestAnnounceFlapWindowIsStored: /announce set kind:live flap_minutes
// stores the guild's go-live flap window and /announce list shows it,
// with only what the function's role grants.
func TestAnnounceFlapWindowIsStored(t *testing.T) {
	e := setupEnv(t)
	status, resp := e.send(t, admin.Command(e.ids.Next(), "announce", discordsim.Sub("set", discordsim.String("kind", "live"),
		discordsim.Channel("channel", "883082588674195001"), discordsim.Int("flap_minutes", 25))))
	if status != http.StatusOK || resp.Data == nil || !strings.Contains(resp.Data.Content, "within 25 min") {
		t.Fatalf("/announce set kind:live flap_minutes:25 = %d %+v, want the window in the answer", status, resp)
	}
	st, err := e.store.LiveAlert(context.Background(), guild)
	if err != nil || st.FlapWindow != 25*time.Minute {
		t.Errorf("LiveAlert() = %+v, %v; want a flap window of 25m", st, err)
	}
	status, resp = e.send(t, admin.Command(e.ids.Next(), "announce", discordsim.Sub("list")))
	if status != http.StatusOK || resp.Data == nil || len(resp.Data.Embeds) == 0 || len(resp.Data.Embeds[0].Fields) == 0 ||
		!strings.Contains(resp.Data.Embeds[0].Fields[0].Value, "within 25 min") {
		t.Errorf("/announce list = %d %+v, want the live field to show the 25 min window", status, resp)
	}
}

// TestViewerUnban: an admin's /watchtime shows a viewer's ban, and
// /viewer unban lets the viewer earn again, through the function and the
// embedded store.
func TestViewerUnban(t *testing.T) {
	e := setupEnv(t)
	ctx := context.Background()
	if err := e.store.RecordBan(ctx, guild, event.User{ID: 103, Username: "pebblecat"}, start, audience.Forever); err != nil {
		t.Fatal(err)
	}
	str := discordsim.String
	steps := []struct {
		name      string
		body      []byte
		ephemeral bool
		want      string
	}{
		{"a member's watchtime", member.Command(e.ids.Next(), "watchtime", str("user", "pebblecat")), false, "**pebblecat** has watched"},
		{"an admin's watchtime", admin.Command(e.ids.Next(), "watchtime", str("user", "pebblecat")), true, "Banned on Kick for ever"},
		{"unban needs Manage Server", member.Command(e.ids.Next(), "viewer", discordsim.Sub("unban", str("user", "pebblecat"))), true,
			"you need the Manage Server permission"},
		{"unban", admin.Command(e.ids.Next(), "viewer", discordsim.Sub("unban", str("user", "pebblecat"))), true,
			"**pebblecat** earns watchtime and points again"},
		{"an admin's watchtime after", admin.Command(e.ids.Next(), "watchtime", str("user", "pebblecat")), false, "**pebblecat** has watched"},
		{"unban again", admin.Command(e.ids.Next(), "viewer", discordsim.Sub("unban", str("user", "pebblecat"))), true, "is not banned; nothing changed"},
	}
	for _, s := range steps {
		status, got := e.send(t, s.body)
		if status != http.StatusOK || got.ephemeral() != s.ephemeral || !strings.Contains(got.text(), s.want) {
			t.Errorf("%s: status %d, ephemeral %v: %q; want ephemeral %v and %q", s.name, status, got.ephemeral(), got.text(), s.ephemeral, s.want)
		}
	}
	if v, err := e.store.Viewer(ctx, guild, 103); err != nil || v.Banned(e.now) {
		t.Errorf("pebblecat after /viewer unban: %+v, %v; want not banned", v, err)
	}
}

func TestRetriedPointsAddCountsOnce(t *testing.T) {
	e := setupEnv(t)
	body := admin.Command(e.ids.Next(), "points", discordsim.Sub("add", discordsim.String("user", "pebblecat"), discordsim.Int("amount", 25)))
	for range 3 {
		if status, got := e.send(t, body); status != http.StatusOK || !strings.Contains(got.text(), "now has **26** points") {
			t.Fatalf("status %d: %s; want the same confirmation every time", status, got.text())
		}
	}
	v, err := e.store.Viewer(context.Background(), guild, 103)
	if err != nil {
		t.Fatal(err)
	}
	if v.PointsMilli != 26_000 {
		t.Errorf("pebblecat has %d milli-points after three deliveries of one interaction, want 26000", v.PointsMilli)
	}
}

func TestPing(t *testing.T) {
	e := setupEnv(t)
	status, got := e.send(t, discordsim.Ping(e.ids.Next()))
	if status != http.StatusOK || got.Type != 1 {
		t.Errorf("PING: status %d, type %d; want 200, PONG (1)", status, got.Type)
	}
}

func TestSignatures(t *testing.T) {
	e := setupEnv(t)
	body := admin.Command(e.ids.Next(), "points", discordsim.Sub("add", discordsim.String("user", "pebblecat"), discordsim.Int("amount", 1000)))
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	good := discord.SignedHeaders(e.priv, e.now, body)
	tests := []struct {
		name    string
		headers http.Header
		body    []byte
	}{
		{"other key", discord.SignedHeaders(stranger, e.now, body), body},
		{"missing signature", http.Header{"X-Signature-Timestamp": good["X-Signature-Timestamp"]}, body},
		{"missing timestamp", http.Header{"X-Signature-Ed25519": good["X-Signature-Ed25519"]}, body},
		{"no headers", http.Header{}, body},
		{"stale", discord.SignedHeaders(e.priv, e.now.Add(-10*time.Minute), body), body},
		{"from the future", discord.SignedHeaders(e.priv, e.now.Add(10*time.Minute), body), body},
		{"body changed", good, []byte(strings.Replace(string(body), "1000", "9000", 1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := e.sendEvent(t, apiEvent(tt.body, tt.headers))
			if status != http.StatusUnauthorized {
				t.Errorf("status = %d (%s), want 401", status, got.text())
			}
		})
	}
	v, err := e.store.Viewer(context.Background(), guild, 103)
	if err != nil {
		t.Fatal(err)
	}
	if v.PointsMilli != 1_000 {
		t.Errorf("pebblecat has %d milli-points after refused requests, want 1000 (unchanged)", v.PointsMilli)
	}
	// The same request correctly signed, with API Gateway's lower-case
	// header names, goes through.
	if status, got := e.sendEvent(t, apiEvent(body, good)); status != http.StatusOK || !strings.Contains(got.text(), "Points added") {
		t.Errorf("signed: status %d: %s", status, got.text())
	}
}

func TestLeaderboardButtons(t *testing.T) {
	e := setupEnv(t)
	// Eleven more viewers with a minute each make a second page of ten.
	ctx := context.Background()
	for n := range int64(11) {
		id := 200 + n
		if _, err := e.store.Credit(ctx, guild, watchtime.Credit{UserID: id, Username: "late" + string(rune('a'+n)), Minute: watchtime.MinuteOf(start), PointsMilli: 200}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.store.BuildBoards(ctx, guild, e.now); err != nil {
		t.Fatal(err)
	}
	_, got := e.send(t, member.Command(e.ids.Next(), "leaderboard"))
	var next string
	for _, row := range got.Data.Components {
		for _, c := range row.Components {
			if !c.Disabled {
				next = c.CustomID
			}
		}
	}
	if next == "" || strings.Contains(got.text(), "11.") {
		t.Fatalf("first page lacks a Next button or shows rank 11: %s", got.text())
	}
	status, click := e.send(t, member.Click(e.ids.Next(), next))
	if status != http.StatusOK || click.Type != 7 || !strings.Contains(click.text(), "11. **") {
		t.Errorf("click %q: status %d, type %d: %s; want page 2 in place (type 7)", next, status, click.Type, click.text())
	}
	_, stale := e.send(t, member.Click(e.ids.Next(), "lb:nonsense"))
	if !stale.ephemeral() || !strings.Contains(stale.text(), "run /leaderboard again") {
		t.Errorf("garbled button: %s, want an ephemeral hint", stale.text())
	}
}

// TestDeferredRank runs /rank end to end: the function acknowledges it
// with a deferred response and queues a job; the worker runs it and edits
// the original response on a fake Discord, which checks the PATCH.
func TestDeferredRank(t *testing.T) {
	e := setupEnv(t)
	fake := &discord.Fake{BotToken: "bot-token"}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	rest, err := discord.NewREST("bot-token", discordsim.AppID, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	w := &work.Worker{Interact: &interact.Handler{Store: e.store}, Replies: discord.Replies{REST: rest}, Now: func() time.Time { return e.now.Add(2 * time.Second) }}

	ok, missing := e.ids.Next(), e.ids.Next()
	for _, body := range [][]byte{
		member.Command(ok, "rank", discordsim.String("user", "mossyrock")),
		member.Command(missing, "rank", discordsim.String("user", "ghost")),
	} {
		status, got := e.send(t, body)
		if status != http.StatusOK || got.Type != 5 {
			t.Fatalf("status %d, type %d (%s); want a deferred response (5)", status, got.Type, got.text())
		}
	}
	if len(e.queue.jobs) != 2 {
		t.Fatalf("queued %d jobs, want 2", len(e.queue.jobs))
	}
	for _, j := range e.queue.jobs {
		// Through the wire form, as SQS carries it.
		b, err := j.Encode()
		if err != nil {
			t.Fatal(err)
		}
		decoded, err := job.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Do(context.Background(), decoded); err != nil {
			t.Fatalf("worker: %v", err)
		}
	}

	reqs := fake.Requests()
	if len(reqs) != 3 {
		t.Fatalf("Discord got %d requests, want 3 (an edit; a delete and a followup): %+v", len(reqs), reqs)
	}
	base := "/api/v9/webhooks/" + discordsim.AppID + "/"
	edit := reqs[0]
	if edit.Method != http.MethodPatch || edit.Path != base+discordsim.Token(ok)+"/messages/@original" {
		t.Errorf("first request %s %s, want the PATCH of /rank's original response", edit.Method, edit.Path)
	}
	b, _ := json.Marshal(edit.Body)
	var patch struct {
		Embeds []struct{ Title, Description string }
	}
	if err := json.Unmarshal(b, &patch); err != nil {
		t.Fatal(err)
	}
	if len(patch.Embeds) != 1 || patch.Embeds[0].Title != "Rank" ||
		!strings.Contains(patch.Embeds[0].Description, "**mossyrock** is **#2** on the watchtime leaderboard") {
		t.Errorf("PATCH body = %s, want mossyrock's rank", b)
	}
	del, follow := reqs[1], reqs[2]
	if del.Method != http.MethodDelete || del.Path != base+discordsim.Token(missing)+"/messages/@original" {
		t.Errorf("second request %s %s, want the DELETE of the failed /rank's response", del.Method, del.Path)
	}
	fb, _ := follow.Body.(map[string]any)
	if follow.Method != http.MethodPost || follow.Path != base+discordsim.Token(missing) || fb["flags"] != float64(64) ||
		!strings.Contains(fb["content"].(string), "no viewer named ghost") {
		t.Errorf("third request %s %s %v, want an ephemeral followup naming the problem", follow.Method, follow.Path, fb)
	}
}

// TestLinksAndRoles runs /link's other half, /unlink, a linked member's
// own stats and /roles through the function and the embedded store.
func TestLinksAndRoles(t *testing.T) {
	e := setupEnv(t)
	ctx := context.Background()
	if err := e.store.Link(ctx, guild, member.UserID, 102, "mossyrock"); err != nil {
		t.Fatal(err)
	}
	const role = "973524801945731072"
	str, i64 := discordsim.String, discordsim.Int
	steps := []struct {
		name      string
		body      []byte
		ephemeral bool
		want      string
	}{
		{"own watchtime", member.Command(e.ids.Next(), "watchtime"), false, "**mossyrock** has watched for **20m**"},
		{"own points", member.Command(e.ids.Next(), "points", discordsim.Sub("show")), false, "**mossyrock** has **4** points"},
		{"admin without a link", admin.Command(e.ids.Next(), "watchtime"), true, "link your Kick account with /link"},
		{"unlink", member.Command(e.ids.Next(), "unlink"), true, "Unlinked your Kick account mossyrock."},
		{"unlink again", member.Command(e.ids.Next(), "unlink"), true, "no Kick account is linked to you here"},
		{"own watchtime after unlink", member.Command(e.ids.Next(), "watchtime"), true, "link your Kick account with /link"},
		{"link without Kick set up", member.Command(e.ids.Next(), "link"), true, "not set up on this bot"},
		{"roles list", admin.Command(e.ids.Next(), "roles", discordsim.Sub("list")), true, "Suggested tiers: 120 (2h), 600 (10h), 2000 (1d 9h 20m)"},
		{"roles add", admin.Command(e.ids.Next(), "roles", discordsim.Sub("add", discordsim.Role("role", role), i64("minutes", 120))), true,
			"Rewards: 2h → <@&" + role + ">"},
		{"roles add again", admin.Command(e.ids.Next(), "roles", discordsim.Sub("add", discordsim.Role("role", role), i64("minutes", 120))), true,
			"Rewards: 2h → <@&" + role + ">"},
		{"roles add other role same minutes", admin.Command(e.ids.Next(), "roles", discordsim.Sub("add", discordsim.Role("role", "973524801945731099"), i64("minutes", 120))), true,
			"two role rewards at 120 minutes"},
		{"roles add needs Manage Server", member.Command(e.ids.Next(), "roles", discordsim.Sub("add", discordsim.Role("role", role), i64("minutes", 600))), true,
			"you need the Manage Server permission"},
		{"roles add out of range", admin.Command(e.ids.Next(), "roles", discordsim.Sub("add", discordsim.Role("role", role), i64("minutes", 0))), true,
			"minutes"},
		{"roles remove", admin.Command(e.ids.Next(), "roles", discordsim.Sub("remove", i64("minutes", 120))), true, "Rewards: none"},
		{"roles remove again", admin.Command(e.ids.Next(), "roles", discordsim.Sub("remove", i64("minutes", 120))), true, "no role is given at 120 minutes"},
		{"named user still works", member.Command(e.ids.Next(), "watchtime", str("user", "pebblecat")), false, "**pebblecat**"},
	}
	for _, s := range steps {
		status, got := e.send(t, s.body)
		if status != http.StatusOK || got.ephemeral() != s.ephemeral || !strings.Contains(got.text(), s.want) {
			t.Errorf("%s: status %d, ephemeral %v: %q; want ephemeral %v and %q", s.name, status, got.ephemeral(), got.text(), s.ephemeral, s.want)
		}
	}
	rules, err := e.store.RoleRules(ctx, guild)
	if err != nil || len(rules) != 0 {
		t.Errorf("rules left: %v, %v; want none", rules, err)
	}
}
