package interact

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/roles"
	"github.com/kickbot/kickbot/shared/wording"
)

func (h *Handler) roleRules() (RoleRules, error) {
	if h.Roles == nil {
		return nil, fault.E(fault.NotFound, "role rewards are not set up on this bot")
	}
	return h.Roles, nil
}

func (h *Handler) rolesAdd(ctx context.Context, r Request) (Response, error) {
	store, err := h.roleRules()
	if err != nil {
		return Response{}, err
	}
	n, ok, err := wholeOption(r, "minutes", "minutes")
	if err != nil {
		return Response{}, err
	}
	rule := roles.Rule{Minutes: n, RoleID: strings.TrimSpace(r.Options["role"])}
	if !ok || rule.RoleID == "" {
		return Response{}, fault.E(fault.Invalid, "choose a role and its minutes of watchtime")
	}
	rules, err := store.RoleRules(ctx, r.Guild)
	if err != nil {
		return Response{}, err
	}
	// The whole set must stay valid: limits, one role per threshold, one
	// threshold per role.
	if !slices.Contains(rules, rule) {
		if err := roles.Validate(append(rules, rule)); err != nil {
			return Response{}, err
		}
	}
	if err := store.AddRoleRuleOnce(ctx, r.Guild, rule, r.Cause()); err != nil {
		return Response{}, err
	}
	// The stored rules are the ones read plus this one: no second read.
	if !slices.Contains(rules, rule) {
		rules = append(rules, rule)
		roles.Sort(rules)
	}
	return Response{Ephemeral: true, Embeds: []Embed{rolesEmbed(
		fmt.Sprintf("Linked members who watched %s get <@&%s>. The next sync (every 10 minutes) grants it.", wording.Minutes(n), rule.RoleID),
		rules)}}, nil
}

func (h *Handler) rolesRemove(ctx context.Context, r Request) (Response, error) {
	store, err := h.roleRules()
	if err != nil {
		return Response{}, err
	}
	n, ok, err := wholeOption(r, "minutes", "minutes")
	if err != nil {
		return Response{}, err
	}
	if !ok {
		return Response{}, fault.E(fault.Invalid, "name the minutes of the reward to remove")
	}
	if err := store.RemoveRoleRuleOnce(ctx, r.Guild, n, r.Cause()); err != nil {
		return Response{}, err
	}
	rules, err := store.RoleRules(ctx, r.Guild)
	if err != nil {
		return Response{}, err
	}
	return Response{Ephemeral: true, Embeds: []Embed{rolesEmbed(
		fmt.Sprintf("The reward at %s is removed; members keep roles they were given.", wording.Minutes(n)), rules)}}, nil
}

func (h *Handler) rolesList(ctx context.Context, r Request) (Response, error) {
	store, err := h.roleRules()
	if err != nil {
		return Response{}, err
	}
	rules, err := store.RoleRules(ctx, r.Guild)
	if err != nil {
		return Response{}, err
	}
	return Response{Ephemeral: true, Embeds: []Embed{rolesEmbed("", rules)}}, nil
}

// rolesEmbed lists rules and suggests the default tiers not used yet.
func rolesEmbed(desc string, rules []roles.Rule) Embed {
	var lines []string
	for _, rule := range rules {
		lines = append(lines, fmt.Sprintf("%s → <@&%s>", wording.Minutes(rule.Minutes), rule.RoleID))
	}
	e := Embed{Title: "Role rewards", Description: desc, Color: Accent,
		Fields: []Field{{Name: "Rewards", Value: orNone(strings.Join(lines, "\n"))}}}
	if s := roles.Suggest(rules); len(s) > 0 {
		var tiers []string
		for _, m := range s {
			tiers = append(tiers, fmt.Sprintf("%d (%s)", m, wording.Minutes(m)))
		}
		e.Footer = "Suggested tiers: " + strings.Join(tiers, ", ") + " minutes — /roles add role:<role> minutes:<n>"
	}
	return e
}
