package interact_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

// TestConfirmLink: a Kick sign-in through a member's /link (whoever
// opened it) links only when that member runs /confirm-link, which names
// the account; another member cannot confirm it, a sign-in expires, and a
// replayed confirmation changes nothing.
func TestConfirmLink(t *testing.T) {
	const stranger = "669802374110117999"
	signedIn := func(l *fakeLinks) {
		l.pending = map[string]pendingSignIn{memberID: {kick: 202, name: "SomeoneElse", until: at.Add(connect.PendingLinkLife)}}
		delete(l.linked, memberID)
	}
	confirm := func(user string, when time.Time) interact.Request {
		r := member("confirm-link", "")
		r.UserID, r.At = user, when
		return r
	}
	tests := []struct {
		name       string
		r          interact.Request
		setup      func(*fakeLinks)
		wantKind   fault.Kind
		want       string
		wantLinked map[string]int64
	}{
		{"the asking member confirms", confirm(memberID, at.Add(time.Minute)), signedIn, noError,
			"Linked your Kick account **SomeoneElse**. If that is not your account, run /unlink.", map[string]int64{memberID: 202}},
		{"another member cannot confirm it", confirm(stranger, at.Add(time.Minute)), signedIn, fault.NotFound,
			"no Kick sign-in is waiting for you here (one lasts 15 minutes); run /link", map[string]int64{}},
		{"a sign-in expires", confirm(memberID, at.Add(connect.PendingLinkLife)), signedIn, fault.NotFound,
			"no Kick sign-in is waiting for you here", map[string]int64{}},
		{"nothing signed in", confirm(memberID, at), nil, fault.NotFound,
			"run /link and sign in first", map[string]int64{memberID: 101}},
		{"an account linked to another member", confirm(memberID, at), func(l *fakeLinks) { signedIn(l); l.linked[stranger] = 202 }, fault.Conflict,
			"the Kick account SomeoneElse is already linked to another member", map[string]int64{stranger: 202}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _, l, _ := kickHandler()
			if tt.setup != nil {
				tt.setup(l)
			}
			resp, err := h.Handle(context.Background(), tt.r)
			got := resp.Content
			if tt.wantKind == noError {
				if err != nil || !resp.Ephemeral {
					t.Fatalf("Handle = %+v, %v; want an ephemeral answer", resp, err)
				}
			} else {
				if err == nil || fault.KindOf(err) != tt.wantKind {
					t.Fatalf("Handle = %v (kind %v), want kind %v", err, fault.KindOf(err), tt.wantKind)
				}
				got = fault.Message(err)
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("answer %q lacks %q", got, tt.want)
			}
			if len(l.linked) != len(tt.wantLinked) {
				t.Errorf("links = %v, want %v", l.linked, tt.wantLinked)
			}
			for m, k := range tt.wantLinked {
				if l.linked[m] != k {
					t.Errorf("links = %v, want %v", l.linked, tt.wantLinked)
				}
			}
		})
	}

	// A replay of the confirming interaction, after an /unlink, does not
	// link again.
	h, _, l, _ := kickHandler()
	signedIn(l)
	r := confirm(memberID, at.Add(time.Minute))
	if _, err := h.Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	delete(l.linked, memberID)
	l.pending = map[string]pendingSignIn{memberID: {kick: 303, name: "Later", until: at.Add(connect.PendingLinkLife)}}
	resp, err := h.Handle(context.Background(), r)
	if err != nil || resp.Content != interact.AppliedMessage {
		t.Errorf("replayed /confirm-link = %+v, %v; want the applied answer", resp, err)
	}
	if _, ok := l.linked[memberID]; ok {
		t.Errorf("replay linked %v, want nothing", l.linked)
	}
}
