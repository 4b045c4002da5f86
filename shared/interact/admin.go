package interact

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/wording"
)

// maxIgnoredField keeps the ignore list within an embed field's 1,024
// characters.
const maxIgnoredField = 1000

func (h *Handler) settingsShow(ctx context.Context, r Request) (Response, error) {
	s, err := h.Store.Settings(ctx, r.Guild)
	if err != nil {
		return Response{}, err
	}
	return Response{Ephemeral: true, Embeds: []Embed{settingsEmbed("Settings", s)}}, nil
}

// settingsSet applies every option given to the guild's settings and
// stores them if they validate; any bad option changes nothing.
func (h *Handler) settingsSet(ctx context.Context, r Request) (Response, error) {
	s, err := h.Store.Settings(ctx, r.Guild)
	if err != nil {
		return Response{}, err
	}
	s.Ignored = slices.Clone(s.Ignored) // the store's copy stays as it was
	changed := false
	if n, ok, err := wholeOption(r, "activity_window", "the activity window"); err != nil {
		return Response{}, err
	} else if ok {
		// Bounded first so that the product cannot overflow into range;
		// Validate rejects it either way.
		s.ActivityWindow = time.Duration(min(max(n, 0), 1<<20)) * time.Minute
		changed = true
	}
	if n, ok, err := wholeOption(r, "points_per_5min", "points per 5 minutes"); err != nil {
		return Response{}, err
	} else if ok {
		s.PointsPer5Min, changed = n, true
	}
	if n, ok, err := wholeOption(r, "sub_multiplier", "the subscriber multiplier"); err != nil {
		return Response{}, err
	} else if ok {
		s.SubMultiplierPct, changed = n, true
	}
	if v, ok := r.Options["track_offline"]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Response{}, fault.E(fault.Invalid, "track_offline must be true or false")
		}
		s.TrackOffline, changed = b, true
	}
	if v, ok := r.Options["ignore_add"]; ok {
		name, err := ignoredName(v)
		if err != nil {
			return Response{}, err
		}
		if !slices.Contains(s.Ignored, name) {
			s.Ignored = append(s.Ignored, name)
		}
		changed = true
	}
	if v, ok := r.Options["ignore_remove"]; ok {
		name, err := ignoredName(v)
		if err != nil {
			return Response{}, err
		}
		i := slices.Index(s.Ignored, name)
		if i < 0 {
			return Response{}, fault.E(fault.NotFound, "%s is not on the ignore list", escape(name))
		}
		s.Ignored = slices.Delete(s.Ignored, i, i+1)
		changed = true
	}
	if v, ok := r.Options["announce_channel"]; ok {
		if !isSnowflake(v) {
			return Response{}, fault.E(fault.Invalid, "announce_channel must be a channel")
		}
		s.AnnounceChannel, changed = v, true
	}
	if v, ok := r.Options["announce_off"]; ok {
		off, err := strconv.ParseBool(v)
		if err != nil {
			return Response{}, fault.E(fault.Invalid, "announce_off must be true or false")
		}
		if off {
			if _, both := r.Options["announce_channel"]; both {
				return Response{}, fault.E(fault.Invalid, "choose announce_channel or announce_off, not both")
			}
			s.AnnounceChannel = ""
		}
		changed = true
	}
	if !changed {
		return Response{}, fault.E(fault.Invalid, "choose at least one setting to change")
	}
	if err := s.Validate(); err != nil {
		return Response{}, err
	}
	if err := h.Store.PutSettingsOnce(ctx, r.Guild, s, r.Cause()); err != nil {
		return Response{}, err
	}
	return Response{Ephemeral: true, Embeds: []Embed{settingsEmbed("Settings saved", s)}}, nil
}

// wholeOption parses r's option name as a whole number; false when it was
// not given. what names it in the error.
func wholeOption(r Request, name, what string) (int64, bool, error) {
	v, ok := r.Options[name]
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, false, fault.E(fault.Invalid, "%s must be a whole number", what)
	}
	return n, true, nil
}

// ignoredName returns the form a name takes on the ignore list.
func ignoredName(v string) (string, error) {
	name := settings.NormalizeName(strings.TrimPrefix(strings.TrimSpace(v), "@"))
	if !isUsername(name) {
		return "", fault.E(fault.Invalid, "that is not a Kick username")
	}
	return name, nil
}

// isSnowflake reports whether s is a Discord id: 1 to 20 digits.
func isSnowflake(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func settingsEmbed(title string, s settings.Settings) Embed {
	window := int64(s.ActivityWindow / time.Minute)
	offline := "off"
	if s.TrackOffline {
		offline = "on"
	}
	announce := "none"
	if s.AnnounceChannel != "" {
		announce = "<#" + s.AnnounceChannel + ">"
	}
	return Embed{
		Title: title,
		Fields: []Field{
			{Name: "Activity window", Value: wording.Thousands(window) + " " + wording.Plural(window, "minute"), Inline: true},
			{Name: "Points per 5 minutes", Value: wording.Thousands(s.PointsPer5Min), Inline: true},
			{Name: "Subscriber multiplier", Value: wording.Thousands(s.SubMultiplierPct) + "%", Inline: true},
			{Name: "Track offline", Value: offline, Inline: true},
			{Name: "Announcements", Value: announce, Inline: true},
			{Name: "Ignored viewers", Value: nameList(s.Ignored, maxIgnoredField)},
		},
		Color: Accent,
	}
}

// nameList joins names, escaped, into at most limit bytes, counting those
// left out.
func nameList(names []string, limit int) string {
	if len(names) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, n := range names {
		item := escape(n)
		if i > 0 {
			item = ", " + item
		}
		// Room for the longest "… and N more".
		if b.Len()+len(item) > limit-20 {
			fmt.Fprintf(&b, " … and %d more", len(names)-i)
			break
		}
		b.WriteString(item)
	}
	return b.String()
}

// adjust returns the handler of /points add, remove or set: one ledger
// change caused by the interaction, so that a retried interaction changes
// the balance once.
func adjust(op points.Op) handlerFunc {
	return func(h *Handler, ctx context.Context, r Request) (Response, error) {
		name, err := username(r)
		if err != nil {
			return Response{}, err
		}
		amount, err := parseAmount(r.Options["amount"], op == points.Set)
		if err != nil {
			return Response{}, err
		}
		c := points.Change{
			Cause:  r.ID,
			Op:     op,
			Milli:  points.FromWhole(amount),
			Reason: strings.TrimSpace(r.Options["reason"]),
			By:     r.UserID,
			At:     r.At,
		}
		// Before any read: a bad reason needs no viewer.
		if err := c.Validate(); err != nil {
			return Response{}, err
		}
		v, err := h.viewerNamed(ctx, r.Guild, name)
		if err != nil {
			return Response{}, err
		}
		e, err := h.Store.AdjustPoints(ctx, r.Guild, v.UserID, c)
		switch {
		case fault.Is(err, fault.Conflict) && op == points.Remove:
			return Response{}, &fault.Error{Kind: fault.Conflict, Err: err,
				Msg: fmt.Sprintf("cannot remove %s %s from %s: %s",
					wording.Thousands(amount), wording.Plural(amount, "point"), escape(v.Username), fault.Message(err))}
		case fault.Is(err, fault.NotFound):
			return Response{}, noViewer(v.Username, err)
		case err != nil:
			return Response{}, err
		}
		return Response{Ephemeral: true, Embeds: []Embed{adjustEmbed(v.Username, e)}}, nil
	}
}

// parseAmount parses whole points: 1 to MaxAmount, or from 0 when zero is
// true.
func parseAmount(v string, zero bool) (int64, error) {
	least := int64(1)
	if zero {
		least = 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < least || n > MaxAmount {
		return 0, fault.E(fault.Invalid, "amount must be a whole number between %d and %s", least, wording.Thousands(MaxAmount))
	}
	return n, nil
}

// adjustEmbed confirms e. The change of an Add or Remove is its amount;
// of a Set, the difference in whole points it made.
func adjustEmbed(name string, e points.Entry) Embed {
	before, after := points.Whole(e.Before), points.Whole(e.After)
	title, change := "Points set", signed(after-before)
	switch e.Op {
	case points.Add:
		title, change = "Points added", signed(points.Whole(e.Milli))
	case points.Remove:
		title, change = "Points removed", signed(-points.Whole(e.Milli))
	}
	embed := Embed{
		Title:       title,
		Description: fmt.Sprintf("**%s** now has %s.", escape(name), boldPoints(after)),
		Fields: []Field{
			{Name: "Before", Value: wording.Thousands(before), Inline: true},
			{Name: "Change", Value: change, Inline: true},
			{Name: "After", Value: wording.Thousands(after), Inline: true},
		},
		// The cause finds the ledger entry again.
		Footer: "Ledger entry " + e.Cause,
		Color:  Accent,
	}
	if e.Reason != "" {
		embed.Fields = append(embed.Fields, Field{Name: "Reason", Value: e.Reason})
	}
	return embed
}
