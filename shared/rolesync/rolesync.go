// Package rolesync gives linked members the Discord roles their watchtime
// earned: the periodic role sync, run for one guild at a time.
//
// A sync reads the guild's role rules, its account links, the watchtime of
// the linked viewers and the grants already made, asks roles.Due what is
// owed, and grants it through Discord. Each grant is marked in the store
// after Discord accepted it, so it is made once; a sync that dies between
// the grant and the mark grants again next time, which Discord takes as a
// no-op (adding a role a member holds succeeds and changes nothing).
//
// A grant Discord refuses because of the guild's setup (the bot lacks
// Manage Roles, the role sits above the bot's, the role was deleted) is a
// roles.Problem: it is told to the guild's admins once per problem key,
// and the rest of the run skips that role (or every role, for a missing
// permission). A problem fails no sync, so the queue does not retry it;
// the next sync tries the role again with one grant request, so a fixed
// setup heals by itself, and a problem that comes back after a grant of
// the role succeeded is told again. A member who left the server is
// skipped and stays owed. Transient errors fail the sync, for the queue to
// retry it (grants marked before stay made); any other error (a bot token
// Discord refuses, a guild the bot left) fails it too, for the worker to
// log and drop.
//
// One run makes at most MaxGrants grant requests and stops starting new
// ones after Budget, so that a guild with a backlog (a first sync, a new
// rule) cannot outlast the worker's timeout or Discord's rate limits; the
// next sync continues where this one stopped.
//
// A sync costs four reads when members are owed roles (rules, links,
// watchtime of the viewers at or above the lowest threshold, grant
// markers; fewer when there is nothing to look at), then per grant one
// Discord request and one conditional write, and after the first grant of
// a role one delete of each problem marker it clears.
package rolesync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/roles"
)

// Defaults for the Syncer's bounds.
const (
	// DefaultMaxGrants is the most grant requests in one run. The worker
	// runs up to ten jobs in one 60-second invocation, and Discord limits
	// role changes per guild, so a run should take seconds, not minutes.
	DefaultMaxGrants = 50
	// DefaultBudget is how long a run keeps starting grants.
	DefaultBudget = 10 * time.Second
)

// Link ties a guild member to a Kick viewer.
type Link struct {
	DiscordUser string
	KickUser    int64
}

// Store is what a sync reads and writes. Implementations return
// fault.Transient for failures a retry may fix.
type Store interface {
	// RoleRules returns the guild's role rules.
	RoleRules(ctx context.Context, guild string) ([]roles.Rule, error)
	// LinkedViewers returns every account link of the guild.
	LinkedViewers(ctx context.Context, guild string) ([]Link, error)
	// WatchMinutes returns, by Kick user id, the watch minutes of these
	// viewers of the guild (absent: never recorded), read by key, so a
	// sync costs reads in proportion to the linked members, not to the
	// guild's audience. It may lag the latest credits by a moment; a
	// lagging minute is granted at the next sync.
	WatchMinutes(ctx context.Context, guild string, users []int64) (map[int64]int64, error)
	// Granted returns the roles marked as granted in the guild, by Discord
	// user.
	Granted(ctx context.Context, guild string) (map[string][]string, error)
	// MarkGranted records that the member was given the role.
	MarkGranted(ctx context.Context, guild, discordUser, roleID string) (first bool, err error)
}

// Discord gives roles to members.
type Discord interface {
	// GrantRole gives member userID the role roleID in guild. Giving a role
	// the member holds succeeds. An error wrapping a *Refusal says the
	// guild's setup forbids the grant; one wrapping ErrMemberGone says the
	// member is no longer in the guild; fault.Transient ones may succeed
	// later.
	GrantRole(ctx context.Context, guild, userID, roleID string) error
}

// Notifier tells a guild's admins about a problem once per key
// (notice.Notifier).
type Notifier interface {
	// Once posts message unless a message with key was posted before, and
	// reports whether it posted. fault.NotFound when the guild has no
	// announcement channel; nothing is then recorded.
	Once(ctx context.Context, guild, key, message string) (sent bool, err error)
	// Forget lets key be told again.
	Forget(ctx context.Context, guild, key string) error
}

// Refusal is a grant Discord refused because of the guild's setup: the
// same grant fails for every member until an admin changes something.
type Refusal struct {
	Reason roles.Reason
	// Err is Discord's answer.
	Err error
}

func (r *Refusal) Error() string {
	s := "role grant refused: " + r.Reason.String()
	if r.Err != nil {
		s += ": " + r.Err.Error()
	}
	return s
}

func (r *Refusal) Unwrap() error { return r.Err }

// ErrMemberGone is what a grant to a member who left the guild wraps. It
// is no problem to report: the member just does not get the role, and the
// grant stays owed in case they come back.
var ErrMemberGone = errors.New("the member is not in the server")

// Syncer syncs one guild's watchtime roles. Set Store and Discord; Notify,
// when set, tells admins about problems; the rest have defaults.
type Syncer struct {
	Store   Store
	Discord Discord
	Notify  Notifier
	// MaxGrants bounds the grant requests of one run; DefaultMaxGrants
	// when ≤ 0.
	MaxGrants int
	// Budget bounds how long a run starts grants; DefaultBudget when ≤ 0.
	Budget time.Duration
	// Now tells the time; nil is time.Now.
	Now func() time.Time
}

// Report says what a sync did.
type Report struct {
	Rules   int // rules with a role
	Members int // linked members who reached the lowest threshold
	Due     int // grants owed when the run started
	Granted int // grants made and marked
	Left    int // grants not made: the member left the server
	Skipped int // grants not tried: their role (or the bot) has a problem
	// More says the run stopped at MaxGrants or Budget with grants still
	// owed; the next sync continues.
	More bool
	// Problems are the problems met, in the order met.
	Problems []Finding
	// ForgetErr, when not nil, is why a problem marker could not be
	// cleared after a grant of its role succeeded (the sync's error
	// too, when no other error came first).
	ForgetErr error
}

// Finding is a problem a sync met and what became of telling it.
type Finding struct {
	roles.Problem
	// Told says this run told the admins; false with Err nil means they
	// were told before (or no Notifier is set).
	Told bool
	// Err is why the admins could not be told, such as fault.NotFound
	// when the guild has no announcement channel; the next sync that
	// meets the problem tries again.
	Err error
}

// Guild grants the roles guild's linked members have earned. Its report
// is valid also when it returns an error: it counts what was done.
func (s *Syncer) Guild(ctx context.Context, guild string) (Report, error) {
	if guild == "" {
		return Report{}, fault.E(fault.Invalid, "a role sync needs a guild")
	}
	if s.Store == nil || s.Discord == nil {
		return Report{}, fault.E(fault.Internal, "role syncer has no store or no Discord client")
	}
	start := s.now()
	due, rep, err := s.owed(ctx, guild)
	if err != nil || len(due) == 0 {
		return rep, err
	}
	due = rotate(due, s.maxGrants(), start)

	var (
		blocked  = map[string]bool{} // roles with a problem this run
		stopped  bool                // the bot lacks Manage Roles
		cleared  = map[string]bool{} // problem keys forgotten this run
		attempts int
	)
	for i, g := range due {
		if stopped || blocked[g.RoleID] {
			rep.Skipped++
			continue
		}
		if attempts >= s.maxGrants() || s.now().Sub(start) >= s.budget() {
			rep.More = hasOwed(due[i:], blocked, stopped)
			break
		}
		if err := ctx.Err(); err != nil {
			return rep, fault.Wrap(fault.Transient, err, "role sync interrupted")
		}
		attempts++
		err := s.Discord.GrantRole(ctx, guild, g.DiscordID, g.RoleID)
		var refusal *Refusal
		switch {
		case err == nil:
			if _, err := s.Store.MarkGranted(ctx, guild, g.DiscordID, g.RoleID); err != nil {
				return rep, fmt.Errorf("mark role %s granted to %s: %w", g.RoleID, g.DiscordID, err)
			}
			rep.Granted++
			s.forget(ctx, guild, g.RoleID, cleared, &rep)
		case errors.Is(err, ErrMemberGone):
			rep.Left++
		case errors.As(err, &refusal):
			p := roles.Problem{RoleID: g.RoleID, Reason: refusal.Reason}
			if p.Reason == roles.MissingPermission {
				stopped = true
			} else {
				blocked[g.RoleID] = true
			}
			f, err := s.tell(ctx, guild, p)
			rep.Problems = append(rep.Problems, f)
			if err != nil {
				return rep, err
			}
		default:
			return rep, fmt.Errorf("grant role %s to %s: %w", g.RoleID, g.DiscordID, err)
		}
	}
	return rep, rep.ForgetErr
}

// owed reads what the guild owes: rules, links, watchtime and grants made,
// and returns the due grants.
func (s *Syncer) owed(ctx context.Context, guild string) ([]roles.Grant, Report, error) {
	var rep Report
	rules, err := s.Store.RoleRules(ctx, guild)
	if err != nil {
		return nil, rep, err
	}
	lowest := int64(0)
	for _, r := range rules {
		if r.RoleID == "" || r.Minutes < roles.MinMinutes {
			continue
		}
		rep.Rules++
		if lowest == 0 || r.Minutes < lowest {
			lowest = r.Minutes
		}
	}
	if rep.Rules == 0 {
		return nil, rep, nil
	}
	links, err := s.Store.LinkedViewers(ctx, guild)
	if err != nil || len(links) == 0 {
		return nil, rep, err
	}
	users := make([]int64, 0, len(links))
	for _, l := range links {
		users = append(users, l.KickUser)
	}
	watched, err := s.Store.WatchMinutes(ctx, guild, users)
	if err != nil {
		return nil, rep, err
	}
	var members []roles.Member
	for _, l := range links {
		if m, ok := watched[l.KickUser]; ok && m >= lowest && l.DiscordUser != "" {
			members = append(members, roles.Member{DiscordID: l.DiscordUser, WatchMinutes: m})
		}
	}
	rep.Members = len(members)
	if len(members) == 0 {
		return nil, rep, nil
	}
	granted, err := s.Store.Granted(ctx, guild)
	if err != nil {
		return nil, rep, err
	}
	for i := range members {
		members[i].Roles = granted[members[i].DiscordID]
	}
	due := roles.Due(rules, members)
	rep.Due = len(due)
	return due, rep, nil
}

// tell reports p to the guild's admins once. Only a Transient failure is
// returned: it fails the sync, for a retry; any other is the finding's.
func (s *Syncer) tell(ctx context.Context, guild string, p roles.Problem) (Finding, error) {
	f := Finding{Problem: p}
	if s.Notify == nil {
		return f, nil
	}
	f.Told, f.Err = s.Notify.Once(ctx, guild, p.Key(), p.Message())
	if fault.Is(f.Err, fault.Transient) {
		return f, fmt.Errorf("tell the admins %s: %w", p.Key(), f.Err)
	}
	return f, nil
}

// forget clears, after a grant of role succeeded, the markers of the
// problems that the grant shows are gone: the bot's missing permission
// and the role being above the bot's, once each per run. A failure does
// not stop the sync; the first is kept in rep.
func (s *Syncer) forget(ctx context.Context, guild, role string, cleared map[string]bool, rep *Report) {
	if s.Notify == nil {
		return
	}
	for _, p := range []roles.Problem{{Reason: roles.MissingPermission}, {RoleID: role, Reason: roles.RoleAbove}} {
		k := p.Key()
		if cleared[k] {
			continue
		}
		cleared[k] = true
		if err := s.Notify.Forget(ctx, guild, k); err != nil && rep.ForgetErr == nil {
			rep.ForgetErr = fmt.Errorf("forget problem %s: %w", k, err)
		}
	}
}

// hasOwed reports whether any of due is still to be tried in a later run
// (it would not be skipped in this one).
func hasOwed(due []roles.Grant, blocked map[string]bool, stopped bool) bool {
	if stopped {
		return false
	}
	for _, g := range due {
		if !blocked[g.RoleID] {
			return true
		}
	}
	return false
}

// rotate starts due, when it holds more grants than a run makes, at an
// offset that changes every minute, so that grants which keep failing
// without a problem (members who left) cannot hold the head of the list
// and starve the others for ever. A short list keeps its order.
func rotate(due []roles.Grant, limit int, now time.Time) []roles.Grant {
	if len(due) <= limit {
		return due
	}
	// Fibonacci hashing spreads consecutive minutes over the list.
	h := uint64(now.Unix()/60) * 0x9E3779B97F4A7C15
	off := int((h >> 32) % uint64(len(due)))
	return append(due[off:len(due):len(due)], due[:off]...)
}

func (s *Syncer) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Syncer) maxGrants() int {
	if s.MaxGrants <= 0 {
		return DefaultMaxGrants
	}
	return s.MaxGrants
}

func (s *Syncer) budget() time.Duration {
	if s.Budget <= 0 {
		return DefaultBudget
	}
	return s.Budget
}
