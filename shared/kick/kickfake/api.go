package kickfake

import (
	"cmp"
	"encoding/json"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// knownEvents are the event names Kick delivers, all at version 1
// (kick-api.md §5); a subscription to any other is refused in its entry.
var knownEvents = []string{
	"chat.message.sent", "channel.followed", "channel.subscription.new",
	"channel.subscription.renewal", "channel.subscription.gifts",
	"channel.reward.redemption.updated", "livestream.status.updated",
	"livestream.metadata.updated", "moderation.banned", "kicks.gifted",
}

// maxChat is the most characters Kick takes in a chat message.
const maxChat = 500

// maxIDs is the most ids or slugs one channels request may carry.
const maxIDs = 50

// isApp reports whether g is the app's own grant, which has no user.
func (g grant) isApp() bool { return g.user.ID == 0 }

// bearer returns the grant of the live access token r carries. Otherwise
// it answers 401 and records why. s.mu is held.
func (s *Server) bearer(w http.ResponseWriter, r *http.Request) (grant, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	a, known := s.access[tok]
	switch {
	case !ok || tok == "":
		s.fail(r, "no bearer token")
	case !known:
		s.fail(r, "unknown or revoked access token")
	case !s.now().Before(a.expires):
		delete(s.access, tok)
		s.fail(r, "expired access token")
	default:
		return a.grant, true
	}
	apiError(w, http.StatusUnauthorized, "Unauthorized")
	return grant{}, false
}

// scoped is bearer for a route that takes an app token, or a user token
// with scope. A user token without it is answered 403.
func (s *Server) scoped(w http.ResponseWriter, r *http.Request, scope string) (grant, bool) {
	g, ok := s.bearer(w, r)
	if ok && !g.isApp() && !g.has(scope) {
		s.fail(r, "the user token lacks the %s scope", scope)
		apiError(w, http.StatusForbidden, "Forbidden")
		return grant{}, false
	}
	return g, ok
}

// decodeJSON decodes r's JSON body into v, or answers 400 and records why.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		s.fail(r, "Content-Type %q, want application/json", r.Header.Get("Content-Type"))
		apiError(w, http.StatusBadRequest, "Bad request")
		return false
	}
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		s.fail(r, "body is not the expected JSON: %v", err)
		apiError(w, http.StatusBadRequest, "Bad request")
		return false
	}
	return true
}

// badRequest answers 400 with message and records why.
func (s *Server) badRequest(w http.ResponseWriter, r *http.Request, message string) {
	s.fail(r, "%s", message)
	apiError(w, http.StatusBadRequest, message)
}

type wireUser struct {
	UserID         int64  `json:"user_id"`
	Name           string `json:"name"`
	Email          string `json:"email"`
	ProfilePicture string `json:"profile_picture"`
}

// whoIs answers GET /public/v1/users: the users with these ids that the
// fake knows, or without ids the token's user.
func (s *Server) whoIs(w http.ResponseWriter, r *http.Request) {
	g, ok := s.scoped(w, r, "user:read")
	if !ok {
		return
	}
	ids, ok := s.ids(w, r, "id")
	if !ok {
		return
	}
	if len(ids) == 0 {
		if g.isApp() {
			s.badRequest(w, r, "an app token has no user: name users by id")
			return
		}
		ids = []int64{g.user.ID}
	}
	data := []wireUser{}
	for _, id := range ids {
		if u, ok := s.users[id]; ok {
			data = append(data, wireUser{UserID: u.ID, Name: u.Name})
		}
	}
	writeData(w, data)
}

// ids parses the repeated integer query parameter name. s.mu is held.
func (s *Server) ids(w http.ResponseWriter, r *http.Request, name string) ([]int64, bool) {
	var out []int64
	for _, v := range r.URL.Query()[name] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			s.badRequest(w, r, name+" "+strconv.Quote(v)+" is not a user id")
			return nil, false
		}
		out = append(out, id)
	}
	return out, true
}

type wireSubscription struct {
	ID                string    `json:"id"`
	AppID             string    `json:"app_id"`
	BroadcasterUserID int64     `json:"broadcaster_user_id"`
	Event             string    `json:"event"`
	Method            string    `json:"method"`
	Version           int       `json:"version"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// listSubscriptions answers GET /public/v1/events/subscriptions with all of
// the app's subscriptions, or those of broadcaster_user_id.
func (s *Server) listSubscriptions(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.scoped(w, r, "events:subscribe"); !ok {
		return
	}
	only, ok := s.ids(w, r, "broadcaster_user_id")
	if !ok {
		return
	}
	data := []wireSubscription{}
	for _, sub := range s.subs {
		if len(only) == 0 || slices.Contains(only, sub.BroadcasterUserID) {
			data = append(data, wireSubscription{
				ID: sub.ID, AppID: s.ClientID, BroadcasterUserID: sub.BroadcasterUserID,
				Event: sub.Event, Method: "webhook", Version: sub.Version,
				CreatedAt: sub.CreatedAt, UpdatedAt: sub.CreatedAt,
			})
		}
	}
	writeData(w, data)
}

// subscribe answers POST /public/v1/events/subscriptions. A user token
// subscribes its owner's channel whatever broadcaster_user_id says; an
// app token must name one. Each event is answered on its own, and an
// event subscribed twice has two subscriptions, as on Kick.
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	g, ok := s.scoped(w, r, "events:subscribe")
	if !ok {
		return
	}
	var body struct {
		BroadcasterUserID int64  `json:"broadcaster_user_id"`
		Method            string `json:"method"`
		Events            []struct {
			Name    string `json:"name"`
			Version int    `json:"version"`
		} `json:"events"`
	}
	if !s.decodeJSON(w, r, &body) {
		return
	}
	if len(body.Events) == 0 {
		// Kick's answer to the old flat body ({"event", "callback_url"}).
		s.fail(r, "no events: Kick answers 200 with no data and subscribes nothing")
		writeData(w, []any{})
		return
	}
	broadcaster := body.BroadcasterUserID
	switch {
	case body.Method != "webhook":
		s.badRequest(w, r, "method "+strconv.Quote(body.Method)+", want webhook")
		return
	case !g.isApp():
		broadcaster = g.user.ID
	case broadcaster < 1:
		s.badRequest(w, r, "broadcaster_user_id is required for app tokens")
		return
	}
	type entry struct {
		Name           string `json:"name"`
		Version        int    `json:"version"`
		SubscriptionID string `json:"subscription_id"`
		Error          string `json:"error"`
	}
	data := []entry{}
	for _, e := range body.Events {
		if !slices.Contains(knownEvents, e.Name) || e.Version != 1 {
			s.fail(r, "event %q version %d does not exist", e.Name, e.Version)
			data = append(data, entry{Name: e.Name, Version: e.Version, Error: "invalid event"})
			continue
		}
		sub := Subscription{ID: s.ulid(), BroadcasterUserID: broadcaster, Event: e.Name, Version: e.Version, CreatedAt: s.now().UTC()}
		s.subs = append(s.subs, sub)
		data = append(data, entry{Name: e.Name, Version: e.Version, SubscriptionID: sub.ID})
	}
	writeData(w, data)
}

// unsubscribe answers DELETE /public/v1/events/subscriptions?id=…&id=….
// Ids the fake does not hold are ignored.
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.scoped(w, r, "events:subscribe"); !ok {
		return
	}
	ids := r.URL.Query()["id"]
	if len(ids) == 0 {
		s.badRequest(w, r, "no id")
		return
	}
	s.subs = slices.DeleteFunc(s.subs, func(sub Subscription) bool { return slices.Contains(ids, sub.ID) })
	w.WriteHeader(http.StatusNoContent)
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// chat answers POST /public/v1/chat, which takes only a user token with
// chat:write. "bot" posts in the token owner's channel, "user" in
// broadcaster_user_id's.
func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	g, ok := s.bearer(w, r)
	if !ok {
		return
	}
	if g.isApp() || !g.has("chat:write") {
		s.fail(r, "sending chat needs a user token with the chat:write scope")
		apiError(w, http.StatusForbidden, "Forbidden")
		return
	}
	var body struct {
		Type              string `json:"type"`
		Content           string `json:"content"`
		BroadcasterUserID int64  `json:"broadcaster_user_id"`
		ReplyTo           string `json:"reply_to_message_id"`
	}
	if !s.decodeJSON(w, r, &body) {
		return
	}
	m := Message{Type: body.Type, SenderUserID: g.user.ID, Content: body.Content, ReplyTo: body.ReplyTo}
	switch body.Type {
	case "bot":
		m.BroadcasterUserID = g.user.ID
	case "user":
		m.BroadcasterUserID = body.BroadcasterUserID
	}
	switch n := utf8.RuneCountInString(body.Content); {
	case body.Type != "bot" && body.Type != "user":
		s.badRequest(w, r, "type "+strconv.Quote(body.Type)+", want user or bot")
	case m.BroadcasterUserID < 1:
		s.badRequest(w, r, "broadcaster_user_id is required for type user")
	case strings.TrimSpace(body.Content) == "":
		s.badRequest(w, r, "content is empty")
	case n > maxChat:
		s.badRequest(w, r, "content has "+strconv.Itoa(n)+" characters, more than 500")
	case body.ReplyTo != "" && !uuidPattern.MatchString(body.ReplyTo):
		s.badRequest(w, r, "reply_to_message_id is not a UUID")
	default:
		m.ID = uuid()
		s.messages = append(s.messages, m)
		writeData(w, map[string]any{"is_sent": true, "message_id": m.ID})
	}
}

// channelsOf answers GET /public/v1/channels by broadcaster_user_id or by
// slug (never both, at most 50), or without either the token owner's
// channel. Channels the fake does not know are left out.
func (s *Server) channelsOf(w http.ResponseWriter, r *http.Request) {
	g, ok := s.scoped(w, r, "channel:read")
	if !ok {
		return
	}
	ids, ok := s.ids(w, r, "broadcaster_user_id")
	if !ok {
		return
	}
	slugs := r.URL.Query()["slug"]
	switch {
	case len(ids) > 0 && len(slugs) > 0:
		s.badRequest(w, r, "broadcaster_user_id and slug together")
		return
	case len(ids) > maxIDs || len(slugs) > maxIDs:
		s.badRequest(w, r, "more than 50 broadcaster_user_id or slug")
		return
	case len(ids) == 0 && len(slugs) == 0:
		if g.isApp() {
			s.badRequest(w, r, "an app token has no channel: name broadcasters")
			return
		}
		ids = []int64{g.user.ID}
	}
	var known []Channel
	for id, u := range s.users {
		if _, set := s.channels[id]; !set {
			known = append(known, Channel{BroadcasterUserID: id, Slug: strings.ToLower(u.Name)})
		}
	}
	for _, ch := range s.channels {
		known = append(known, ch)
	}
	type category struct {
		ID        int64  `json:"id"`
		Name      string `json:"name"`
		Thumbnail string `json:"thumbnail"`
	}
	type stream struct {
		IsLive      bool   `json:"is_live"`
		ViewerCount int64  `json:"viewer_count"`
		StartTime   string `json:"start_time"`
		Thumbnail   string `json:"thumbnail"`
	}
	type item struct {
		BroadcasterUserID int64    `json:"broadcaster_user_id"`
		Slug              string   `json:"slug"`
		StreamTitle       string   `json:"stream_title"`
		Category          category `json:"category"`
		Stream            stream   `json:"stream"`
	}
	data := []item{}
	for _, ch := range known {
		if len(ids) > 0 && !slices.Contains(ids, ch.BroadcasterUserID) || len(slugs) > 0 && !slices.Contains(slugs, ch.Slug) {
			continue
		}
		data = append(data, item{
			BroadcasterUserID: ch.BroadcasterUserID, Slug: ch.Slug, StreamTitle: ch.Title,
			Category: category{ID: ch.CategoryID, Name: ch.CategoryName},
			// Kick gives offline channels the zero time.
			Stream: stream{IsLive: ch.Live, ViewerCount: ch.ViewerCount, StartTime: ch.StartedAt.UTC().Format(time.RFC3339), Thumbnail: ch.Thumbnail},
		})
	}
	slices.SortFunc(data, func(a, b item) int { return cmp.Compare(a.BroadcasterUserID, b.BroadcasterUserID) })
	writeData(w, data)
}
