package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/consent"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
)

// fakeClientID is the client id of the fake Kick's one app.
const fakeClientID = "local-fake-kick-app"

// fakeStreamer is who is signed in to the fake Kick at start: the
// broadcaster the replayer's scenario streams as.
var fakeStreamer = kickfake.User{ID: 4402117, Name: "northwind"}

// defaultMember is the Discord user the replayer plays by default.
const defaultMember = "100000000000000001"

// connectService builds the Kick consent flow: against Kick with
// KICK_CLIENT_ID, else against a fake Kick on its own loopback port. addr
// is where the runner listens, for the default base URL.
func (r *runner) connectService(cfg config, addr net.Addr, log *slog.Logger) (*connect.Service, error) {
	base := cfg.PublicBaseURL
	if base == "" {
		// localhost, not 127.0.0.1: Kick's consent page rewrites the first
		// 127.0.0.1 in its URL (kick-api.md §2.1).
		_, port, _ := net.SplitHostPort(addr.String())
		base = "http://localhost:" + port
	}
	base, err := connect.ParseBaseURL(base)
	if err != nil {
		return nil, fmt.Errorf("PUBLIC_BASE_URL: %w", err)
	}
	key := make([]byte, consent.MinKeyLen)
	if cfg.StateSigningKey != "" {
		if key, err = connect.ParseKey(cfg.StateSigningKey); err != nil {
			return nil, fmt.Errorf("STATE_SIGNING_KEY: %w", err)
		}
	} else if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	var kick *kickapi.Client
	switch {
	case cfg.KickClientID != "" && cfg.KickClientSecret == "":
		return nil, errors.New("KICK_CLIENT_ID is set but KICK_CLIENT_SECRET is not (unset both to use a fake Kick)")
	case cfg.KickClientID != "":
		kick = kickapi.New(cfg.KickClientID, cfg.KickClientSecret)
		kick.APIBase, kick.AuthBase = cfg.KickAPIURL, cfg.KickAuthURL
	default:
		if kick, err = r.startFakeKick(base, log.With("function", "kick-fake")); err != nil {
			return nil, err
		}
	}
	r.BaseURL, r.Kick = base, kick
	return &connect.Service{Store: r.Store, Kick: kickapi.Adapter{Client: kick}, Key: key, BaseURL: base, Log: log}, nil
}

// startFakeKick serves a fake Kick, with its consent page, on its own
// loopback port, and returns a client of its app. Beside Kick's routes it
// serves a home page for a person clicking through: who is signed in, a
// form to sign in as someone else, and a form that starts a consent as a
// Discord button would.
func (r *runner) startFakeKick(base string, log *slog.Logger) (*kickapi.Client, error) {
	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	r.KickFake = &kickfake.Server{
		ClientID: fakeClientID, ClientSecret: hex.EncodeToString(secret),
		RedirectURIs: []string{base + connect.CallbackPath},
		ConsentPage:  true,
	}
	r.KickFake.SignIn(fakeStreamer)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", r.fakeHome)
	mux.HandleFunc("GET /local/signin", r.fakeSignIn)
	mux.HandleFunc("GET /local/start", r.fakeStart)
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		before := len(r.KickFake.Failures())
		r.KickFake.ServeHTTP(w, req)
		if f := r.KickFake.Failures(); len(f) > before {
			log.Warn("fake Kick refused a request", "why", f[len(f)-1])
		}
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	r.closers = append(r.closers, func() { srv.Close() })
	r.KickFakeURL = "http://" + ln.Addr().String()

	kick := kickapi.New(fakeClientID, r.KickFake.ClientSecret)
	kick.APIBase, kick.AuthBase = r.KickFakeURL, r.KickFakeURL
	return kick, nil
}

var fakeHomeHTML = template.Must(template.New("home").Parse(`<!doctype html>
<meta charset="utf-8"><title>Fake Kick · kickbot local runner</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}fieldset{margin:1rem 0}</style>
<h1>Fake Kick</h1>
<p>Signed in as <b>{{.User.Name}}</b> (Kick user id {{.User.ID}}). Kick's consent page will ask this user.</p>
<form action="/local/signin"><fieldset><legend>Sign in as another Kick user</legend>
<label>id <input name="id" value="51234077" size="10"></label>
<label>name <input name="name" value="pixelpanda" size="14"></label>
<button>Sign in</button></fieldset></form>
<form action="/local/start"><fieldset><legend>Start a consent, as the bot's Discord button would</legend>
<label><input type="radio" name="purpose" value="connect" checked> connect the guild to the signed-in streamer's channel</label><br>
<label><input type="radio" name="purpose" value="link"> link the member to the signed-in Kick account</label><br>
<label>guild <input name="guild" value="{{.Guild}}" size="20"></label>
<label>member <input name="user" value="{{.Member}}" size="20"></label>
<button>Start</button></fieldset></form>
<p>Or from "Discord": <code>go run ./scripts/replay command -guild {{.Guild}} -admin kick connect</code>
(or <code>link</code>) and open the button's <code>url</code>.</p>
`))

// fakeHome shows the fake Kick's home page.
func (r *runner) fakeHome(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = fakeHomeHTML.Execute(w, map[string]any{"User": r.fakeUser(), "Guild": r.demoGuild(), "Member": defaultMember})
}

// fakeUser is who is signed in to the fake Kick.
func (r *runner) fakeUser() kickfake.User {
	r.fakeMu.Lock()
	defer r.fakeMu.Unlock()
	if r.fakeSignedIn.ID == 0 {
		return fakeStreamer
	}
	return r.fakeSignedIn
}

// demoGuild is the guild the click-through suggests: the first seeded one
// that is a Discord id, else 1234.
func (r *runner) demoGuild() string {
	for _, c := range r.seeded {
		if n, err := strconv.ParseUint(c.guild, 10, 64); err == nil && n > 0 && c.guild[0] != '0' {
			return c.guild
		}
	}
	return "1234"
}

// fakeSignIn signs a Kick user in to the fake Kick.
func (r *runner) fakeSignIn(w http.ResponseWriter, req *http.Request) {
	id, err := strconv.ParseInt(req.URL.Query().Get("id"), 10, 64)
	name := strings.TrimSpace(req.URL.Query().Get("name"))
	if err != nil || id <= 0 || name == "" {
		http.Error(w, "want a positive id and a name", http.StatusBadRequest)
		return
	}
	u := kickfake.User{ID: id, Name: name}
	r.KickFake.SignIn(u)
	r.fakeMu.Lock()
	r.fakeSignedIn = u
	r.fakeMu.Unlock()
	http.Redirect(w, req, "/", http.StatusFound)
}

// fakeStart redirects to a new start link, as /kick connect or /link
// would hand out.
func (r *runner) fakeStart(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	p := consent.Connect
	if q.Get("purpose") == "link" {
		p = consent.Link
	}
	link, err := r.Connect.StartURL(p, strings.TrimSpace(q.Get("guild")), strings.TrimSpace(q.Get("user")), time.Now())
	if err != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, err.Error()+"\n(guild and member are Discord ids: digits, no leading zero)\n")
		return
	}
	http.Redirect(w, req, link, http.StatusFound)
}

// printKick writes the banner's Kick lines.
func (r *runner) printKick(w io.Writer) {
	fmt.Fprintf(w, "  Kick OAuth     GET %s%s → Kick → %s%s\n", r.BaseURL, connect.StartPath, r.BaseURL, connect.CallbackPath)
	if r.KickFake == nil {
		fmt.Fprintf(w, "  Kick           the real one; register %s%s as a redirect URL of your Kick app\n", r.BaseURL, connect.CallbackPath)
		return
	}
	fmt.Fprintf(w, "  Kick (fake)    %s, signed in as %s (%d); set KICK_CLIENT_ID for the real Kick\n",
		r.KickFakeURL, fakeStreamer.Name, fakeStreamer.ID)
}

// printClickThrough writes how to click through connect and link.
func (r *runner) printClickThrough(w io.Writer) {
	if r.KickFake == nil {
		return
	}
	g := r.demoGuild()
	fmt.Fprintf(w, "connect and link in a browser (fake Kick):\n")
	fmt.Fprintf(w, "  open %s/ : sign in as a Kick user, then start connect or link for a guild\n", r.KickFakeURL)
	if r.DiscordPrivateKey != "" {
		cmd := fmt.Sprintf("go run ./scripts/replay command -url %s/interactions -guild %s", r.URL, g)
		fmt.Fprintf(w, "  or as Discord would, opening the url of the button in the answer:\n")
		fmt.Fprintf(w, "    %s -admin kick connect\n", cmd)
		fmt.Fprintf(w, "    %s link        (sign in to the fake Kick as a viewer first)\n", cmd)
		fmt.Fprintf(w, "    %s -admin kick status   (the worker answers; the runner logs it)\n", cmd)
	}
}
