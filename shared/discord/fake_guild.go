package discord

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// The Fake's bot routes, authorised as the bot (401 when BotToken is set
// and the request is not "Bot "+BotToken):
//
//   - PUT {api}/guilds/{guild}/members/{user}/roles/{role}: 204, the role
//     added to the member (once, however often it is given). In a guild
//     set up with SetGuild it is checked as Discord checks it: 404 Unknown
//     Role (10011) for a role the guild lacks, 404 Unknown Member (10007)
//     for a user not among Members, 403 Missing Permissions (50013) when
//     the bot's roles grant neither Manage Roles nor Administrator or the
//     role is not below the bot's highest role;
//   - GET {api}/users/@me: 200, the bot user;
//   - GET {api}/guilds/{guild}/members/{user}: 200, the member with the
//     roles it holds (the bot's are BotRoles); 404 Unknown Guild (10004)
//     for a guild not set up, Unknown Member for a user not among Members;
//   - GET {api}/guilds/{guild}/roles: 200, the guild's roles; 404 Unknown
//     Guild for a guild not set up;
//   - POST {api}/channels/{channel}/messages: 200, the message; 400 Cannot
//     Send An Empty Message (50006) without content or embeds.

// fakeBotUser is the id of the Fake's bot user.
const fakeBotUser = "1482460000000000000"

// FakeGuild is a guild as the Fake's role routes see it.
type FakeGuild struct {
	// Roles are the guild's roles. @everyone is the role whose ID is the
	// guild's; without one, @everyone grants nothing.
	Roles []FakeRole
	// BotRoles are the ids of the roles the bot holds.
	BotRoles []string
	// Members, when not nil, are the guild's members other than the bot:
	// a grant to anyone else is Unknown Member. nil lets anyone be one.
	Members []string
}

// FakeRole is a role of a FakeGuild.
type FakeRole struct {
	ID       string
	Position int
	// Permissions is a bit set such as discordgo.PermissionManageRoles.
	Permissions int64
}

// SetGuild sets up guild id as g, so that role grants there are checked
// as Discord checks them and the routes that describe the guild answer.
// Setting it up again replaces g, keeping the roles granted.
func (f *Fake) SetGuild(id string, g FakeGuild) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.guilds == nil {
		f.guilds = map[string]*FakeGuild{}
	}
	g.Roles = slices.Clone(g.Roles)
	g.BotRoles = slices.Clone(g.BotRoles)
	g.Members = slices.Clone(g.Members)
	f.guilds[id] = &g
}

// MemberRoles returns the roles that grants gave user in guild, in the
// order first given.
func (f *Fake) MemberRoles(guild, user string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.held[[2]string{guild, user}])
}

// pathFailure is a FailPath failure.
type pathFailure struct {
	prefix       string
	status, code int
}

// FailPath makes every request whose path starts with prefix fail with
// status and a Discord JSON error of code (such as 403 and 50013, Missing
// Permissions), until ClearPath. The prefix is matched against the path as
// sent (/api/v9/guilds/…) and against the path after the API version
// (/guilds/…). FailNext's failures come first; failed requests are
// recorded too. Setting a prefix again replaces its failure.
func (f *Fake) FailPath(prefix string, status, code int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paths = slices.DeleteFunc(f.paths, func(p pathFailure) bool { return p.prefix == prefix })
	f.paths = append(f.paths, pathFailure{prefix: prefix, status: status, code: code})
}

// ClearPath ends FailPath's failure of prefix.
func (f *Fake) ClearPath(prefix string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paths = slices.DeleteFunc(f.paths, func(p pathFailure) bool { return p.prefix == prefix })
}

// pathFailure returns the failure set for path, the latest set first.
// f.mu is held.
func (f *Fake) pathFailure(path string) (pathFailure, bool) {
	rel := strings.TrimPrefix(path, "/api/v"+discordgo.APIVersion)
	for i := len(f.paths) - 1; i >= 0; i-- {
		if p := f.paths[i]; strings.HasPrefix(path, p.prefix) || strings.HasPrefix(rel, p.prefix) {
			return p, true
		}
	}
	return pathFailure{}, false
}

// serveBot answers the bot routes, p being the path's segments after
// {api}/, and reports whether the request was one. f.mu is held.
func (f *Fake) serveBot(w http.ResponseWriter, r *http.Request, p []string, body any) bool {
	get, put, post := r.Method == http.MethodGet, r.Method == http.MethodPut, r.Method == http.MethodPost
	var serve func()
	switch {
	case put && len(p) == 6 && p[0] == "guilds" && p[2] == "members" && p[4] == "roles":
		serve = func() { f.grant(w, p[1], p[3], p[5]) }
	case get && len(p) == 2 && p[0] == "users" && p[1] == "@me":
		serve = func() {
			fakeJSON(w, http.StatusOK, map[string]any{"id": fakeBotUser, "username": "kickbot-fake", "discriminator": "0000", "bot": true})
		}
	case get && len(p) == 4 && p[0] == "guilds" && p[2] == "members":
		serve = func() { f.member(w, p[1], p[3]) }
	case get && len(p) == 3 && p[0] == "guilds" && p[2] == "roles":
		serve = func() { f.guildRoles(w, p[1]) }
	case post && len(p) == 3 && p[0] == "channels" && p[2] == "messages":
		serve = func() { f.message(w, p[1], body) }
	default:
		return false
	}
	if f.BotToken != "" && r.Header.Get("Authorization") != "Bot "+f.BotToken {
		fakeError(w, http.StatusUnauthorized)
		return true
	}
	serve()
	return true
}

// grant answers a role grant. f.mu is held.
func (f *Fake) grant(w http.ResponseWriter, guild, user, role string) {
	if g, ok := f.guilds[guild]; ok {
		target := slices.IndexFunc(g.Roles, func(r FakeRole) bool { return r.ID == role })
		switch {
		case target < 0:
			fakeCodeError(w, http.StatusNotFound, 10011)
			return
		case g.Members != nil && user != fakeBotUser && !slices.Contains(g.Members, user):
			fakeCodeError(w, http.StatusNotFound, 10007)
			return
		case !g.botCanGive(guild, g.Roles[target]):
			fakeCodeError(w, http.StatusForbidden, 50013)
			return
		}
	}
	if f.held == nil {
		f.held = map[[2]string][]string{}
	}
	k := [2]string{guild, user}
	if !slices.Contains(f.held[k], role) {
		f.held[k] = append(f.held[k], role)
	}
	w.WriteHeader(http.StatusNoContent)
}

// botCanGive reports whether the bot may give target in g, guild's id.
func (g *FakeGuild) botCanGive(guild string, target FakeRole) bool {
	var perms int64
	var top *FakeRole
	for i, r := range g.Roles {
		if r.ID == guild {
			perms |= r.Permissions
		}
		if slices.Contains(g.BotRoles, r.ID) {
			perms |= r.Permissions
			if top == nil || fakeAbove(r, *top) {
				top = &g.Roles[i]
			}
		}
	}
	if perms&(discordgo.PermissionAdministrator|discordgo.PermissionManageRoles) == 0 {
		return false
	}
	return top != nil && fakeAbove(*top, target)
}

// fakeAbove reports whether a ranks above b in Discord's role hierarchy:
// a higher position, or at equal positions the older (smaller) id.
func fakeAbove(a, b FakeRole) bool {
	if a.Position != b.Position {
		return a.Position > b.Position
	}
	x, _ := strconv.ParseUint(a.ID, 10, 64)
	y, _ := strconv.ParseUint(b.ID, 10, 64)
	return x < y
}

// member answers a guild member. f.mu is held.
func (f *Fake) member(w http.ResponseWriter, guild, user string) {
	g, ok := f.guilds[guild]
	if !ok {
		fakeCodeError(w, http.StatusNotFound, 10004)
		return
	}
	held := f.held[[2]string{guild, user}]
	if user == fakeBotUser {
		held = g.BotRoles
	} else if g.Members != nil && !slices.Contains(g.Members, user) {
		fakeCodeError(w, http.StatusNotFound, 10007)
		return
	}
	fakeJSON(w, http.StatusOK, map[string]any{
		"user":  map[string]any{"id": user, "username": "member-" + user, "discriminator": "0000"},
		"roles": append([]string{}, held...), "joined_at": "2026-03-01T00:00:00.000000+00:00",
		"deaf": false, "mute": false, "flags": 0,
	})
}

// guildRoles answers a guild's roles. f.mu is held.
func (f *Fake) guildRoles(w http.ResponseWriter, guild string) {
	g, ok := f.guilds[guild]
	if !ok {
		fakeCodeError(w, http.StatusNotFound, 10004)
		return
	}
	out := make([]any, 0, len(g.Roles))
	for _, r := range g.Roles {
		out = append(out, map[string]any{
			"id": r.ID, "name": "role-" + r.ID, "position": r.Position,
			"permissions": strconv.FormatInt(r.Permissions, 10),
			"color":       0, "hoist": false, "managed": false, "mentionable": false, "flags": 0,
		})
	}
	fakeJSON(w, http.StatusOK, out)
}

// message answers a message posted in channel. f.mu is held.
func (f *Fake) message(w http.ResponseWriter, channel string, body any) {
	obj, ok := body.(map[string]any)
	content, _ := obj["content"].(string)
	embeds, _ := obj["embeds"].([]any)
	if !ok || content == "" && len(embeds) == 0 {
		fakeCodeError(w, http.StatusBadRequest, 50006)
		return
	}
	msg := fakeMessage(f.nextID(), fakeBotUser, 0, obj)
	delete(msg, "application_id")
	delete(msg, "webhook_id")
	msg["channel_id"] = channel
	fakeJSON(w, http.StatusOK, msg)
}

// fakeMessages are the messages Discord sends with the JSON error codes
// the Fake's callers use.
var fakeMessages = map[int]string{
	10003: "Unknown Channel",
	10004: "Unknown Guild",
	10007: "Unknown Member",
	10011: "Unknown Role",
	10013: "Unknown User",
	50001: "Missing Access",
	50006: "Cannot send an empty message",
	50013: "Missing Permissions",
	50035: "Invalid Form Body",
}

// fakeCodeError answers status with Discord's JSON error of code; code 0
// gives the body fakeError gives status.
func fakeCodeError(w http.ResponseWriter, status, code int) {
	if code == 0 {
		fakeError(w, status)
		return
	}
	if status == http.StatusTooManyRequests {
		fakeTooMany(w, 1500*time.Millisecond, false)
		return
	}
	msg, ok := fakeMessages[code]
	if !ok {
		msg = http.StatusText(status)
	}
	body := map[string]any{"message": msg, "code": code}
	fakeJSON(w, status, body)
}
