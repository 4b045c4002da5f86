package interact

import (
	"context"
	"fmt"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/fault"
)

// Bans lifts the bans the bot recorded from Kick's moderation events:
// Kick sends no event when a ban is lifted, so an admin says so.
type Bans interface {
	// Unban lifts the ban of guild's viewer userID as of at; a ban issued
	// after at stays, and a ban issued before at that arrives later
	// changes nothing. It returns the viewer as stored afterwards;
	// fault.NotFound for a viewer never seen.
	Unban(ctx context.Context, guild string, userID int64, at time.Time) (audience.Viewer, error)
}

// viewerUnban answers /viewer unban: the viewer earns again. The unban
// is ordered by the interaction's arrival against the bans Kick reports,
// and claimed by the interaction's id first, so the same signed
// interaction sent again (within Discord's five minutes, after a newer
// ban) changes nothing. A claim whose unban then fails is lost with it:
// the admin, told of the failure, runs the command again.
func (h *Handler) viewerUnban(ctx context.Context, r Request) (Response, error) {
	if h.Bans == nil {
		return Response{}, fault.E(fault.NotFound, "unbanning is not set up on this bot")
	}
	name, err := username(r)
	if err != nil {
		return Response{}, err
	}
	v, err := h.viewerNamed(ctx, r.Guild, name)
	if err != nil {
		return Response{}, err
	}
	if err := h.Store.ClaimInteraction(ctx, r.Guild, r.Cause()); err != nil {
		return Response{}, err
	}
	after, err := h.Bans.Unban(ctx, r.Guild, v.UserID, r.At)
	if fault.Is(err, fault.NotFound) {
		return Response{}, noViewer(v.Username, err)
	}
	if err != nil {
		return Response{}, err
	}
	var desc string
	switch {
	case after.Banned(r.At):
		// A ban issued after this command arrived first: it stands.
		desc = fmt.Sprintf("**%s** stays banned: Kick reported a ban %s, issued after this command. Run it again to lift that one.",
			escape(v.Username), banTerm(after))
	case v.Banned(r.At):
		desc = fmt.Sprintf("**%s** earns watchtime and points again from their next activity. This does not lift the ban on Kick.", escape(v.Username))
	default:
		desc = fmt.Sprintf("**%s** is not banned; nothing changed.", escape(v.Username))
	}
	return Response{Ephemeral: true, Embeds: []Embed{{Title: "Unban", Description: desc, Color: Accent}}}, nil
}

// banTerm says how long v's ban lasts: "for ever" or "until <time>", in
// Discord's timestamp markup, which every reader sees in their own zone.
func banTerm(v audience.Viewer) string {
	if !v.BannedUntil.Before(audience.Forever) {
		return "for ever"
	}
	return fmt.Sprintf("until <t:%d:f>", v.BannedUntil.Unix())
}

// banField shows an admin the ban or timeout in force on v at t: the
// answer's only hint why a viewer stopped earning. ok is false when v is
// not banned at t.
func banField(v audience.Viewer, t time.Time) (f Field, ok bool) {
	if !v.Banned(t) {
		return Field{}, false
	}
	value := "Banned on Kick " + banTerm(v)
	if !v.BannedAt.IsZero() {
		value += fmt.Sprintf(" (issued <t:%d:f>)", v.BannedAt.Unix())
	}
	return Field{Name: "Banned", Value: value + "; earns nothing meanwhile. /viewer unban lifts it here."}, true
}
