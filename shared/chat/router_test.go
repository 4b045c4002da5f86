package chat_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/custom"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/response"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/stream"
)

// held is a cooldown as the fake store keeps it: when it was taken, for
// how long, and by which use.
type held struct {
	at    time.Time
	d     time.Duration
	claim string
}

// fakeCustoms is chat.Customs in memory, with the semantics the DynamoDB
// adapter promises: CountUse once per use id, TakeCooldown free or held
// by the same claim. calls counts every call by method.
type fakeCustoms struct {
	mu        sync.Mutex
	commands  []custom.Command
	uses      map[string]map[string]bool // name -> use ids
	cooldowns map[string]held            // name or name/user -> cooldown
	calls     map[string]int
	err       error
}

func newFakeCustoms(cmds ...custom.Command) *fakeCustoms {
	return &fakeCustoms{commands: cmds, uses: map[string]map[string]bool{}, cooldowns: map[string]held{}, calls: map[string]int{}}
}

func (f *fakeCustoms) CustomCommand(_ context.Context, _, name string) (custom.Command, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["CustomCommand"]++
	if f.err != nil {
		return custom.Command{}, f.err
	}
	for _, c := range f.commands {
		if c.Name == name || slices.Contains(c.Aliases, name) {
			return c, nil
		}
	}
	return custom.Command{}, fault.E(fault.NotFound, "no command %q", name)
}

func (f *fakeCustoms) CustomCommands(context.Context, string) ([]custom.Command, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["CustomCommands"]++
	return slices.Clone(f.commands), f.err
}

func (f *fakeCustoms) CountUse(_ context.Context, _, name, useID string, _ time.Time) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["CountUse"]++
	if f.uses[name] == nil {
		f.uses[name] = map[string]bool{}
	}
	f.uses[name][useID] = true
	return int64(len(f.uses[name])), nil
}

func (f *fakeCustoms) TakeCooldown(_ context.Context, _, name string, userID int64, global, perUser time.Duration, claimID string, now time.Time) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["TakeCooldown"]++
	keys := map[string]time.Duration{name: global, fmt.Sprint(name, "/", userID): perUser}
	for k, d := range keys {
		if h, ok := f.cooldowns[k]; ok && d > 0 && h.claim != claimID && !command.Free(h.at, h.d, now) {
			return false, nil
		}
	}
	for k, d := range keys {
		if d > 0 && f.cooldowns[k].claim != claimID {
			f.cooldowns[k] = held{at: now, d: d, claim: claimID}
		}
	}
	return true, nil
}

func (f *fakeCustoms) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

// fakeLookups is chat.Lookups: ranks by user id, one stream state and
// one channel name; calls counts every call by method.
type fakeLookups struct {
	ranks   map[int64]int64
	full    bool // the board lists BoardSize viewers
	viewers []audience.Viewer
	state   stream.State
	channel string
	calls   map[string]int
}

func (f *fakeLookups) Place(_ context.Context, _ string, _ audience.Board, userID int64) (int64, bool, error) {
	f.calls["Place"]++
	r, ok := f.ranks[userID]
	if !ok {
		return 0, f.full, nil
	}
	return r, false, nil
}

func (f *fakeLookups) Stream(context.Context, string) (stream.State, error) {
	f.calls["Stream"]++
	return f.state, nil
}

func (f *fakeLookups) Connection(context.Context, string) (int64, string, time.Time, error) {
	f.calls["Connection"]++
	if f.channel == "" {
		return 0, "", time.Time{}, fault.E(fault.NotFound, "not connected")
	}
	return broadcaster, f.channel, now, nil
}

// countingViewers counts the viewer reads of fakeViewers.
type countingViewers struct {
	*fakeViewers
	calls map[string]int
}

func (c *countingViewers) Viewer(ctx context.Context, g string, id int64) (audience.Viewer, error) {
	c.calls["Viewer"]++
	return c.fakeViewers.Viewer(ctx, g, id)
}

func (c *countingViewers) ViewerByName(ctx context.Context, g, name string) (audience.Viewer, error) {
	c.calls["ViewerByName"]++
	return c.fakeViewers.ViewerByName(ctx, g, name)
}

var (
	mod    = event.User{ID: 20, Username: "modmia", Badges: []event.Badge{{Type: "moderator"}}}
	owner  = event.User{ID: 21, Username: "streamer", Badges: []event.Badge{{Type: "broadcaster"}}}
	vip    = event.User{ID: 22, Username: "vivi", Badges: []event.Badge{{Type: "vip"}}}
	subbed = event.User{ID: 23, Username: "subsy", Badges: []event.Badge{{Type: "subscriber", Count: 3}}}
	og     = event.User{ID: 24, Username: "oldie", Badges: []event.Badge{{Type: "og"}}}
	bob    = event.User{ID: 8, Username: "Bob_TheBuilder"}

	// guildCommands are the custom commands of the router tests.
	guildCommands = []custom.Command{
		{Name: "hello", Aliases: []string{"hi", "hey"}, Response: "Hello {user}!", Enabled: true},
		{Name: "say", Response: "{args}", Enabled: true},
		{Name: "hug", Response: "{user} hugs {touser}", Enabled: true},
		{Name: "subonly", Response: "thanks for subbing", Level: command.Subscriber, Enabled: true},
		{Name: "viponly", Response: "vip room", Level: command.VIP, Enabled: true},
		{Name: "modonly", Response: "mods here", Level: command.Moderator, Enabled: true},
		{Name: "owneronly", Response: "hi boss", Level: command.Broadcaster, Enabled: true},
		{Name: "off", Response: "disabled", Enabled: false},
		{Name: "count", Response: "used {count} times", Enabled: true},
		{Name: "bang", Response: "!ban {touser}", Enabled: true},
		{Name: "stats", Response: "{user}: {points} pts, {watchtime}, rank {rank}", Enabled: true},
		{Name: "their", Response: "{touser}: {points:touser} pts, rank {rank:touser}", Enabled: true},
		{Name: "live", Response: "{channel} live {uptime}: {title} ({category})", Enabled: true},
		{Name: "coin", Response: "{random:heads|tails} {randnum:1-6}", Enabled: true},
		// A custom command the store somehow holds under a built-in's name
		// (created before the name was reserved): the built-in wins.
		{Name: "points", Response: "shadowed!", Enabled: true},
	}
)

// router is Commands over guildCommands and fakes that record what is
// said, with a random source that always picks the last option.
func router(cmds ...custom.Command) (*chat.Commands, *fakeSayer, *fakeCustoms) {
	if cmds == nil {
		cmds = guildCommands
	}
	say, customs := &fakeSayer{}, newFakeCustoms(cmds...)
	set := settings.Defaults()
	set.Ignored = []string{"botrix"}
	return &chat.Commands{
		Viewers: &fakeViewers{viewers: guildViewers, settings: set}, Chat: say, Customs: customs,
		BotUserID: 5000, Rand: func(n int64) int64 { return n - 1 },
	}, say, customs
}

// said is what say was told, as the Sender would say it.
func said(say *fakeSayer) []string {
	var out []string
	for _, m := range say.said {
		out = append(out, chat.Speakable(m.Text))
	}
	return out
}

func TestRouter(t *testing.T) {
	tests := []struct {
		name    string
		sender  event.User
		content string
		want    []string // nil: silence
	}{
		{"built-in", alice, "!points", []string{"@alice has 1,234 points"}},
		{"built-in in upper case", alice, "!WATCHTIME", []string{"@alice has watched 3h 20m"}},
		{"custom", alice, "!hello", []string{"Hello alice!"}},
		{"custom in mixed case", alice, "!HeLLo", []string{"Hello alice!"}},
		{"alias", alice, "!hi", []string{"Hello alice!"}},
		{"alias in upper case", alice, "!HEY there", []string{"Hello alice!"}},
		{"built-in beats a custom of its name", alice, "!points", []string{"@alice has 1,234 points"}},
		{"unicode arguments", alice, "!say Grüße 🎰 日本", []string{"Grüße 🎰 日本"}},
		{"emotes trimmed from arguments", alice, "!say [emote:37226:KEKW] gg [emote:1:x]", []string{"gg"}},
		{"touser", alice, "!hug @bob", []string{"alice hugs bob"}},
		{"touser defaults to the sender", alice, "!hug", []string{"alice hugs alice"}},
		{"unknown", alice, "!dance", nil},
		{"disabled", alice, "!off", nil},
		{"reserved for a coming built-in", alice, "!call Book of Dead", nil},
		{"a name no custom can have", alice, "!my-cmd", nil},
		{"from the bot", event.User{ID: 5000, Username: "kickbot"}, "!hello", nil},
		{"from an ignored bot", event.User{ID: 5001, Username: "BotRix"}, "!hello", nil},
		{"a response that is a command is prefixed", alice, "!bang bob", []string{response.Prefix + "!ban bob"}},
		{"injection: a viewer's variables stay text", alice, "!say {points}", []string{"{points}"}},
		{"injection through touser", alice, "!hug {rank}", []string{"alice hugs {rank}"}},
		{"random", alice, "!coin", []string{"tails 6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, say, _ := router()
			if err := run(t, c, chatEvent(tt.sender, tt.content, time.Second)); err != nil {
				t.Fatalf("Run(%q) = %v, want nil", tt.content, err)
			}
			if diff := cmp.Diff(tt.want, said(say)); diff != "" {
				t.Errorf("Run(%q) said (-want +got):\n%s", tt.content, diff)
			}
		})
	}
}

// TestRouterReadsNoStoreForImpossibleNames: built-ins, reserved names and
// names no custom command can have cost no custom-command read.
func TestRouterReadsNoStoreForImpossibleNames(t *testing.T) {
	for _, content := range []string{"!points", "!call x", "!my-cmd", "!" + strings.Repeat("a", custom.MaxName+1)} {
		c, _, customs := router()
		if err := run(t, c, chatEvent(alice, content, time.Second)); err != nil {
			t.Fatalf("Run(%q) = %v", content, err)
		}
		if n := customs.count("CustomCommand"); n != 0 {
			t.Errorf("Run(%q) read %d custom commands, want 0", content, n)
		}
	}
}

// TestRouterEchoIsNoCommand: what the bot says, coming back as a
// chat.message.sent webhook, never parses as a command, whatever the
// response or the arguments.
func TestRouterEchoIsNoCommand(t *testing.T) {
	for _, content := range []string{"!bang x", "!say !points", "!say /ban x", "!say   !hello", "!say ！points"} {
		c, say, _ := router()
		if err := run(t, c, chatEvent(alice, content, time.Second)); err != nil {
			t.Fatalf("Run(%q) = %v", content, err)
		}
		for _, text := range said(say) {
			if cmd, ok := command.Parse(text); ok {
				t.Errorf("Run(%q) said %q, which parses as %+v", content, text, cmd)
			}
		}
	}
}

func TestRouterWithoutCustoms(t *testing.T) {
	c, say, _ := router()
	c.Customs = nil
	for _, content := range []string{"!hello", "!points"} {
		if err := run(t, c, chatEvent(alice, content, time.Second)); err != nil {
			t.Fatalf("Run(%q) = %v", content, err)
		}
	}
	if diff := cmp.Diff([]string{"@alice has 1,234 points"}, said(say)); diff != "" {
		t.Errorf("said (-want +got):\n%s", diff)
	}
}

func TestRouterStoreErrors(t *testing.T) {
	c, say, customs := router()
	customs.err = fault.E(fault.Transient, "throttled")
	if err := run(t, c, chatEvent(alice, "!hello", time.Second)); !fault.Is(err, fault.Transient) {
		t.Errorf("Run with the store down = %v, want a Transient error", err)
	}
	if len(say.said) != 0 {
		t.Errorf("said %v, want nothing", said(say))
	}
}

func TestCustomNameLimit(t *testing.T) {
	if command.MaxCustomName != custom.MaxName {
		t.Errorf("command.MaxCustomName = %d, want custom.MaxName %d", command.MaxCustomName, custom.MaxName)
	}
}

func TestEveryBuiltinIsAnswered(t *testing.T) {
	for _, b := range command.Builtins {
		if b.Feature {
			if chat.Known(b.Name) {
				t.Errorf("feature built-in %q is also answered by package chat", b.Name)
			}
			continue // package feature answers it (TestEveryFeatureBuiltinIsAnswered)
		}
		if !chat.Known(b.Name) {
			t.Errorf("built-in %q has no answer in package chat", b.Name)
		}
		for _, a := range b.Aliases {
			if !chat.Known(a) {
				t.Errorf("alias %q of %q has no answer", a, b.Name)
			}
		}
	}
}

func TestLevels(t *testing.T) {
	senders := []event.User{alice, subbed, og, vip, mod, owner}
	tests := []struct {
		content string
		want    []bool // answered, per sender above
	}{
		{"!hello", []bool{true, true, true, true, true, true}},
		{"!subonly", []bool{false, true, true, true, true, true}},
		{"!viponly", []bool{false, false, false, true, true, true}},
		{"!modonly", []bool{false, false, false, false, true, true}},
		{"!owneronly", []bool{false, false, false, false, false, true}},
	}
	for _, tt := range tests {
		for i, sender := range senders {
			t.Run(tt.content+"/"+sender.Username, func(t *testing.T) {
				c, say, customs := router()
				if err := run(t, c, chatEvent(sender, tt.content, time.Second)); err != nil {
					t.Fatalf("Run = %v", err)
				}
				if got := len(say.said) == 1; got != tt.want[i] {
					t.Errorf("%s (level %v) ran %s: answered = %v, want %v", sender.Username, command.LevelOf(sender), tt.content, got, tt.want[i])
				}
				if !tt.want[i] && customs.count("CountUse")+customs.count("TakeCooldown") != 0 {
					t.Errorf("a refused command took a cooldown or counted a use: %v", customs.calls)
				}
			})
		}
	}
}

func TestCooldowns(t *testing.T) {
	cmd := custom.Command{Name: "hello", Response: "hi {user}", Cooldown: 5 * time.Second, UserCooldown: 30 * time.Second, Enabled: true}
	// use is one chat message: who, when (seconds after t0), its id.
	type use struct {
		who  event.User
		at   int
		id   string
		want bool
	}
	tests := []struct {
		name string
		uses []use
	}{
		{"global cooldown", []use{{alice, 0, "m1", true}, {bob, 4, "m2", false}, {bob, 5, "m3", true}}},
		{"per-user cooldown", []use{{alice, 0, "m1", true}, {alice, 10, "m2", false}, {bob, 10, "m3", true}, {alice, 30, "m4", true}}},
		{"moderators skip", []use{{alice, 0, "m1", true}, {mod, 1, "m2", true}, {mod, 2, "m3", true}, {bob, 3, "m4", false}}},
		{"the broadcaster skips", []use{{alice, 0, "m1", true}, {owner, 1, "m2", true}}},
		{"a skipped use takes no cooldown", []use{{mod, 0, "m1", true}, {alice, 1, "m2", true}}},
		{"a retry is not refused by its own cooldown", []use{{alice, 0, "m1", true}, {alice, 1, "m1", true}}},
	}
	t0 := now
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, say, _ := router(cmd)
			for _, u := range tt.uses {
				at := t0.Add(time.Duration(u.at) * time.Second)
				ev := chatEvent(u.who, "!hello", 0)
				ev.Chat.MessageID, ev.Chat.CreatedAt, ev.SentAt = u.id, at, at
				before := len(say.said)
				c2, _ := command.Parse(ev.Chat.Content)
				if err := c.Run(t.Context(), guild, ev, c2, at); err != nil {
					t.Fatalf("Run = %v", err)
				}
				if got := len(say.said) > before; got != u.want {
					t.Errorf("%s at +%ds (%s): answered = %v, want %v", u.who.Username, u.at, u.id, got, u.want)
				}
			}
		})
	}
}

func TestBuiltinCooldown(t *testing.T) {
	c, say, customs := router()
	for i, id := range []string{"m1", "m2"} {
		ev := chatEvent(alice, "!points", 0)
		ev.Chat.MessageID = id
		cmd, _ := command.Parse(ev.Chat.Content)
		if err := c.Run(t.Context(), guild, ev, cmd, now.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if len(say.said) != 1 || customs.count("TakeCooldown") != 2 {
		t.Errorf("!points twice inside its cooldown: said %d, took cooldowns %d times, want 1 and 2", len(say.said), customs.count("TakeCooldown"))
	}
}

func TestCountOncePerUse(t *testing.T) {
	c, say, customs := router()
	for _, id := range []string{"m1", "m2", "m2", "m3"} { // m2 retried
		ev := chatEvent(mod, "!count", time.Second) // a moderator: no cooldown
		ev.Chat.MessageID = id
		cmd, _ := command.Parse(ev.Chat.Content)
		if err := c.Run(t.Context(), guild, ev, cmd, now); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"used 1 times", "used 2 times", "used 2 times", "used 3 times"}
	if diff := cmp.Diff(want, said(say)); diff != "" {
		t.Errorf("said (-want +got):\n%s", diff)
	}
	if got := len(customs.uses["count"]); got != 3 {
		t.Errorf("uses of !count = %d, want 3", got)
	}
}

// TestVariablesReadOnce: each response reads only the kinds of data its
// variables need, each once.
func TestVariablesReadOnce(t *testing.T) {
	lookups := func() *fakeLookups {
		return &fakeLookups{
			ranks: map[int64]int64{7: 1, 8: 4}, viewers: guildViewers, channel: "northwind",
			state: stream.State{Live: true, StartedAt: now.Add(-95 * time.Minute), Title: "bonus hunt", Category: event.Category{Name: "Slots & Casino"}},
		}
	}
	tests := []struct {
		name    string
		sender  event.User
		content string
		want    string
		reads   map[string]int
		full    bool // the points board lists BoardSize viewers
	}{
		{"names only", alice, "!hug bob", "alice hugs bob", map[string]int{}, false},
		{"sender's points, watchtime and rank: one read each of viewer and board", alice, "!stats", "alice: 1,234 pts, 3h 20m, rank 1", map[string]int{"Viewer": 1, "Place": 1}, false},
		{"sender not on the board", event.User{ID: 9, Username: "newbie"}, "!stats", "newbie: 0 pts, 0m, rank unranked", map[string]int{"Place": 1, "Viewer": 1}, false},
		{"sender below a full board", event.User{ID: 9, Username: "newbie"}, "!stats", "newbie: 0 pts, 0m, rank 100+", map[string]int{"Place": 1, "Viewer": 1}, true},
		{"another viewer's", alice, "!their @bob_thebuilder", "bob_thebuilder: 1 pts, rank 4", map[string]int{"ViewerByName": 1, "Place": 1}, false},
		{"touser is the sender", alice, "!their", "alice: 1,234 pts, rank 1", map[string]int{"Viewer": 1, "Place": 1}, false},
		{"touser never seen", alice, "!their ghost", "ghost: 0 pts, rank unranked", map[string]int{"ViewerByName": 1}, false},
		{"stream and channel", alice, "!live", "northwind live 1h 35m: bonus hunt (Slots & Casino)", map[string]int{"Stream": 1, "Connection": 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, say, _ := router()
			l := lookups()
			l.calls, l.full = map[string]int{}, tt.full
			viewers := &countingViewers{fakeViewers: c.Viewers.(*fakeViewers), calls: l.calls}
			c.Viewers, c.Lookups = viewers, l
			if err := run(t, c, chatEvent(tt.sender, tt.content, time.Second)); err != nil {
				t.Fatalf("Run = %v", err)
			}
			if diff := cmp.Diff([]string{tt.want}, said(say)); diff != "" {
				t.Errorf("said (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.reads, l.calls); diff != "" {
				t.Errorf("reads (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStoreCallsPerUse pins what one use of a custom command without
// data variables costs the command store: one lookup, one cooldown, one
// count; and a moderator's use, no cooldown.
func TestStoreCallsPerUse(t *testing.T) {
	cmd := custom.Command{Name: "hello", Response: "hi {user}", Cooldown: 5 * time.Second, Enabled: true}
	tests := []struct {
		sender event.User
		want   map[string]int
	}{
		{alice, map[string]int{"CustomCommand": 1, "TakeCooldown": 1, "CountUse": 1}},
		{mod, map[string]int{"CustomCommand": 1, "CountUse": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.sender.Username, func(t *testing.T) {
			c, say, customs := router(cmd)
			if err := run(t, c, chatEvent(tt.sender, "!hello", time.Second)); err != nil || len(say.said) != 1 {
				t.Fatalf("Run = %v and said %d, want nil and 1", err, len(say.said))
			}
			if diff := cmp.Diff(tt.want, customs.calls); diff != "" {
				t.Errorf("store calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCommandsList(t *testing.T) {
	c, say, _ := router(
		custom.Command{Name: "discord", Response: "x", Enabled: true},
		custom.Command{Name: "hidden", Response: "x", Enabled: false},
		custom.Command{Name: "socials", Response: "x", Enabled: true},
	)
	for _, content := range []string{"!commands", "!commands !points"} {
		ev := chatEvent(mod, content, time.Second)
		ev.Chat.MessageID = content
		if err := run(t, c, ev); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"Commands: !points, !watchtime, !commands, !hunt, !gtb, !call, !current, !tickets, !raffle, !clip, !discord, !socials", "@modmia !points [user]: loyalty points"}
	if diff := cmp.Diff(want, said(say)); diff != "" {
		t.Errorf("said (-want +got):\n%s", diff)
	}
}

// echoFeature is a chat.Answerer that answers with what it was asked.
type echoFeature struct{ asks []chat.Ask }

func (f *echoFeature) Answer(_ context.Context, a chat.Ask) (string, error) {
	f.asks = append(f.asks, a)
	if a.Args == "quiet" {
		return "", nil
	}
	return fmt.Sprintf("%s asked !%s %s at level %s", a.Asker.Username, a.Name, a.Args, a.Level), nil
}

// TestFeatureBuiltins: a feature's built-in is routed to its Answerer by
// name or alias, through the same level and cooldown rules, with the
// message id as its cause; an empty answer says nothing, and a feature not
// wired is silent.
func TestFeatureBuiltins(t *testing.T) {
	saved := command.Builtins
	t.Cleanup(func() { command.Builtins = saved })
	command.Builtins = append(slices.Clone(saved), command.Builtin{Name: "slot", Aliases: []string{"sl"}, Feature: true, Cooldown: time.Minute})

	c, say, _ := router()
	f := &echoFeature{}
	c.Features = map[string]chat.Answerer{"slot": f}
	for i, content := range []string{"!SL Book of Dead", "!slot again"} { // the second is on cooldown
		ev := chatEvent(alice, content, time.Second)
		ev.Chat.MessageID = fmt.Sprint("message-", i)
		if err := run(t, c, ev); err != nil {
			t.Fatalf("Run(%q) = %v", content, err)
		}
	}
	if diff := cmp.Diff([]string{"alice asked !slot Book of Dead at level everyone"}, said(say)); diff != "" {
		t.Errorf("said (-want +got):\n%s", diff)
	}
	if len(f.asks) != 1 || f.asks[0].MessageID == "" || f.asks[0].Guild == "" || f.asks[0].Broadcaster == 0 ||
		f.asks[0].Sent.IsZero() || !f.asks[0].Sent.Before(f.asks[0].Now) {
		t.Errorf("asks = %+v, want one with the message id, guild, channel and the time it was sent", f.asks)
	}

	c, say, _ = router()
	c.Features = map[string]chat.Answerer{"slot": f}
	if err := run(t, c, chatEvent(mod, "!slot quiet", time.Second)); err != nil || len(say.said) != 0 {
		t.Errorf("empty answer: Run = %v, said %q, want nothing said", err, said(say))
	}
	c.Features = nil
	if err := run(t, c, chatEvent(alice, "!slot x", time.Second)); err != nil || len(say.said) != 0 {
		t.Errorf("feature not wired: Run = %v, said %q, want silence", err, said(say))
	}
}
