package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
	"github.com/kickbot/kickbot/shared/logattr"
	"github.com/kickbot/kickbot/shared/upkeep"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// The known secrets of TestNoSecretInLogs. Each has characters that URL
// and JSON encoding change, so that the encoded forms differ from the raw.
const (
	secretClientID  = "kickbot-secretlog-app"
	secretKickApp   = "Kc5/Zq8+Tw3mVr7Lp2Nx9Bh4Jd6Fy1Gs&x=1"
	secretBotToken  = "MTE5ODc2NTQzMjEwOTg3NjU0.Gx7QpZ.s3cRt-b0T_Wm4Rv8Tn2Ly6Hk0Dj"
	secretStateKey  = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	secretClipKey   = "ck_Vb4/Hn7+Qs2Wx9Lm5&Rt8Zp3Jd6"
	secretLogMinLen = 12 // the prefix of each secret that must not appear either
)

// TestNoSecretInLogs runs the local stack end to end with known secrets
// and captures everything it logs, at DEBUG, as text and as JSON (the
// Lambda format), plus the standard logger: none of the secrets may
// appear in it, raw or base64-, hex-, URL- or JSON-encoded, nor the first
// 12 characters of any. The run uses every secret, failures included,
// since error paths are where secrets leak: the Discord bot token, the
// Kick client secret, the OAuth state-signing key, the webhook and
// interaction signing keys, the Kick access, refresh and app tokens the
// fake Kick issued (with the codes and PKCE verifiers that got them), the
// clip service's API key and the interaction tokens. The upstreams'
// injected failures echo the request (Kick and Discord the whole of it:
// headers, URL, body; the clip service its key) in their answers, as a
// careless upstream's error page would.
func TestNoSecretInLogs(t *testing.T) {
	ctx := t.Context()

	// Everything logged goes to logs: each component's logger derives
	// from the one start gets, and the standard logger (http.Server's
	// errors) is redirected for the test.
	logs := &lockedBuffer{}
	log := slog.New(logattr.NewHandler(slog.NewMultiHandler(
		slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}),
	)))
	prevOut, prevFlags := stdlog.Writer(), stdlog.Flags()
	stdlog.SetOutput(logs)
	t.Cleanup(func() { stdlog.SetOutput(prevOut); stdlog.SetFlags(prevFlags) })
	t.Cleanup(func() {
		if t.Failed() && testing.Verbose() {
			t.Logf("the run's log:\n%s", logs)
		}
	})

	// The fakes, behind recorders that see every credential presented and
	// every token issued. The fake Kick is made once the runner's base
	// URL (its redirect URL) is known.
	kick := &kickRecorder{}
	kickSrv := httptest.NewServer(kick)
	t.Cleanup(kickSrv.Close)
	dfake := &discord.Fake{BotToken: secretBotToken}
	disc := &discordRecorder{fake: dfake}
	discSrv := httptest.NewServer(disc)
	t.Cleanup(discSrv.Close)
	clips := &clipRecorder{}
	clipSrv := httptest.NewServer(clips)
	t.Cleanup(clipSrv.Close)

	// The webhook's and the worker's clock, moved past the chat command's
	// cooldown before each !points.
	clock := &stepClock{at: time.Now()}
	runCtx, cancel := context.WithCancel(context.Background())
	r, err := start(runCtx, config{
		now:        clock.Now,
		ListenAddr: "127.0.0.1:0", DynamoAddr: "127.0.0.1:0", Table: "secretlog", LocalDir: t.TempDir(), RetryDelay: 0,
		KickClientID: secretClientID, KickClientSecret: secretKickApp, KickAPIURL: kickSrv.URL, KickAuthURL: kickSrv.URL,
		StateSigningKey: secretStateKey, DiscordBotToken: secretBotToken, DiscordAPIURL: discSrv.URL,
		ClipServiceURL: clipSrv.URL, ClipServiceKey: secretClipKey,
	}, log)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); cancel() })
	if r.KickFake != nil || r.DiscordFake != nil {
		t.Fatal("runner started its own fakes; want it to use the configured Kick and Discord")
	}
	fake := &kickfake.Server{ClientID: secretClientID, ClientSecret: secretKickApp,
		RedirectURIs: []string{r.BaseURL + connect.CallbackPath}, ConsentPage: true}
	fake.SignIn(fakeStreamer)
	kick.setFake(fake)

	dkey, err := discordsim.ReadPrivateKey(r.DiscordPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	kkey, err := kicksim.ReadPrivateKey(r.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	ds := &discordsim.Sender{URL: r.URL + "/interactions", Key: dkey}
	webhooks := &kicksim.Sender{URL: r.URL + "/webhooks/kick", Key: kkey}
	const guild = "1234"
	admin := discordsim.Caller{Guild: guild, UserID: "100000000000000001", Admin: true}
	member := discordsim.Caller{Guild: guild, UserID: "100000000000000002"}
	var ids discordsim.IDs
	var interactionTokens []string
	send := func(c discordsim.Caller, name string, opts ...discordsim.Option) string {
		t.Helper()
		id := ids.Next()
		interactionTokens = append(interactionTokens, discordsim.Token(id))
		status, body, err := ds.Send(ctx, c.Command(id, name, opts...))
		if err != nil || status != http.StatusOK {
			t.Fatalf("/%s: status %d, err %v: %s", name, status, err, body)
		}
		return string(body)
	}
	drain := func() {
		t.Helper()
		if err := r.Queue.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	fixtures, err := kicksim.Fixtures(filepath.Join("..", "..", "testdata", "kick"), time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	deliveryIDs := kicksim.NewIDs(time.Now())
	deliver := func(typ event.Type, edit func([]byte) []byte) {
		t.Helper()
		for _, d := range fixtures {
			if d.Type != typ || (typ == event.ChatMessage && !strings.Contains(string(d.Body), `"!points"`)) {
				continue
			}
			d.At = clock.Now().UTC()
			d.ID = deliveryIDs.Next(d.At)
			d.Body = regexp.MustCompile(`"created_at": *"[^"]*"`).ReplaceAll(d.Body, []byte(`"created_at":"`+d.At.Format(time.RFC3339)+`"`))
			if edit != nil {
				d.Body = edit(d.Body)
			}
			if status, err := webhooks.Send(ctx, d); err != nil || status != http.StatusOK {
				t.Fatalf("%s delivery: status %d, err %v", typ, status, err)
			}
			drain()
			return
		}
		t.Fatalf("no %s fixture", typ)
	}
	// points sends a viewer's !points in chat; each from another viewer,
	// so that no cooldown or repeat check keeps the bot from answering.
	viewerN := 0
	points := func() {
		t.Helper()
		viewerN++
		clock.Advance(10 * time.Second)
		deliver(event.ChatMessage, func(b []byte) []byte {
			s := strings.NewReplacer("51234077", fmt.Sprint(61000000+viewerN), "pixelpanda", fmt.Sprint("viewer", viewerN),
				"c3a9f1d7-2b84-4e61-9f0a-7d5e8b1c4a26", fmt.Sprintf("c3a9f1d7-2b84-4e61-9f0a-%012d", viewerN)).Replace(string(b))
			return []byte(s)
		})
	}
	replies := func() int { return len(fake.Messages()) }

	// 1. /kick connect, clicked through: the code exchange stores the
	// streamer's tokens; subscriptions are made with the app's token.
	status, page, _ := clickThrough(t, buttonURL(t, []byte(send(admin, "kick", discordsim.Sub("connect")))))
	if status != http.StatusOK || !strings.Contains(page, "Kick channel connected") {
		t.Fatalf("connect callback page %d:\n%s", status, page)
	}

	// 2. Signed deliveries: the stream going live, a follow, a new sub,
	// and !points answered in chat with the streamer's token.
	deliver(event.LivestreamStatus, func(b []byte) []byte {
		return regexp.MustCompile(`"started_at": *"[^"]*"`).ReplaceAll(b, []byte(`"started_at":"`+clock.Now().UTC().Format(time.RFC3339)+`"`))
	})
	deliver(event.Followed, nil)
	deliver(event.SubscriptionNew, nil)
	points()
	if n := replies(); n != 1 {
		t.Fatalf("fake Kick chat has %d messages after !points, want 1", n)
	}

	// 3. Two !clip: the clip service refuses the first, quoting the API
	// key it was sent, as a careless service's error would; it makes the
	// second.
	clips.refuseNext()
	for i := range 2 {
		clock.Advance(time.Minute) // past !clip's cooldown
		deliver(event.ChatMessage, func(b []byte) []byte {
			return []byte(strings.NewReplacer(`"!points"`, `"!clip Big win"`, "51234077", fmt.Sprint(62000000+i), "pixelpanda", fmt.Sprint("clipper", i),
				"c3a9f1d7-2b84-4e61-9f0a-7d5e8b1c4a26", fmt.Sprintf("c3a9f1d7-2b84-4e61-9f0a-1%011d", i)).Replace(string(b)))
		})
	}
	if msgs := fake.Messages(); len(msgs) != 3 || !strings.Contains(msgs[2].Content, clipURL) {
		t.Fatalf("fake Kick chat after two !clip = %+v, want two more replies, the last with the clip", msgs)
	}

	// 4. Kick refuses the chat token (401, echoing the request): the bot
	// refreshes it (client secret and refresh token) and posts again.
	kick.failNext("/public/v1/chat", http.StatusUnauthorized)
	points()
	if n := replies(); n != 4 {
		t.Fatalf("fake Kick chat has %d messages after a 401, want 4", n)
	}
	if n := fake.TokenCalls("refresh_token"); n != 1 {
		t.Fatalf("refresh grants after a 401 = %d, want 1", n)
	}

	// 5. Kick fails: the chat post with 500, then a 401 whose refresh
	// fails with 500; both echo the request. The queue retries each job.
	kick.failNext("/public/v1/chat", http.StatusInternalServerError)
	points()
	kick.failNext("/public/v1/chat", http.StatusUnauthorized)
	kick.failNext("/oauth/token", http.StatusInternalServerError)
	points()
	if n := replies(); n != 6 {
		t.Fatalf("fake Kick chat has %d messages after the failures, want 6", n)
	}

	// 6. A member links their Kick account: the viewer's own code
	// exchange, then /confirm-link.
	viewer := kickfake.User{ID: 51234077, Name: "pixelpanda"}
	fake.SignIn(viewer)
	status, page, _ = clickThrough(t, buttonURL(t, []byte(send(member, "link"))))
	if status != http.StatusOK || !strings.Contains(page, "Confirm the link in Discord") {
		t.Fatalf("link callback page %d:\n%s", status, page)
	}
	if body := send(member, "confirm-link"); !strings.Contains(body, "Linked your Kick account **pixelpanda**") {
		t.Fatalf("/confirm-link: %s", body)
	}

	// 7. The sweep of the live stream, and upkeep: the live check (the
	// app token) and a role sync (the bot token), whose first grant
	// Discord refuses with 401, echoing the request.
	now := clock.Now()
	if _, err := r.Store.Credit(ctx, guild, watchtime.Credit{UserID: viewer.ID, Username: viewer.Name, Minute: watchtime.MinuteOf(now)}); err != nil {
		t.Fatal(err)
	}
	// Logged as the runner's schedules log them (sweepEvery, upkeepEvery).
	rep, err := r.Sweeper.Run(ctx, watchtime.MinuteOf(now), now)
	log.Log(ctx, levelOf(err), "sweep", "minute", int64(watchtime.MinuteOf(now)), "guilds", rep.Guilds, "credited", rep.Credited, "err", err)
	if err != nil {
		t.Fatal(err)
	}
	drain()
	const role = "973524801945731072"
	if body := send(admin, "roles", discordsim.Sub("add", discordsim.Role("role", role), discordsim.Int("minutes", 1))); !strings.Contains(body, role) {
		t.Fatalf("/roles add: %s", body)
	}
	disc.failNext("/api/v9/guilds/", http.StatusUnauthorized)
	for i, task := range []upkeep.Task{upkeep.Live, upkeep.Roles, upkeep.Roles} {
		err := r.Upkeep.Run(ctx, task, now.Add(time.Duration(i)*upkeep.RolesEvery))
		log.Log(ctx, levelOf(err), "upkeep", "task", task, "err", err)
		drain()
	}

	// 8. A deferred command answered through Discord's REST API, whose
	// first answer Discord fails with 500, echoing the interaction token.
	disc.failNext("/api/v9/webhooks/", http.StatusInternalServerError)
	statusTok := ids.Next()
	interactionTokens = append(interactionTokens, discordsim.Token(statusTok))
	if status, _, err := ds.Send(ctx, admin.Command(statusTok, "kick", discordsim.Sub("status"))); err != nil || status != http.StatusOK {
		t.Fatalf("/kick status: status %d, err %v", status, err)
	}
	drain()

	// 9. /kick disconnect revokes the streamer's tokens; the first revoke
	// fails with 500, echoing the token in its query, and is retried.
	kick.failNext("/oauth/revoke", http.StatusInternalServerError)
	send(admin, "kick", discordsim.Sub("disconnect"))
	drain()
	if _, _, _, err := r.Store.Connection(ctx, guild); err == nil {
		t.Errorf("guild %s still connected after /kick disconnect", guild)
	}

	// 10. Connected again, Kick refuses the chat token, then the refresh
	// token for good (invalid_grant, echoing the request): no reply, and
	// the login is dropped until the streamer reconnects.
	fake.SignIn(fakeStreamer)
	status, page, _ = clickThrough(t, buttonURL(t, []byte(send(admin, "kick", discordsim.Sub("connect")))))
	if status != http.StatusOK || !strings.Contains(page, "Kick channel connected") {
		t.Fatalf("second connect callback page %d:\n%s", status, page)
	}
	kick.failNext("/public/v1/chat", http.StatusUnauthorized)
	kick.failNext("/oauth/token", http.StatusBadRequest)
	points()
	if n := replies(); n != 6 {
		t.Errorf("fake Kick chat has %d messages after the refresh token was refused, want still 6", n)
	}
	if rec, err := r.Store.Load(ctx, fakeStreamer.ID); err == nil && rec.Access != "" {
		t.Errorf("login after invalid_grant = %.8s…, want it dropped", rec.Access)
	}

	// The run really used every secret, and met every injected failure,
	// so that the test cannot pass by logging nothing of interest.
	if left := kick.pending() + disc.pending() + clips.pending(); left != 0 {
		t.Errorf("%d injected failures never happened", left)
	}
	used := kick.snapshot()
	if used.clientSecretUses < 4 {
		t.Errorf("fake Kick saw the client secret %d times, want at least 4 (two code exchanges, refreshes, the app token)", used.clientSecretUses)
	}
	// Access and refresh pairs: the connect, the refresh after the 401,
	// the link; the app token: subscriptions and the live check.
	if len(used.access) < 3 || len(used.refresh) < 3 || len(used.app) == 0 {
		t.Errorf("fake Kick issued %d access, %d refresh and %d app tokens; want at least 3, 3 and 1", len(used.access), len(used.refresh), len(used.app))
	}
	for _, tok := range append(append(append([]string(nil), used.access...), used.refresh...), used.app...) {
		if !used.presented[tok] {
			t.Errorf("token %.8s… was issued but never presented to Kick", tok)
		}
	}
	if len(used.codes) != 3 || len(used.verifiers) != 3 {
		t.Errorf("code exchanges: %d codes, %d verifiers; want 3 each (connect, link, connect)", len(used.codes), len(used.verifiers))
	}
	if revoked := fake.Revoked(); len(revoked) < 4 {
		t.Errorf("fake Kick revoked %d tokens, want at least 4 (the link's pair, the streamer's pair)", len(revoked))
	}
	if f := fake.Failures(); len(f) != 0 {
		t.Errorf("fake Kick refused: %q", f)
	}
	if n := clips.keyUses(); n != 2 {
		t.Errorf("clip service saw its key %d times, want 2", n)
	}
	if n := disc.botTokenUses(); n < 2 {
		t.Errorf("fake Discord saw the bot token %d times, want at least 2 (the refused grant and its retry)", n)
	}
	var answered bool
	for _, req := range dfake.Requests() {
		answered = answered || req.Method == http.MethodPatch && strings.Contains(req.Path, discordsim.Token(statusTok))
	}
	if !answered || len(dfake.MemberRoles(guild, member.UserID)) != 1 {
		t.Errorf("fake Discord: /kick status answered %v, member roles %v; want the answer and the role", answered, dfake.MemberRoles(guild, member.UserID))
	}
	if !bytes.Equal(r.Connect.Key, mustHex(t, secretStateKey)) {
		t.Error("the OAuth states are not signed with STATE_SIGNING_KEY")
	}

	// The secrets and what must not appear of them.
	kickDER, err := x509.MarshalPKCS8PrivateKey(kkey)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string][]string{
		"Kick client secret":        {secretKickApp},
		"Discord bot token":         {secretBotToken},
		"state-signing key":         {secretStateKey, string(mustHex(t, secretStateKey))},
		"Discord interaction key":   {hex.EncodeToString(dkey.Seed()), string(dkey.Seed()), string(dkey)},
		"Kick webhook signing key":  {string(kickDER), kkey.D.Text(16), kkey.D.Text(10)},
		"Kick access token":         used.access,
		"Kick refresh token":        used.refresh,
		"Kick app token":            used.app,
		"OAuth authorization code":  used.codes,
		"PKCE code verifier":        used.verifiers,
		"Discord interaction token": interactionTokens,
		"clip service key":          {secretClipKey},
	}
	out := logs.String()
	for name, values := range secrets {
		for _, v := range values {
			for _, form := range leakForms(v) {
				if i := strings.Index(out, form); i >= 0 {
					line := out[strings.LastIndexByte(out[:i], '\n')+1:]
					line, _, _ = strings.Cut(line, "\n")
					t.Errorf("the log holds the %s (as %q):\n%s", name, form, line)
					break // one report per value
				}
			}
		}
	}

	// The log is the run's: each part logged, at DEBUG too, and the
	// failures not recovered at once (the clip service's refusal, the
	// chat 500, the refresh 500, Discord's 401 and 500, the revoke 500,
	// the refused refresh token: at least seven) at WARN or ERROR.
	text := regexp.MustCompile(`(?m)^time=\S+ level=(\w+) (?:.*function=(\S+))?`).FindAllStringSubmatch(out, -1)
	levels, parts := map[string]int{}, map[string]bool{}
	for _, m := range text {
		levels[m[1]]++
		parts[m[2]] = true
	}
	failures := levels["WARN"] + levels["ERROR"]
	if len(text) < 15 || failures < 7 || levels["DEBUG"] == 0 || !parts["webhook"] || !parts["worker"] || !parts["oauth"] {
		t.Errorf("log has %d lines (by level %v, from %v); want at least 15, 7 of them WARN or ERROR, some DEBUG, from the webhook, worker and oauth",
			len(text), levels, parts)
	}
	if testing.Verbose() {
		t.Logf("checked %d log lines (%d WARN or ERROR) for %d kinds of secret", len(text), failures, len(secrets))
	}
}

// leakForms returns the forms of secret v that must not appear in a log:
// raw, base64 (both alphabets, padded or not), hex, URL query and path
// escaped, JSON-quoted, and the first secretLogMinLen characters of the
// raw and of each encoding.
func leakForms(v string) []string {
	b := []byte(v)
	quoted, _ := json.Marshal(v)
	forms := []string{
		v,
		base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b),
		hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)),
		url.QueryEscape(v), url.PathEscape(v),
		string(quoted[1 : len(quoted)-1]),
	}
	var out []string
	for _, f := range forms {
		if len(f) > secretLogMinLen {
			out = append(out, f[:secretLogMinLen])
		}
		out = append(out, f)
	}
	return out
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stepClock is a clock that moves only when told.
type stepClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *stepClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
}

// lockedBuffer is a log destination many goroutines write to.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// echo is an upstream's careless error text: the whole request, its
// credentials included, the body first (a form's client_secret and
// refresh_token) so that a client that clips the text still quotes it.
func echo(req *http.Request, body []byte) string {
	var h strings.Builder
	_ = req.Header.Write(&h)
	return fmt.Sprintf("%s\n%s %s\n%s", body, req.Method, req.URL.String(), h.String())
}

// kickRecorder serves a fake Kick and records the credentials presented
// to it and the tokens it issued. failNext makes the next request to a
// path fail with a status whose body echoes the request.
type kickRecorder struct {
	mu   sync.Mutex
	fake *kickfake.Server
	fail map[string][]int
	uses kickUses
}

// kickUses is what kickRecorder saw.
type kickUses struct {
	clientSecretUses     int
	access, refresh, app []string
	codes, verifiers     []string
	presented            map[string]bool // tokens presented: bearer, refresh grant, revoke
}

func (k *kickRecorder) setFake(f *kickfake.Server) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.fake = f
}

func (k *kickRecorder) failNext(path string, status int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail == nil {
		k.fail = map[string][]int{}
	}
	k.fail[path] = append(k.fail[path], status)
}

// pending is how many failNext failures have not happened yet.
func (k *kickRecorder) pending() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for _, codes := range k.fail {
		n += len(codes)
	}
	return n
}

func (k *kickRecorder) snapshot() kickUses {
	k.mu.Lock()
	defer k.mu.Unlock()
	u := k.uses
	u.presented = map[string]bool{}
	for t := range k.uses.presented {
		u.presented[t] = true
	}
	return u
}

func (k *kickRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	form, _ := url.ParseQuery(string(body))
	k.mu.Lock()
	fake := k.fake
	if k.uses.presented == nil {
		k.uses.presented = map[string]bool{}
	}
	if tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer "); ok {
		k.uses.presented[tok] = true
	}
	if form.Get("client_secret") == secretKickApp {
		k.uses.clientSecretUses++
	}
	if rt := form.Get("refresh_token"); rt != "" {
		k.uses.presented[rt] = true
	}
	if req.URL.Path == "/oauth/revoke" {
		k.uses.presented[req.URL.Query().Get("token")] = true
		k.uses.presented[form.Get("token")] = true
	}
	if c := form.Get("code"); c != "" {
		k.uses.codes = append(k.uses.codes, c)
		k.uses.verifiers = append(k.uses.verifiers, form.Get("code_verifier"))
	}
	var status int
	if codes := k.fail[req.URL.Path]; len(codes) > 0 {
		status, k.fail[req.URL.Path] = codes[0], codes[1:]
	}
	k.mu.Unlock()

	switch {
	case fake == nil:
		http.Error(w, "fake Kick not ready", http.StatusServiceUnavailable)
		return
	case status != 0:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if strings.HasPrefix(req.URL.Path, "/oauth/") {
			code := "server_error"
			if status == http.StatusBadRequest {
				code = "invalid_grant" // a refresh token Kick refuses for good
			}
			_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": echo(req, body)})
		} else {
			_ = json.NewEncoder(w).Encode(map[string]any{"data": nil, "message": echo(req, body)})
		}
		return
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	fake.ServeHTTP(rec, req)
	if req.URL.Path == "/oauth/token" && rec.Code == http.StatusOK {
		var tok struct {
			Access  string `json:"access_token"`
			Refresh string `json:"refresh_token"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &tok)
		k.mu.Lock()
		if form.Get("grant_type") == "client_credentials" {
			k.uses.app = append(k.uses.app, tok.Access)
		} else {
			k.uses.access = append(k.uses.access, tok.Access)
			k.uses.refresh = append(k.uses.refresh, tok.Refresh)
		}
		k.mu.Unlock()
	}
	for h, v := range rec.Header() {
		w.Header()[h] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// discordRecorder serves a fake Discord and counts the requests that
// carried the bot token. failNext makes the next request under a path
// prefix fail with a status whose body echoes the request.
type discordRecorder struct {
	fake *discord.Fake
	mu   sync.Mutex
	fail []discordFailure
	bot  int
}

type discordFailure struct {
	prefix string
	status int
}

func (d *discordRecorder) failNext(prefix string, status int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fail = append(d.fail, discordFailure{prefix, status})
}

// pending is how many failNext failures have not happened yet.
func (d *discordRecorder) pending() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.fail)
}

func (d *discordRecorder) botTokenUses() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.bot
}

func (d *discordRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	d.mu.Lock()
	if req.Header.Get("Authorization") == "Bot "+secretBotToken {
		d.bot++
	}
	status := 0
	for i, f := range d.fail {
		if strings.HasPrefix(req.URL.Path, f.prefix) {
			status = f.status
			d.fail = append(d.fail[:i], d.fail[i+1:]...)
			break
		}
	}
	d.mu.Unlock()
	if status != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"code": 0, "message": echo(req, body)})
		return
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	d.fake.ServeHTTP(w, req)
}

// clipURL is the clip the fake clip service makes.
const clipURL = "https://clips.example/c/1"

// clipRecorder is a clip service that counts the requests carrying its
// key. refuseNext makes it refuse the next one with 401, quoting the key.
type clipRecorder struct {
	mu     sync.Mutex
	uses   int
	refuse int
}

func (c *clipRecorder) refuseNext() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refuse++
}

func (c *clipRecorder) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refuse
}

func (c *clipRecorder) keyUses() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.uses
}

func (c *clipRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	key := req.Header.Get("X-API-Key")
	c.mu.Lock()
	if key == secretClipKey {
		c.uses++
	}
	refuse := c.refuse > 0
	if refuse {
		c.refuse--
	}
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case refuse:
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]any{"success": false, "error": "X-API-Key " + key + " is not valid"})
	case key != secretClipKey:
		w.WriteHeader(http.StatusUnauthorized)
	default:
		_ = json.NewEncoder(w).Encode(map[string]any{"success": true, "clip_url": clipURL})
	}
}
