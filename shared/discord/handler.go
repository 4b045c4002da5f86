package discord

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/logattr"
)

// FailureMessage is what the caller sees when a handler fails with an
// Internal or Transient error; for a command that changes state, whose
// change may have landed, interact.UncertainMessage instead.
const FailureMessage = interact.FailureMessage

// maxLogValue bounds values from the interaction copied into logs.
const maxLogValue = 100

// Handler answers verified interactions other than PING.
type Handler interface {
	// Interact returns the response to i. The error's kind picks the
	// reply: Invalid, NotFound, Forbidden and Conflict show
	// fault.Message(err) to the caller alone; any other kind shows
	// FailureMessage (interact.UncertainMessage for a command that
	// changes state) and is logged with its cause.
	Interact(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error)

// Interact calls f(ctx, i).
func (f HandlerFunc) Interact(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
	return f(ctx, i)
}

// NewHTTPHandler returns the handler for POST Path. It verifies the
// request with v at now(), decodes the interaction, answers PING with PONG
// itself and passes every other known type to h, writing h's response as
// JSON. It answers:
//
//   - 405 for a method other than POST;
//   - 401 for a request Verify refuses, having done nothing else;
//   - 413 for a body over MaxBody, 400 for one that is not an interaction;
//   - 200 with an ephemeral message when h fails (see Handler);
//   - 500 when v has no valid key.
//
// A nil log discards; a nil now is time.Now.
func NewHTTPHandler(v Verifier, h Handler, log *slog.Logger, now func() time.Time) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &httpHandler{v: v, h: h, log: log, now: now}
}

type httpHandler struct {
	v   Verifier
	h   Handler
	log *slog.Logger
	now func() time.Time
}

var pong = []byte(`{"type":1}`)

func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if r.Body != nil {
		// With w, the server also closes the connection after an oversize body.
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	}
	body, err := h.v.verify(r, h.now())
	if err != nil {
		status, level := http.StatusUnauthorized, slog.LevelWarn
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			status = http.StatusRequestEntityTooLarge
		case fault.KindOf(err) == fault.Invalid:
			status = http.StatusBadRequest
		case fault.KindOf(err) == fault.Internal:
			status, level = http.StatusInternalServerError, slog.LevelError
		}
		// Nothing here is verified, so nothing from the request is logged.
		h.log.Log(ctx, level, "discord interaction rejected",
			"status", status, "kind", fault.KindOf(err).String(), "error", err)
		writeError(w, status, fault.Message(err))
		return
	}

	i, err := decodeInteraction(body)
	if err != nil {
		h.log.WarnContext(ctx, "discord interaction undecodable", "status", http.StatusBadRequest, "error", err)
		writeError(w, http.StatusBadRequest, "malformed interaction")
		return
	}
	// Every line logged from here on, deeper code's included, names the
	// interaction and its guild.
	ctx = logattr.With(ctx, slog.String("interaction_id", i.ID), slog.String("guild", i.GuildID))
	switch i.Type {
	case discordgo.InteractionPing:
		writeJSON(w, pong)
		return
	case discordgo.InteractionApplicationCommand, discordgo.InteractionMessageComponent,
		discordgo.InteractionApplicationCommandAutocomplete, discordgo.InteractionModalSubmit:
	default:
		h.log.WarnContext(ctx, "discord interaction of unknown type",
			"interaction_type", int(i.Type), "status", http.StatusBadRequest)
		writeError(w, http.StatusBadRequest, "unknown interaction type")
		return
	}

	resp, err := h.h.Interact(ctx, &i)
	if err == nil && resp == nil {
		err = fault.E(fault.Internal, "handler returned no response")
	}
	if err != nil {
		resp = h.failure(ctx, &i, err)
	}
	b, err := json.Marshal(resp)
	if err != nil {
		h.log.ErrorContext(ctx, "discord interaction response unencodable", append(logAttrs(&i), "error", err)...)
		b, _ = json.Marshal(Ephemeral(FailureMessage)) // a fixed string always encodes
	}
	writeJSON(w, b)
}

// failure turns h's error into the reply the caller sees, logging it once.
func (h *httpHandler) failure(ctx context.Context, i *discordgo.Interaction, err error) *discordgo.InteractionResponse {
	kind := fault.KindOf(err)
	attrs := append(logAttrs(i), "kind", kind.String())
	msg := FailureMessage
	if name, sub, _ := CommandPath(i); interact.Changes(interact.Request{Command: name, Sub: sub}) {
		// The change may have landed: "try again" could make it twice.
		msg = interact.UncertainMessage
	}
	switch kind {
	case fault.Invalid, fault.NotFound, fault.Forbidden, fault.Conflict:
		// An answer, not a fault: the message is the whole story.
		msg = fault.Message(err)
		h.log.InfoContext(ctx, "discord interaction refused", append(attrs, "message", msg)...)
	default:
		h.log.ErrorContext(ctx, "discord interaction failed", append(attrs, "error", err)...)
	}
	if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		// Autocomplete takes only choices; none makes Discord show that
		// loading options failed.
		return &discordgo.InteractionResponse{
			Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: &discordgo.InteractionResponseData{},
		}
	}
	return Ephemeral(msg)
}

// logAttrs names i in logs. The token is a credential and is never logged.
func logAttrs(i *discordgo.Interaction) []any {
	user, _ := Caller(i)
	attrs := []any{"interaction_id", i.ID, "interaction_type", int(i.Type), "guild_id", i.GuildID, "user_id", user}
	if name, sub, _ := CommandPath(i); name != "" {
		if sub != "" {
			name += " " + sub
		}
		attrs = append(attrs, "command", clip(name))
	}
	if id := ComponentID(i); id != "" {
		attrs = append(attrs, "custom_id", clip(id))
	}
	return attrs
}

func clip(s string) string {
	if len(s) > maxLogValue {
		return s[:maxLogValue]
	}
	return s
}

func writeJSON(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(struct {
		Error string `json:"error"`
	}{msg})
}

// noMentions stops a message from pinging anyone: content may quote names
// users chose, such as "@everyone".
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// Reply answers with a message everyone in the channel sees.
func Reply(content string, embeds ...*discordgo.MessageEmbed) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: content, Embeds: embeds, AllowedMentions: noMentions()},
	}
}

// Ephemeral answers with a message only the caller sees.
func Ephemeral(content string, embeds ...*discordgo.MessageEmbed) *discordgo.InteractionResponse {
	resp := Reply(content, embeds...)
	resp.Data.Flags = discordgo.MessageFlagsEphemeral
	return resp
}

// Deferred acknowledges the interaction so that the worker can finish it
// later with REST.EditOriginal (within 15 minutes); Discord shows
// "thinking…" until then, to the caller alone when ephemeral.
func Deferred(ephemeral bool) *discordgo.InteractionResponse {
	resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
	if ephemeral {
		resp.Data = &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}
	}
	return resp
}

// UpdateMessage answers a component interaction (a button click) by
// replacing the message the component is on. Set Data.Components to keep
// or change its buttons.
func UpdateMessage(content string, embeds ...*discordgo.MessageEmbed) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseUpdateMessage,
		Data: &discordgo.InteractionResponseData{Content: content, Embeds: embeds, AllowedMentions: noMentions()},
	}
}
