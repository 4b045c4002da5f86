// Package discordsim plays Discord's side of the Interactions Endpoint: it
// builds interactions (slash commands, button clicks, PING) in the shape
// Discord sends and posts them signed with an Ed25519 key, as Discord
// signs them. The replayer, the local runner's tests and the interactions
// function's tests use it.
package discordsim

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/kickbot/kickbot/shared/discord"
)

// AppID is the application the interactions are for, unless set otherwise.
const AppID = "1250143022583250947"

// Permissions a Caller has: a member, or an admin with Manage Server.
const (
	MemberPermissions = "1760217288527425" // view, send, embed… but not Manage Server
	AdminPermissions  = "1760217288527457" // the same plus Manage Server (1<<5)
)

// Caller is the member who invokes commands.
type Caller struct {
	Guild    string
	UserID   string
	Username string
	// Admin gives the caller Manage Server.
	Admin bool
}

// Option is an option of a command as Discord sends it; a subcommand is
// an Option of type 1 holding its own.
type Option struct {
	Name    string   `json:"name"`
	Type    int      `json:"type"`
	Value   any      `json:"value,omitempty"`
	Options []Option `json:"options,omitempty"`
}

// Sub is a subcommand with its options.
func Sub(name string, opts ...Option) Option {
	return Option{Name: name, Type: int(discordgo.ApplicationCommandOptionSubCommand), Options: opts}
}

// String, Int, Bool, Channel and Role are options of those types.
func String(name, v string) Option {
	return Option{Name: name, Type: int(discordgo.ApplicationCommandOptionString), Value: v}
}

func Int(name string, v int64) Option {
	return Option{Name: name, Type: int(discordgo.ApplicationCommandOptionInteger), Value: v}
}

func Bool(name string, v bool) Option {
	return Option{Name: name, Type: int(discordgo.ApplicationCommandOptionBoolean), Value: v}
}

func Channel(name, id string) Option {
	return Option{Name: name, Type: int(discordgo.ApplicationCommandOptionChannel), Value: id}
}

// Role is a role option: Discord sends the role's id.
func Role(name, id string) Option {
	return Option{Name: name, Type: int(discordgo.ApplicationCommandOptionRole), Value: id}
}

// Ping is Discord's PING, which it sends when the endpoint URL is saved.
func Ping(id string) []byte {
	return mustJSON(map[string]any{"type": 1, "id": id, "application_id": AppID, "token": Token(id), "version": 1})
}

// Command is the slash command /name with opts, invoked by c as the
// interaction id.
func (c Caller) Command(id, name string, opts ...Option) []byte {
	if opts == nil {
		opts = []Option{}
	}
	i := c.base(int(discordgo.InteractionApplicationCommand), id)
	i["data"] = map[string]any{"id": "1250150000000000001", "type": 1, "name": name, "options": opts}
	return mustJSON(i)
}

// Click is a click by c on the button customID under one of the bot's
// messages.
func (c Caller) Click(id, customID string) []byte {
	i := c.base(int(discordgo.InteractionMessageComponent), id)
	i["data"] = map[string]any{"component_type": int(discordgo.ButtonComponent), "custom_id": customID}
	i["message"] = map[string]any{
		"id": "1482453990000000000", "channel_id": "883082588674195457", "type": 20,
		"content": "", "author": map[string]any{"id": AppID, "username": "kickbot", "bot": true},
		"timestamp": "2026-03-14T19:02:00Z", "embeds": []any{}, "components": []any{},
	}
	return mustJSON(i)
}

// Token is the interaction token the built interactions carry: a
// made-up one of the right alphabet, distinct per interaction id.
func Token(id string) string { return "aW50ZXJhY3Rpb246" + id + "_simulated" }

func (c Caller) base(typ int, id string) map[string]any {
	perms := MemberPermissions
	if c.Admin {
		perms = AdminPermissions
	}
	name := c.Username
	if name == "" {
		name = "member" + c.UserID
	}
	return map[string]any{
		"type": typ, "id": id, "application_id": AppID, "token": Token(id), "version": 1,
		"guild_id": c.Guild, "channel_id": "883082588674195457", "locale": "en-GB", "guild_locale": "en-US",
		"app_permissions": "1760217556971073", "context": 0,
		"member": map[string]any{
			"user":        map[string]any{"id": c.UserID, "username": name, "discriminator": "0", "global_name": name},
			"roles":       []string{},
			"joined_at":   "2021-09-04T16:20:41.336000+00:00",
			"permissions": perms, "deaf": false, "mute": false, "flags": 0,
		},
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings and numbers always encode
	}
	return b
}

// Sender posts signed interactions to an Interactions Endpoint URL.
type Sender struct {
	URL    string
	Key    ed25519.PrivateKey
	Client *http.Client
	// Now dates the signatures; nil is time.Now.
	Now func() time.Time
}

// Send signs and posts body and returns the response's status and body.
func (s *Sender) Send(ctx context.Context, body []byte) (int, []byte, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header = discord.SignedHeaders(s.Key, now(), body)
	req.Header.Set("Content-Type", "application/json")
	c := s.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("read response: %w", err)
	}
	return resp.StatusCode, b, nil
}

// IDs hands out increasing snowflake-like interaction ids.
type IDs struct{ n int64 }

// Next returns a new id.
func (g *IDs) Next() string {
	g.n++
	return strconv.FormatInt(1482453932679757825+g.n<<22, 10)
}

// WritePrivateKey writes priv's seed, hex, to path (mode 0600), creating
// its directory: the local runner's generated key for the replayer.
func WritePrivateKey(path string, priv ed25519.PrivateKey) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(hex.EncodeToString(priv.Seed())+"\n"), 0o600)
}

// ReadPrivateKey reads a key WritePrivateKey wrote.
func ReadPrivateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%s does not hold a hex Ed25519 seed", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// NewID returns a snowflake for an interaction created at t, as Discord's
// ids are: milliseconds since Discord's epoch, shifted 22 bits.
func NewID(t time.Time) string {
	const discordEpochMS = 1420070400000
	return strconv.FormatInt((t.UnixMilli()-discordEpochMS)<<22|int64(t.Nanosecond()%4096), 10)
}
