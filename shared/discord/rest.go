package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/metric"
	"github.com/kickbot/kickbot/shared/redact"
)

// maxToken bounds an interaction token, which goes into a URL path.
const maxToken = 1024

// REST calls Discord's REST API as the bot. Make one with NewREST. Do not
// log it: the session holds the bot token.
type REST struct {
	Session *discordgo.Session
	AppID   string
	// Limits keeps the client within Discord's rate limits; set its clock,
	// if at all, before the first request. nil on a REST not made by
	// NewREST.
	Limits *Limiter
}

// NewREST returns a client that authenticates as "Bot <botToken>" for
// application appID. When baseURL is not "" (a Fake, locally), every
// request goes to its scheme and host instead of discord.com, with the
// path kept (and prefixed with baseURL's path, if any).
func NewREST(botToken, appID, baseURL string) (*REST, error) {
	botToken = strings.TrimPrefix(botToken, "Bot ")
	if botToken == "" {
		return nil, fault.E(fault.Invalid, "missing discord bot token")
	}
	if !isSnowflake(appID) {
		return nil, fault.E(fault.Invalid, "discord application id %q is not a snowflake", clip(appID))
	}
	s, err := discordgo.New("Bot " + botToken)
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "discord session")
	}
	// Limits waits out a rate limit, as long as the context allows; a
	// longer one is a Transient error that lets the queue retry later.
	// discordgo's own waits ignore the context.
	s.ShouldRetryOnRateLimit = false
	limits := &Limiter{}
	var next http.RoundTripper = http.DefaultTransport
	if baseURL != "" {
		u, err := url.Parse(baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fault.E(fault.Invalid, "discord base URL %q is not an http(s) URL", clip(baseURL))
		}
		next = &rewrite{scheme: u.Scheme, host: u.Host, prefix: strings.TrimSuffix(u.Path, "/"), next: next}
	}
	// Every answer is scrubbed of the bot token and of an interaction
	// token in the URL before discordgo reads it: the one place that keeps
	// a Discord that echoes a request out of every error and log line.
	//
	// The limiter sees the path before rewrite prefixes it, and the
	// Client's Timeout is part of each request's deadline it keeps to.
	// Each request that leaves is counted by status (metric.Calls); one
	// the limiter holds back is not a call.
	next = &limitTransport{limits: limits, next: metric.Calls(metric.DiscordAPICalls, next)}
	s.Client = &http.Client{Timeout: s.Client.Timeout, Transport: &redact.Transport{Next: next}}
	return &REST{Session: s, AppID: appID, Limits: limits}, nil
}

// rewrite sends every request to another scheme and host, so that a
// session talks to a fake without changing discordgo's package-level
// endpoints, which every session shares.
type rewrite struct {
	scheme, host, prefix string
	next                 http.RoundTripper
}

func (t *rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context()) // a RoundTripper must not change the caller's request
	r.URL.Scheme, r.URL.Host, r.Host = t.scheme, t.host, ""
	if t.prefix != "" {
		r.URL.Path = t.prefix + r.URL.Path
		if r.URL.RawPath != "" {
			r.URL.RawPath = t.prefix + r.URL.RawPath
		}
	}
	return t.next.RoundTrip(r)
}

// EditOriginal replaces the original response to the interaction whose
// token is given, typically one answered with Deferred. Tokens expire after
// 15 minutes; an expired one is fault.NotFound.
func (c *REST) EditOriginal(ctx context.Context, interactionToken string, edit *discordgo.WebhookEdit) error {
	const op = "edit original response"
	if err := c.check(); err != nil {
		return err
	}
	if err := checkToken(interactionToken); err != nil {
		return err
	}
	if edit == nil {
		return fault.E(fault.Internal, "discord %s: no edit", op)
	}
	i := &discordgo.Interaction{AppID: c.AppID, Token: interactionToken}
	_, err := c.Session.InteractionResponseEdit(i, edit, discordgo.WithContext(ctx))
	return restError(op, err)
}

// DeleteOriginal deletes the original response to the interaction whose
// token is given. A response already deleted is fault.NotFound.
func (c *REST) DeleteOriginal(ctx context.Context, interactionToken string) error {
	const op = "delete original response"
	if err := c.check(); err != nil {
		return err
	}
	if err := checkToken(interactionToken); err != nil {
		return err
	}
	i := &discordgo.Interaction{AppID: c.AppID, Token: interactionToken}
	return restError(op, c.Session.InteractionResponseDelete(i, discordgo.WithContext(ctx)))
}

// Followup posts another message for the interaction whose token is given.
// Unlike an edit it is not idempotent: a retry after an error whose request
// did reach Discord posts twice.
func (c *REST) Followup(ctx context.Context, interactionToken string, params *discordgo.WebhookParams) error {
	const op = "create followup"
	if err := c.check(); err != nil {
		return err
	}
	if err := checkToken(interactionToken); err != nil {
		return err
	}
	if params == nil {
		return fault.E(fault.Internal, "discord %s: no message", op)
	}
	i := &discordgo.Interaction{AppID: c.AppID, Token: interactionToken}
	_, err := c.Session.FollowupMessageCreate(i, false, params, discordgo.WithContext(ctx))
	return restError(op, err)
}

// RegisterCommands replaces the application's commands with cmds: globally
// when guildID is "", else in that guild only (which takes effect at once;
// use it for development). Discord matches commands by name, so running it
// twice changes nothing; an empty cmds removes every command.
func (c *REST) RegisterCommands(ctx context.Context, guildID string, cmds []*discordgo.ApplicationCommand) error {
	const op = "register commands"
	if err := c.check(); err != nil {
		return err
	}
	if guildID != "" && !isSnowflake(guildID) {
		return fault.E(fault.Invalid, "discord guild id %q is not a snowflake", clip(guildID))
	}
	if cmds == nil {
		cmds = []*discordgo.ApplicationCommand{} // null is not a list to Discord
	}
	_, err := c.Session.ApplicationCommandBulkOverwrite(c.AppID, guildID, cmds, discordgo.WithContext(ctx))
	return restError(op, err)
}

// check refuses what would make a wrong URL: ids and tokens go into paths
// unescaped.
func (c *REST) check() error {
	if c == nil || c.Session == nil {
		return fault.E(fault.Internal, "discord REST client not set up")
	}
	if !isSnowflake(c.AppID) {
		return fault.E(fault.Internal, "discord application id is not a snowflake")
	}
	return nil
}

// checkToken refuses an interaction token that is not one: Discord's are
// URL-safe base64 and shorter than maxToken.
func checkToken(token string) error {
	if token == "" || len(token) > maxToken {
		return fault.E(fault.Invalid, "malformed interaction token")
	}
	for i := 0; i < len(token); i++ {
		switch b := token[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '-', b == '_', b == '.':
		default:
			return fault.E(fault.Invalid, "malformed interaction token")
		}
	}
	return nil
}

func isSnowflake(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64) // digits only: no sign, no underscores
	return err == nil
}

// APIError is an error answer from Discord's REST API. Unlike
// discordgo.RESTError it keeps no request: the URL holds the interaction
// token and the header the bot token.
type APIError struct {
	// Op is what was attempted, such as "edit original response".
	Op string
	// Status is the HTTP status.
	Status int
	// Code and Message are Discord's JSON error, when it sent one
	// (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json).
	Code    int
	Message string
	// RetryAfter is how long Discord asked to wait, for status 429.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	s := "discord " + e.Op + ": HTTP " + strconv.Itoa(e.Status)
	if e.Code != 0 {
		s += ", code " + strconv.Itoa(e.Code)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RetryAfter > 0 {
		s += ", retry after " + e.RetryAfter.String()
	}
	return s
}

// restError gives a discordgo error its kind, keeping only what is safe to
// log: discordgo's errors may hold the request, whose URL carries the
// interaction token.
func restError(op string, err error) error {
	if err == nil {
		return nil
	}
	var (
		restErr  *discordgo.RESTError
		rateErr  *discordgo.RateLimitError
		waitErr  *WaitError
		urlErr   *url.Error
		valueErr *json.UnsupportedValueError
		typeErr  *json.UnsupportedTypeError
		marshErr *json.MarshalerError
	)
	switch {
	case errors.As(err, &restErr):
		e := &APIError{Op: op}
		if restErr.Response != nil {
			e.Status = restErr.Response.StatusCode
		}
		if restErr.Message != nil {
			e.Code, e.Message = restErr.Message.Code, restErr.Message.Message
		}
		return statusError(e)
	case errors.As(err, &rateErr):
		e := &APIError{Op: op, Status: http.StatusTooManyRequests}
		if rateErr.RateLimit != nil && rateErr.TooManyRequests != nil {
			e.Message, e.RetryAfter = rateErr.Message, rateErr.RetryAfter
		}
		return statusError(e)
	case errors.As(err, &waitErr):
		// Before urlErr, which wraps it: the request was never sent.
		return fault.Wrap(fault.Transient, fmt.Errorf("discord %s: %w", op, waitErr), "Discord is busy, try again")
	case errors.As(err, &urlErr):
		// url.Error's text names the URL; its cause (dial, timeout,
		// cancel) does not.
		return fault.Wrap(fault.Transient, fmt.Errorf("discord %s: %w", op, urlErr.Err), "Discord could not be reached, try again")
	case errors.As(err, &valueErr), errors.As(err, &typeErr), errors.As(err, &marshErr):
		return fault.Wrap(fault.Internal, fmt.Errorf("discord %s: encode request: %w", op, err), "")
	case errors.Is(err, discordgo.ErrJSONUnmarshal):
		// The request succeeded; only its answer, which we ignore, is odd.
		return fault.Wrap(fault.Internal, fmt.Errorf("discord %s: %w", op, err), "")
	default:
		// The rest come from reading an answer: a 502 after discordgo's
		// retries, an unreadable 429, a cut connection.
		return fault.Wrap(fault.Transient, fmt.Errorf("discord %s: %w", op, err), "Discord is unavailable, try again")
	}
}

// statusError gives e the kind its status calls for and a message a user
// may see.
func statusError(e *APIError) error {
	switch {
	case e.Status == http.StatusTooManyRequests || e.Status >= 500:
		return fault.Wrap(fault.Transient, e, "Discord is busy, try again")
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		return fault.Wrap(fault.Forbidden, e, "the bot is not allowed to do that on Discord")
	case e.Status == http.StatusNotFound:
		return fault.Wrap(fault.NotFound, e, "that Discord message or interaction no longer exists")
	default:
		return fault.Wrap(fault.Internal, e, "")
	}
}
