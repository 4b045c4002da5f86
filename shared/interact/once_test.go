package interact_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

// TestChangingCommands pins which commands change state, and so take
// effect once per interaction id: adding one means adding its replay case
// to functions/interactions' TestReplayedInteractionsChangeNothing.
func TestChangingCommands(t *testing.T) {
	var got []string
	for _, c := range interact.Commands {
		paths := []string{c.Name}
		for _, s := range c.Subcommands {
			paths = append(paths, c.Name+" "+s.Name)
		}
		for _, p := range paths {
			command, sub, _ := strings.Cut(p, " ")
			if interact.Changes(interact.Request{Command: command, Sub: sub}) {
				got = append(got, p)
			}
		}
	}
	slices.Sort(got)
	want := []string{"announce off", "announce set", "announce test", "calls blacklist", "calls channel", "calls clear", "calls close", "calls open", "calls pick",
		"clips settings", "command add", "command edit", "command remove", "confirm-link", "giveaway draw", "giveaway end", "giveaway reroll", "giveaway start", "gtb close", "gtb open", "gtb result", "hunt add", "hunt finish", "hunt payout", "hunt remove", "hunt start", "kick connect", "kick disconnect", "link", "points add", "points remove", "points set",
		"raffle draw", "raffle end", "raffle exclude", "raffle settings", "raffle start", "raffle tickets",
		"rewards off", "rewards points", "rewards thanks",
		"roles add", "roles remove", "settings set", "timer add", "timer edit", "timer remove", "unlink", "viewer unban"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("state-changing commands (-want +got):\n%s", diff)
	}
	if interact.Changes(click("lb:points:1:")) {
		t.Error("Changes(a leaderboard click) = true, want false")
	}
}

// TestHandleAppliesOnce runs each inline change twice under one
// interaction id, with a later change between: the second run is answered
// as done and the later change stands.
func TestHandleAppliesOnce(t *testing.T) {
	ctx := context.Background()
	later := func(r interact.Request) interact.Request { r.ID = "1482453932679757999"; return r }
	tests := []struct {
		name         string
		first, again interact.Request
		check        func(t *testing.T, s *fakeStore, l *fakeLinks, r *fakeRoles)
	}{
		{"settings set",
			admin("settings", "set", "activity_window", "10"), later(admin("settings", "set", "activity_window", "20")),
			func(t *testing.T, s *fakeStore, _ *fakeLinks, _ *fakeRoles) {
				if s.settings == nil || s.settings.ActivityWindow.Minutes() != 20 {
					t.Errorf("settings = %+v, want the window of the later change (20m)", s.settings)
				}
			}},
		{"roles add",
			admin("roles", "add", "role", "973524801945731072", "minutes", "120"), later(admin("roles", "remove", "minutes", "120")),
			func(t *testing.T, _ *fakeStore, _ *fakeLinks, r *fakeRoles) {
				if len(r.rules) != 0 {
					t.Errorf("rules = %v, want none (removed later)", r.rules)
				}
			}},
		{"unlink",
			member("unlink", ""), interact.Request{},
			func(t *testing.T, _ *fakeStore, l *fakeLinks, _ *fakeRoles) {
				if l.linked[memberID] != 101 {
					t.Errorf("member linked to %d, want 101 (linked again later)", l.linked[memberID])
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _, l, r := kickHandler()
			s := h.Store.(*fakeStore)
			if _, err := h.Handle(ctx, tt.first); err != nil {
				t.Fatalf("first: %v", err)
			}
			if tt.again.ID != "" {
				if _, err := h.Handle(ctx, tt.again); err != nil {
					t.Fatalf("later: %v", err)
				}
			} else {
				l.linked[memberID] = 101 // linked again, through Kick
			}
			resp, err := h.Handle(ctx, tt.first)
			if err != nil || resp.Content != interact.AppliedMessage || !resp.Ephemeral {
				t.Errorf("replay = %+v, %v; want the ephemeral %q", resp, err, interact.AppliedMessage)
			}
			tt.check(t, s, l, r)
		})
	}
}

func TestHandleNeedsAnIDToChange(t *testing.T) {
	h, _, _, _ := kickHandler()
	r := admin("settings", "set", "activity_window", "10")
	r.ID = ""
	if _, err := h.Handle(context.Background(), r); !fault.Is(err, fault.Invalid) {
		t.Errorf("Handle without an id = %v, want Invalid", err)
	}
}

func TestAdmit(t *testing.T) {
	ctx := context.Background()
	h, _, _, _ := kickHandler()
	disconnect := admin("kick", "disconnect")
	if err := h.Admit(ctx, disconnect); err != nil {
		t.Fatalf("Admit = %v, want nil", err)
	}
	if err := h.Admit(ctx, disconnect); !errors.Is(err, interact.ErrApplied) {
		t.Errorf("Admit again = %v, want ErrApplied", err)
	}
	// Inline changes are claimed with their change, reads never.
	for _, r := range []interact.Request{admin("settings", "set", "activity_window", "10"), member("rank", ""), admin("kick", "status")} {
		if err := h.Admit(ctx, r); err != nil {
			t.Errorf("Admit(/%s %s) = %v, want nil", r.Command, r.Sub, err)
		}
	}
	if n := len(h.Store.(*fakeStore).claims); n != 1 {
		t.Errorf("%d claims, want 1", n)
	}
}
