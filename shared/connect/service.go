package connect

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/consent"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/subscription"
)

// The paths of the two OAuth routes, under the public base URL.
const (
	// StartPath is where a consent link from Discord lands: it sends the
	// browser on to Kick's consent page.
	StartPath = "/oauth/kick/start"
	// CallbackPath is where Kick sends the browser back: the redirect URL
	// to register with the Kick app.
	CallbackPath = "/oauth/kick/callback"
)

// Kick is Kick's OAuth server and the API calls a connection needs. The
// Kick client's adapter implements it; subscriptions go with the app's
// own token, which can subscribe any channel without the streamer.
// Errors carry a fault kind: fault.Forbidden when Kick refused a grant or
// a token, fault.Transient when a retry may help.
type Kick interface {
	// AuthorizeURL returns the address of Kick's consent page for a.
	AuthorizeURL(a Authorization) string
	// Exchange redeems the authorization code Kick sent to redirectURI,
	// with the PKCE verifier whose challenge the authorization carried.
	Exchange(ctx context.Context, code, verifier, redirectURI string) (credential.Token, error)
	// WhoAmI returns the Kick user accessToken belongs to.
	WhoAmI(ctx context.Context, accessToken string) (User, error)
	// Revoke invalidates a token of the app's; kind says which kind.
	Revoke(ctx context.Context, token string, kind TokenKind) error
	// Subscriptions lists every event subscription of the app, of every
	// channel.
	Subscriptions(ctx context.Context) ([]subscription.Sub, error)
	// Subscribe subscribes the app to events of broadcaster's channel.
	// created lists the subscriptions Kick made, also when err is set.
	Subscribe(ctx context.Context, broadcaster int64, events []subscription.EventVersion) (created []subscription.Sub, err error)
	// Unsubscribe deletes the app's subscriptions with these ids.
	Unsubscribe(ctx context.Context, ids []string) error
}

// Authorization is what a request for Kick's consent carries beside the
// app's client id.
type Authorization struct {
	// RedirectURI is where Kick sends the browser back.
	RedirectURI string
	Scopes      []string
	// State is the sealed consent.State, returned unchanged by Kick.
	State string
	// Challenge is the S256 challenge of the PKCE verifier.
	Challenge string
}

// TokenKind says whether a token is an access or a refresh token.
type TokenKind uint8

// The kinds of token Revoke takes.
const (
	AccessToken TokenKind = iota + 1
	RefreshToken
)

// Store keeps connections, their credentials, consent nonces and account
// links. The DynamoDB adapter implements it.
type Store interface {
	// ClaimNonce marks a consent nonce used until expires, once; a second
	// claim is fault.Conflict.
	ClaimNonce(ctx context.Context, nonce string, expires time.Time) error
	// PutCredentials stores the token pair a streamer just granted,
	// replacing any stored for broadcaster; non-nil scopes replace
	// t.Scopes.
	PutCredentials(ctx context.Context, broadcaster int64, t credential.Token, scopes []string) error
	// Load returns broadcaster's credentials; fault.NotFound when none.
	Load(ctx context.Context, broadcaster int64) (credential.Record, error)
	// DeleteCredentials forgets broadcaster's credentials; none is no
	// error.
	DeleteCredentials(ctx context.Context, broadcaster int64) error
	// ConnectChannel records that broadcaster's channel, named name,
	// feeds guild from at on.
	ConnectChannel(ctx context.Context, guild string, broadcaster int64, name string, at time.Time) error
	// Connection returns the channel guild is connected to;
	// fault.NotFound when none.
	Connection(ctx context.Context, guild string) (broadcaster int64, name string, at time.Time, err error)
	// ReplaceChannel switches guild from the channel prev to
	// broadcaster's, named name, at once, and forgets the guild's stream
	// state, which was prev's.
	ReplaceChannel(ctx context.Context, guild string, prev, broadcaster int64, name string, at time.Time) error
	// Disconnect removes the connection of guild to broadcaster and the
	// guild's stream state; none is no error.
	Disconnect(ctx context.Context, guild string, broadcaster int64) error
	// Guilds returns the guilds connected to broadcaster.
	Guilds(ctx context.Context, broadcaster int64) ([]string, error)
	// Connections lists every connection, complete.
	Connections(ctx context.Context) ([]stream.Connection, error)
	// PendLink records that the Kick account kickUser signed in for
	// guild's member discordUser, until until: the link takes effect only
	// when that member confirms it in Discord (interact's /confirm-link).
	// It replaces the member's earlier pending sign-in.
	PendLink(ctx context.Context, guild, discordUser string, kickUser int64, kickName string, until time.Time) error
}

// PendingLinkLife is how long a Kick sign-in for /link waits for the
// member who asked to confirm it in Discord.
const PendingLinkLife = 15 * time.Minute

// Service runs the Kick side of a guild's setup. Set Store, Kick, Key and
// BaseURL; StartURL needs only Key and BaseURL.
type Service struct {
	Store Store
	Kick  Kick
	// Key signs consent states and derives PKCE verifiers: at least
	// consent.MinKeyLen bytes (see ParseKey).
	Key []byte
	// BaseURL is the bot's public origin, such as
	// https://bot.example.com, from which the start link and the redirect
	// URI are built (see ParseBaseURL).
	BaseURL string
	// Rand is the source of consent nonces; nil is crypto/rand.Reader.
	Rand io.Reader
	// Log receives what goes wrong on the way without failing the
	// request (a revoke that failed, a cleanup left to the hourly
	// repair); nil discards it.
	Log *slog.Logger
}

// ParseKey decodes the state-signing key from its configured form: hex
// (such as the output of `openssl rand -hex 32`), at least
// consent.MinKeyLen bytes. Its errors never quote the key.
func ParseKey(s string) ([]byte, error) {
	k, err := hex.DecodeString(strings.TrimSpace(s))
	switch {
	case err != nil:
		return nil, fault.E(fault.Invalid, "the state-signing key is not hex")
	case len(k) < consent.MinKeyLen:
		return nil, fault.E(fault.Invalid, "the state-signing key has %d bytes, want at least %d (64 hex digits)", len(k), consent.MinKeyLen)
	}
	return k, nil
}

// ParseBaseURL checks the public base URL: an absolute http or https URL
// with a host and no query or fragment. It returns it without a trailing
// slash.
func ParseBaseURL(s string) (string, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fault.E(fault.Invalid, "the public base URL %q is not an http(s) origin such as https://bot.example.com", s)
	}
	return s, nil
}

// Scopes returns the scopes a consent for p asks for, in a new slice.
func Scopes(p consent.Purpose) []string {
	if p == consent.Link {
		return slices.Clone(LinkScopes)
	}
	return slices.Clone(ConnectScopes)
}

// RedirectURI is the callback address Kick sends the browser back to.
func (s *Service) RedirectURI() string { return s.base() + CallbackPath }

func (s *Service) base() string { return strings.TrimRight(s.BaseURL, "/") }

func (s *Service) rand() io.Reader {
	if s.Rand == nil {
		return rand.Reader
	}
	return s.Rand
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// StartURL returns the link that starts a consent for p, asked by user in
// guild at now: the start route with a new sealed state, valid for
// consent.TTL and usable once.
func (s *Service) StartURL(p consent.Purpose, guild, user string, now time.Time) (string, error) {
	if s.base() == "" {
		return "", fault.E(fault.Internal, "the Kick connection has no public base URL")
	}
	st, err := consent.New(p, guild, user, now, s.rand())
	if err != nil {
		return "", err
	}
	token, err := consent.Seal(s.Key, st)
	if err != nil {
		return "", err
	}
	return s.base() + StartPath + "?state=" + token, nil
}

// Authorize answers the start route: it opens state at now and returns
// the address of Kick's consent page, asking for the purpose's scopes
// with the PKCE challenge of the verifier derived from the state's nonce.
// A tampered or expired state is fault.Invalid; nothing is stored.
func (s *Service) Authorize(state string, now time.Time) (string, error) {
	st, err := consent.Open(s.Key, state, now)
	if err != nil {
		return "", err
	}
	verifier, err := consent.Verifier(s.Key, st.Nonce)
	if err != nil {
		return "", err
	}
	return s.Kick.AuthorizeURL(Authorization{
		RedirectURI: s.RedirectURI(),
		Scopes:      Scopes(st.Purpose),
		State:       state,
		Challenge:   consent.Challenge(verifier),
	}), nil
}

// again tells the person how to start over.
func again(p consent.Purpose) string {
	switch p {
	case consent.Connect:
		return "run /kick connect in Discord for a new link"
	case consent.Link:
		return "run /link in Discord for a new link"
	}
	return "run the command in Discord again for a new link"
}

// Callback answers the callback route: Kick sent back state with code,
// or with kickError when the person declined or Kick failed.
//
// The state is opened (tampered or expired: fault.Invalid) and its nonce
// claimed (used before: fault.Conflict) before Kick sees the code; then
// the code is redeemed with the derived verifier and the token's owner
// asked for. A connect stores the streamer's credentials, connects the
// guild to their channel (replacing another channel the guild had) and
// repairs the channel's subscriptions; a link revokes the viewer's token,
// of which nothing is kept, and leaves the sign-in pending until the
// member who asked confirms it in Discord (PendLink): whoever opens a
// forwarded /link URL decides which Kick account signs in, so only the
// asking member's confirmation, which shows them that account, links it.
//
// Outcome says what was done; with an error, it has the purpose and
// guild when the state could be read. Every error's message is fit to
// show to the person, and a kickError stores nothing.
func (s *Service) Callback(ctx context.Context, state, code, kickError string, now time.Time) (Outcome, error) {
	if kickError != "" {
		var out Outcome
		if st, err := consent.Open(s.Key, state, now); err == nil {
			out.Purpose, out.Guild = st.Purpose, st.Guild
		}
		return out, refused(kickError, out.Purpose)
	}
	st, err := consent.Open(s.Key, state, now)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Purpose: st.Purpose, Guild: st.Guild, Member: st.User}
	if code == "" {
		return out, fault.E(fault.Invalid, "Kick sent no authorization code; %s", again(st.Purpose))
	}
	if err := s.Store.ClaimNonce(ctx, st.Nonce, st.Expires); err != nil {
		if fault.Is(err, fault.Conflict) {
			return out, fault.Wrap(fault.Conflict, err, "this link was already used; "+again(st.Purpose))
		}
		return out, err
	}
	verifier, err := consent.Verifier(s.Key, st.Nonce)
	if err != nil {
		return out, err
	}
	tok, err := s.Kick.Exchange(ctx, code, verifier, s.RedirectURI())
	if err != nil {
		return out, kickFailed(err, "Kick did not accept the sign-in", st.Purpose)
	}
	u, err := s.Kick.WhoAmI(ctx, tok.Access)
	if err != nil {
		s.revoke(ctx, tok)
		return out, kickFailed(err, "Kick did not say who signed in", st.Purpose)
	}
	out.Kick = u
	switch st.Purpose {
	case consent.Connect:
		out.Note, err = s.connect(ctx, st, tok, u, now)
	case consent.Link:
		err = s.link(ctx, st, tok, u, now)
		out.Until = now.Add(PendingLinkLife)
	default:
		err = fault.E(fault.Invalid, "unknown consent purpose")
	}
	return out, err
}

// refused is the error for a callback Kick sent with an error code.
func refused(code string, p consent.Purpose) error {
	code = clean(code)
	if code == "access_denied" {
		what := "nothing was changed"
		switch p {
		case consent.Connect:
			what = "no Kick channel was connected"
		case consent.Link:
			what = "no Kick account was linked"
		}
		return fault.E(fault.Forbidden, "you declined on Kick, so %s; to try again, %s", what, again(p))
	}
	return fault.E(fault.Invalid, "Kick did not complete the sign-in (%s), so nothing was changed; %s", code, again(p))
}

// clean keeps an error code Kick sent to what an OAuth error code may
// hold, so a crafted one cannot put text in front of the person.
func clean(code string) string {
	var b strings.Builder
	for _, r := range code {
		if b.Len() >= 40 {
			break
		}
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-' || r == '.' {
			b.WriteRune(r)
		}
	}
	return cmp.Or(b.String(), "unknown error")
}

// kickFailed gives a failed Kick call a message for the person; the
// cause stays in the chain for the logs.
func kickFailed(err error, what string, p consent.Purpose) error {
	switch k := fault.KindOf(err); k {
	case fault.Transient:
		return fault.Wrap(k, err, what+": Kick did not answer in time; "+again(p))
	case fault.Forbidden:
		return fault.Wrap(k, err, what+": Kick refused it; "+again(p))
	default:
		return fault.Wrap(fault.Internal, err, what)
	}
}

// connect stores the streamer's credentials and connects the guild to
// their channel. A failed subscription repair leaves the connection in
// place (the hourly repair finishes it) and returns a note instead.
func (s *Service) connect(ctx context.Context, st consent.State, tok credential.Token, u User, now time.Time) (string, error) {
	prev, _, _, err := s.Store.Connection(ctx, st.Guild)
	if err != nil && !fault.Is(err, fault.NotFound) {
		s.revoke(ctx, tok)
		return "", err
	}
	if err := s.Store.PutCredentials(ctx, u.ID, tok, nil); err != nil {
		s.revoke(ctx, tok)
		return "", err
	}
	if prev != 0 && prev != u.ID {
		// The guild had another channel: it is replaced at once, with the
		// stream state that was the old channel's.
		if err := s.Store.ReplaceChannel(ctx, st.Guild, prev, u.ID, u.Name, now); err != nil {
			return "", err
		}
		if err := s.releaseIfUnused(ctx, prev); err != nil {
			s.log().WarnContext(ctx, "could not release the guild's previous Kick channel; the hourly repair deletes its subscriptions", "broadcaster", prev, "err", err)
		}
	} else if err := s.Store.ConnectChannel(ctx, st.Guild, u.ID, u.Name, now); err != nil {
		return "", err
	}
	if _, _, err := s.Repair(ctx, u.ID); err != nil {
		s.log().WarnContext(ctx, "subscription repair after connecting failed", "guild", st.Guild, "broadcaster", u.ID, "err", err)
		return "Kick did not take every event subscription just now; the bot retries within the hour, and /kick status shows them.", nil
	}
	return "", nil
}

// link links the member to the viewer's Kick account and revokes the
// viewer's token either way.
func (s *Service) link(ctx context.Context, st consent.State, tok credential.Token, u User, now time.Time) error {
	s.revoke(ctx, tok)
	return s.Store.PendLink(ctx, st.Guild, st.User, u.ID, u.Name, now.Add(PendingLinkLife))
}

// revoke revokes both halves of tok, logging failures: it serves tokens
// the bot does not keep.
func (s *Service) revoke(ctx context.Context, tok credential.Token) {
	if err := s.revokeToken(ctx, tok); err != nil {
		s.log().WarnContext(ctx, "could not revoke a Kick token the bot does not keep", "err", err)
	}
}

func (s *Service) revokeToken(ctx context.Context, tok credential.Token) error {
	var errs []error
	if tok.Access != "" {
		errs = append(errs, s.Kick.Revoke(ctx, tok.Access, AccessToken))
	}
	if tok.Refresh != "" {
		errs = append(errs, s.Kick.Revoke(ctx, tok.Refresh, RefreshToken))
	}
	return errors.Join(errs...)
}

// Repair makes broadcaster's subscriptions exactly subscription.Wanted():
// it lists the app's subscriptions, creates the missing and deletes
// duplicates and unwanted ones. It returns how many it created and
// deleted, also with an error.
func (s *Service) Repair(ctx context.Context, broadcaster int64) (created, removed int, err error) {
	if broadcaster <= 0 {
		return 0, 0, fault.E(fault.Invalid, "repairing subscriptions needs a broadcaster id")
	}
	have, err := s.Kick.Subscriptions(ctx)
	if err != nil {
		return 0, 0, fault.Wrap(fault.KindOf(err), err, "could not list the Kick event subscriptions")
	}
	return s.apply(ctx, broadcaster, have)
}

// apply carries out subscription.Plan for broadcaster against have.
func (s *Service) apply(ctx context.Context, broadcaster int64, have []subscription.Sub) (created, removed int, err error) {
	create, remove := subscription.Plan(broadcaster, subscription.Wanted(), have)
	var errs []error
	if len(create) > 0 {
		made, err := s.Kick.Subscribe(ctx, broadcaster, create)
		created = len(made)
		errs = append(errs, err)
	}
	if len(remove) > 0 {
		if err := s.Kick.Unsubscribe(ctx, remove); err != nil {
			errs = append(errs, err)
		} else {
			removed = len(remove)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return created, removed, fault.Wrap(fault.KindOf(err), err, fmt.Sprintf("could not repair the event subscriptions of Kick channel %d", broadcaster))
	}
	return created, removed, nil
}

// Report is what RepairAll did.
type Report struct {
	// Channels is how many connected channels were repaired.
	Channels int
	// Created and Removed count the subscriptions created and the
	// duplicate or unwanted ones deleted, over all channels.
	Created, Removed int
	// Orphans counts the deleted subscriptions of channels no guild is
	// connected to.
	Orphans int
	// Failed lists the channels whose repair failed, ascending.
	Failed []int64
}

// RepairAll repairs the subscriptions of every connected channel, as
// Repair does, from one listing of the app's subscriptions, and deletes
// the subscriptions of channels no guild is connected to. Orphans are
// judged only against the complete list of connections, and each orphan
// channel is checked again in the table, so that a channel connected
// since the listing keeps its new subscriptions. One channel's failure
// does not stop the others; the error then joins every failure.
func (s *Service) RepairAll(ctx context.Context) (Report, error) {
	conns, err := s.Store.Connections(ctx)
	if err != nil {
		return Report{}, err
	}
	have, err := s.Kick.Subscriptions(ctx)
	if err != nil {
		return Report{}, fault.Wrap(fault.KindOf(err), err, "could not list the Kick event subscriptions")
	}
	connected := map[int64]bool{}
	for _, c := range conns {
		connected[c.Broadcaster] = true
	}
	var rep Report
	var errs []error
	failed := func(b int64, err error) {
		rep.Failed = append(rep.Failed, b)
		errs = append(errs, err)
	}
	broadcasters := slices.Sorted(maps.Keys(connected))
	for _, b := range broadcasters {
		c, r, err := s.apply(ctx, b, have)
		rep.Channels++
		rep.Created += c
		rep.Removed += r
		if err != nil {
			failed(b, err)
		}
	}

	owner := make(map[string]int64, len(have))
	for _, sub := range have {
		owner[sub.ID] = sub.Broadcaster
	}
	orphans := map[int64][]string{}
	for _, id := range subscription.Orphans(broadcasters, have) {
		orphans[owner[id]] = append(orphans[owner[id]], id)
	}
	var remove []string
	for _, b := range slices.Sorted(maps.Keys(orphans)) {
		guilds, err := s.Store.Guilds(ctx, b)
		switch {
		case err != nil:
			failed(b, err)
		case len(guilds) == 0:
			remove = append(remove, orphans[b]...)
		}
	}
	if len(remove) > 0 {
		if err := s.Kick.Unsubscribe(ctx, remove); err != nil {
			errs = append(errs, fault.Wrap(fault.KindOf(err), err, "could not delete the subscriptions of disconnected Kick channels"))
		} else {
			rep.Orphans = len(remove)
		}
	}
	slices.Sort(rep.Failed)
	rep.Failed = slices.Compact(rep.Failed)
	if err := errors.Join(errs...); err != nil {
		return rep, fault.Wrap(fault.KindOf(err), err, fmt.Sprintf("repairing Kick event subscriptions failed for %d channels", len(rep.Failed)))
	}
	return rep, nil
}

// Status reports guild's connection: the channel, the stored login's
// health and each wanted subscription as Kick lists it. A guild without a
// connection has a zero Status and no error. A connection without stored
// credentials (made before logins were kept) reports NeedsReauth.
func (s *Service) Status(ctx context.Context, guild string) (Status, error) {
	b, name, at, err := s.Store.Connection(ctx, guild)
	if fault.Is(err, fault.NotFound) {
		return Status{}, nil
	}
	if err != nil {
		return Status{}, err
	}
	st := Status{Connected: true, Channel: User{ID: b, Name: name}, ConnectedAt: at}
	rec, err := s.Store.Load(ctx, b)
	switch {
	case fault.Is(err, fault.NotFound):
		st.NeedsReauth = true
	case err != nil:
		return Status{}, err
	default:
		st.TokenExpiry, st.Scopes, st.NeedsReauth = rec.Expiry, slices.Clone(rec.Scopes), rec.NeedsReauth
	}
	have, err := s.Kick.Subscriptions(ctx)
	if err != nil {
		return Status{}, fault.Wrap(fault.KindOf(err), err, "could not list the Kick event subscriptions; try again")
	}
	st.Subscriptions = Subscriptions(b, have)
	return st, nil
}

// Subscriptions returns, for each wanted event in the order of
// subscription.Wanted, the ids of broadcaster's subscriptions to it in
// have, ascending.
func Subscriptions(broadcaster int64, have []subscription.Sub) []Subscription {
	var out []Subscription
	for _, w := range subscription.Wanted() {
		s := Subscription{Event: w.Event, Version: w.Version}
		for _, h := range have {
			if h.Broadcaster == broadcaster && h.Key() == w && h.ID != "" {
				s.IDs = append(s.IDs, h.ID)
			}
		}
		slices.Sort(s.IDs)
		s.IDs = slices.Compact(s.IDs)
		out = append(out, s)
	}
	return out
}

// Disconnect ends guild's connection: fault.NotFound when it has none.
// When no other guild is connected to the same channel, the channel's
// subscriptions are deleted and the streamer's tokens revoked and
// forgotten first, so that a failure there leaves the connection for a
// retry; then the guild's connection is removed.
func (s *Service) Disconnect(ctx context.Context, guild string) error {
	b, _, _, err := s.Store.Connection(ctx, guild)
	if fault.Is(err, fault.NotFound) {
		return fault.Wrap(fault.NotFound, err, "this server is not connected to a Kick channel")
	}
	if err != nil {
		return err
	}
	guilds, err := s.Store.Guilds(ctx, b)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(guilds, func(g string) bool { return g != guild }) {
		if err := s.release(ctx, b); err != nil {
			return err
		}
	}
	return s.Store.Disconnect(ctx, guild, b)
}

// releaseIfUnused releases broadcaster when no guild is connected to it.
func (s *Service) releaseIfUnused(ctx context.Context, broadcaster int64) error {
	guilds, err := s.Store.Guilds(ctx, broadcaster)
	if err != nil || len(guilds) > 0 {
		return err
	}
	return s.release(ctx, broadcaster)
}

// release deletes broadcaster's subscriptions and revokes and forgets its
// credentials. A token Kick no longer knows is no failure; Kick not
// answering is.
func (s *Service) release(ctx context.Context, broadcaster int64) error {
	have, err := s.Kick.Subscriptions(ctx)
	if err != nil {
		return fault.Wrap(fault.KindOf(err), err, "could not list the Kick event subscriptions; try again")
	}
	var ids []string
	for _, sub := range have {
		if sub.Broadcaster == broadcaster && sub.ID != "" {
			ids = append(ids, sub.ID)
		}
	}
	if len(ids) > 0 {
		if err := s.Kick.Unsubscribe(ctx, ids); err != nil {
			return fault.Wrap(fault.KindOf(err), err, "could not delete the channel's Kick event subscriptions; try again")
		}
	}
	rec, err := s.Store.Load(ctx, broadcaster)
	switch {
	case fault.Is(err, fault.NotFound):
		return nil
	case err != nil:
		return err
	}
	if err := s.revokeToken(ctx, rec.Token); err != nil {
		if fault.Is(err, fault.Transient) {
			return fault.Wrap(fault.Transient, err, "Kick did not answer when the bot revoked its login; try again")
		}
		s.log().WarnContext(ctx, "Kick refused to revoke a token; forgetting it anyway", "broadcaster", broadcaster, "err", err)
	}
	return s.Store.DeleteCredentials(ctx, broadcaster)
}
