package discord

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/kickbot/kickbot/shared/interact"
)

// Fake is an in-memory stand-in for the part of Discord's REST API that
// REST uses, for tests and the local runner: serve it (httptest.NewServer,
// or a route of the runner) and pass its URL to NewREST. It records every
// request and answers like Discord:
//
//   - PATCH {api}/webhooks/{app}/{token}/messages/@original: 200, the message;
//   - DELETE {api}/webhooks/{app}/{token}/messages/@original: 204, or 404
//     when already deleted;
//   - POST {api}/webhooks/{app}/{token}: 204, or 200 and the message with ?wait=true;
//   - PUT {api}/applications/{app}/commands and
//     {api}/applications/{app}/guilds/{guild}/commands: 200, the commands
//     with ids, the same id for the same name until a PUT leaves it out;
//   - the bot's guild and channel routes (role grants, channel messages,
//     the bot's user, a member, a guild's roles): see fake_guild.go;
//   - anything else: 404.
//
// RateLimit and GlobalLimit make it enforce Discord's rate limits, with
// their headers and 429s: see fake_limits.go.
//
// {api} is /api/v followed by discordgo.APIVersion, the version discordgo
// calls. The zero Fake is ready to use and safe for concurrent use.
type Fake struct {
	// BotToken, when set, makes application routes answer 401 unless the
	// request is authorised as "Bot "+BotToken. Webhook routes are
	// authorised by their token, as on Discord.
	BotToken string
	// Now is the clock of the rate limits (see RateLimit) and of
	// Request.At; nil is time.Now, and leaves At zero.
	Now func() time.Time

	mu       sync.Mutex
	requests []Request
	failures []int
	seq      int64
	original map[string]string            // interaction token → message id
	deleted  map[string]bool              // interaction tokens whose original is gone
	commands map[string]map[string]string // "" or guild id → command name → id

	paths  []pathFailure          // FailPath's failures, in the order set
	guilds map[string]*FakeGuild  // SetGuild's guilds
	held   map[[2]string][]string // (guild, member) → roles granted, in order

	limits       []fakeLimit            // RateLimit's buckets, in the order set
	windows      map[string]*fakeWindow // bucket id and major → its window
	global       *fakeWindow
	globalN      int
	globalWindow time.Duration
	limited      []Request // refused by a limit
}

// Request is one request the Fake received.
type Request struct {
	Method string
	// Path is the URL path as sent, such as
	// /api/v9/webhooks/{app}/{token}/messages/@original.
	Path  string
	Query string
	// Body is the decoded JSON body: map[string]any, []any, …; nil when
	// empty or not JSON.
	Body any
	// Files are the files of a multipart request, in the order sent; its
	// payload_json part is Body.
	Files []Upload
	// Authorized reports whether an Authorization header was sent; its
	// value is not kept.
	Authorized bool
	// At is when it arrived by the Fake's Now; zero when Now is nil.
	At time.Time
}

// Upload is a file part of a multipart request.
type Upload struct {
	// Field is the form field ("files[0]"), Name the file name.
	Field, Name, ContentType string
	Data                     []byte
}

// Requests returns a copy of the requests received so far, oldest first.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// FailNext makes the next n requests fail with status and the JSON error
// body Discord sends with it (429 carries retry_after 1.5 and Retry-After
// 2, 404 Unknown Webhook).
// Failed requests are recorded too.
func (f *Fake) FailNext(n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.failures = append(f.failures, status)
	}
}

// fakeEpoch makes the Fake's ids look like snowflakes from March 2026.
const fakeEpoch = 1482460000000000000

// maxFakeBody bounds a body the Fake reads; Discord's limit is larger, but
// no JSON payload of ours comes near it.
const maxFakeBody = 1 << 20

func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A multipart body may carry Discord's largest attachment besides.
	raw, _ := io.ReadAll(io.LimitReader(r.Body, maxFakeBody+interact.MaxAttachmentBytes))
	var body any
	var files []Upload
	if mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		var ok bool
		if raw, files, ok = readMultipart(raw, params["boundary"]); !ok {
			fakeError(w, http.StatusBadRequest)
			return
		}
	}
	if json.Unmarshal(raw, &body) != nil {
		body = nil
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	req := Request{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Body: body, Files: files, Authorized: r.Header.Get("Authorization") != "",
	}
	if f.Now != nil {
		req.At = f.Now()
	}
	f.requests = append(f.requests, req)
	if f.rateLimit(w, r) {
		f.limited = append(f.limited, req)
		return
	}
	if len(f.failures) > 0 {
		status := f.failures[0]
		f.failures = f.failures[1:]
		fakeError(w, status)
		return
	}
	if pf, ok := f.pathFailure(r.URL.Path); ok {
		fakeCodeError(w, pf.status, pf.code)
		return
	}

	prefix := "/api/v" + discordgo.APIVersion + "/"
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		fakeJSON(w, http.StatusNotFound, unknownRoute)
		return
	}
	p := strings.Split(rest, "/")
	switch {
	case r.Method == http.MethodPatch && len(p) == 5 && p[0] == "webhooks" && p[3] == "messages" && p[4] == "@original":
		obj, ok := body.(map[string]any)
		if !ok {
			fakeError(w, http.StatusBadRequest)
			return
		}
		if f.original == nil {
			f.original = map[string]string{}
		}
		id, seen := f.original[p[2]]
		if !seen {
			id = f.nextID()
			f.original[p[2]] = id
		}
		fakeJSON(w, http.StatusOK, fakeMessage(id, p[1], 20, obj))
	case r.Method == http.MethodDelete && len(p) == 5 && p[0] == "webhooks" && p[3] == "messages" && p[4] == "@original":
		if f.deleted[p[2]] {
			fakeError(w, http.StatusNotFound)
			return
		}
		if f.deleted == nil {
			f.deleted = map[string]bool{}
		}
		f.deleted[p[2]] = true
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && len(p) == 3 && p[0] == "webhooks":
		obj, ok := body.(map[string]any)
		if !ok {
			fakeError(w, http.StatusBadRequest)
			return
		}
		if r.URL.Query().Get("wait") != "true" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		fakeJSON(w, http.StatusOK, fakeMessage(f.nextID(), p[1], 0, obj))
	case r.Method == http.MethodPut && p[0] == "applications" &&
		(len(p) == 3 && p[2] == "commands" || len(p) == 5 && p[2] == "guilds" && p[4] == "commands"):
		if f.BotToken != "" && r.Header.Get("Authorization") != "Bot "+f.BotToken {
			fakeError(w, http.StatusUnauthorized)
			return
		}
		guild := ""
		if len(p) == 5 {
			guild = p[3]
		}
		list, ok := body.([]any)
		if !ok {
			fakeError(w, http.StatusBadRequest)
			return
		}
		out, ok := f.overwrite(p[1], guild, list)
		if !ok {
			fakeError(w, http.StatusBadRequest)
			return
		}
		fakeJSON(w, http.StatusOK, out)
	case f.serveBot(w, r, p, body): // answered there
	default:
		fakeJSON(w, http.StatusNotFound, unknownRoute)
	}
}

// readMultipart returns the payload_json part and the files of a
// multipart body; false when it is not one.
func readMultipart(raw []byte, boundary string) ([]byte, []Upload, bool) {
	if boundary == "" {
		return nil, nil, false
	}
	mr := multipart.NewReader(bytes.NewReader(raw), boundary)
	var payload []byte
	var files []Upload
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return payload, files, true
		}
		if err != nil {
			return nil, nil, false
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, nil, false
		}
		if p.FormName() == "payload_json" {
			payload = data
			continue
		}
		files = append(files, Upload{Field: p.FormName(), Name: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: data})
	}
}

var unknownRoute = map[string]any{"message": "404: Not Found", "code": 0}

// overwrite replaces the commands of a scope as Discord's bulk overwrite
// does: a name seen before keeps its id. f.mu is held.
func (f *Fake) overwrite(app, guild string, list []any) ([]any, bool) {
	if f.commands == nil {
		f.commands = map[string]map[string]string{}
	}
	old, ids := f.commands[guild], map[string]string{}
	out := make([]any, 0, len(list))
	for _, item := range list {
		cmd, ok := item.(map[string]any)
		if !ok {
			return nil, false
		}
		name, _ := cmd["name"].(string)
		if name == "" || ids[name] != "" {
			return nil, false
		}
		id, seen := old[name]
		if !seen {
			id = f.nextID()
		}
		ids[name] = id
		echo := make(map[string]any, len(cmd)+4)
		for k, v := range cmd {
			echo[k] = v
		}
		echo["id"], echo["application_id"], echo["version"] = id, app, id
		if _, ok := echo["type"]; !ok {
			echo["type"] = 1
		}
		if guild != "" {
			echo["guild_id"] = guild
		}
		out = append(out, echo)
	}
	f.commands[guild] = ids
	return out, true
}

// nextID returns a new snowflake-like id. f.mu is held.
func (f *Fake) nextID() string {
	f.seq++
	return strconv.FormatInt(fakeEpoch+f.seq<<22, 10)
}

// fakeMessage is the message Discord answers an edit or followup with.
func fakeMessage(id, app string, typ int, sent map[string]any) map[string]any {
	n, _ := strconv.ParseInt(id, 10, 64)
	const discordEpochMS = 1420070400000
	msg := map[string]any{
		"id": id, "type": typ, "channel_id": "0", "application_id": app, "webhook_id": app,
		"author":    map[string]any{"id": app, "username": "kickbot-fake", "discriminator": "0000", "bot": true},
		"timestamp": time.UnixMilli(n>>22 + discordEpochMS).UTC().Format(time.RFC3339Nano),
		"content":   "", "embeds": []any{}, "components": []any{}, "flags": 0,
		"tts": false, "mention_everyone": false, "mentions": []any{}, "mention_roles": []any{}, "pinned": false,
	}
	for _, k := range []string{"content", "embeds", "components", "flags"} {
		if v, ok := sent[k]; ok && v != nil {
			msg[k] = v
		}
	}
	return msg
}

// fakeError answers status with the body Discord sends with it.
func fakeError(w http.ResponseWriter, status int) {
	body := map[string]any{"message": http.StatusText(status), "code": 0}
	switch status {
	case http.StatusBadRequest:
		body = map[string]any{"message": "Invalid Form Body", "code": 50035}
	case http.StatusUnauthorized:
		body = map[string]any{"message": "401: Unauthorized", "code": 0}
	case http.StatusForbidden:
		body = map[string]any{"message": "Missing Access", "code": 50001}
	case http.StatusNotFound:
		body = map[string]any{"message": "Unknown Webhook", "code": 10015}
	case http.StatusTooManyRequests:
		fakeTooMany(w, 1500*time.Millisecond, false)
		return
	}
	fakeJSON(w, status, body)
}

func fakeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
