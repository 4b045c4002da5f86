package interact_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/settings"
)

var at = time.Date(2026, 3, 14, 19, 2, 11, 0, time.UTC)

const (
	green       = 0x53FC18
	interaction = "1482453932679757825"
	memberID    = "569802374110117888"
	adminID     = "774998079505039360"
)

// member is a command from a member without Manage Server; opts are
// option names and values in turn.
func member(command, sub string, opts ...string) interact.Request {
	r := interact.Request{
		ID: interaction, Guild: guild, UserID: memberID,
		Command: command, Sub: sub, Options: map[string]string{}, At: at,
	}
	for i := 0; i+1 < len(opts); i += 2 {
		r.Options[opts[i]] = opts[i+1]
	}
	return r
}

// admin is a command from a member with Manage Server.
func admin(command, sub string, opts ...string) interact.Request {
	r := member(command, sub, opts...)
	r.UserID, r.CanManage = adminID, true
	return r
}

func inGuild(r interact.Request, g string) interact.Request {
	r.Guild = g
	return r
}

func click(id string) interact.Request {
	return interact.Request{ID: "1482454146073362435", Guild: guild, UserID: memberID, Component: id, At: at}
}

// public is a reply of one embed everyone sees.
func public(title, desc string) interact.Response {
	return interact.Response{Embeds: []interact.Embed{{Title: title, Description: desc, Color: green}}}
}

func defaultSettings(title string) interact.Response {
	return interact.Response{Ephemeral: true, Embeds: []interact.Embed{{
		Title: title,
		Fields: []interact.Field{
			{Name: "Activity window", Value: "5 minutes", Inline: true},
			{Name: "Points per 5 minutes", Value: "1", Inline: true},
			{Name: "Subscriber multiplier", Value: "100%", Inline: true},
			{Name: "Track offline", Value: "off", Inline: true},
			{Name: "Announcements", Value: "none", Inline: true},
			{Name: "Ignored viewers", Value: "none"},
		},
		Color: green,
	}}}
}

func TestHandle(t *testing.T) {
	const (
		needUser   = "name a Kick user: /%s user:<kick name> (linking Discord accounts to Kick comes later)"
		noGhost    = "no viewer named ghost has been seen in this server's Kick chat"
		notLinked  = "this server is not connected to a Kick channel yet"
		forbidden  = "you need the Manage Server permission"
		badAmount  = "amount must be a whole number between 1 and 1,000,000,000"
		badSet     = "amount must be a whole number between 0 and 1,000,000,000"
		otherGuild = "111111111111111111"
	)
	tests := []struct {
		name     string
		req      interact.Request
		fail     error // the store's error
		want     interact.Response
		wantKind fault.Kind
		wantMsg  string // "" when no error is wanted
	}{
		// Members.
		{name: "watchtime", req: member("watchtime", "", "user", "mossyrock"),
			want: public("Watchtime", "**mossyrock** has watched for **12h 5m**.")},
		{name: "watchtime days", req: member("watchtime", "", "user", "ironkettle"),
			want: public("Watchtime", "**ironkettle** has watched for **2d 2h**.")},
		{name: "watchtime any case and @", req: member("watchtime", "", "user", "  @MossyRock "),
			want: public("Watchtime", "**mossyrock** has watched for **12h 5m**.")},
		{name: "watchtime without user", req: member("watchtime", ""),
			wantKind: fault.Invalid, wantMsg: strings.Replace(needUser, "%s", "watchtime", 1)},
		{name: "watchtime not a name", req: member("watchtime", "", "user", "two words"),
			wantKind: fault.Invalid, wantMsg: "that is not a Kick username"},
		{name: "watchtime name too long", req: member("watchtime", "", "user", strings.Repeat("a", 26)),
			wantKind: fault.Invalid, wantMsg: "that is not a Kick username"},
		{name: "watchtime no such viewer", req: member("watchtime", "", "user", "ghost"),
			wantKind: fault.NotFound, wantMsg: noGhost},
		{name: "watchtime not connected", req: inGuild(member("watchtime", "", "user", "mossyrock"), otherGuild),
			wantKind: fault.NotFound, wantMsg: notLinked},
		{name: "points show", req: member("points", "show", "user", "mossyrock"),
			want: public("Points", "**mossyrock** has **31,877** points.")},
		{name: "points show one point, escaped name", req: member("points", "show", "user", "northwind_tv"),
			want: public("Points", `**northwind\_tv** has **1** point.`)},
		{name: "points show without user", req: member("points", "show"),
			wantKind: fault.Invalid, wantMsg: strings.Replace(needUser, "%s", "points show", 1)},
		{name: "points show not connected", req: inGuild(member("points", "show", "user", "ghost"), otherGuild),
			wantKind: fault.NotFound, wantMsg: notLinked},
		{name: "rank points", req: member("rank", "", "user", "mossyrock", "board", "points"),
			want: public("Rank", "**mossyrock** is **#2** on the points leaderboard with **31,877** points.")},
		{name: "rank watchtime by default", req: member("rank", "", "user", "pebblecat"),
			want: public("Rank", "**pebblecat** is **#3** on the watchtime leaderboard with **1h** watched.")},
		{name: "rank not on board", req: member("rank", "", "user", "quietfern"),
			wantKind: fault.NotFound, wantMsg: "quietfern is not on the watchtime leaderboard yet"},
		{name: "rank unknown board", req: member("rank", "", "user", "mossyrock", "board", "coins"),
			wantKind: fault.Invalid, wantMsg: "board must be watchtime or points"},
		{name: "rank without user", req: member("rank", ""),
			wantKind: fault.Invalid, wantMsg: strings.Replace(needUser, "%s", "rank", 1)},
		{name: "leaderboard one page", req: member("leaderboard", ""),
			want: interact.Response{Embeds: []interact.Embed{{
				Title: "Watchtime leaderboard",
				Description: "1. **ironkettle** — 2d 2h\n2. **mossyrock** — 12h 5m\n" +
					"3. **pebblecat** — 1h\n4. **northwind\\_tv** — 1m",
				Footer: "Page 1", Color: green,
			}}}},
		{name: "leaderboard of points", req: member("leaderboard", "", "board", "points"),
			want: interact.Response{Embeds: []interact.Embed{{
				Title: "Points leaderboard",
				Description: "1. **ironkettle** — 48,210 points\n2. **mossyrock** — 31,877 points\n" +
					"3. **pebblecat** — 12,004 points\n4. **northwind\\_tv** — 1 point",
				Footer: "Page 1", Color: green,
			}}}},
		{name: "leaderboard not connected", req: inGuild(member("leaderboard", ""), otherGuild),
			wantKind: fault.NotFound, wantMsg: notLinked},
		{name: "leaderboard unknown board", req: member("leaderboard", "", "board", "coins"),
			wantKind: fault.Invalid, wantMsg: "board must be watchtime or points"},

		// Admins.
		{name: "settings show", req: admin("settings", "show"), want: defaultSettings("Settings")},
		{name: "settings show by member", req: member("settings", "show"),
			wantKind: fault.Forbidden, wantMsg: forbidden},
		{name: "settings set by member", req: member("settings", "set", "points_per_5min", "3"),
			wantKind: fault.Forbidden, wantMsg: forbidden},
		{name: "points add", req: admin("points", "add", "user", "MossyRock", "amount", "50", "reason", " raid train "),
			want: interact.Response{Ephemeral: true, Embeds: []interact.Embed{{
				Title:       "Points added",
				Description: "**mossyrock** now has **31,927** points.",
				Fields: []interact.Field{
					{Name: "Before", Value: "31,877", Inline: true},
					{Name: "Change", Value: "+50", Inline: true},
					{Name: "After", Value: "31,927", Inline: true},
					{Name: "Reason", Value: "raid train"},
				},
				Footer: "Ledger entry " + interaction, Color: green,
			}}}},
		{name: "points remove", req: admin("points", "remove", "user", "ironkettle", "amount", "1000000"),
			wantKind: fault.Conflict, wantMsg: "cannot remove 1,000,000 points from ironkettle: the viewer has only 48,210 points"},
		{name: "points remove one too many", req: admin("points", "remove", "user", "northwind_tv", "amount", "2"),
			wantKind: fault.Conflict, wantMsg: `cannot remove 2 points from northwind\_tv: the viewer has only 1 point`},
		{name: "points remove all", req: admin("points", "remove", "user", "northwind_tv", "amount", "1"),
			want: interact.Response{Ephemeral: true, Embeds: []interact.Embed{{
				Title:       "Points removed",
				Description: `**northwind\_tv** now has **0** points.`,
				Fields: []interact.Field{
					{Name: "Before", Value: "1", Inline: true},
					{Name: "Change", Value: "−1", Inline: true},
					{Name: "After", Value: "0", Inline: true},
				},
				Footer: "Ledger entry " + interaction, Color: green,
			}}}},
		{name: "points set zero", req: admin("points", "set", "user", "pebblecat", "amount", "0"),
			want: interact.Response{Ephemeral: true, Embeds: []interact.Embed{{
				Title:       "Points set",
				Description: "**pebblecat** now has **0** points.",
				Fields: []interact.Field{
					{Name: "Before", Value: "12,004", Inline: true},
					{Name: "Change", Value: "−12,004", Inline: true},
					{Name: "After", Value: "0", Inline: true},
				},
				Footer: "Ledger entry " + interaction, Color: green,
			}}}},
		{name: "points add by member", req: member("points", "add", "user", "mossyrock", "amount", "50"),
			wantKind: fault.Forbidden, wantMsg: forbidden},
		{name: "points set by member", req: member("points", "set", "user", "mossyrock", "amount", "0"),
			wantKind: fault.Forbidden, wantMsg: forbidden},
		{name: "points add zero", req: admin("points", "add", "user", "mossyrock", "amount", "0"),
			wantKind: fault.Invalid, wantMsg: badAmount},
		{name: "points add negative", req: admin("points", "add", "user", "mossyrock", "amount", "-3"),
			wantKind: fault.Invalid, wantMsg: badAmount},
		{name: "points add fraction", req: admin("points", "add", "user", "mossyrock", "amount", "1.5"),
			wantKind: fault.Invalid, wantMsg: badAmount},
		{name: "points add too much", req: admin("points", "add", "user", "mossyrock", "amount", "1000000001"),
			wantKind: fault.Invalid, wantMsg: badAmount},
		{name: "points add no amount", req: admin("points", "add", "user", "mossyrock"),
			wantKind: fault.Invalid, wantMsg: badAmount},
		{name: "points remove zero", req: admin("points", "remove", "user", "mossyrock", "amount", "0"),
			wantKind: fault.Invalid, wantMsg: badAmount},
		{name: "points set negative", req: admin("points", "set", "user", "mossyrock", "amount", "-1"),
			wantKind: fault.Invalid, wantMsg: badSet},
		{name: "points add reason too long", req: admin("points", "add", "user", "mossyrock", "amount", "5", "reason", strings.Repeat("x", 201)),
			wantKind: fault.Invalid, wantMsg: "reason must be at most 200 characters"},
		{name: "points add no such viewer", req: admin("points", "add", "user", "ghost", "amount", "5"),
			wantKind: fault.NotFound, wantMsg: noGhost},
		{name: "points add without user", req: admin("points", "add", "amount", "5"),
			wantKind: fault.Invalid, wantMsg: strings.Replace(needUser, "%s", "points add", 1)},
		{name: "points add not connected", req: inGuild(admin("points", "add", "user", "mossyrock", "amount", "5"), otherGuild),
			wantKind: fault.NotFound, wantMsg: notLinked},

		// Routing and failures.
		{name: "unknown command", req: member("dance", ""), wantKind: fault.NotFound, wantMsg: "unknown command"},
		{name: "command without its subcommand", req: member("points", "", "user", "mossyrock"),
			wantKind: fault.NotFound, wantMsg: "unknown command"},
		{name: "unknown subcommand", req: admin("settings", "reset"), wantKind: fault.NotFound, wantMsg: "unknown command"},
		{name: "unknown button", req: click("shop:buy:3"), wantKind: fault.NotFound, wantMsg: "this button no longer works"},
		{name: "direct message", req: inGuild(member("watchtime", "", "user", "mossyrock"), ""),
			wantKind: fault.Invalid, wantMsg: "use this command in a server"},
		{name: "store fails", req: member("points", "show", "user", "mossyrock"),
			fail:     fault.E(fault.Transient, "dynamodb throttled"),
			wantKind: fault.Transient, wantMsg: "dynamodb throttled"},
		{name: "store fails on a change", req: admin("points", "add", "user", "mossyrock", "amount", "5"),
			fail:     fault.E(fault.Transient, "dynamodb throttled"),
			wantKind: fault.Transient, wantMsg: "dynamodb throttled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newFakeStore()
			store.fail = tt.fail
			h := &interact.Handler{Store: store}
			got, err := h.Handle(context.Background(), tt.req)
			if tt.wantMsg != "" {
				if err == nil {
					t.Fatalf("Handle() = %+v, want a %v error %q", got, tt.wantKind, tt.wantMsg)
				}
				if gotKind, gotMsg := fault.KindOf(err), fault.Message(err); gotKind != tt.wantKind || gotMsg != tt.wantMsg {
					t.Errorf("Handle() error = %v %q, want %v %q", gotKind, gotMsg, tt.wantKind, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("Handle() error = %v", err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Handle() mismatch (-got +want):\n%s", diff)
			}
		})
	}
}

// TestPointsChangesOnce retries /points commands with the same
// interaction id, as a retried interaction would, and checks that the
// balance changed once and both answers agree.
func TestPointsChangesOnce(t *testing.T) {
	tests := []struct {
		sub, amount string
		wantMilli   int64
	}{
		{"add", "50", 31_927_500},
		{"remove", "877", 31_000_500},
		{"set", "10", 10_000},
	}
	for _, tt := range tests {
		t.Run(tt.sub, func(t *testing.T) {
			store := newFakeStore()
			h := &interact.Handler{Store: store}
			r := admin("points", tt.sub, "user", "mossyrock", "amount", tt.amount)
			first, err := h.Handle(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			r.At = r.At.Add(2 * time.Second) // a retry arrives later
			second, err := h.Handle(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			if got := store.balance("mossyrock"); got != tt.wantMilli {
				t.Errorf("balance after two tries = %d milli-points, want %d", got, tt.wantMilli)
			}
			if diff := cmp.Diff(second, first); diff != "" {
				t.Errorf("retry answered differently (-retry +first):\n%s", diff)
			}

			r.ID = "1482453932679757999" // another interaction changes it again
			if _, err := h.Handle(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			if got := store.balance("mossyrock"); tt.sub != "set" && got == tt.wantMilli {
				t.Errorf("a new interaction left the balance at %d", got)
			}
		})
	}
}

func TestLeaderboardPaging(t *testing.T) {
	store := newFakeStore()
	h := &interact.Handler{Store: store, PageSize: 2}
	ctx := context.Background()

	first, err := h.Handle(ctx, member("leaderboard", "", "board", "points"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := first.Embeds[0].Description, "1. **ironkettle** — 48,210 points\n2. **mossyrock** — 31,877 points"; got != want {
		t.Errorf("page 1 = %q, want %q", got, want)
	}
	if len(first.Buttons) != 2 {
		t.Fatalf("page 1 buttons = %+v, want First and Next", first.Buttons)
	}
	if got, want := first.Buttons[0], (interact.Button{Label: "First", ID: "lb:points:1:", Disabled: true}); got != want {
		t.Errorf("page 1 First = %+v, want %+v", got, want)
	}
	next := first.Buttons[1]
	if next.Label != "Next" || next.Disabled || !strings.HasPrefix(next.ID, "lb:points:2:") || len(next.ID) > interact.MaxCustomID {
		t.Fatalf("page 1 Next = %+v, want an enabled button lb:points:2:<cursor>", next)
	}
	if first.Update || first.Ephemeral {
		t.Errorf("page 1 Update, Ephemeral = %v, %v; want a new public message", first.Update, first.Ephemeral)
	}

	second, err := h.Handle(ctx, click(next.ID))
	if err != nil {
		t.Fatal(err)
	}
	want := interact.Response{
		Embeds: []interact.Embed{{
			Title:       "Points leaderboard",
			Description: "3. **pebblecat** — 12,004 points\n4. **northwind\\_tv** — 1 point",
			Footer:      "Page 2",
			Color:       green,
		}},
		Buttons: []interact.Button{
			{Label: "First", ID: "lb:points:1:"},
			{Label: "Next", ID: "lb:points:end", Disabled: true},
		},
		Update: true,
	}
	if diff := cmp.Diff(second, want); diff != "" {
		t.Errorf("page 2 mismatch (-got +want):\n%s", diff)
	}

	back, err := h.Handle(ctx, click(second.Buttons[0].ID))
	if err != nil {
		t.Fatal(err)
	}
	first.Update = true
	if diff := cmp.Diff(back, first); diff != "" {
		t.Errorf("First from page 2 (-got +want):\n%s", diff)
	}
}

func TestLeaderboardBadButtons(t *testing.T) {
	const expired = "this leaderboard is out of date; run /leaderboard again"
	const broken = "this button no longer works; run /leaderboard again"
	tests := []struct {
		id, wantMsg string
	}{
		{"lb:points:2:bm90IGEgY3Vyc29y", expired}, // the store refuses the cursor
		{"lb:watchtime:2:cG9pbnRzLzI", expired},   // a cursor of the points board
		{"lb:points:1:cG9pbnRzLzI", broken},       // page 1 has no cursor
		{"lb:points:2:", broken},                  // later pages have one
		{"lb:points:0:", broken},
		{"lb:points:x:cG9pbnRzLzI", broken},
		{"lb:coins:1:", broken},
		{"lb:points:end", broken},
		{"lb", broken},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			h := &interact.Handler{Store: newFakeStore(), PageSize: 2}
			_, err := h.Handle(context.Background(), click(tt.id))
			if got, gotMsg := fault.KindOf(err), fault.Message(err); got != fault.Invalid || gotMsg != tt.wantMsg {
				t.Errorf("click %s: error = %v %q, want invalid %q", tt.id, got, gotMsg, tt.wantMsg)
			}
		})
	}
}

func TestLeaderboardEmpty(t *testing.T) {
	store := newFakeStore()
	store.viewers = nil
	h := &interact.Handler{Store: store}
	got, err := h.Handle(context.Background(), member("leaderboard", ""))
	if err != nil {
		t.Fatal(err)
	}
	want := interact.Response{Embeds: []interact.Embed{{
		Title: "Watchtime leaderboard", Description: "Nobody is on this leaderboard yet: it is updated every few minutes while the stream is live.", Footer: "Page 1", Color: green,
	}}}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("empty leaderboard (-got +want):\n%s", diff)
	}
}

func TestSettingsSet(t *testing.T) {
	withIgnored := func(names ...string) *settings.Settings {
		s := settings.Defaults()
		s.Ignored = names
		return &s
	}
	tests := []struct {
		name    string
		before  *settings.Settings // nil: never set
		opts    []string
		want    settings.Settings // stored afterwards
		wantMsg string            // an Invalid or NotFound error's message
	}{
		{name: "every setting", opts: []string{
			"activity_window", "10", "points_per_5min", "3", "sub_multiplier", "150", "track_offline", "true",
			"ignore_add", "NightBot", "announce_channel", "883082588674195459",
		}, want: settings.Settings{
			ActivityWindow: 10 * time.Minute, PointsPer5Min: 3, SubMultiplierPct: 150, TrackOffline: true,
			Ignored: []string{"nightbot"}, AnnounceChannel: "883082588674195459",
		}},
		{name: "one setting keeps the rest", before: withIgnored("botrix"), opts: []string{"points_per_5min", "0"},
			want: func() settings.Settings { s := *withIgnored("botrix"); s.PointsPer5Min = 0; return s }()},
		{name: "ignore_add normalizes", before: withIgnored("botrix"), opts: []string{"ignore_add", "  @KickBot_Official "},
			want: *withIgnored("botrix", "kickbot_official")},
		{name: "ignore_add twice", before: withIgnored("botrix"), opts: []string{"ignore_add", "BotRix"},
			want: *withIgnored("botrix")},
		{name: "ignore_remove normalizes", before: withIgnored("nightbot", "botrix"), opts: []string{"ignore_remove", " BOTRIX"},
			want: *withIgnored("nightbot")},
		{name: "ignore_remove of a name not ignored", before: withIgnored("nightbot"), opts: []string{"ignore_remove", "botrix"},
			want: *withIgnored("nightbot"), wantMsg: "botrix is not on the ignore list"},
		{name: "ignore_add not a name", opts: []string{"ignore_add", "night bot"},
			want: settings.Defaults(), wantMsg: "that is not a Kick username"},
		{name: "track_offline off", before: func() *settings.Settings { s := settings.Defaults(); s.TrackOffline = true; return &s }(),
			opts: []string{"track_offline", "false"}, want: settings.Defaults()},
		{name: "activity window too short", opts: []string{"activity_window", "0", "points_per_5min", "3"},
			want: settings.Defaults(), wantMsg: "activity window must be between 1m0s and 1h0m0s"},
		{name: "activity window overflowing", opts: []string{"activity_window", "9223372036854775807"},
			want: settings.Defaults(), wantMsg: "activity window must be between 1m0s and 1h0m0s"},
		{name: "activity window not a number", opts: []string{"activity_window", "5m"},
			want: settings.Defaults(), wantMsg: "the activity window must be a whole number"},
		{name: "multiplier too low", opts: []string{"sub_multiplier", "50"},
			want: settings.Defaults(), wantMsg: "subscriber multiplier must be between 100% and 1000%"},
		{name: "points too many", opts: []string{"points_per_5min", "1001"},
			want: settings.Defaults(), wantMsg: "points per 5 minutes must be between 0 and 1000"},
		{name: "track_offline not a bool", opts: []string{"track_offline", "maybe"},
			want: settings.Defaults(), wantMsg: "track_offline must be true or false"},
		{name: "announce_channel not an id", opts: []string{"announce_channel", "<#123>"},
			want: settings.Defaults(), wantMsg: "announce_channel must be a channel"},
		{name: "announce_off clears the channel", before: func() *settings.Settings {
			s := settings.Defaults()
			s.AnnounceChannel = "883082588674195459"
			return &s
		}(),
			opts: []string{"announce_off", "true"}, want: settings.Defaults()},
		{name: "announce_off false keeps it", before: func() *settings.Settings {
			s := settings.Defaults()
			s.AnnounceChannel = "883082588674195459"
			return &s
		}(),
			opts: []string{"announce_off", "false"}, want: func() settings.Settings { s := settings.Defaults(); s.AnnounceChannel = "883082588674195459"; return s }()},
		{name: "announce_off with a channel", opts: []string{"announce_off", "true", "announce_channel", "883082588674195459"},
			want: settings.Defaults(), wantMsg: "choose announce_channel or announce_off, not both"},
		{name: "nothing to set", want: settings.Defaults(), wantMsg: "choose at least one setting to change"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newFakeStore()
			store.settings = tt.before
			h := &interact.Handler{Store: store}
			resp, err := h.Handle(context.Background(), admin("settings", "set", tt.opts...))
			if tt.wantMsg != "" {
				if k := fault.KindOf(err); (k != fault.Invalid && k != fault.NotFound) || fault.Message(err) != tt.wantMsg {
					t.Errorf("error = %v %q, want %q", k, fault.Message(err), tt.wantMsg)
				}
			} else if err != nil {
				t.Fatalf("error = %v", err)
			} else if !resp.Ephemeral || len(resp.Embeds) != 1 || resp.Embeds[0].Title != "Settings saved" {
				t.Errorf("response = %+v, want an ephemeral embed Settings saved", resp)
			}
			got, err := store.Settings(context.Background(), guild)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("stored settings (-got +want):\n%s", diff)
			}
			if tt.wantMsg != "" && store.puts != 0 {
				t.Errorf("PutSettings called %d times after an error, want 0", store.puts)
			}
		})
	}
}

func TestSettingsSetShowsResult(t *testing.T) {
	store := newFakeStore()
	h := &interact.Handler{Store: store}
	got, err := h.Handle(context.Background(), admin("settings", "set",
		"activity_window", "1", "ignore_add", "night_bot", "announce_channel", "883082588674195459"))
	if err != nil {
		t.Fatal(err)
	}
	want := defaultSettings("Settings saved")
	want.Embeds[0].Fields[0].Value = "1 minute"
	want.Embeds[0].Fields[4].Value = "<#883082588674195459>"
	want.Embeds[0].Fields[5].Value = `night\_bot`
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("settings set (-got +want):\n%s", diff)
	}
}

func TestSettingsShowLongIgnoreList(t *testing.T) {
	store := newFakeStore()
	s := settings.Defaults()
	for i := range settings.MaxIgnored {
		s.Ignored = append(s.Ignored, strings.Repeat("x", 22)+string(rune('a'+i/26))+string(rune('a'+i%26)))
	}
	store.settings = &s
	got, err := (&interact.Handler{Store: store}).Handle(context.Background(), admin("settings", "show"))
	if err != nil {
		t.Fatal(err)
	}
	value := got.Embeds[0].Fields[5].Value
	if len(value) > 1024 || !strings.HasSuffix(value, " more") {
		t.Errorf("ignored field has %d bytes and ends %q, want ≤ 1024 ending in … and N more", len(value), value[max(0, len(value)-20):])
	}
}

func TestEmbedOver(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) } // characters, not bytes
	fields := func(n int, value string) []interact.Field {
		fs := make([]interact.Field, n)
		for i := range fs {
			fs[i] = interact.Field{Name: "f", Value: value}
		}
		return fs
	}
	tests := []struct {
		name string
		e    interact.Embed
		over bool
	}{
		{"empty", interact.Embed{}, false},
		{"every part at its limit", interact.Embed{Title: long(256), Description: long(4096), Footer: long(1000),
			Fields: []interact.Field{{Name: long(10), Value: long(600)}}}, false},
		{"title", interact.Embed{Title: long(257)}, true},
		{"description", interact.Embed{Description: long(4097)}, true},
		{"footer", interact.Embed{Footer: long(2049)}, true},
		{"field value", interact.Embed{Fields: []interact.Field{{Name: "n", Value: long(1025)}}}, true},
		{"field name", interact.Embed{Fields: []interact.Field{{Name: long(257), Value: "v"}}}, true},
		{"25 fields", interact.Embed{Fields: fields(25, "v")}, false},
		{"26 fields", interact.Embed{Fields: fields(26, "v")}, true},
		{"6,000 in all", interact.Embed{Description: long(4096), Fields: fields(2, long(951))}, false},
		{"6,002 in all", interact.Embed{Description: long(4096), Fields: fields(2, long(952))}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.Over(); (got != "") != tt.over {
				t.Errorf("Over() = %q, want over: %v", got, tt.over)
			}
		})
	}
}
