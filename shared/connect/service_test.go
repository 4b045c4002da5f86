package connect_test

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/consent"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/subscription"
)

var (
	t0       = time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)
	key      = []byte("0123456789abcdef0123456789abcdef")
	streamer = connect.User{ID: 4402117, Name: "northwind"}
	viewer   = connect.User{ID: 51234077, Name: "pixelpanda"}
	chat     = subscription.EventVersion{Event: "chat.message.sent", Version: 1}
	live     = subscription.EventVersion{Event: "livestream.status.updated", Version: 1}
)

const (
	guild  = "111111111111111111"
	admin  = "222222222222222222"
	member = "333333333333333333"
	other  = "444444444444444444"
)

func newService(k *memKick, s *memStore) *connect.Service {
	return &connect.Service{Store: s, Kick: k, Key: key, BaseURL: "https://bot.example/"}
}

// startState returns the state of a new start link.
func startState(t *testing.T, svc *connect.Service, p consent.Purpose, guild, user string) string {
	t.Helper()
	link, err := svc.StartURL(p, guild, user, t0)
	if err != nil {
		t.Fatalf("StartURL: %v", err)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("state")
}

// authorize plays the browser up to Kick's consent and returns the code
// Kick sends back.
func authorize(t *testing.T, svc *connect.Service, state string) string {
	t.Helper()
	kickURL, err := svc.Authorize(state, t0.Add(time.Minute))
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	u, err := url.Parse(kickURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("code")
}

func wantKind(t *testing.T, what string, err error, k fault.Kind) {
	t.Helper()
	if !fault.Is(err, k) {
		t.Errorf("%s = %v (kind %v), want %v", what, err, fault.KindOf(err), k)
	}
}

func TestStartURL(t *testing.T) {
	svc := newService(newMemKick(streamer), newMemStore())
	link, err := svc.StartURL(consent.Connect, guild, admin, t0)
	if err != nil {
		t.Fatal(err)
	}
	prefix := "https://bot.example/oauth/kick/start?state="
	if !strings.HasPrefix(link, prefix) {
		t.Fatalf("StartURL = %q, want it to start with %q", link, prefix)
	}
	st, err := consent.Open(key, strings.TrimPrefix(link, prefix), t0)
	if err != nil {
		t.Fatalf("Open(state of the link): %v", err)
	}
	if st.Purpose != consent.Connect || st.Guild != guild || st.User != admin || !st.Expires.Equal(t0.Add(consent.TTL)) {
		t.Errorf("state = %+v, want connect by %s in %s, expiring %v", st, admin, guild, t0.Add(consent.TTL))
	}

	tests := []struct {
		name    string
		svc     connect.Service
		purpose consent.Purpose
		guild   string
		want    fault.Kind
	}{
		{"guild not a Discord id", *svc, consent.Link, "guild-1", fault.Invalid},
		{"unknown purpose", *svc, 9, guild, fault.Invalid},
		{"no base URL", connect.Service{Key: key}, consent.Link, guild, fault.Internal},
		{"short key", connect.Service{Key: key[:31], BaseURL: "https://bot.example"}, consent.Link, guild, fault.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.svc.StartURL(tt.purpose, tt.guild, member, t0)
			if !fault.Is(err, tt.want) || got != "" {
				t.Errorf("StartURL = %q, %v (kind %v); want no link and kind %v", got, err, fault.KindOf(err), tt.want)
			}
		})
	}
}

func TestAuthorize(t *testing.T) {
	tests := []struct {
		purpose consent.Purpose
		scopes  string
	}{
		{consent.Connect, "user:read channel:read chat:write events:subscribe"},
		{consent.Link, "user:read"},
	}
	for _, tt := range tests {
		t.Run(tt.purpose.String(), func(t *testing.T) {
			k := newMemKick(streamer)
			svc := newService(k, newMemStore())
			state := startState(t, svc, tt.purpose, guild, member)
			code := authorize(t, svc, state)
			got := k.codes[code]
			st, _ := consent.Open(key, state, t0)
			verifier, _ := consent.Verifier(key, st.Nonce)
			want := connect.Authorization{
				RedirectURI: "https://bot.example/oauth/kick/callback",
				Scopes:      strings.Fields(tt.scopes),
				State:       state,
				Challenge:   consent.Challenge(verifier),
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("authorization (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuthorizeRefusesBadState(t *testing.T) {
	svc := newService(newMemKick(streamer), newMemStore())
	state := startState(t, svc, consent.Connect, guild, admin)
	otherKey := &connect.Service{Key: []byte("another key, also thirty-two by."), BaseURL: "https://bot.example"}
	foreign := startState(t, otherKey, consent.Connect, guild, admin)
	tests := []struct {
		name    string
		state   string
		now     time.Time
		expired bool
	}{
		{"tampered", state[:10] + flip(state[10]) + state[11:], t0, false},
		{"signed with another key", foreign, t0, false},
		{"empty", "", t0, false},
		{"expired", state, t0.Add(consent.TTL), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := svc.Authorize(tt.state, tt.now)
			wantKind(t, "Authorize", err, fault.Invalid)
			if got != "" {
				t.Errorf("Authorize = %q, want no Kick URL", got)
			}
			if errors.Is(err, consent.ErrExpired) != tt.expired {
				t.Errorf("Authorize error %v: expired %v, want %v", err, errors.Is(err, consent.ErrExpired), tt.expired)
			}
		})
	}
}

// flip returns another base64url character than c.
func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func TestCallbackConnect(t *testing.T) {
	k, s := newMemKick(streamer), newMemStore()
	svc := newService(k, s)
	state := startState(t, svc, consent.Connect, guild, admin)
	code := authorize(t, svc, state)

	out, err := svc.Callback(t.Context(), state, code, "", t0.Add(2*time.Minute))
	if err != nil {
		t.Fatalf("Callback: %v", err)
	}
	if want := (connect.Outcome{Purpose: consent.Connect, Guild: guild, Member: admin, Kick: streamer}); out != want {
		t.Errorf("Callback = %+v, want %+v", out, want)
	}
	rec := s.creds[streamer.ID]
	if rec.Access == "" || rec.Refresh == "" || !rec.Expiry.Equal(t0.Add(2*time.Hour)) ||
		!slices.Equal(rec.Scopes, connect.ConnectScopes) || rec.Version != 1 {
		t.Errorf("stored credentials = %v, want the token pair, its expiry and the connect scopes", rec)
	}
	if got, want := s.conns[guild], (conn{streamer.ID, streamer.Name, t0.Add(2 * time.Minute)}); got != want {
		t.Errorf("connection = %+v, want %+v", got, want)
	}
	if diff := cmp.Diff(wanted(), k.of(streamer.ID)); diff != "" {
		t.Errorf("subscriptions (-want +got):\n%s", diff)
	}
	if len(k.revoked) != 0 || len(k.problems) != 0 {
		t.Errorf("Kick saw revocations %v and problems %v, want none", k.revoked, k.problems)
	}

	// The same callback again (a reload, or an attacker replaying it).
	_, err = svc.Callback(t.Context(), state, code, "", t0.Add(3*time.Minute))
	wantKind(t, "replayed Callback", err, fault.Conflict)
	if msg := fault.Message(err); !strings.Contains(msg, "already used") || !strings.Contains(msg, "/kick connect") {
		t.Errorf("replayed Callback says %q, want already used and /kick connect", msg)
	}
	if s.creds[streamer.ID].Version != 1 {
		t.Errorf("credentials at version %d after the replay, want 1", s.creds[streamer.ID].Version)
	}
}

// TestCallbackRefused: a Kick error, a bad state and a code Kick refuses
// store nothing (a refused code only spends the nonce).
func TestCallbackRefused(t *testing.T) {
	tests := []struct {
		name       string
		kickError  string
		state      func(good string) string
		code       func(good string) string
		now        time.Time
		want       fault.Kind
		wantMsg    string
		wantPurp   consent.Purpose
		spendsOnce bool // the nonce is claimed
	}{
		{name: "access denied", kickError: "access_denied", want: fault.Forbidden, wantMsg: "you declined on Kick, so no Kick channel was connected", wantPurp: consent.Connect},
		{name: "other Kick error", kickError: "server_error<script>", want: fault.Invalid, wantMsg: "(server_errorscript)", wantPurp: consent.Connect},
		{name: "Kick error with a bad state", kickError: "access_denied", state: func(string) string { return "junk" }, want: fault.Forbidden, wantMsg: "nothing was changed"},
		{name: "tampered state", state: func(s string) string { return s + "A" }, want: fault.Invalid, wantMsg: "not valid"},
		{name: "expired state", now: t0.Add(consent.TTL), want: fault.Invalid, wantMsg: "expired"},
		{name: "no code", code: func(string) string { return "" }, want: fault.Invalid, wantMsg: "no authorization code", wantPurp: consent.Connect},
		{name: "code Kick refuses", code: func(string) string { return "forged" }, want: fault.Forbidden, wantMsg: "Kick refused it", wantPurp: consent.Connect, spendsOnce: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, s := newMemKick(streamer), newMemStore()
			svc := newService(k, s)
			state := startState(t, svc, consent.Connect, guild, admin)
			code := authorize(t, svc, state)
			if tt.state != nil {
				state = tt.state(state)
			}
			if tt.code != nil {
				code = tt.code(code)
			}
			if tt.kickError != "" {
				code = ""
			}
			now := tt.now
			if now.IsZero() {
				now = t0.Add(time.Minute)
			}
			out, err := svc.Callback(t.Context(), state, code, tt.kickError, now)
			wantKind(t, "Callback", err, tt.want)
			if msg := fault.Message(err); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("Callback says %q, want it to contain %q", msg, tt.wantMsg)
			}
			if out.Purpose != tt.wantPurp || out.Kick != (connect.User{}) {
				t.Errorf("Callback outcome = %+v, want purpose %v and no Kick user", out, tt.wantPurp)
			}
			if len(s.creds)+len(s.conns)+len(s.links) != 0 || len(k.subs) != 0 {
				t.Errorf("stored %v, %v, %v and subscribed %v; want nothing", s.creds, s.conns, s.links, k.subs)
			}
			if got := len(s.nonces) == 1; got != tt.spendsOnce {
				t.Errorf("nonce claimed = %v, want %v", got, tt.spendsOnce)
			}
		})
	}
}

func TestCallbackLink(t *testing.T) {
	k, s := newMemKick(viewer), newMemStore()
	svc := newService(k, s)
	state := startState(t, svc, consent.Link, guild, member)
	now := t0.Add(time.Minute)
	out, err := svc.Callback(t.Context(), state, authorize(t, svc, state), "", now)
	if err != nil {
		t.Fatalf("Callback: %v", err)
	}
	// Both identities, for the page: who asked, and who signed in.
	until := now.Add(connect.PendingLinkLife)
	if want := (connect.Outcome{Purpose: consent.Link, Guild: guild, Member: member, Kick: viewer, Until: until}); out != want {
		t.Errorf("Callback = %+v, want %+v", out, want)
	}
	// Whoever opened the link decided the Kick account, so it only waits
	// for the asking member's confirmation.
	if got, want := s.links[guild+"#"+member], (link{guild + "#" + member, viewer.ID, viewer.Name, until}); got != want {
		t.Errorf("pending link = %+v, want %+v", got, want)
	}
	// Nothing of the viewer's token is kept: both halves are revoked.
	if len(s.creds) != 0 || len(k.revoked) != 2 || len(k.subs) != 0 {
		t.Errorf("credentials %v, revoked %v, subscriptions %v; want none kept, both revoked, none", s.creds, k.revoked, k.subs)
	}
	// The store failing is the callback's error; the token is revoked all
	// the same.
	s.fail["PendLink"] = fault.E(fault.Transient, "throttled")
	state = startState(t, svc, consent.Link, guild, other)
	_, err = svc.Callback(t.Context(), state, authorize(t, svc, state), "", now)
	wantKind(t, "Callback with a failing store", err, fault.Transient)
	if _, ok := s.links[guild+"#"+other]; ok || len(k.revoked) != 4 {
		t.Errorf("after the failure: pending link of %s %v, %d revoked; want none and the new token revoked", other, ok, len(k.revoked))
	}
}

// TestConnectReplacesChannel: a guild connects another channel; the old
// one, used by no other guild, is released.
func TestConnectReplacesChannel(t *testing.T) {
	const old = 7000
	k, s := newMemKick(streamer), newMemStore()
	s.conns[guild] = conn{old, "oldchannel", t0}
	s.creds[old] = credential.Record{Token: credential.Token{Access: "old-access", Refresh: "old-refresh"}, Version: 3}
	k.seed(old, chat, live)
	svc := newService(k, s)
	state := startState(t, svc, consent.Connect, guild, admin)
	if _, err := svc.Callback(t.Context(), state, authorize(t, svc, state), "", t0.Add(time.Minute)); err != nil {
		t.Fatalf("Callback: %v", err)
	}
	if got := s.conns[guild].broadcaster; got != streamer.ID {
		t.Errorf("guild connected to %d, want %d", got, streamer.ID)
	}
	// One switch, which also forgets the old channel's stream state.
	if want := []string{fmt.Sprintf("%s:%d>%d", guild, old, streamer.ID)}; !slices.Equal(s.replaced, want) {
		t.Errorf("ReplaceChannel calls %q, want %q", s.replaced, want)
	}
	if _, ok := s.creds[old]; ok || len(k.of(old)) != 0 || !slices.Equal(k.revoked, []string{"old-access", "old-refresh"}) {
		t.Errorf("old channel: credentials kept %v, subscriptions %v, revoked %v; want released", ok, k.of(old), k.revoked)
	}
}

// TestConnectReplaceFails: a switch that fails changes nothing and keeps
// the old channel.
func TestConnectReplaceFails(t *testing.T) {
	const old = 7000
	k, s := newMemKick(streamer), newMemStore()
	s.conns[guild] = conn{old, "oldchannel", t0}
	s.creds[old] = credential.Record{Token: credential.Token{Access: "old-access", Refresh: "old-refresh"}, Version: 3}
	s.fail["ReplaceChannel"] = fault.E(fault.Transient, "table unavailable")
	svc := newService(k, s)
	state := startState(t, svc, consent.Connect, guild, admin)
	_, err := svc.Callback(t.Context(), state, authorize(t, svc, state), "", t0.Add(time.Minute))
	wantKind(t, "Callback", err, fault.Transient)
	if got := s.conns[guild].broadcaster; got != old {
		t.Errorf("guild connected to %d after a failed switch, want still %d", got, old)
	}
	if _, ok := s.creds[old]; !ok || len(k.revoked) != 0 {
		t.Errorf("old channel: credentials kept %v, revoked %v; want kept, none revoked", ok, k.revoked)
	}
}

func TestConnectNotesFailedRepair(t *testing.T) {
	k, s := newMemKick(streamer), newMemStore()
	k.fail["Subscribe"] = fault.E(fault.Transient, "kick is down")
	svc := newService(k, s)
	state := startState(t, svc, consent.Connect, guild, admin)
	out, err := svc.Callback(t.Context(), state, authorize(t, svc, state), "", t0.Add(time.Minute))
	if err != nil || !strings.Contains(out.Note, "within the hour") {
		t.Fatalf("Callback = %+v, %v; want success with a note about the repair", out, err)
	}
	if _, ok := s.conns[guild]; !ok {
		t.Error("guild not connected, want connected")
	}
}

func TestCallbackStoreFailure(t *testing.T) {
	k, s := newMemKick(streamer), newMemStore()
	s.fail["PutCredentials"] = fault.E(fault.Transient, "table unavailable")
	svc := newService(k, s)
	state := startState(t, svc, consent.Connect, guild, admin)
	_, err := svc.Callback(t.Context(), state, authorize(t, svc, state), "", t0.Add(time.Minute))
	wantKind(t, "Callback", err, fault.Transient)
	if len(s.conns) != 0 || len(k.subs) != 0 || len(k.revoked) != 2 {
		t.Errorf("connections %v, subscriptions %v, revoked %v; want none, none and the unkept token revoked", s.conns, k.subs, k.revoked)
	}
}

func TestRepair(t *testing.T) {
	k := newMemKick(streamer)
	all := subscription.Wanted()
	k.seed(streamer.ID, all[:5]...)
	k.seed(streamer.ID, chat, chat, live) // duplicates
	k.seed(streamer.ID, subscription.EventVersion{Event: "chat.message.sent", Version: 2})
	k.seed(99, chat, chat) // another channel's, left alone
	svc := newService(k, newMemStore())

	created, removed, err := svc.Repair(t.Context(), streamer.ID)
	if err != nil || created != 4 || removed != 3 {
		t.Errorf("Repair = %d created, %d removed, %v; want 4, 3", created, removed, err)
	}
	if diff := cmp.Diff(wanted(), k.of(streamer.ID)); diff != "" {
		t.Errorf("subscriptions after Repair (-want +got):\n%s", diff)
	}
	if got := len(k.of(99)); got != 2 {
		t.Errorf("channel 99 has %d subscriptions, want its 2 untouched", got)
	}
	created, removed, err = svc.Repair(t.Context(), streamer.ID)
	if err != nil || created != 0 || removed != 0 {
		t.Errorf("second Repair = %d, %d, %v; want nothing to do", created, removed, err)
	}
	if _, _, err := svc.Repair(t.Context(), 0); !fault.Is(err, fault.Invalid) {
		t.Errorf("Repair(0) = %v, want invalid", err)
	}
	k.fail["Subscriptions"] = fault.E(fault.Transient, "kick is down")
	_, _, err = svc.Repair(t.Context(), streamer.ID)
	wantKind(t, "Repair while Kick is down", err, fault.Transient)
}

func TestRepairAll(t *testing.T) {
	const (
		healthy = 100 // all wanted subscriptions
		broken  = 200 // some missing, some doubled
		gone    = 300 // no guild: its subscriptions are orphans
		fresh   = 400 // connected, but not yet in the listing of connections
		failing = 500 // Kick refuses its subscriptions
	)
	k, s := newMemKick(streamer), newMemStore()
	s.conns["g1"] = conn{healthy, "", t0}
	s.conns["g2"] = conn{broken, "", t0}
	s.conns["g3"] = conn{broken, "", t0}
	s.conns["g4"] = conn{fresh, "", t0}
	s.hidden[fresh] = true
	k.seed(healthy, subscription.Wanted()...)
	k.seed(broken, chat, chat, chat, live)
	k.seed(gone, chat, live)
	k.seed(fresh, subscription.Wanted()...)
	svc := newService(k, s)

	rep, err := svc.RepairAll(t.Context())
	if err != nil {
		t.Fatalf("RepairAll: %v", err)
	}
	want := connect.Report{Channels: 2, Created: 8, Removed: 2, Orphans: 2}
	if diff := cmp.Diff(want, rep); diff != "" {
		t.Errorf("RepairAll report (-want +got):\n%s", diff)
	}
	for _, b := range []int64{healthy, broken, fresh} {
		if diff := cmp.Diff(wanted(), k.of(b)); diff != "" {
			t.Errorf("subscriptions of %d (-want +got):\n%s", b, diff)
		}
	}
	if got := k.of(gone); len(got) != 0 {
		t.Errorf("orphan channel keeps %v, want none", got)
	}

	// Once repaired, nothing to do.
	rep, err = svc.RepairAll(t.Context())
	if err != nil || !cmp.Equal(rep, connect.Report{Channels: 2}) {
		t.Errorf("second RepairAll = %+v, %v; want 2 channels and nothing done", rep, err)
	}

	// A channel whose repair fails does not stop the others.
	s.conns["g5"] = conn{failing, "", t0}
	k.seed(broken, chat)
	k.fail["Subscribe"] = fault.E(fault.Transient, "kick is down")
	rep, err = svc.RepairAll(t.Context())
	wantKind(t, "RepairAll with a failing channel", err, fault.Transient)
	if !slices.Equal(rep.Failed, []int64{failing}) || rep.Removed != 1 {
		t.Errorf("RepairAll = %+v, want channel %d failed and the new duplicate removed", rep, failing)
	}
}

// TestRepairAllNeedsEveryConnection: without the list of connections,
// RepairAll deletes nothing.
func TestRepairAllNeedsEveryConnection(t *testing.T) {
	k, s := newMemKick(streamer), newMemStore()
	s.conns[guild] = conn{streamer.ID, "", t0}
	k.seed(streamer.ID, chat)
	k.seed(300, chat)
	s.fail["Connections"] = fault.E(fault.Transient, "table unavailable")
	svc := newService(k, s)
	_, err := svc.RepairAll(t.Context())
	wantKind(t, "RepairAll", err, fault.Transient)
	if len(k.subs) != 2 {
		t.Errorf("subscriptions = %v, want both untouched", k.subs)
	}

	// Nor does it delete an orphan it cannot check in the table.
	delete(s.fail, "Connections")
	s.fail["Guilds"] = fault.E(fault.Transient, "table unavailable")
	rep, err := svc.RepairAll(t.Context())
	wantKind(t, "RepairAll", err, fault.Transient)
	if rep.Orphans != 0 || len(k.of(300)) != 1 || !slices.Equal(rep.Failed, []int64{300}) {
		t.Errorf("RepairAll = %+v, orphan subscriptions %v; want the orphan kept and reported failed", rep, k.of(300))
	}
}

func TestStatus(t *testing.T) {
	k, s := newMemKick(streamer), newMemStore()
	svc := newService(k, s)
	st, err := svc.Status(t.Context(), guild)
	if err != nil || st.Connected {
		t.Errorf("Status of a guild without a channel = %+v, %v; want not connected, no error", st, err)
	}

	s.conns[guild] = conn{streamer.ID, streamer.Name, t0}
	s.creds[streamer.ID] = credential.Record{Token: credential.Token{Access: "a", Refresh: "r", Expiry: t0.Add(time.Hour), Scopes: []string{"user:read"}}, Version: 1}
	made := k.seed(streamer.ID, chat, chat)
	k.seed(99, live)
	st, err = svc.Status(t.Context(), guild)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	var subs []connect.Subscription
	for _, w := range subscription.Wanted() {
		s := connect.Subscription{Event: w.Event, Version: w.Version}
		if w == chat {
			s.IDs = []string{made[0].ID, made[1].ID}
		}
		subs = append(subs, s)
	}
	want := connect.Status{
		Connected: true, Channel: streamer, ConnectedAt: t0, TokenExpiry: t0.Add(time.Hour),
		Scopes: []string{"user:read"}, Subscriptions: subs,
	}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("Status (-want +got):\n%s", diff)
	}

	// Kick refused the login; then, no login at all.
	s.creds[streamer.ID] = credential.Record{Version: 2, NeedsReauth: true}
	if st, err := svc.Status(t.Context(), guild); err != nil || !st.NeedsReauth {
		t.Errorf("Status after a refused login = %+v, %v; want NeedsReauth", st, err)
	}
	delete(s.creds, streamer.ID)
	if st, err := svc.Status(t.Context(), guild); err != nil || !st.NeedsReauth {
		t.Errorf("Status without credentials = %+v, %v; want NeedsReauth", st, err)
	}
	k.fail["Subscriptions"] = fault.E(fault.Transient, "kick is down")
	_, err = svc.Status(t.Context(), guild)
	wantKind(t, "Status while Kick is down", err, fault.Transient)
}

func TestDisconnect(t *testing.T) {
	k, s := newMemKick(streamer), newMemStore()
	svc := newService(k, s)
	wantKind(t, "Disconnect without a channel", svc.Disconnect(t.Context(), guild), fault.NotFound)

	s.conns[guild] = conn{streamer.ID, streamer.Name, t0}
	s.conns[other] = conn{streamer.ID, streamer.Name, t0}
	s.creds[streamer.ID] = credential.Record{Token: credential.Token{Access: "a", Refresh: "r"}, Version: 1}
	k.seed(streamer.ID, subscription.Wanted()...)
	k.seed(99, chat)

	// Another guild still uses the channel: only this connection goes.
	if err := svc.Disconnect(t.Context(), guild); err != nil {
		t.Fatalf("Disconnect: %v", err)
	}
	if _, ok := s.conns[guild]; ok || len(k.of(streamer.ID)) != 10 || len(s.creds) != 1 || len(k.revoked) != 0 {
		t.Errorf("after the first Disconnect: connected %v, %d subscriptions, credentials %v, revoked %v; want the channel kept for %s",
			ok, len(k.of(streamer.ID)), s.creds, k.revoked, other)
	}

	// The last guild: subscriptions deleted, tokens revoked and forgotten.
	// Kick not answering the revoke leaves the connection for a retry.
	k.fail["Revoke"] = fault.E(fault.Transient, "kick is down")
	wantKind(t, "Disconnect while Kick is down", svc.Disconnect(t.Context(), other), fault.Transient)
	if _, ok := s.conns[other]; !ok || len(s.creds) != 1 {
		t.Fatalf("after a failed Disconnect: connected %v, credentials %v; want both kept", ok, s.creds)
	}
	delete(k.fail, "Revoke")
	if err := svc.Disconnect(t.Context(), other); err != nil {
		t.Fatalf("Disconnect: %v", err)
	}
	if _, ok := s.conns[other]; ok || len(k.of(streamer.ID)) != 0 || len(s.creds) != 0 || !slices.Equal(k.revoked, []string{"a", "r"}) {
		t.Errorf("after the last Disconnect: connected %v, subscriptions %v, credentials %v, revoked %v; want all gone",
			ok, k.of(streamer.ID), s.creds, k.revoked)
	}
	if got := len(k.of(99)); got != 1 {
		t.Errorf("channel 99 has %d subscriptions, want its one untouched", got)
	}
	wantKind(t, "Disconnect again", svc.Disconnect(t.Context(), other), fault.NotFound)
}

func TestParseKey(t *testing.T) {
	tests := []struct {
		in      string
		wantLen int // 0: an error
	}{
		{strings.Repeat("ab", 32), 32},
		{" " + strings.Repeat("AB", 48) + "\n", 48},
		{strings.Repeat("ab", 31), 0},
		{strings.Repeat("zz", 32), 0},
		{"", 0},
	}
	for _, tt := range tests {
		got, err := connect.ParseKey(tt.in)
		if len(got) != tt.wantLen || (tt.wantLen == 0) != (err != nil) {
			t.Errorf("ParseKey(%q) = %d bytes, %v; want %d bytes", tt.in, len(got), err, tt.wantLen)
		}
		if err != nil && strings.Contains(err.Error(), strings.TrimSpace(tt.in)) && tt.in != "" {
			t.Errorf("ParseKey error %q quotes the key", err)
		}
	}
}

func TestParseBaseURL(t *testing.T) {
	tests := []struct {
		in, want string // want "": an error
	}{
		{"https://bot.example.com", "https://bot.example.com"},
		{"https://bot.example.com/", "https://bot.example.com"},
		{"https://abc.execute-api.eu-west-1.amazonaws.com/prod/", "https://abc.execute-api.eu-west-1.amazonaws.com/prod"},
		{"http://localhost:8080", "http://localhost:8080"},
		{"bot.example.com", ""},
		{"ftp://bot.example.com", ""},
		{"https://bot.example.com/?x=1", ""},
		{"https://user@bot.example.com", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := connect.ParseBaseURL(tt.in)
		if got != tt.want || (tt.want == "") != (err != nil) {
			t.Errorf("ParseBaseURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
