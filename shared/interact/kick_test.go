package interact_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/consent"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/roles"
)

// noError stands for a nil error in a table of error kinds.
const noError fault.Kind = 255

// fakeKick is a Connection that records its calls.
type fakeKick struct {
	status       connect.Status
	disconnected []string
	started      []string // "purpose guild user"
}

func (k *fakeKick) StartURL(p consent.Purpose, guild, user string, now time.Time) (string, error) {
	k.started = append(k.started, p.String()+" "+guild+" "+user)
	return "https://bot.example/oauth/kick/start?state=" + p.String(), nil
}

func (k *fakeKick) Status(context.Context, string) (connect.Status, error) { return k.status, nil }

func (k *fakeKick) Disconnect(_ context.Context, guild string) error {
	if !k.status.Connected {
		return fault.E(fault.NotFound, "not connected")
	}
	k.disconnected = append(k.disconnected, guild)
	return nil
}

// fakeLinks links memberID to ironkettle (101) in guild.
type fakeLinks struct {
	store  *fakeStore
	linked map[string]int64
	// pending are Kick sign-ins waiting for their member's confirmation.
	pending map[string]pendingSignIn
}

type pendingSignIn struct {
	kick  int64
	name  string
	until time.Time
}

// ConfirmLink is the store's: the member's own pending sign-in, unless
// expired, becomes the link; an account linked to another member is a
// conflict.
func (l *fakeLinks) ConfirmLink(_ context.Context, g, user string, now time.Time) (int64, string, error) {
	p, ok := l.pending[user]
	if !ok || g != guild || !now.Before(p.until) {
		return 0, "", fault.E(fault.NotFound, "no Kick sign-in is waiting for your confirmation")
	}
	for m, k := range l.linked {
		if k == p.kick && m != user {
			return p.kick, p.name, fault.E(fault.Conflict, "that Kick account is linked to another member")
		}
	}
	l.linked[user] = p.kick
	delete(l.pending, user)
	return p.kick, p.name, nil
}

func newFakeLinks(s *fakeStore) *fakeLinks {
	return &fakeLinks{store: s, linked: map[string]int64{memberID: 101}}
}

func (l *fakeLinks) LinkedKick(_ context.Context, g, user string) (int64, string, error) {
	id, ok := l.linked[user]
	if !ok || g != guild {
		return 0, "", fault.E(fault.NotFound, "no link")
	}
	return id, "IronKettle", nil
}

func (l *fakeLinks) UnlinkOnce(_ context.Context, g, user string, c interact.Cause) error {
	l.store.mu.Lock()
	defer l.store.mu.Unlock()
	if err := l.store.claims.claimed(c); err != nil {
		return err
	}
	if _, ok := l.linked[user]; !ok || g != guild {
		return fault.E(fault.NotFound, "no link")
	}
	delete(l.linked, user)
	l.store.claims[c.ID] = true
	return nil
}

func (l *fakeLinks) Viewer(_ context.Context, g string, id int64) (audience.Viewer, error) {
	v, err := l.store.find(g, func(v audience.Viewer) bool { return v.UserID == id })
	if err != nil {
		return audience.Viewer{}, err
	}
	return *v, nil
}

// fakeRoles keeps rules like the store: one role per threshold.
type fakeRoles struct {
	rules  []roles.Rule
	claims claims
}

func (f *fakeRoles) AddRoleRuleOnce(_ context.Context, _ string, r roles.Rule, c interact.Cause) error {
	if err := f.claims.claimed(c); err != nil {
		return err
	}
	for _, x := range f.rules {
		if x.Minutes == r.Minutes && x.RoleID != r.RoleID {
			return fault.E(fault.Conflict, "another role is already given at %d minutes; remove it first", r.Minutes)
		}
		if x == r {
			f.claims[c.ID] = true
			return nil
		}
	}
	f.rules = append(f.rules, r)
	roles.Sort(f.rules)
	f.claims[c.ID] = true
	return nil
}

func (f *fakeRoles) RemoveRoleRuleOnce(_ context.Context, _ string, minutes int64, c interact.Cause) error {
	if err := f.claims.claimed(c); err != nil {
		return err
	}
	for i, x := range f.rules {
		if x.Minutes == minutes {
			f.rules = append(f.rules[:i], f.rules[i+1:]...)
			f.claims[c.ID] = true
			return nil
		}
	}
	return fault.E(fault.NotFound, "no role is given at %d minutes", minutes)
}

func (f *fakeRoles) RoleRules(context.Context, string) ([]roles.Rule, error) {
	return append([]roles.Rule(nil), f.rules...), nil
}

func kickHandler() (*interact.Handler, *fakeKick, *fakeLinks, *fakeRoles) {
	s := newFakeStore()
	k := &fakeKick{status: connect.Status{
		Connected: true, Channel: connect.User{ID: 4402117, Name: "iron_streams"},
		ConnectedAt: at.Add(-48 * time.Hour), TokenExpiry: at.Add(90 * time.Minute),
		Scopes: connect.ConnectScopes,
		Subscriptions: []connect.Subscription{
			{Event: "chat.message.sent", Version: 1, IDs: []string{"01A"}},
			{Event: "channel.followed", Version: 1},
			{Event: "livestream.status.updated", Version: 1, IDs: []string{"01B", "01C"}},
		},
	}}
	l, r := newFakeLinks(s), &fakeRoles{claims: claims{}}
	return &interact.Handler{Store: s, Kick: k, Links: l, Roles: r}, k, l, r
}

// text is all a response shows, for matching.
func text(r interact.Response) string {
	s := r.Content
	for _, e := range r.Embeds {
		s += "\n" + e.Title + "\n" + e.Description
		for _, f := range e.Fields {
			s += "\n" + f.Name + ": " + f.Value
		}
		s += "\n" + e.Footer
	}
	return s
}

func TestKickCommands(t *testing.T) {
	tests := []struct {
		name     string
		r        interact.Request
		setup    func(*fakeKick, *fakeLinks, *fakeRoles)
		wantKind fault.Kind // of the error, or noError
		want     []string   // in the response's text, or the error's message
	}{
		{"connect", admin("kick", "connect"), nil, noError, []string{"Connect Kick", "works once, for 10m"}},
		{"connect needs Manage Server", member("kick", "connect"), nil, fault.Forbidden, []string{"Manage Server"}},
		{"status", admin("kick", "status"), nil, noError, []string{
			"Connected to **iron\\_streams**", "Login: valid for 1h 30m", "Scopes: user:read channel:read chat:write events:subscribe",
			"Event subscriptions (1 of 3)", "✅ `chat.message.sent` v1", "❌ missing `channel.followed` v1",
			"⚠️ 2 copies `livestream.status.updated` v1"}},
		{"status needs reauth", admin("kick", "status"), func(k *fakeKick, _ *fakeLinks, _ *fakeRoles) { k.status.NeedsReauth = true },
			noError, []string{"Kick refused the bot's login: run /kick connect again"}},
		{"status not connected", admin("kick", "status"), func(k *fakeKick, _ *fakeLinks, _ *fakeRoles) { k.status = connect.Status{} },
			fault.NotFound, []string{"not connected to a Kick channel yet; run /kick connect"}},
		{"disconnect", admin("kick", "disconnect"), nil, noError, []string{"Disconnected the Kick channel"}},
		{"disconnect not connected", admin("kick", "disconnect"), func(k *fakeKick, _ *fakeLinks, _ *fakeRoles) { k.status = connect.Status{} },
			fault.NotFound, []string{"not connected"}},
		{"link", member("link", ""), nil, noError, []string{"Link Kick account", "reads only your Kick name and id"}},
		{"unlink", member("unlink", ""), nil, noError, []string{"Unlinked your Kick account IronKettle."}},
		{"unlink without a link", admin("unlink", ""), nil, fault.NotFound, []string{"no Kick account is linked to you here"}},
		{"own watchtime when linked", member("watchtime", ""), nil, noError, []string{"**ironkettle** has watched for **2d 2h**"}},
		{"own points when linked", member("points", "show"), nil, noError, []string{"**ironkettle** has **48,210** points"}},
		{"own watchtime without a link", admin("watchtime", ""), nil, fault.NotFound,
			[]string{"name a Kick user (/watchtime user:<kick name>), or link your Kick account with /link"}},
		{"linked account not seen yet", member("watchtime", ""), func(_ *fakeKick, l *fakeLinks, _ *fakeRoles) { l.linked[memberID] = 999 },
			fault.NotFound, []string{"your Kick account IronKettle has not been seen in this server's Kick chat yet"}},
		{"naming a user still works", member("watchtime", "", "user", "mossyrock"), nil, noError, []string{"**mossyrock**"}},
		{"roles add", admin("roles", "add", "role", "973524801945731072", "minutes", "120"), nil, noError,
			[]string{"watched 2h get <@&973524801945731072>", "Rewards: 2h → <@&973524801945731072>", "Suggested tiers: 600 (10h), 2000 (1d 9h 20m)"}},
		{"roles add same threshold other role", admin("roles", "add", "role", "973524801945731099", "minutes", "120"),
			func(_ *fakeKick, _ *fakeLinks, r *fakeRoles) {
				r.rules = []roles.Rule{{Minutes: 120, RoleID: "973524801945731072"}}
			},
			fault.Invalid, []string{"two role rewards at 120 minutes"}},
		{"roles add same role twice", admin("roles", "add", "role", "973524801945731072", "minutes", "600"),
			func(_ *fakeKick, _ *fakeLinks, r *fakeRoles) {
				r.rules = []roles.Rule{{Minutes: 120, RoleID: "973524801945731072"}}
			},
			fault.Invalid, []string{"973524801945731072"}},
		{"roles add not a role", admin("roles", "add", "role", "everyone", "minutes", "600"), nil, fault.Invalid, []string{"role"}},
		{"roles add bad minutes", admin("roles", "add", "role", "973524801945731072", "minutes", "ten"), nil, fault.Invalid, []string{"minutes must be a whole number"}},
		{"roles add needs Manage Server", member("roles", "add", "role", "973524801945731072", "minutes", "120"), nil, fault.Forbidden, []string{"Manage Server"}},
		{"roles remove", admin("roles", "remove", "minutes", "120"),
			func(_ *fakeKick, _ *fakeLinks, r *fakeRoles) {
				r.rules = []roles.Rule{{Minutes: 120, RoleID: "973524801945731072"}}
			},
			noError, []string{"The reward at 2h is removed", "Rewards: none"}},
		{"roles remove unknown", admin("roles", "remove", "minutes", "120"), nil, fault.NotFound, []string{"no role is given at 120 minutes"}},
		{"roles list empty", admin("roles", "list"), nil, noError, []string{"Rewards: none", "Suggested tiers: 120 (2h), 600 (10h), 2000 (1d 9h 20m)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, k, l, r := kickHandler()
			if tt.setup != nil {
				tt.setup(k, l, r)
			}
			resp, err := h.Handle(context.Background(), tt.r)
			got := text(resp)
			if tt.wantKind == noError {
				if err != nil {
					t.Fatalf("Handle = %v, want no error", err)
				}
			} else {
				if fault.KindOf(err) != tt.wantKind || err == nil {
					t.Fatalf("Handle = %v (kind %v), want kind %v", err, fault.KindOf(err), tt.wantKind)
				}
				got = fault.Message(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
		})
	}
}

func TestKickStartButtons(t *testing.T) {
	h, k, _, _ := kickHandler()
	link := member("link", "")
	link.ID = "1482453932679757826" // another interaction
	for _, r := range []interact.Request{admin("kick", "connect"), link} {
		resp, err := h.Handle(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		if !resp.Ephemeral || len(resp.Buttons) != 1 || !strings.HasPrefix(resp.Buttons[0].URL, "https://bot.example/oauth/kick/start?state=") || resp.Buttons[0].ID != "" {
			t.Errorf("/%s: %+v, want one ephemeral link button to the start URL", r.Command, resp)
		}
	}
	if diff := cmp.Diff(k.started, []string{"connect " + guild + " " + adminID, "link " + guild + " " + memberID}); diff != "" {
		t.Errorf("start links for (-got +want):\n%s", diff)
	}
}

func TestKickDisconnectCalls(t *testing.T) {
	h, k, _, _ := kickHandler()
	if _, err := h.Handle(context.Background(), admin("kick", "disconnect")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(k.disconnected, []string{guild}); diff != "" {
		t.Errorf("disconnected (-got +want):\n%s", diff)
	}
}

func TestKickCommandsWithoutTheirParts(t *testing.T) {
	h := &interact.Handler{Store: newFakeStore()}
	for _, r := range []interact.Request{admin("kick", "connect"), admin("kick", "status"), member("link", ""), member("unlink", ""), admin("roles", "list")} {
		_, err := h.Handle(context.Background(), r)
		if fault.KindOf(err) != fault.NotFound || !strings.Contains(fault.Message(err), "not set up on this bot") {
			t.Errorf("/%s %s without its part: %v, want NotFound \"not set up\"", r.Command, r.Sub, err)
		}
	}
}
