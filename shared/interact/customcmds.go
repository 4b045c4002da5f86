package interact

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/custom"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/wording"
)

// CustomCommands are a guild's own chat commands, as /command manages
// them.
type CustomCommands interface {
	// AddCustomCommandOnce adds c, once per cause: ErrApplied when cause
	// took effect before, fault.Invalid when c does not validate,
	// fault.Conflict when a name of c is taken or the guild has
	// custom.MaxCommands commands.
	AddCustomCommandOnce(ctx context.Context, guild string, c custom.Command, cause Cause) error
	// EditCustomCommandOnce applies e to the command called name, once
	// per cause, and returns it as stored: ErrApplied when cause took
	// effect before, fault.NotFound when there is no such command,
	// fault.Invalid when name is an alias or the result does not
	// validate, fault.Conflict when a new alias is taken.
	EditCustomCommandOnce(ctx context.Context, guild, name string, e custom.Edit, cause Cause) (custom.Command, error)
	// RemoveCustomCommandOnce removes the command called name with its
	// aliases, once per cause: ErrApplied when cause took effect before,
	// fault.NotFound when there is none, fault.Invalid for an alias.
	RemoveCustomCommandOnce(ctx context.Context, guild, name string, cause Cause) error
	// CustomCommand returns the command called name or having it as an
	// alias, without its Uses; fault.NotFound when there is none.
	CustomCommand(ctx context.Context, guild, name string) (custom.Command, error)
	// CustomCommands returns all the guild's commands, by name, without
	// their Uses.
	CustomCommands(ctx context.Context, guild string) ([]custom.Command, error)
	// CustomCommandUses returns how often the command called name was
	// used.
	CustomCommandUses(ctx context.Context, guild, name string) (int64, error)
}

// Options of /command.
var (
	commandNameOption = Option{Name: "name", Description: "The command's name, without the !", Type: StringOption, Required: true,
		MaxLen: custom.MaxName + 1}
	commandLevelChoices = []Choice{
		{"Everyone", command.Everyone.String()}, {"Subscribers", command.Subscriber.String()}, {"VIPs", command.VIP.String()},
		{"Moderators", command.Moderator.String()}, {"Broadcaster", command.Broadcaster.String()},
	}
)

// maxAliasesOption fits custom.MaxAliases names with a "!" and ", " each.
const maxAliasesOption = custom.MaxAliases * (custom.MaxName + 3)

// clearAliases is what the aliases option of /command edit takes to
// remove every alias: Discord sends no empty option.
const clearAliases = "-"

// commandOptions are the options of /command add (edit: true adds
// enabled and makes the response optional).
func commandOptions(edit bool) []Option {
	aliases := "Other names, comma-separated"
	if edit {
		aliases += `; "` + clearAliases + `" removes them all`
	}
	maxSeconds := int64(custom.MaxCooldown / time.Second)
	opts := []Option{
		commandNameOption,
		{Name: "response", Description: "What the bot says; variables such as {user} are filled in", Type: StringOption,
			Required: !edit, MaxLen: custom.MaxResponse},
		{Name: "aliases", Description: aliases, Type: StringOption, MaxLen: maxAliasesOption},
		{Name: "level", Description: "Who may run it (default: everyone)", Type: StringOption, Choices: commandLevelChoices},
		{Name: "cooldown", Description: "Seconds it rests after any use (default: 5)", Type: IntegerOption, Min: 0, Max: maxSeconds},
		{Name: "user_cooldown", Description: "Seconds it rests for a viewer after their use (default: 0)", Type: IntegerOption,
			Min: 0, Max: maxSeconds},
	}
	if edit {
		opts = append(opts, Option{Name: "enabled", Description: "Whether chat can use it", Type: BooleanOption})
	}
	return opts
}

func (h *Handler) customStore() (CustomCommands, error) {
	if h.Custom == nil {
		return nil, fault.E(fault.NotFound, "custom commands are not set up on this bot")
	}
	return h.Custom, nil
}

// commandEdit reads the options of /command add and edit other than the
// name into an Edit: bad values are fault.Invalid.
func commandEdit(r Request) (custom.Edit, error) {
	var e custom.Edit
	if v, ok := r.Options["response"]; ok {
		v = strings.TrimSpace(v)
		e.Response = &v
	}
	if v, ok := r.Options["aliases"]; ok {
		var aliases []string
		if strings.TrimSpace(v) != clearAliases {
			aliases = custom.ParseAliases(v)
		}
		e.Aliases = &aliases
	}
	if v, ok := r.Options["level"]; ok {
		l, err := command.ParseLevel(v)
		if err != nil {
			return custom.Edit{}, err
		}
		e.Level = &l
	}
	for _, o := range []struct {
		name, what string
		to         **time.Duration
	}{{"cooldown", "cooldown", &e.Cooldown}, {"user_cooldown", "user_cooldown", &e.UserCooldown}} {
		n, ok, err := wholeOption(r, o.name, o.what)
		if err != nil {
			return custom.Edit{}, err
		}
		if ok {
			if n < 0 || n > int64(custom.MaxCooldown/time.Second) {
				return custom.Edit{}, fault.E(fault.Invalid, "%s is 0 to %s seconds", o.what, wording.Thousands(int64(custom.MaxCooldown/time.Second)))
			}
			d := time.Duration(n) * time.Second
			*o.to = &d
		}
	}
	if v, ok := r.Options["enabled"]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return custom.Edit{}, fault.E(fault.Invalid, "enabled must be true or false")
		}
		e.Enabled = &b
	}
	return e, nil
}

// commandName is the normalized name option of r.
func commandName(r Request) (string, error) {
	name := custom.NormalizeName(r.Options["name"])
	if name == "" {
		return "", fault.E(fault.Invalid, "name the command")
	}
	return name, nil
}

func (h *Handler) commandAdd(ctx context.Context, r Request) (Response, error) {
	store, err := h.customStore()
	if err != nil {
		return Response{}, err
	}
	name, err := commandName(r)
	if err != nil {
		return Response{}, err
	}
	if _, ok := r.Options["enabled"]; ok {
		return Response{}, fault.E(fault.Invalid, "a new command is enabled; use /command edit to turn it off")
	}
	e, err := commandEdit(r)
	if err != nil {
		return Response{}, err
	}
	if e.Response == nil {
		return Response{}, fault.E(fault.Invalid, "give the command a response")
	}
	c, err := e.Apply(custom.New(name, ""))
	if err != nil {
		return Response{}, err
	}
	if err := store.AddCustomCommandOnce(ctx, r.Guild, c, r.Cause()); err != nil {
		return Response{}, err
	}
	return Response{Ephemeral: true, Embeds: []Embed{commandEmbed("Command added", c, -1)}}, nil
}

func (h *Handler) commandEdit(ctx context.Context, r Request) (Response, error) {
	store, err := h.customStore()
	if err != nil {
		return Response{}, err
	}
	name, err := commandName(r)
	if err != nil {
		return Response{}, err
	}
	e, err := commandEdit(r)
	if err != nil {
		return Response{}, err
	}
	if e.Empty() {
		return Response{}, fault.E(fault.Invalid, "choose at least one thing to change")
	}
	c, err := store.EditCustomCommandOnce(ctx, r.Guild, name, e, r.Cause())
	if err != nil {
		return Response{}, err
	}
	return Response{Ephemeral: true, Embeds: []Embed{commandEmbed("Command changed", c, -1)}}, nil
}

func (h *Handler) commandRemove(ctx context.Context, r Request) (Response, error) {
	store, err := h.customStore()
	if err != nil {
		return Response{}, err
	}
	name, err := commandName(r)
	if err != nil {
		return Response{}, err
	}
	if err := store.RemoveCustomCommandOnce(ctx, r.Guild, name, r.Cause()); err != nil {
		return Response{}, err
	}
	return Response{Ephemeral: true, Content: fmt.Sprintf("Removed !%s and its aliases.", escape(name))}, nil
}

func (h *Handler) commandShow(ctx context.Context, r Request) (Response, error) {
	store, err := h.customStore()
	if err != nil {
		return Response{}, err
	}
	name, err := commandName(r)
	if err != nil {
		return Response{}, err
	}
	c, err := store.CustomCommand(ctx, r.Guild, name)
	if err != nil {
		return Response{}, err
	}
	uses, err := store.CustomCommandUses(ctx, r.Guild, c.Name)
	if err != nil {
		return Response{}, err
	}
	return Response{Ephemeral: true, Embeds: []Embed{commandEmbed("!"+c.Name, c, uses)}}, nil
}

// maxListLine and maxList keep a listed response short and the list
// within an embed description's 4,096 characters.
const (
	maxListLine = 60
	maxList     = 4000
)

func (h *Handler) commandList(ctx context.Context, r Request) (Response, error) {
	store, err := h.customStore()
	if err != nil {
		return Response{}, err
	}
	cmds, err := store.CustomCommands(ctx, r.Guild)
	if err != nil {
		return Response{}, err
	}
	e := Embed{Title: "Custom commands", Color: Accent,
		Footer: fmt.Sprintf("%d of %d — /command show name:<name> for the details", len(cmds), custom.MaxCommands)}
	if len(cmds) == 0 {
		e.Description = "None yet. Add one with /command add name:<name> response:<text>."
		return Response{Ephemeral: true, Embeds: []Embed{e}}, nil
	}
	var b strings.Builder
	for i, c := range cmds {
		line := "**!" + escape(c.Name) + "**"
		if !c.Enabled {
			line += " (off)"
		}
		if c.Level != command.Everyone {
			line += " [" + c.Level.String() + "]"
		}
		line += " — " + escape(clip(c.Response, maxListLine)) + "\n"
		// Room for the longest "… and N more".
		if b.Len()+len(line) > maxList-20 {
			fmt.Fprintf(&b, "… and %d more", len(cmds)-i)
			break
		}
		b.WriteString(line)
	}
	e.Description = strings.TrimSuffix(b.String(), "\n")
	return Response{Ephemeral: true, Embeds: []Embed{e}}, nil
}

// clip shortens s to at most n characters, on one line.
func clip(s string, n int) string {
	return wording.Cut(strings.Join(strings.Fields(s), " "), n)
}

// commandEmbed shows c; its uses when uses ≥ 0.
func commandEmbed(title string, c custom.Command, uses int64) Embed {
	aliases := make([]string, len(c.Aliases))
	for i, a := range c.Aliases {
		aliases[i] = "!" + a
	}
	enabled := "on"
	if !c.Enabled {
		enabled = "off"
	}
	e := Embed{Title: title, Description: "!" + escape(c.Name) + " says:\n" + escape(c.Response), Color: Accent,
		Fields: []Field{
			{Name: "Aliases", Value: nameList(aliases, maxIgnoredField), Inline: true},
			{Name: "Who may run it", Value: c.Level.String(), Inline: true},
			{Name: "Enabled", Value: enabled, Inline: true},
			{Name: "Cooldown", Value: seconds(c.Cooldown), Inline: true},
			{Name: "Per viewer", Value: seconds(c.UserCooldown), Inline: true},
		}}
	if uses >= 0 {
		e.Fields = append(e.Fields, Field{Name: "Uses", Value: wording.Thousands(uses), Inline: true})
	}
	return e
}

func seconds(d time.Duration) string {
	n := int64(d / time.Second)
	if n == 0 {
		return "none"
	}
	return wording.Thousands(n) + " " + wording.Plural(n, "second")
}
