// Package oauthweb serves the browser's side of Kick's consent: the start
// route, which sends a person from a Discord button on to Kick's consent
// page, and the callback route, where Kick sends them back and a small
// page says what was connected or linked, or what went wrong and what to
// do. The OAuth Lambda function serves it through lambdahttp, and the
// local runner on a socket, so both run the same code.
//
// Pages are plain HTML with everything escaped, never cached, never sent
// as a referrer (the callback's URL holds the code and the state), and
// show only user-safe error messages; internal causes go to the log,
// which never receives a state, a code or a token.
package oauthweb

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/consent"
	"github.com/kickbot/kickbot/shared/fault"
)

// Flow is the consent flow the routes drive; *connect.Service is one.
type Flow interface {
	// Authorize returns the address of Kick's consent page for a sealed
	// state; a bad or expired state is fault.Invalid.
	Authorize(state string, now time.Time) (kickURL string, err error)
	// Callback completes a consent with what Kick sent back; its error
	// messages are fit to show.
	Callback(ctx context.Context, state, code, kickError string, now time.Time) (connect.Outcome, error)
}

// Handler serves connect.StartPath and connect.CallbackPath.
type Handler struct {
	flow Flow
	log  *slog.Logger
	now  func() time.Time
}

// New returns a Handler for flow. A nil flow serves a page saying that
// the Kick connection is not set up (503), for a bot deployed without a
// Kick app. A nil log discards; a nil now is time.Now.
func New(flow Flow, log *slog.Logger, now func() time.Time) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Handler{flow: flow, log: log, now: now}
}

// ServeHTTP serves both routes by the end of the path (a stage or base
// path may come before it); any other path is 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case strings.HasSuffix(p, connect.StartPath):
		h.start(w, r)
	case strings.HasSuffix(p, connect.CallbackPath):
		h.callback(w, r)
	default:
		h.page(w, http.StatusNotFound, page{Title: "Not found", Message: "There is nothing here."})
	}
}

// Start serves the start route whatever the request's path, for a mux
// that routes by pattern.
func (h *Handler) Start() http.Handler { return http.HandlerFunc(h.start) }

// Callback serves the callback route whatever the request's path.
func (h *Handler) Callback() http.Handler { return http.HandlerFunc(h.callback) }

// notSetUp is the page of a Handler without a flow.
var notSetUp = page{
	Title:   "Kick is not set up",
	Message: "The bot's operator has not set up the Kick connection yet, so nothing can be connected or linked.",
}

func (h *Handler) start(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.methodNotAllowed(w, "GET, HEAD")
		return
	}
	if h.flow == nil {
		h.page(w, http.StatusServiceUnavailable, notSetUp)
		return
	}
	kickURL, err := h.flow.Authorize(r.URL.Query().Get("state"), h.now())
	if err != nil {
		h.failed(w, r, "start", err, 0)
		return
	}
	secure(w.Header())
	http.Redirect(w, r, kickURL, http.StatusFound)
}

func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	// Only GET: a HEAD (a link checker) must not spend the consent.
	if r.Method != http.MethodGet {
		h.methodNotAllowed(w, "GET")
		return
	}
	if h.flow == nil {
		h.page(w, http.StatusServiceUnavailable, notSetUp)
		return
	}
	q := r.URL.Query()
	out, err := h.flow.Callback(r.Context(), q.Get("state"), q.Get("code"), q.Get("error"), h.now())
	if err != nil {
		h.failed(w, r, "callback", err, out.Purpose)
		return
	}
	h.log.InfoContext(r.Context(), "kick consent completed", "purpose", out.Purpose.String(), "guild", out.Guild, "kick_user", out.Kick.ID)
	h.page(w, http.StatusOK, success(out))
}

// success is the page of a completed consent. It names both sides: the
// Kick account that signed in, and the Discord server and member who
// asked (by id: this function does not call Discord), so that a person
// who opened someone else's link sees whose it is.
func success(out connect.Outcome) page {
	p := page{OK: true, Name: out.Kick.Name, Note: out.Note}
	if p.Name == "" {
		p.Name = "your Kick account"
	}
	asked := fmt.Sprintf("Discord member %s of the Discord server %s", out.Member, out.Guild)
	switch out.Purpose {
	case consent.Link:
		p.Title = "Confirm the link in Discord"
		p.Before = "The Kick account "
		p.After = " signed in for " + asked + ". Nothing is linked yet, and the bot kept no access to the Kick account."
		p.Note = fmt.Sprintf("Only that member can link it: in that server they run /confirm-link within %d minutes, which shows them this Kick account's name. "+
			"If you did not run /link yourself, someone sent you their link: close this tab, and tell them or a moderator.",
			int(connect.PendingLinkLife/time.Minute))
		p.Next = "You can close this tab."
	default:
		p.Title = "Kick channel connected"
		p.Before = "The Discord server " + out.Guild + " is now connected to the Kick channel "
		p.After = ", at the request of Discord member " + out.Member + ". The bot receives the channel's chat and events from now on."
		p.Next = "You can close this tab. In Discord, /kick status shows the connection and its event subscriptions."
	}
	return p
}

// failed answers a refused or failed request with a page that says what
// to do, and logs it: internal and transient failures with their cause.
func (h *Handler) failed(w http.ResponseWriter, r *http.Request, route string, err error, purpose consent.Purpose) {
	kind := fault.KindOf(err)
	p := page{Title: "That did not work", Message: sentence(fault.Message(err))}
	switch purpose {
	case consent.Connect:
		p.Title = "The Kick channel was not connected"
	case consent.Link:
		p.Title = "The Kick account was not linked"
	}
	switch kind {
	case fault.Internal:
		p.Message = "Something went wrong on the bot's side."
		p.Next = "Go back to Discord and run " + command(purpose) + " again for a new link. If it keeps failing, tell the bot's operator."
		h.log.ErrorContext(r.Context(), "kick consent failed", "route", route, "purpose", purpose.String(), "err", err)
	case fault.Transient:
		h.log.WarnContext(r.Context(), "kick consent failed", "route", route, "purpose", purpose.String(), "kind", kind.String(), "err", err)
	default:
		h.log.InfoContext(r.Context(), "kick consent refused", "route", route, "purpose", purpose.String(), "kind", kind.String(), "reason", fault.Message(err))
	}
	if p.Next == "" && purpose == 0 {
		p.Next = "Go back to Discord and run /kick connect or /link for a new link."
	}
	if p.Next == "" {
		p.Next = "You can close this tab."
	}
	h.page(w, status(kind), p)
}

func command(p consent.Purpose) string {
	switch p {
	case consent.Connect:
		return "/kick connect"
	case consent.Link:
		return "/link"
	}
	return "/kick connect or /link"
}

// status is the HTTP status of an error of kind k.
func status(k fault.Kind) int {
	switch k {
	case fault.Invalid:
		return http.StatusBadRequest
	case fault.NotFound:
		return http.StatusNotFound
	case fault.Conflict:
		return http.StatusConflict
	case fault.Forbidden:
		return http.StatusForbidden
	case fault.Transient:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// sentence capitalises msg and ends it with a full stop.
func sentence(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return msg
	}
	r, n := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[n:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

func (h *Handler) methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	h.page(w, http.StatusMethodNotAllowed, page{Title: "Method not allowed", Message: "Open this link in a browser."})
}

// page is what a page shows. Before, Name and After make its lead
// sentence, with Name in bold; Message replaces them on failure.
type page struct {
	OK                  bool
	Title               string
	Before, Name, After string
	Message             string
	Note                string
	Next                string
}

var pageHTML = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}} · kickbot</title>
<style>
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:34rem;margin:4rem auto;padding:0 1.25rem;color:#1f2328;background:#fff}
h1{font-size:1.35rem;margin:0 0 1rem}
.ok h1{color:#1a7f37}.err h1{color:#b42318}
.note{background:#fff8c5;padding:.6rem .8rem;border-radius:6px}
.next{color:#59636e}
</style>
<body class="{{if .OK}}ok{{else}}err{{end}}">
<h1>{{.Title}}</h1>
{{if .Message}}<p>{{.Message}}</p>{{else}}<p>{{.Before}}<strong>{{.Name}}</strong>{{.After}}</p>{{end}}
{{with .Note}}<p class="note">{{.}}</p>{{end}}
{{with .Next}}<p class="next">{{.}}</p>{{end}}
</body>
</html>
`))

// page writes p with status.
func (h *Handler) page(w http.ResponseWriter, status int, p page) {
	hdr := w.Header()
	secure(hdr)
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	if err := pageHTML.Execute(w, p); err != nil {
		h.log.Error("render oauth page", "err", err)
	}
}

// secure sets the headers every answer carries: never cached, never a
// referrer (the callback's URL holds the code and the state).
func secure(hdr http.Header) {
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Referrer-Policy", "no-referrer")
}
