package interact_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

// Unban is the store's ordered unban on fakeStore's viewers: an unban at
// or before the stored ban's time changes nothing.
func (s *fakeStore) Unban(_ context.Context, g string, userID int64, t time.Time) (audience.Viewer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return audience.Viewer{}, s.fail
	}
	v, err := s.find(g, func(v audience.Viewer) bool { return v.UserID == userID })
	if err != nil {
		return audience.Viewer{}, err
	}
	if v.BannedAt.Before(t) {
		v.BannedUntil, v.BannedAt = time.Time{}, t
	}
	return *v, nil
}

// banned returns the fake store with mossyrock (102) banned by a ban
// issued at issued, until until.
func banned(issued, until time.Time) *fakeStore {
	s := newFakeStore()
	s.viewers[1].BannedAt, s.viewers[1].BannedUntil = issued, until
	return s
}

func TestViewerUnban(t *testing.T) {
	unban := admin("viewer", "unban", "user", "MossyRock")
	lifted := "**mossyrock** earns watchtime and points again from their next activity. This does not lift the ban on Kick."
	answer := func(desc string) interact.Response {
		return interact.Response{Ephemeral: true, Embeds: []interact.Embed{{Title: "Unban", Description: desc, Color: green}}}
	}
	tests := []struct {
		name      string
		store     *fakeStore
		req       interact.Request
		want      interact.Response
		wantKind  fault.Kind
		wantUntil time.Time // mossyrock's ban afterwards
	}{
		{name: "permanent ban", store: banned(at.Add(-time.Hour), audience.Forever), req: unban, want: answer(lifted)},
		{name: "timeout", store: banned(at.Add(-time.Minute), at.Add(9*time.Minute)), req: unban, want: answer(lifted)},
		{name: "timeout over", store: banned(at.Add(-time.Hour), at.Add(-time.Minute)), req: unban,
			want: answer("**mossyrock** is not banned; nothing changed.")},
		{name: "never banned", store: newFakeStore(), req: unban, want: answer("**mossyrock** is not banned; nothing changed.")},
		{name: "a ban issued after the command stands", store: banned(at.Add(time.Second), at.Add(time.Hour)), req: unban,
			want:      answer("**mossyrock** stays banned: Kick reported a ban until <t:1773518531:f>, issued after this command. Run it again to lift that one."),
			wantUntil: at.Add(time.Hour)},
		{name: "a permanent one", store: banned(at.Add(time.Second), audience.Forever), req: unban,
			want:      answer("**mossyrock** stays banned: Kick reported a ban for ever, issued after this command. Run it again to lift that one."),
			wantUntil: audience.Forever},
		{name: "no such viewer", store: newFakeStore(), req: admin("viewer", "unban", "user", "ghost"), wantKind: fault.NotFound},
		{name: "without a name", store: newFakeStore(), req: admin("viewer", "unban"), wantKind: fault.Invalid},
		{name: "not an admin", store: banned(at.Add(-time.Hour), audience.Forever), req: member("viewer", "unban", "user", "mossyrock"),
			wantKind: fault.Forbidden, wantUntil: audience.Forever},
		{name: "store fails", store: func() *fakeStore {
			s := banned(at.Add(-time.Hour), audience.Forever)
			s.fail = fault.E(fault.Transient, "dynamodb throttled")
			return s
		}(), req: unban, wantKind: fault.Transient, wantUntil: audience.Forever},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &interact.Handler{Store: tt.store, Bans: tt.store}
			got, err := h.Handle(context.Background(), tt.req)
			if tt.wantKind != 0 {
				if fault.KindOf(err) != tt.wantKind {
					t.Errorf("Handle() = %+v, %v; want a %v error", got, err, tt.wantKind)
				}
			} else if err != nil {
				t.Fatalf("Handle() error = %v", err)
			} else if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Handle() mismatch (-got +want):\n%s", diff)
			}
			tt.store.fail = nil
			if v := tt.store.viewers[1]; !v.BannedUntil.Equal(tt.wantUntil) {
				t.Errorf("mossyrock banned until %v afterwards, want %v", v.BannedUntil, tt.wantUntil)
			}
		})
	}
}

// TestViewerUnbanTwice runs one unban twice, as a retried interaction
// would: the second changes nothing.
func TestViewerUnbanTwice(t *testing.T) {
	store := banned(at.Add(-time.Hour), audience.Forever)
	h := &interact.Handler{Store: store, Bans: store}
	r := admin("viewer", "unban", "user", "mossyrock")
	for i := range 2 {
		if _, err := h.Handle(context.Background(), r); err != nil {
			t.Fatalf("Handle() #%d error = %v", i+1, err)
		}
		if v := store.viewers[1]; v.Banned(at) || !v.BannedAt.Equal(at) {
			t.Errorf("after unban #%d: banned until %v, issued %v; want not banned, issued %v", i+1, v.BannedUntil, v.BannedAt, at)
		}
	}
}

func TestViewerUnbanWithoutBans(t *testing.T) {
	h := &interact.Handler{Store: newFakeStore()}
	_, err := h.Handle(context.Background(), admin("viewer", "unban", "user", "mossyrock"))
	if fault.KindOf(err) != fault.NotFound || !strings.Contains(fault.Message(err), "not set up on this bot") {
		t.Errorf("/viewer unban without Bans: %v, want NotFound \"not set up\"", err)
	}
}

// TestWatchtimeShowsBans checks that an admin's /watchtime shows a ban in
// force, for them alone, and everyone else's answer is as before.
func TestWatchtimeShowsBans(t *testing.T) {
	plain := public("Watchtime", "**mossyrock** has watched for **12h 5m**.")
	withBan := func(value string) interact.Response {
		r := plain
		r.Ephemeral = true
		r.Embeds = []interact.Embed{r.Embeds[0]}
		r.Embeds[0].Fields = []interact.Field{{Name: "Banned", Value: value}}
		return r
	}
	tests := []struct {
		name  string
		store *fakeStore
		req   interact.Request
		want  interact.Response
	}{
		{"admin, permanent ban", banned(at.Add(-time.Hour), audience.Forever), admin("watchtime", "", "user", "mossyrock"),
			withBan("Banned on Kick for ever (issued <t:1773511331:f>); earns nothing meanwhile. /viewer unban lifts it here.")},
		{"admin, timeout", banned(at.Add(-time.Minute), at.Add(9*time.Minute)), admin("watchtime", "", "user", "mossyrock"),
			withBan("Banned on Kick until <t:1773515471:f> (issued <t:1773514871:f>); earns nothing meanwhile. /viewer unban lifts it here.")},
		{"admin, timeout over", banned(at.Add(-time.Hour), at.Add(-time.Minute)), admin("watchtime", "", "user", "mossyrock"), plain},
		{"admin, never banned", newFakeStore(), admin("watchtime", "", "user", "mossyrock"), plain},
		{"member, permanent ban", banned(at.Add(-time.Hour), audience.Forever), member("watchtime", "", "user", "mossyrock"), plain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := (&interact.Handler{Store: tt.store}).Handle(context.Background(), tt.req)
			if err != nil {
				t.Fatalf("Handle() error = %v", err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Handle() mismatch (-got +want):\n%s", diff)
			}
		})
	}
}
