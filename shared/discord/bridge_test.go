package discord_test

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/settings"
)

// memberPermissions are mossyrock's permissions in the fixtures: no
// Manage Server.
const memberPermissions = "1760217288527425"

// bridgeStore is a small interact.Store for one guild: a points board of
// four viewers and the guild's settings. Its cursor is the offset.
type bridgeStore struct {
	mu       sync.Mutex
	viewers  []audience.Viewer
	settings *settings.Settings
	// claimed holds the interactions that took effect; entries, the points
	// changes by cause.
	claimed map[string]bool
	entries map[string]points.Entry
}

var _ interact.Store = (*bridgeStore)(nil)

func newBridgeStore() *bridgeStore {
	return &bridgeStore{claimed: map[string]bool{}, entries: map[string]points.Entry{}, viewers: []audience.Viewer{
		{Guild: guildID, UserID: 73310951, Username: "ironkettle", WatchMinutes: 3000, PointsMilli: 48_210_000},
		{Guild: guildID, UserID: 73310952, Username: "mossyrock", WatchMinutes: 725, PointsMilli: 31_877_500},
		{Guild: guildID, UserID: 73310953, Username: "pebblecat", WatchMinutes: 60, PointsMilli: 12_004_000},
		{Guild: guildID, UserID: 73310954, Username: "quiet_fern", WatchMinutes: 5, PointsMilli: 1_284_500},
	}}
}

func (s *bridgeStore) ViewerByName(_ context.Context, guild, name string) (audience.Viewer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.viewers {
		if guild == guildID && v.Username == settings.NormalizeName(name) {
			return v, nil
		}
	}
	return audience.Viewer{}, fault.E(fault.NotFound, "no such viewer")
}

func (s *bridgeStore) Top(_ context.Context, guild string, board interact.Board, limit int, cursor string) (interact.Page, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := func(v audience.Viewer) int64 {
		if board == interact.PointsBoard {
			return v.PointsMilli
		}
		return v.WatchMinutes
	}
	on := slices.SortedFunc(slices.Values(s.viewers), func(a, b audience.Viewer) int { return cmp.Compare(key(b), key(a)) })
	offset := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 1 || n > len(on) {
			return interact.Page{}, fault.E(fault.Invalid, "bad page cursor")
		}
		offset = n
	}
	p := interact.Page{Viewers: on[offset:min(offset+limit, len(on))]}
	if offset+limit < len(on) {
		p.Next = strconv.Itoa(offset + limit)
	}
	return p, nil
}

func (s *bridgeStore) Rank(context.Context, string, interact.Board, int64) (int64, audience.Viewer, error) {
	return 0, audience.Viewer{}, fault.E(fault.Internal, "Rank is not used in these tests")
}

func (s *bridgeStore) Settings(context.Context, string) (settings.Settings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.settings == nil {
		return settings.Defaults(), nil
	}
	return *s.settings, nil
}

func (s *bridgeStore) PutSettingsOnce(_ context.Context, _ string, set settings.Settings, c interact.Cause) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.claimed[c.ID] {
		return interact.ErrApplied
	}
	if err := set.Validate(); err != nil {
		return err
	}
	s.settings = &set
	s.claimed[c.ID] = true
	return nil
}

func (s *bridgeStore) ClaimInteraction(_ context.Context, _ string, c interact.Cause) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.claimed[c.ID] {
		return interact.ErrApplied
	}
	s.claimed[c.ID] = true
	return nil
}

// AdjustPoints applies c once per cause, as the store's ledger does.
func (s *bridgeStore) AdjustPoints(_ context.Context, _ string, userID int64, c points.Change) (points.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[c.Cause]; ok {
		return e, nil
	}
	for i, v := range s.viewers {
		if v.UserID == userID {
			e := points.Entry{Change: c, Before: v.PointsMilli, After: c.After(v.PointsMilli)}
			s.viewers[i].PointsMilli, s.entries[c.Cause] = e.After, e
			return e, nil
		}
	}
	return points.Entry{}, fault.E(fault.NotFound, "no such viewer")
}

func (s *bridgeStore) Connected(_ context.Context, guild string) (bool, error) {
	return guild == guildID, nil
}

// bridgeResponse is an interaction response as Discord reads it.
type bridgeResponse struct {
	Type int `json:"type"`
	Data *struct {
		Content string `json:"content"`
		Flags   int    `json:"flags"`
		Embeds  []struct {
			Title       string `json:"title"`
			Description string `json:"description"`
			Color       int    `json:"color"`
			Fields      []struct {
				Name   string `json:"name"`
				Value  string `json:"value"`
				Inline bool   `json:"inline"`
			} `json:"fields"`
			Footer *struct {
				Text string `json:"text"`
			} `json:"footer"`
		} `json:"embeds"`
		Components []struct {
			Type       int `json:"type"`
			Components []struct {
				Type     int    `json:"type"`
				Label    string `json:"label"`
				CustomID string `json:"custom_id"`
				Disabled bool   `json:"disabled"`
			} `json:"components"`
		} `json:"components"`
		AllowedMentions *struct {
			Parse []string `json:"parse"`
		} `json:"allowed_mentions"`
		Choices []any `json:"choices"`
	} `json:"data"`
}

// customIDs lists the response's buttons as "id" or "id (disabled)".
func (r bridgeResponse) customIDs() []string {
	var ids []string
	for _, row := range r.Data.Components {
		for _, c := range row.Components {
			id := c.CustomID
			if c.Disabled {
				id += " (disabled)"
			}
			ids = append(ids, id)
		}
	}
	return ids
}

// edited returns the fixture name with edit applied to its decoded JSON.
func edited(t testing.TB, name string, edit func(i map[string]any)) []byte {
	t.Helper()
	var i map[string]any
	if err := json.Unmarshal(fixture(t, name), &i); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(i)
	}
	b, err := json.Marshal(i)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// command makes application_command.json invoke name with options (a
// subcommand is an option of type 1 holding its own).
func command(name string, options ...map[string]any) func(map[string]any) {
	return func(i map[string]any) {
		data := i["data"].(map[string]any)
		data["name"] = name
		data["options"] = options
		delete(data, "resolved")
	}
}

func option(name string, typ int, value any) map[string]any {
	return map[string]any{"name": name, "type": typ, "value": value}
}

func subcommand(name string, options ...map[string]any) map[string]any {
	return map[string]any{"name": name, "type": 1, "options": options}
}

// interactVia sends body, signed, to a Bridge over store and decodes the
// answer.
func interactVia(t *testing.T, store interact.Store, body []byte) bridgeResponse {
	t.Helper()
	pub, priv := newKey(t)
	bridge := discord.Bridge{Handler: &interact.Handler{Store: store, PageSize: 2}, Now: nowFunc}
	w := httptest.NewRecorder()
	discord.NewHTTPHandler(discord.Verifier{Key: pub}, bridge, nil, nowFunc).ServeHTTP(w, signedRequest(priv, sentAt, body))
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200: %s", w.Code, w.Body)
	}
	var got bridgeResponse
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("response %s is not JSON: %v", w.Body, err)
	}
	if got.Data == nil {
		t.Fatalf("response %s has no data", w.Body)
	}
	return got
}

func TestBridgePointsShow(t *testing.T) {
	got := interactVia(t, newBridgeStore(), edited(t, "application_command",
		command("points", subcommand("show", option("user", 3, "MossyRock")))))
	if got.Type != 4 || got.Data.Flags != 0 {
		t.Errorf("type, flags = %d, %d; want 4, 0 (a message everyone sees)", got.Type, got.Data.Flags)
	}
	if len(got.Data.Embeds) != 1 {
		t.Fatalf("embeds = %+v, want 1", got.Data.Embeds)
	}
	e := got.Data.Embeds[0]
	if e.Title != "Points" || e.Description != "**mossyrock** has **31,877** points." || e.Color != 0x53FC18 {
		t.Errorf("embed = %+v, want Points: **mossyrock** has **31,877** points. in Kick green", e)
	}
	if got.Data.AllowedMentions == nil || got.Data.AllowedMentions.Parse == nil || len(got.Data.AllowedMentions.Parse) != 0 {
		t.Errorf("allowed_mentions = %+v, want parse: [] (no pings)", got.Data.AllowedMentions)
	}
	if ids := got.customIDs(); len(ids) != 0 {
		t.Errorf("buttons = %v, want none", ids)
	}
}

func TestBridgeLeaderboardPaging(t *testing.T) {
	store := newBridgeStore()
	first := interactVia(t, store, edited(t, "application_command",
		command("leaderboard", option("board", 3, "points"))))
	if first.Type != 4 || first.Data.Flags != 0 {
		t.Errorf("page 1 type, flags = %d, %d; want 4, 0", first.Type, first.Data.Flags)
	}
	if got, want := first.customIDs(), []string{"lb:points:1: (disabled)", "lb:points:2:2"}; !gocmp.Equal(got, want) {
		t.Fatalf("page 1 buttons = %v, want %v", got, want)
	}
	if len(first.Data.Components) != 1 || first.Data.Components[0].Type != 1 || first.Data.Components[0].Components[0].Type != 2 {
		t.Errorf("components = %+v, want one action row (1) of buttons (2)", first.Data.Components)
	}

	// Click Next on the message: message_component.json with its id.
	next := first.Data.Components[0].Components[1].CustomID
	second := interactVia(t, store, edited(t, "message_component", func(i map[string]any) {
		i["data"].(map[string]any)["custom_id"] = next
	}))
	if second.Type != 7 || second.Data.Flags != 0 {
		t.Errorf("page 2 type, flags = %d, %d; want 7 (update the message), 0", second.Type, second.Data.Flags)
	}
	if len(second.Data.Embeds) != 1 {
		t.Fatalf("page 2 embeds = %+v, want 1", second.Data.Embeds)
	}
	e := second.Data.Embeds[0]
	wantDesc := "3. **pebblecat** — 12,004 points\n4. **quiet\\_fern** — 1,284 points"
	if e.Title != "Points leaderboard" || e.Description != wantDesc || e.Footer == nil || e.Footer.Text != "Page 2" {
		t.Errorf("page 2 embed = %+v, want Points leaderboard %q, footer Page 2", e, wantDesc)
	}
	if got, want := second.customIDs(), []string{"lb:points:1:", "lb:points:end (disabled)"}; !gocmp.Equal(got, want) {
		t.Errorf("page 2 buttons = %v, want %v", got, want)
	}
}

func TestBridgeSettingsSet(t *testing.T) {
	tests := []struct {
		name        string
		permissions string // the caller's; "" keeps the fixture's (Manage Server)
		wantFlags   int
		wantContent string
		wantTitle   string
		wantStored  bool
	}{
		{name: "admin", wantFlags: 64, wantTitle: "Settings saved", wantStored: true},
		{name: "member", permissions: memberPermissions, wantFlags: 64,
			wantContent: "you need the Manage Server permission"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newBridgeStore()
			got := interactVia(t, store, edited(t, "application_command_subcommand", func(i map[string]any) {
				if tt.permissions != "" {
					i["member"].(map[string]any)["permissions"] = tt.permissions
				}
			}))
			if got.Type != 4 || got.Data.Flags != tt.wantFlags || got.Data.Content != tt.wantContent {
				t.Errorf("type, flags, content = %d, %d, %q; want 4, %d, %q",
					got.Type, got.Data.Flags, got.Data.Content, tt.wantFlags, tt.wantContent)
			}
			if tt.wantTitle != "" {
				if len(got.Data.Embeds) != 1 || got.Data.Embeds[0].Title != tt.wantTitle {
					t.Fatalf("embeds = %+v, want one titled %q", got.Data.Embeds, tt.wantTitle)
				}
				fields := map[string]string{}
				for _, f := range got.Data.Embeds[0].Fields {
					fields[f.Name] = f.Value
				}
				for name, want := range map[string]string{
					"Points per 5 minutes": "3", "Track offline": "off", "Announcements": "<#883082588674195459>",
				} {
					if fields[name] != want {
						t.Errorf("field %s = %q, want %q", name, fields[name], want)
					}
				}
			}
			s, _ := store.Settings(context.Background(), guildID)
			want := settings.Defaults()
			if tt.wantStored {
				want.PointsPer5Min, want.AnnounceChannel = 3, "883082588674195459"
			}
			if diff := gocmp.Diff(s, want); diff != "" {
				t.Errorf("stored settings (-got +want):\n%s", diff)
			}
		})
	}
}

func TestBridgeErrors(t *testing.T) {
	tests := []struct {
		name        string
		body        func(t *testing.T) []byte
		wantType    int
		wantContent string
	}{
		{"unknown command", func(t *testing.T) []byte {
			return edited(t, "application_command", command("dance"))
		}, 4, "unknown command"},
		{"points without a subcommand", func(t *testing.T) []byte {
			return edited(t, "application_command", nil) // /points user:<member>, an old shape
		}, 4, "unknown command"},
		{"no such viewer", func(t *testing.T) []byte {
			return edited(t, "application_command", command("points", subcommand("show", option("user", 3, "ghost"))))
		}, 4, "no viewer named ghost has been seen in this server's Kick chat"},
		{"no user", func(t *testing.T) []byte {
			return edited(t, "application_command", command("watchtime"))
		}, 4, "name a Kick user: /watchtime user:<kick name> (linking Discord accounts to Kick comes later)"},
		{"not a server", func(t *testing.T) []byte {
			return edited(t, "application_command", func(i map[string]any) {
				command("points", subcommand("show", option("user", 3, "mossyrock")))(i)
				i["user"] = i["member"].(map[string]any)["user"]
				for _, k := range []string{"member", "guild_id", "guild"} {
					delete(i, k)
				}
				delete(i["data"].(map[string]any), "guild_id")
			})
		}, 4, "use this command in a server"},
		{"modal", func(t *testing.T) []byte { return edited(t, "modal_submit", nil) }, 4, "unknown command"},
		{"stale button", func(t *testing.T) []byte { return edited(t, "message_component", nil) }, 4,
			"this button no longer works; run /leaderboard again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := interactVia(t, newBridgeStore(), tt.body(t))
			if got.Type != tt.wantType || got.Data.Flags != 64 || got.Data.Content != tt.wantContent {
				t.Errorf("type, flags, content = %d, %d, %q; want %d, 64, %q",
					got.Type, got.Data.Flags, got.Data.Content, tt.wantType, tt.wantContent)
			}
		})
	}
}

// Autocomplete is for options no command declares; it gets no choices
// rather than running the command.
func TestBridgeAutocomplete(t *testing.T) {
	got := interactVia(t, newBridgeStore(), fixture(t, "autocomplete"))
	if got.Type != 8 || len(got.Data.Choices) != 0 {
		t.Errorf("type, choices = %d, %v; want 8, none", got.Type, got.Data.Choices)
	}
}

// Options reach the handler as text, whatever their JSON type: numbers
// in plain decimal, never with an exponent.
func TestBridgeOptionText(t *testing.T) {
	tests := []struct {
		name        string
		options     []any
		wantContent string
		want        settings.Settings
	}{
		{"each type", []any{option("activity_window", 4, 10), option("track_offline", 5, true),
			option("ignore_add", 3, "NightBot"), option("announce_channel", 7, "883082588674195459")}, "",
			settings.Settings{ActivityWindow: 10 * time.Minute, PointsPer5Min: 1, SubMultiplierPct: 100, TrackOffline: true,
				Ignored: []string{"nightbot"}, AnnounceChannel: "883082588674195459"}},
		{"a million", []any{option("activity_window", 4, 1e6)},
			"activity window must be between 1m0s and 1h0m0s", settings.Defaults()},
		{"beyond int64", []any{option("activity_window", 4, 1e20)},
			"the activity window must be a whole number", settings.Defaults()},
		{"a fraction", []any{option("points_per_5min", 10, 2.5)},
			"points per 5 minutes must be a whole number", settings.Defaults()},
		{"an object", []any{option("points_per_5min", 4, map[string]any{"n": 1})},
			"option points_per_5min has a value of an unexpected type", settings.Defaults()},
		// 883082588674195459 as a float64 prints as 883082588674195500.
		{"a channel id as a JSON number", []any{option("announce_channel", 7, json.Number("883082588674195459"))},
			"option announce_channel must be a Discord id sent as a string of digits (a JSON number may have lost digits)", settings.Defaults()},
		{"a channel id that is no id", []any{option("announce_channel", 7, "general")},
			"option announce_channel must be a Discord id sent as a string of digits (a JSON number may have lost digits)", settings.Defaults()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newBridgeStore()
			got := interactVia(t, store, edited(t, "application_command_subcommand", func(i map[string]any) {
				i["data"].(map[string]any)["options"] = []any{map[string]any{"name": "set", "type": 1, "options": tt.options}}
			}))
			if got.Data.Content != tt.wantContent {
				t.Errorf("content = %q, want %q", got.Data.Content, tt.wantContent)
			}
			s, _ := store.Settings(context.Background(), guildID)
			if diff := gocmp.Diff(s, tt.want); diff != "" {
				t.Errorf("stored settings (-got +want):\n%s", diff)
			}
		})
	}
}

// The README's /roles add with its role id as a JSON number, as the
// replayer once sent it: a float64 reads 973524801945731072 back as
// 973524801945731100, another role. The bridge refuses it, privately,
// before any handler runs; as a string it goes through whole.
func TestBridgeRefusesNumericSnowflake(t *testing.T) {
	const role = "973524801945731072"
	got := interactVia(t, newBridgeStore(), edited(t, "application_command",
		command("roles", subcommand("add", option("role", 8, json.Number(role)), option("minutes", 4, 1)))))
	const want = "option role must be a Discord id sent as a string of digits (a JSON number may have lost digits)"
	if got.Data.Content != want || got.Data.Flags != 64 {
		t.Errorf("content, flags = %q, %d; want %q, 64 (ephemeral)", got.Data.Content, got.Data.Flags, want)
	}
}
