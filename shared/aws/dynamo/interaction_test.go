package dynamo

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	miniserver "github.com/truora/minidyn/server"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/roles"
	"github.com/kickbot/kickbot/shared/settings"
)

func cause(id string) interact.Cause { return interact.Cause{ID: id, Expires: at(60)} }

func wantApplied(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, interact.ErrApplied) {
		t.Errorf("%s = %v, want interact.ErrApplied", what, err)
	}
}

// setWindow stores guild g's settings with the activity window at minutes,
// read-modify-write as /settings set does, under cause id.
func setWindow(t *testing.T, s *Store, id string, minutes int64) error {
	t.Helper()
	set, err := s.Settings(t.Context(), "g")
	check(t, "Settings", err)
	set.ActivityWindow = time.Duration(minutes) * time.Minute
	return s.PutSettingsOnce(t.Context(), "g", set, cause(id))
}

func wantWindow(t *testing.T, s *Store, minutes int64) {
	t.Helper()
	set, err := s.Settings(t.Context(), "g")
	check(t, "Settings", err)
	if got := int64(set.ActivityWindow / time.Minute); got != minutes {
		t.Errorf("activity window = %d minutes, want %d", got, minutes)
	}
}

func wantRules(t *testing.T, s *Store, want ...roles.Rule) {
	t.Helper()
	got, err := s.RoleRules(t.Context(), "g")
	check(t, "RoleRules", err)
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
}

// runInteractionSuite checks that each change of a slash command takes
// effect once per interaction: replayed after a later change, it finds
// its claim and changes nothing, so the later change stands.
func runInteractionSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	tests := []struct {
		name string
		// run makes the change of interaction "i1", a later change, and
		// the replay of "i1", which must return interact.ErrApplied.
		run func(t *testing.T, s *Store) (replay error)
		// check checks that the later change stands.
		check func(t *testing.T, s *Store)
	}{
		{"settings set", func(t *testing.T, s *Store) error {
			check(t, "set 10", setWindow(t, s, "i1", 10))
			check(t, "set 20", setWindow(t, s, "i2", 20))
			return setWindow(t, s, "i1", 10)
		}, func(t *testing.T, s *Store) { wantWindow(t, s, 20) }},
		{"roles add", func(t *testing.T, s *Store) error {
			ctx := t.Context()
			check(t, "add", s.AddRoleRuleOnce(ctx, "g", rule(120, "r1"), cause("i1")))
			check(t, "remove", s.RemoveRoleRuleOnce(ctx, "g", 120, cause("i2")))
			return s.AddRoleRuleOnce(ctx, "g", rule(120, "r1"), cause("i1"))
		}, func(t *testing.T, s *Store) { wantRules(t, s) }},
		{"roles remove", func(t *testing.T, s *Store) error {
			ctx := t.Context()
			check(t, "add", s.AddRoleRuleOnce(ctx, "g", rule(120, "r1"), cause("i0")))
			check(t, "remove", s.RemoveRoleRuleOnce(ctx, "g", 120, cause("i1")))
			check(t, "add again", s.AddRoleRuleOnce(ctx, "g", rule(120, "r2"), cause("i2")))
			return s.RemoveRoleRuleOnce(ctx, "g", 120, cause("i1"))
		}, func(t *testing.T, s *Store) { wantRules(t, s, rule(120, "r2")) }},
		{"unlink", func(t *testing.T, s *Store) error {
			ctx := t.Context()
			check(t, "link", s.Link(ctx, "g", "m1", 7, "seven"))
			check(t, "unlink", s.UnlinkOnce(ctx, "g", "m1", cause("i1")))
			check(t, "link again", s.Link(ctx, "g", "m1", 7, "seven"))
			return s.UnlinkOnce(ctx, "g", "m1", cause("i1"))
		}, func(t *testing.T, s *Store) {
			if id, _, err := s.LinkedKick(t.Context(), "g", "m1"); err != nil || id != 7 {
				t.Errorf("LinkedKick after the replay = %d, %v; want 7 (linked again)", id, err)
			}
		}},
		{"claim", func(t *testing.T, s *Store) error {
			check(t, "claim", s.ClaimInteraction(t.Context(), "g", cause("i1")))
			return s.ClaimInteraction(t.Context(), "g", cause("i1"))
		}, func(t *testing.T, s *Store) {
			// Claims are per guild.
			check(t, "claim in another guild", s.ClaimInteraction(t.Context(), "h", cause("i1")))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			wantApplied(t, "replay", tt.run(t, s))
			tt.check(t, s)
			wantNumber(t, rawItem(t, s, claimKey("g", "i1")), "expiresAt", at(60).Unix())
		})
	}

	// A change refused for its own reason leaves its interaction unclaimed
	// and answers as before.
	t.Run("refused changes claim nothing", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check(t, "add", s.AddRoleRuleOnce(ctx, "g", rule(120, "r1"), cause("i0")))
		err := s.AddRoleRuleOnce(ctx, "g", rule(120, "r2"), cause("i1"))
		wantKind(t, "AddRoleRuleOnce of another role at a taken threshold", err, fault.Conflict)
		if errors.Is(err, interact.ErrApplied) || fault.Message(err) != roleTaken(120) {
			t.Errorf("AddRoleRuleOnce = %q, want %q", fault.Message(err), roleTaken(120))
		}
		wantKind(t, "RemoveRoleRuleOnce of no rule", s.RemoveRoleRuleOnce(ctx, "g", 600, cause("i2")), fault.NotFound)
		wantKind(t, "UnlinkOnce of no link", s.UnlinkOnce(ctx, "g", "m1", cause("i3")), fault.NotFound)
		stale := settings.Defaults()
		stale.Version = 5
		wantKind(t, "PutSettingsOnce of a stale version", s.PutSettingsOnce(ctx, "g", stale, cause("i4")), fault.Conflict)
		wantKind(t, "PutSettingsOnce of invalid settings", s.PutSettingsOnce(ctx, "g", settings.Settings{}, cause("i5")), fault.Invalid)
		wantKind(t, "ClaimInteraction without an id", s.ClaimInteraction(ctx, "g", interact.Cause{Expires: at(60)}), fault.Invalid)
		wantKind(t, "AddRoleRuleOnce without a cause", s.AddRoleRuleOnce(ctx, "g", rule(600, "r6"), interact.Cause{}), fault.Invalid)
		for _, id := range []string{"i1", "i2", "i3", "i4", "i5"} {
			if item := rawItem(t, s, claimKey("g", id)); len(item) != 0 {
				t.Errorf("refused %s left a claim %v", id, item)
			}
		}
		wantRules(t, s, rule(120, "r1"))
	})
}

func TestInteractionClaimsEmbedded(t *testing.T) {
	runInteractionSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}

// TestInteractionClaimsEmbeddedFailure checks that DynamoDB failing
// leaves neither the change nor its claim: the worker's retry of the same
// interaction then makes it.
func TestInteractionClaimsEmbeddedFailure(t *testing.T) {
	s, srv := newEmbedded(t)
	ctx := t.Context()
	srv.EmulateFailure(miniserver.FailureConditionInternalServerError)
	wantKind(t, "AddRoleRuleOnce during a failure", s.AddRoleRuleOnce(ctx, "g", rule(120, "r1"), cause("i1")), fault.Transient)
	srv.EmulateFailure(miniserver.FailureConditionNone)
	wantRules(t, s)
	check(t, "AddRoleRuleOnce retried", s.AddRoleRuleOnce(ctx, "g", rule(120, "r1"), cause("i1")))
	wantRules(t, s, rule(120, "r1"))
}
