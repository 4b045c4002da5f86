// Package roles is the watchtime role rewards: which Discord role a linked
// member earns at which watchtime, and which grants a sync still owes.
//
// Roles are only ever granted, never taken away, and a role is granted
// once: a member's Roles are the grants our records hold, so a member who
// removes a role (or whom a moderator strips of it) does not get it back at
// the next sync.
//
// When a grant cannot be made the cause is usually the guild's setup (the
// bot lacks Manage Roles, its role sits below the reward role, the role was
// deleted), and it will fail the same way for every member until an admin
// fixes it. A Problem names such a cause; its Key lets the store write a
// "reported" marker with a condition, so admins hear of it once rather
// than once per member per sync.
package roles

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/kickbot/kickbot/shared/fault"
)

// Rule grants the Discord role RoleID to linked members who have watched
// at least Minutes minutes.
type Rule struct {
	Minutes int64
	RoleID  string
}

// Limits of a guild's rules.
const (
	MinMinutes = 1
	MaxMinutes = 10_000_000 // about 19 years of watching
	MaxRules   = 25         // one Discord select menu of choices
)

// Defaults returns the suggested tiers, 120, 600 and 2000 minutes (two,
// ten and about thirty-three hours, as the original bot had), as rules
// without a role: an admin picks the role for each before they are valid.
func Defaults() []Rule {
	return []Rule{{Minutes: 120}, {Minutes: 600}, {Minutes: 2000}}
}

// Suggest returns the default thresholds, in ascending order, that rules
// does not use yet: what to offer an admin adding a rule.
func Suggest(rules []Rule) []int64 {
	var out []int64
	for _, d := range Defaults() {
		if !slices.ContainsFunc(rules, func(r Rule) bool { return r.Minutes == d.Minutes }) {
			out = append(out, d.Minutes)
		}
	}
	return out
}

// Validate reports the first problem with a guild's rules as an Invalid
// error whose message names the rule: too many rules, minutes out of
// MinMinutes..MaxMinutes, a role id that is not a Discord id, or two rules
// with the same minutes or the same role.
func Validate(rules []Rule) error {
	if len(rules) > MaxRules {
		return fault.E(fault.Invalid, "at most %d role rewards", MaxRules)
	}
	for i, r := range rules {
		if r.Minutes < MinMinutes || r.Minutes > MaxMinutes {
			return fault.E(fault.Invalid, "role reward minutes must be between %d and %d", MinMinutes, MaxMinutes)
		}
		if r.RoleID == "" {
			return fault.E(fault.Invalid, "role reward at %d minutes needs a role", r.Minutes)
		}
		if !isSnowflake(r.RoleID) {
			return fault.E(fault.Invalid, "role reward at %d minutes: %q is not a Discord role id", r.Minutes, clip(r.RoleID))
		}
		for _, o := range rules[:i] {
			if o.Minutes == r.Minutes {
				return fault.E(fault.Invalid, "two role rewards at %d minutes", r.Minutes)
			}
			if o.RoleID == r.RoleID {
				return fault.E(fault.Invalid, "role <@&%s> is already a reward at %d minutes", r.RoleID, o.Minutes)
			}
		}
	}
	return nil
}

// Sort orders rules by minutes, then role id, in place.
func Sort(rules []Rule) {
	slices.SortFunc(rules, func(a, b Rule) int {
		return cmp.Or(cmp.Compare(a.Minutes, b.Minutes), compareIDs(a.RoleID, b.RoleID))
	})
}

// Next returns the rule with the fewest minutes that watchMinutes has not
// reached: what a member's "!watchtime" names as the next reward. Rules
// without a role are ignored; ok is false when every reward is reached.
func Next(rules []Rule, watchMinutes int64) (next Rule, ok bool) {
	for _, r := range rules {
		if r.RoleID == "" || r.Minutes <= watchMinutes {
			continue
		}
		if !ok || r.Minutes < next.Minutes || r.Minutes == next.Minutes && compareIDs(r.RoleID, next.RoleID) < 0 {
			next, ok = r, true
		}
	}
	return next, ok
}

// Member is a linked guild member as a role sync sees them.
type Member struct {
	DiscordID    string
	WatchMinutes int64
	// Roles are the role ids already granted, per our records.
	Roles []string
}

// Grant is a role a sync owes a member, and the threshold that earned it.
type Grant struct {
	DiscordID string
	RoleID    string
	Minutes   int64
}

// Due returns every grant owed: for each member, each rule whose minutes
// they have reached and whose role they do not hold. Rules without a role
// or with minutes below MinMinutes, and members without a Discord id, are
// skipped. A role named by several rules is granted once, for the lowest
// threshold reached; a member listed twice is owed each grant once. Grants
// are ordered by member id (numerically), then minutes, then role id.
func Due(rules []Rule, members []Member) []Grant {
	var out []Grant
	for _, m := range members {
		if m.DiscordID == "" {
			continue
		}
		for _, r := range rules {
			if r.RoleID == "" || r.Minutes < MinMinutes || m.WatchMinutes < r.Minutes || slices.Contains(m.Roles, r.RoleID) {
				continue
			}
			out = append(out, Grant{DiscordID: m.DiscordID, RoleID: r.RoleID, Minutes: r.Minutes})
		}
	}
	slices.SortFunc(out, func(a, b Grant) int {
		return cmp.Or(compareIDs(a.DiscordID, b.DiscordID), cmp.Compare(a.Minutes, b.Minutes), compareIDs(a.RoleID, b.RoleID))
	})
	// After sorting, a repeat of (member, role) follows the first at a
	// higher or equal threshold.
	seen := map[[2]string]bool{}
	return slices.DeleteFunc(out, func(g Grant) bool {
		k := [2]string{g.DiscordID, g.RoleID}
		if seen[k] {
			return true
		}
		seen[k] = true
		return false
	})
}

// Reason is why a role could not be granted.
type Reason uint8

const (
	// MissingPermission: the bot lacks Manage Roles in the guild. It
	// concerns every role, so it is reported once per guild.
	MissingPermission Reason = iota + 1
	// RoleAbove: the role is at or above the bot's highest role, so
	// Discord's role hierarchy forbids granting it.
	RoleAbove
	// RoleGone: the role no longer exists.
	RoleGone
)

func (r Reason) String() string {
	switch r {
	case MissingPermission:
		return "missing-permission"
	case RoleAbove:
		return "role-above"
	case RoleGone:
		return "role-gone"
	default:
		return "reason-" + strconv.Itoa(int(r))
	}
}

// Problem is a cause of failed grants, to be reported to the guild's
// admins once.
type Problem struct {
	RoleID string
	Reason Reason
}

// Key names p for a "reported once" marker under the guild:
// "missing-permission" for MissingPermission (whatever the role), and
// "<reason>#<role id>" otherwise. Clear a role's markers when a grant of
// it succeeds (or give them a TTL), so that a problem that comes back is
// reported again.
func (p Problem) Key() string {
	if p.Reason == MissingPermission {
		return p.Reason.String()
	}
	return p.Reason.String() + "#" + p.RoleID
}

// Message tells an admin what is wrong and how to fix it, naming the role
// with a Discord mention.
func (p Problem) Message() string {
	switch p.Reason {
	case MissingPermission:
		return "I can't give watchtime roles: I need the Manage Roles permission."
	case RoleAbove:
		return "I can't give <@&" + p.RoleID + ">: move my role above it in Server Settings → Roles."
	case RoleGone:
		return "The watchtime reward role " + p.RoleID + " no longer exists; pick another role or remove the reward."
	default:
		return "I can't give <@&" + p.RoleID + ">."
	}
}

// compareIDs orders Discord ids numerically (shorter first, then by
// digits), which for snowflakes is the order of creation.
func compareIDs(a, b string) int {
	return cmp.Or(cmp.Compare(len(a), len(b)), cmp.Compare(a, b))
}

// isSnowflake reports whether s is a Discord id: decimal digits, no
// leading zero, not zero, fitting in 64 bits.
func isSnowflake(s string) bool {
	if s == "" || len(s) > 20 || s[0] == '0' {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

func clip(s string) string {
	if r := []rune(s); len(r) > 24 {
		return string(r[:24]) + "…"
	}
	return s
}
