package rewards_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/rewards"
)

func rewardsCmd(id, sub string, opts ...string) interact.Request {
	r := interact.Request{ID: id, Guild: "g", UserID: "42", CanManage: true, Command: "rewards", Sub: sub, At: sent, Options: map[string]string{}}
	for i := 0; i+1 < len(opts); i += 2 {
		r.Options[opts[i]] = opts[i+1]
	}
	return r
}

func TestAdmin(t *testing.T) {
	type step struct {
		r        interact.Request
		wantKind fault.Kind // 0 for success
		wantText string     // in the answer
	}
	tests := []struct {
		name  string
		steps []step
		want  rewards.Settings
	}{
		{"points, options left out stay", []step{
			{rewardsCmd("1", "points", "follow", "5", "kicks", "2"), 0, "First follow: 5 points"},
			{rewardsCmd("2", "points", "sub", "100", "kicks", "0"), 0, "Each 100 KICKs: off"},
		}, rewards.Settings{Follow: 5, Sub: 100, Version: 2}},
		{"thanks with a template, the default, and off", []step{
			{rewardsCmd("1", "thanks", "kind", "sub", "message", "ty {user}"), 0, "sub: `ty {user}`"},
			{rewardsCmd("2", "thanks", "kind", "gift"), 0, "gift: `" + rewards.DefaultThanks[rewards.Gift] + "`"},
			{rewardsCmd("3", "off", "kind", "sub"), 0, "sub: off"},
		}, rewards.Settings{Thanks: map[rewards.Kind]string{rewards.Gift: rewards.DefaultThanks[rewards.Gift]}, Version: 3}},
		{"a replay changes nothing", []step{
			{rewardsCmd("1", "points", "gift", "7"), 0, "7 points"},
			{rewardsCmd("2", "points", "gift", "9"), 0, "9 points"},
			{rewardsCmd("1", "points", "gift", "7"), 0, interact.AppliedMessage},
		}, rewards.Settings{Gift: 9, Version: 2}},
		{"bad input changes nothing", []step{
			{rewardsCmd("1", "points"), fault.Invalid, ""},
			{rewardsCmd("2", "points", "sub", "-1"), fault.Invalid, ""},
			{rewardsCmd("3", "points", "sub", "lots"), fault.Invalid, ""},
			{rewardsCmd("4", "points", "sub", "1000001"), fault.Invalid, ""},
			{rewardsCmd("5", "thanks", "kind", "follow", "message", "x"), fault.Invalid, ""},
			{rewardsCmd("6", "thanks", "kind", "sub", "message", strings.Repeat("a", rewards.MaxTemplate+1)), fault.Invalid, ""},
			{rewardsCmd("7", "thanks", "kind", "sub", "message", ""), fault.Invalid, ""},
			{rewardsCmd("8", "off"), fault.Invalid, ""},
		}, rewards.Settings{}},
		{"admins only", []step{
			{func() interact.Request { r := rewardsCmd("1", "points", "sub", "1"); r.CanManage = false; return r }(), fault.Forbidden, ""},
		}, rewards.Settings{}},
		{"show", []step{
			{rewardsCmd("1", "show"), 0, "First follow: off"},
		}, rewards.Settings{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &fakeStore{}
			h := &interact.Handler{Rewards: &rewards.Admin{Store: st}}
			for i, s := range tc.steps {
				resp, err := h.Handle(t.Context(), s.r)
				if fault.KindOf(err) != s.wantKind || (err == nil) != (s.wantKind == 0) {
					t.Fatalf("step %d: Handle = %v, want kind %v", i, err, s.wantKind)
				}
				if err == nil && (!resp.Ephemeral || !strings.Contains(resp.Content, s.wantText)) {
					t.Errorf("step %d: Handle = %+v, want an ephemeral answer with %q", i, resp, s.wantText)
				}
			}
			if diff := cmp.Diff(tc.want, st.set); diff != "" {
				t.Errorf("settings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAdminNotSetUp(t *testing.T) {
	_, err := (&interact.Handler{}).Handle(t.Context(), rewardsCmd("1", "show"))
	if !fault.Is(err, fault.NotFound) {
		t.Errorf("Handle without Rewards = %v, want not found", err)
	}
}

// TestCommandLimits: the limits /rewards declares to Discord are this
// package's (package interact cannot import it).
func TestCommandLimits(t *testing.T) {
	for _, c := range interact.Commands {
		if c.Name != "rewards" {
			continue
		}
		for _, s := range c.Subcommands {
			for _, o := range s.Options {
				switch {
				case o.Type == interact.IntegerOption && (o.Min != 0 || o.Max != rewards.MaxPoints):
					t.Errorf("/rewards %s %s: %d..%d, want 0..%d", s.Name, o.Name, o.Min, o.Max, rewards.MaxPoints)
				case o.Name == "message" && o.MaxLen != rewards.MaxTemplate:
					t.Errorf("/rewards %s message: at most %d, want %d", s.Name, o.MaxLen, rewards.MaxTemplate)
				}
			}
		}
		return
	}
	t.Error("no /rewards command declared")
}
