package interact

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/consent"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/wording"
)

func (h *Handler) connection() (Connection, error) {
	if h.Kick == nil {
		return nil, fault.E(fault.NotFound, "the Kick connection is not set up on this bot")
	}
	return h.Kick, nil
}

// startButton answers with a link to Kick's consent, for the caller alone:
// the link carries their identity. The link is handed out once per
// interaction: whoever holds a copy of the signed interaction could
// otherwise replay it for a working link of their own.
func (h *Handler) startButton(ctx context.Context, r Request, purpose consent.Purpose, label, text string) (Response, error) {
	k, err := h.connection()
	if err != nil {
		return Response{}, err
	}
	if err := h.Store.ClaimInteraction(ctx, r.Guild, r.Cause()); err != nil {
		return Response{}, err
	}
	u, err := k.StartURL(purpose, r.Guild, r.UserID, r.At)
	if err != nil {
		return Response{}, err
	}
	return Response{
		Ephemeral: true,
		Embeds:    []Embed{{Title: label, Description: text, Color: Accent}},
		Buttons:   []Button{{Label: label, URL: u}},
	}, nil
}

func (h *Handler) kickConnect(ctx context.Context, r Request) (Response, error) {
	return h.startButton(ctx, r, consent.Connect, "Connect Kick",
		fmt.Sprintf("The streamer signs in to Kick and allows the bot to read their channel, subscribe to its events and post in its chat. The link works once, for %s.",
			wording.Minutes(int64(consent.TTL/time.Minute))))
}

func (h *Handler) link(ctx context.Context, r Request) (Response, error) {
	if h.Links == nil {
		return Response{}, fault.E(fault.NotFound, "account linking is not set up on this bot")
	}
	return h.startButton(ctx, r, consent.Link, "Link Kick account",
		fmt.Sprintf("Sign in to Kick to show the bot which viewer you are; it reads only your Kick name and id. "+
			"Then run /confirm-link here: nothing is linked until you confirm the Kick account that signed in. The link works once, for %s; do not share it.",
			wording.Minutes(int64(consent.TTL/time.Minute))))
}

// confirmLink links the Kick account that signed in through the caller's
// own /link: the pending sign-in is looked up by the caller's member id,
// so no one else can confirm it, and the answer names the account so the
// caller sees whether it is theirs.
func (h *Handler) confirmLink(ctx context.Context, r Request) (Response, error) {
	if h.Links == nil {
		return Response{}, fault.E(fault.NotFound, "account linking is not set up on this bot")
	}
	if err := h.Store.ClaimInteraction(ctx, r.Guild, r.Cause()); err != nil {
		return Response{}, err
	}
	_, name, err := h.Links.ConfirmLink(ctx, r.Guild, r.UserID, r.At)
	switch {
	case fault.Is(err, fault.NotFound):
		return Response{}, fault.Wrap(fault.NotFound, err, fmt.Sprintf(
			"no Kick sign-in is waiting for you here (one lasts %d minutes); run /link and sign in first",
			int(connect.PendingLinkLife/time.Minute)))
	case fault.Is(err, fault.Conflict):
		return Response{}, fault.Wrap(fault.Conflict, err, fmt.Sprintf(
			"the Kick account %s is already linked to another member of this server; if it is yours, ask them to run /unlink, or ask a moderator", name))
	case err != nil:
		return Response{}, err
	}
	return Response{Ephemeral: true, Content: fmt.Sprintf("Linked your Kick account **%s**. If that is not your account, run /unlink.", escape(name))}, nil
}

func (h *Handler) unlink(ctx context.Context, r Request) (Response, error) {
	if h.Links == nil {
		return Response{}, fault.E(fault.NotFound, "account linking is not set up on this bot")
	}
	_, name, err := h.Links.LinkedKick(ctx, r.Guild, r.UserID)
	if err == nil {
		err = h.Links.UnlinkOnce(ctx, r.Guild, r.UserID, r.Cause())
	}
	if fault.Is(err, fault.NotFound) {
		return Response{}, fault.Wrap(fault.NotFound, err, "no Kick account is linked to you here")
	}
	if err != nil {
		return Response{}, err
	}
	return Response{Ephemeral: true, Content: fmt.Sprintf("Unlinked your Kick account %s.", escape(name))}, nil
}

func (h *Handler) kickStatus(ctx context.Context, r Request) (Response, error) {
	k, err := h.connection()
	if err != nil {
		return Response{}, err
	}
	st, err := k.Status(ctx, r.Guild)
	if err != nil {
		return Response{}, err
	}
	if !st.Connected {
		return Response{}, fault.E(fault.NotFound, "this server is not connected to a Kick channel yet; run /kick connect")
	}
	return Response{Ephemeral: true, Embeds: []Embed{statusEmbed(st, r.At)}}, nil
}

func statusEmbed(st connect.Status, now time.Time) Embed {
	login := "valid"
	switch {
	case st.NeedsReauth:
		login = "**Kick refused the bot's login: run /kick connect again**"
	case !st.TokenExpiry.IsZero() && st.TokenExpiry.Before(now):
		login = "expired; renewed on next use"
	case !st.TokenExpiry.IsZero():
		login = "valid for " + wording.Minutes(int64(st.TokenExpiry.Sub(now)/time.Minute))
	}
	var subs []string
	healthy := 0
	for _, s := range st.Subscriptions {
		mark := "✅"
		switch n := len(s.IDs); {
		case n == 0:
			mark = "❌ missing"
		case n > 1:
			mark = fmt.Sprintf("⚠️ %d copies", n)
		default:
			healthy++
		}
		subs = append(subs, fmt.Sprintf("%s `%s` v%d", mark, s.Event, s.Version))
	}
	desc := fmt.Sprintf("Connected to **%s** since <t:%d:D>.", escape(st.Channel.Name), st.ConnectedAt.Unix())
	if st.ConnectedAt.IsZero() {
		desc = fmt.Sprintf("Connected to **%s**.", escape(st.Channel.Name))
	}
	return Embed{
		Title:       "Kick connection",
		Description: desc,
		Fields: []Field{
			{Name: "Login", Value: login, Inline: true},
			{Name: "Scopes", Value: orNone(strings.Join(st.Scopes, " ")), Inline: true},
			{Name: fmt.Sprintf("Event subscriptions (%d of %d)", healthy, len(st.Subscriptions)), Value: orNone(strings.Join(subs, "\n"))},
		},
		Footer: "Missing and duplicate subscriptions are repaired every hour.",
		Color:  Accent,
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// kickDisconnect runs in the worker, whose job may run more than once:
// the interaction was claimed when it arrived (Admit), not here.
//
// With purge:true it only asks to confirm: the button's click, by an
// admin, disconnects and deletes (purgeConfirmed).
func (h *Handler) kickDisconnect(ctx context.Context, r Request) (Response, error) {
	if r.Options["purge"] == "true" {
		return h.purgeAsk()
	}
	k, err := h.connection()
	if err != nil {
		return Response{}, err
	}
	if err := k.Disconnect(ctx, r.Guild); err != nil {
		if fault.Is(err, fault.NotFound) {
			return Response{}, fault.Wrap(fault.NotFound, err, "this server is not connected to a Kick channel")
		}
		return Response{}, err
	}
	return Response{Ephemeral: true, Content: "Disconnected the Kick channel: its events stopped and the bot's login was revoked. Watchtime and points stay; /kick connect connects again."}, nil
}

// purgePrefix starts the custom id of the purge confirmation button.
const purgePrefix = "purge"

// purgeMargin is the time a purge leaves before its run's deadline, to
// answer or fail cleanly.
const purgeMargin = 5 * time.Second

func (h *Handler) purgeAsk() (Response, error) {
	if h.Purge == nil || h.Kick == nil {
		return Response{}, fault.E(fault.NotFound, "deleting a server's data is not set up on this bot")
	}
	return Response{
		Ephemeral: true,
		Embeds: []Embed{{
			Title: "Delete all of this server's data?",
			Description: "This disconnects the Kick channel and deletes, for good, every viewer's watchtime, points and tickets, " +
				"the leaderboards, settings, raffles, giveaways, hunts, calls, guesses, custom commands, timers, role rewards " +
				"and linked accounts of this server. /export first to keep a copy. It cannot be undone.",
			Color: warning,
		}},
		Buttons: []Button{{Label: "Delete everything", ID: purgePrefix + ":confirm"}},
	}, nil
}

// purgeConfirmed runs in the worker when an admin clicks the purge
// button: it disconnects the channel (releasing the streamer's login when
// no other server uses the channel) and deletes the guild's items. Both
// are idempotent, so a retried job, or a second click, finishes what the
// first left.
func (h *Handler) purgeConfirmed(ctx context.Context, r Request) (Response, error) {
	if !r.CanManage {
		return Response{}, fault.E(fault.Forbidden, "you need the Manage Server permission")
	}
	if h.Purge == nil || h.Kick == nil {
		return Response{}, fault.E(fault.NotFound, "deleting a server's data is not set up on this bot")
	}
	if err := h.Kick.Disconnect(ctx, r.Guild); err != nil && !fault.Is(err, fault.NotFound) {
		return Response{}, err
	}
	// Stop short of the worker's own deadline, so that a guild too large
	// for one run fails as Transient and its retry continues, rather than
	// the run being killed before it can say so.
	run := ctx
	if d, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		run, cancel = context.WithDeadline(ctx, d.Add(-purgeMargin))
		defer cancel()
	}
	n, err := h.Purge.PurgeGuild(run, r.Guild)
	if err != nil {
		if run.Err() != nil && ctx.Err() == nil {
			return Response{}, fault.Wrap(fault.Transient, err, "deleting this server's data takes longer than one run; it continues")
		}
		return Response{}, err
	}
	return Response{Ephemeral: true, Content: fmt.Sprintf(
		"Deleted this server's data (%d records) and disconnected the Kick channel. /kick connect starts again from nothing.", n)}, nil
}

// warning colours an embed that asks to confirm something irreversible.
const warning = 0xED4245
