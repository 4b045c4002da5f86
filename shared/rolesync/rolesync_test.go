package rolesync_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/roles"
	"github.com/kickbot/kickbot/shared/rolesync"
)

const (
	guild  = "883082587327823872"
	bronze = "1300000000000000001" // 120 minutes
	silver = "1300000000000000002" // 600 minutes
	gold   = "1300000000000000003" // 2000 minutes

	ada    = "900000000000000001"
	bob    = "900000000000000002"
	cleo   = "900000000000000003"
	dmitri = "900000000000000004"
)

var (
	t0    = time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)
	tiers = []roles.Rule{{Minutes: 120, RoleID: bronze}, {Minutes: 600, RoleID: silver}, {Minutes: 2000, RoleID: gold}}
)

// memStore is a Store in memory that counts its calls.
type memStore struct {
	rules   []roles.Rule
	links   []rolesync.Link
	watched map[int64]int64 // Kick user → minutes
	granted map[string][]string
	// markErr, when set, fails MarkGranted.
	markErr error
	calls   []string
	asked   []int64 // WatchMinutes's users
}

func newStore(rules []roles.Rule, minutes map[string]int64) *memStore {
	s := &memStore{rules: rules, watched: map[int64]int64{}, granted: map[string][]string{}}
	users := slices.Sorted(func(yield func(string) bool) {
		for u := range minutes {
			if !yield(u) {
				return
			}
		}
	})
	for i, u := range users {
		kick := int64(1000 + i)
		s.links = append(s.links, rolesync.Link{DiscordUser: u, KickUser: kick})
		s.watched[kick] = minutes[u]
	}
	return s
}

func (s *memStore) RoleRules(context.Context, string) ([]roles.Rule, error) {
	s.calls = append(s.calls, "RoleRules")
	return s.rules, nil
}

func (s *memStore) LinkedViewers(context.Context, string) ([]rolesync.Link, error) {
	s.calls = append(s.calls, "LinkedViewers")
	return s.links, nil
}

func (s *memStore) WatchMinutes(_ context.Context, _ string, users []int64) (map[int64]int64, error) {
	s.calls = append(s.calls, "WatchMinutes")
	s.asked = users
	out := map[int64]int64{}
	for _, u := range users {
		if m, ok := s.watched[u]; ok {
			out[u] = m
		}
	}
	return out, nil
}

func (s *memStore) Granted(context.Context, string) (map[string][]string, error) {
	s.calls = append(s.calls, "Granted")
	out := map[string][]string{}
	for u, r := range s.granted {
		out[u] = slices.Clone(r)
	}
	return out, nil
}

func (s *memStore) MarkGranted(_ context.Context, _, user, role string) (bool, error) {
	if s.markErr != nil {
		return false, s.markErr
	}
	if slices.Contains(s.granted[user], role) {
		return false, nil
	}
	s.granted[user] = append(s.granted[user], role)
	return true, nil
}

// memDiscord grants roles, failing those named in errs.
type memDiscord struct {
	// errs fails grants by "user/role", or by role for every member.
	errs  map[string]error
	calls []string // "user/role"
}

func (d *memDiscord) GrantRole(_ context.Context, g, user, role string) error {
	if g != guild {
		return fmt.Errorf("grant in guild %s, want %s", g, guild)
	}
	d.calls = append(d.calls, user+"/"+role)
	if err, ok := d.errs[user+"/"+role]; ok {
		return err
	}
	return d.errs[role]
}

// memNotifier tells once per key, like notice.Notifier.
type memNotifier struct {
	told    map[string]bool
	posts   []string // the messages posted
	forgets []string
	err     error // Once's error, when set
}

func (n *memNotifier) Once(_ context.Context, _, key, message string) (bool, error) {
	if n.err != nil {
		return false, n.err
	}
	if n.told == nil {
		n.told = map[string]bool{}
	}
	if n.told[key] {
		return false, nil
	}
	n.told[key] = true
	n.posts = append(n.posts, message)
	return true, nil
}

func (n *memNotifier) Forget(_ context.Context, _, key string) error {
	n.forgets = append(n.forgets, key)
	delete(n.told, key)
	return nil
}

func refusal(r roles.Reason) error {
	return fault.Wrap(fault.Forbidden, &rolesync.Refusal{Reason: r, Err: errors.New("HTTP 403")}, "refused")
}

var gone = fault.Wrap(fault.NotFound, fmt.Errorf("%w: HTTP 404", rolesync.ErrMemberGone), "gone")

func syncer(s *memStore, d *memDiscord, n *memNotifier) *rolesync.Syncer {
	sy := &rolesync.Syncer{Store: s, Discord: d, Now: func() time.Time { return t0 }}
	if n != nil {
		sy.Notify = n
	}
	return sy
}

func run(t *testing.T, sy *rolesync.Syncer) rolesync.Report {
	t.Helper()
	rep, err := sy.Guild(t.Context(), guild)
	if err != nil {
		t.Fatalf("Guild() error = %v, want nil", err)
	}
	return rep
}

// ignoreErr compares findings without their error's identity.
var ignoreErr = cmpopts.IgnoreFields(rolesync.Finding{}, "Err")

func TestGrantsOnce(t *testing.T) {
	s := newStore(tiers, map[string]int64{ada: 650, bob: 119, cleo: 2000})
	d := &memDiscord{}
	n := &memNotifier{}
	sy := syncer(s, d, n)

	rep := run(t, sy)
	want := rolesync.Report{Rules: 3, Members: 2, Due: 5, Granted: 5}
	if diff := cmp.Diff(want, rep); diff != "" {
		t.Errorf("first Guild() report (-want +got):\n%s", diff)
	}
	wantCalls := []string{ada + "/" + bronze, ada + "/" + silver, cleo + "/" + bronze, cleo + "/" + silver, cleo + "/" + gold}
	if diff := cmp.Diff(wantCalls, d.calls); diff != "" {
		t.Errorf("grants (-want +got):\n%s", diff)
	}
	var linked []int64
	for _, l := range s.links {
		linked = append(linked, l.KickUser)
	}
	if !slices.Equal(s.asked, linked) {
		t.Errorf("WatchMinutes(%v), want the linked viewers only, %v", s.asked, linked)
	}
	wantGranted := map[string][]string{ada: {bronze, silver}, cleo: {bronze, silver, gold}}
	if diff := cmp.Diff(wantGranted, s.granted); diff != "" {
		t.Errorf("marked (-want +got):\n%s", diff)
	}
	// A grant clears the markers of the problems it shows are over.
	wantForgets := []string{"missing-permission", "role-above#" + bronze, "role-above#" + silver, "role-above#" + gold}
	if diff := cmp.Diff(wantForgets, n.forgets); diff != "" {
		t.Errorf("forgotten (-want +got):\n%s", diff)
	}

	d.calls, n.forgets = nil, nil
	rep = run(t, sy)
	if diff := cmp.Diff(rolesync.Report{Rules: 3, Members: 2}, rep); diff != "" {
		t.Errorf("second Guild() report (-want +got):\n%s", diff)
	}
	if len(d.calls) != 0 || len(n.forgets) != 0 {
		t.Errorf("second Guild() granted %v and forgot %v, want nothing", d.calls, n.forgets)
	}

	// Bob reaches the first tier.
	s.watched[1001] = 120
	d.calls = nil
	if rep := run(t, sy); rep.Granted != 1 || !cmp.Equal(d.calls, []string{bob + "/" + bronze}) {
		t.Errorf("third Guild() granted %v (report %+v), want bob's bronze", d.calls, rep)
	}
}

func TestNothingToDo(t *testing.T) {
	tests := []struct {
		name      string
		store     *memStore
		wantCalls []string
	}{
		{"no rules", newStore(nil, map[string]int64{ada: 5000}), []string{"RoleRules"}},
		{"rules without roles", newStore(roles.Defaults(), map[string]int64{ada: 5000}), []string{"RoleRules"}},
		{"no links", newStore(tiers, nil), []string{"RoleRules", "LinkedViewers"}},
		{"nobody reached a tier", newStore(tiers, map[string]int64{ada: 119}), []string{"RoleRules", "LinkedViewers", "WatchMinutes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &memDiscord{}
			rep := run(t, syncer(tt.store, d, &memNotifier{}))
			if rep.Due != 0 || rep.Granted != 0 || len(d.calls) != 0 {
				t.Errorf("Guild() = %+v, grants %v; want none", rep, d.calls)
			}
			if diff := cmp.Diff(tt.wantCalls, tt.store.calls); diff != "" {
				t.Errorf("store calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProblemsAreToldOnce(t *testing.T) {
	s := newStore(tiers, map[string]int64{ada: 2500, bob: 700, cleo: 650})
	d := &memDiscord{errs: map[string]error{silver: refusal(roles.RoleAbove), gold: refusal(roles.RoleGone)}}
	n := &memNotifier{}
	sy := syncer(s, d, n)

	rep := run(t, sy)
	want := rolesync.Report{
		Rules: 3, Members: 3, Due: 7, Granted: 3, Skipped: 2,
		Problems: []rolesync.Finding{
			{Problem: roles.Problem{RoleID: silver, Reason: roles.RoleAbove}, Told: true},
			{Problem: roles.Problem{RoleID: gold, Reason: roles.RoleGone}, Told: true},
		},
	}
	if diff := cmp.Diff(want, rep); diff != "" {
		t.Errorf("Guild() report (-want +got):\n%s", diff)
	}
	// One request per role with a problem: the others are skipped.
	wantCalls := []string{ada + "/" + bronze, ada + "/" + silver, ada + "/" + gold, bob + "/" + bronze, cleo + "/" + bronze}
	if diff := cmp.Diff(wantCalls, d.calls); diff != "" {
		t.Errorf("grants (-want +got):\n%s", diff)
	}
	wantPosts := []string{
		roles.Problem{RoleID: silver, Reason: roles.RoleAbove}.Message(),
		roles.Problem{RoleID: gold, Reason: roles.RoleGone}.Message(),
	}
	if diff := cmp.Diff(wantPosts, n.posts); diff != "" {
		t.Errorf("notices (-want +got):\n%s", diff)
	}

	// The next sync tries again, once per role, and tells nobody again.
	d.calls = nil
	rep = run(t, sy)
	if len(rep.Problems) != 2 || rep.Problems[0].Told || rep.Problems[1].Told || len(n.posts) != 2 {
		t.Errorf("second Guild() problems %+v, notices %d; want the same two, not told again", rep.Problems, len(n.posts))
	}
	if diff := cmp.Diff([]string{ada + "/" + silver, ada + "/" + gold}, d.calls); diff != "" {
		t.Errorf("second Guild() grants (-want +got):\n%s", diff)
	}

	// An admin fixes the hierarchy: the grants go through and the marker
	// is cleared, so that a new problem with the role is told again.
	delete(d.errs, silver)
	rep = run(t, sy)
	if rep.Granted != 3 || !slices.Contains(n.forgets, "role-above#"+silver) {
		t.Errorf("Guild() after the fix granted %d, forgot %v; want silver for all 3 and role-above#%s", rep.Granted, n.forgets, silver)
	}
}

func TestMissingPermissionStopsTheRun(t *testing.T) {
	s := newStore(tiers, map[string]int64{ada: 2500, bob: 700})
	d := &memDiscord{errs: map[string]error{ada + "/" + silver: refusal(roles.MissingPermission)}}
	n := &memNotifier{}
	rep := run(t, syncer(s, d, n))
	want := rolesync.Report{
		Rules: 3, Members: 2, Due: 5, Granted: 1, Skipped: 3,
		Problems: []rolesync.Finding{{Problem: roles.Problem{RoleID: silver, Reason: roles.MissingPermission}, Told: true}},
	}
	if diff := cmp.Diff(want, rep); diff != "" {
		t.Errorf("Guild() report (-want +got):\n%s", diff)
	}
	if len(d.calls) != 2 || !n.told["missing-permission"] {
		t.Errorf("grants %v, told %v; want 2 grants and the missing permission told", d.calls, n.told)
	}
}

func TestMemberGoneIsSkipped(t *testing.T) {
	s := newStore(tiers, map[string]int64{ada: 150, bob: 150})
	d := &memDiscord{errs: map[string]error{ada + "/" + bronze: gone}}
	n := &memNotifier{}
	rep := run(t, syncer(s, d, n))
	if want := (rolesync.Report{Rules: 3, Members: 2, Due: 2, Granted: 1, Left: 1}); !cmp.Equal(want, rep) {
		t.Errorf("Guild() = %+v, want %+v", rep, want)
	}
	if len(n.posts) != 0 || len(s.granted[ada]) != 0 {
		t.Errorf("notices %v, ada's marks %v; want none: a member who left is no problem and still owed", n.posts, s.granted[ada])
	}
}

func TestTransientErrorsFailTheSync(t *testing.T) {
	busy := fault.E(fault.Transient, "Discord is busy, try again")
	t.Run("grant", func(t *testing.T) {
		s := newStore(tiers, map[string]int64{ada: 150, bob: 150})
		d := &memDiscord{errs: map[string]error{bob + "/" + bronze: busy}}
		sy := syncer(s, d, &memNotifier{})
		rep, err := sy.Guild(t.Context(), guild)
		if !fault.Is(err, fault.Transient) || rep.Granted != 1 {
			t.Fatalf("Guild() = %+v, %v; want ada's grant and a transient error", rep, err)
		}
		// The retry does not repeat ada's grant.
		delete(d.errs, bob+"/"+bronze)
		d.calls = nil
		run(t, sy)
		if diff := cmp.Diff([]string{bob + "/" + bronze}, d.calls); diff != "" {
			t.Errorf("retry grants (-want +got):\n%s", diff)
		}
	})
	t.Run("mark", func(t *testing.T) {
		s := newStore(tiers, map[string]int64{ada: 150})
		s.markErr = busy
		_, err := syncer(s, &memDiscord{}, nil).Guild(t.Context(), guild)
		if !fault.Is(err, fault.Transient) {
			t.Errorf("Guild() with MarkGranted failing = %v, want transient", err)
		}
	})
	t.Run("notice", func(t *testing.T) {
		s := newStore(tiers, map[string]int64{ada: 150})
		d := &memDiscord{errs: map[string]error{bronze: refusal(roles.RoleAbove)}}
		rep, err := syncer(s, d, &memNotifier{err: busy}).Guild(t.Context(), guild)
		if !fault.Is(err, fault.Transient) || len(rep.Problems) != 1 {
			t.Errorf("Guild() with the notice failing = %+v, %v; want the problem and a transient error", rep, err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		s := newStore(tiers, map[string]int64{ada: 150})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		d := &memDiscord{}
		_, err := syncer(s, d, nil).Guild(ctx, guild)
		if !fault.Is(err, fault.Transient) || len(d.calls) != 0 {
			t.Errorf("Guild(cancelled) = %v after grants %v, want transient and none", err, d.calls)
		}
	})
}

func TestOtherErrorsAreReturned(t *testing.T) {
	s := newStore(tiers, map[string]int64{ada: 150, bob: 150})
	unauthorised := fault.E(fault.Forbidden, "the bot is not allowed to do that on Discord")
	d := &memDiscord{errs: map[string]error{bronze: unauthorised}}
	rep, err := syncer(s, d, &memNotifier{}).Guild(t.Context(), guild)
	if !fault.Is(err, fault.Forbidden) || len(d.calls) != 1 || len(rep.Problems) != 0 {
		t.Errorf("Guild() = %+v, %v after %v; want the forbidden error after one call, no problem", rep, err, d.calls)
	}
}

func TestNoAnnouncementChannel(t *testing.T) {
	s := newStore(tiers, map[string]int64{ada: 700})
	d := &memDiscord{errs: map[string]error{bronze: refusal(roles.RoleAbove)}}
	noChannel := fault.E(fault.NotFound, "set an announcement channel")
	rep := run(t, syncer(s, d, &memNotifier{err: noChannel}))
	want := []rolesync.Finding{{Problem: roles.Problem{RoleID: bronze, Reason: roles.RoleAbove}}}
	if diff := cmp.Diff(want, rep.Problems, ignoreErr); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if !fault.Is(rep.Problems[0].Err, fault.NotFound) || rep.Granted != 1 {
		t.Errorf("Guild() = %+v, want the notice's NotFound in the finding and silver granted", rep)
	}
}

func TestWithoutNotifier(t *testing.T) {
	s := newStore(tiers, map[string]int64{ada: 700})
	d := &memDiscord{errs: map[string]error{bronze: refusal(roles.RoleGone)}}
	rep := run(t, syncer(s, d, nil))
	if len(rep.Problems) != 1 || rep.Problems[0].Told || rep.Granted != 1 {
		t.Errorf("Guild() = %+v, want the problem found but not told, silver granted", rep)
	}
}

func TestBounds(t *testing.T) {
	t.Run("MaxGrants", func(t *testing.T) {
		s := newStore(tiers, map[string]int64{ada: 150, bob: 150, cleo: 150, dmitri: 150, "900000000000000005": 150})
		d := &memDiscord{}
		sy := syncer(s, d, nil)
		sy.MaxGrants = 2
		for i, want := range []rolesync.Report{
			{Rules: 3, Members: 5, Due: 5, Granted: 2, More: true},
			{Rules: 3, Members: 5, Due: 3, Granted: 2, More: true},
			{Rules: 3, Members: 5, Due: 1, Granted: 1},
			{Rules: 3, Members: 5},
		} {
			if diff := cmp.Diff(want, run(t, sy)); diff != "" {
				t.Errorf("run %d report (-want +got):\n%s", i+1, diff)
			}
		}
		if len(d.calls) != 5 {
			t.Errorf("grants %v, want each of the 5 once", d.calls)
		}
	})
	t.Run("Budget", func(t *testing.T) {
		s := newStore(tiers, map[string]int64{ada: 2500})
		d := &memDiscord{}
		now := t0
		// The clock moves a second each time it is read: at the start, then
		// before each grant.
		sy := &rolesync.Syncer{Store: s, Discord: d, Budget: 3 * time.Second, Now: func() time.Time {
			defer func() { now = now.Add(time.Second) }()
			return now
		}}
		rep := run(t, sy)
		if rep.Granted != 2 || !rep.More {
			t.Errorf("Guild() = %+v, want 2 grants in a 3s budget, and more to do", rep)
		}
	})
	t.Run("More ignores problem roles", func(t *testing.T) {
		s := newStore(tiers, map[string]int64{ada: 150, bob: 150, cleo: 150})
		d := &memDiscord{errs: map[string]error{bronze: refusal(roles.RoleAbove)}}
		sy := syncer(s, d, nil)
		sy.MaxGrants = 1
		if rep := run(t, sy); rep.More || len(d.calls) != 1 {
			t.Errorf("Guild() = %+v after %v, want one request and no more to do: the rest wait for a fix", rep, d.calls)
		}
	})
}

// Members who left stay owed their grants; when they outnumber a run's
// grants they must not hold up everyone else for ever.
func TestMembersWhoLeftDoNotStarveOthers(t *testing.T) {
	minutes := map[string]int64{dmitri: 150}
	errs := map[string]error{}
	for i := range 6 {
		u := fmt.Sprintf("80000000000000000%d", i) // sorts before dmitri
		minutes[u] = 150
		errs[u+"/"+bronze] = gone
	}
	s := newStore(tiers, minutes)
	d := &memDiscord{errs: errs}
	now := t0
	sy := &rolesync.Syncer{Store: s, Discord: d, MaxGrants: 2, Now: func() time.Time { return now }}
	for range 30 {
		run(t, sy)
		if len(s.granted[dmitri]) > 0 {
			return
		}
		now = now.Add(10 * time.Minute)
	}
	t.Errorf("dmitri not granted in 30 syncs of 2 grants, behind 6 members who left")
}

func TestGuildRefusesBadInput(t *testing.T) {
	if _, err := (&rolesync.Syncer{}).Guild(t.Context(), guild); !fault.Is(err, fault.Internal) {
		t.Errorf("Guild() without a store = %v, want internal", err)
	}
	sy := syncer(newStore(tiers, nil), &memDiscord{}, nil)
	if _, err := sy.Guild(t.Context(), ""); !fault.Is(err, fault.Invalid) {
		t.Errorf("Guild(\"\") = %v, want invalid", err)
	}
}

func TestRefusal(t *testing.T) {
	cause := errors.New("discord add member role: HTTP 403, code 50013: Missing Permissions")
	err := fmt.Errorf("grant: %w", &rolesync.Refusal{Reason: roles.RoleAbove, Err: cause})
	var r *rolesync.Refusal
	if !errors.As(err, &r) || r.Reason != roles.RoleAbove || !errors.Is(err, cause) {
		t.Errorf("errors.As/Is(%v) = %v, want the refusal and its cause", err, r)
	}
	if got, want := r.Error(), "role grant refused: role-above: "+cause.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
