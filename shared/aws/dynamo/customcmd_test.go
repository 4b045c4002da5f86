package dynamo

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	miniserver "github.com/truora/minidyn/server"

	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/custom"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

// cmdWith is the command name answering "<name> says hi", with aliases.
func cmdWith(name string, aliases ...string) custom.Command {
	c := custom.New(name, name+" says hi")
	c.Aliases = aliases
	return c
}

func wantCommands(t *testing.T, s *Store, want ...custom.Command) {
	t.Helper()
	got, err := s.CustomCommands(t.Context(), "g")
	check(t, "CustomCommands", err)
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("CustomCommands (-want +got):\n%s", diff)
	}
}

func wantLookup(t *testing.T, s *Store, name string, want custom.Command) {
	t.Helper()
	got, err := s.CustomCommand(t.Context(), "g", name)
	if err != nil {
		t.Errorf("CustomCommand(%q) = %v", name, err)
		return
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("CustomCommand(%q) (-want +got):\n%s", name, diff)
	}
}

func wantNoCommand(t *testing.T, s *Store, names ...string) {
	t.Helper()
	for _, n := range names {
		_, err := s.CustomCommand(t.Context(), "g", n)
		wantKind(t, fmt.Sprintf("CustomCommand(%q)", n), err, fault.NotFound)
	}
}

// wantRefused checks that err has kind k and says msg, and that the
// interaction id it ran under was not claimed.
func wantRefused(t *testing.T, s *Store, what string, err error, k fault.Kind, msg, id string) {
	t.Helper()
	wantKind(t, what, err, k)
	if !strings.Contains(fault.Message(err), msg) {
		t.Errorf("%s = %q, want it to say %q", what, fault.Message(err), msg)
	}
	if item := rawItem(t, s, claimKey("g", id)); len(item) != 0 {
		t.Errorf("%s claimed its interaction: %v", what, item)
	}
}

// runCustomSuite checks the custom command methods: /command add, edit,
// remove, the lookups, CountUse and TakeCooldown.
func runCustomSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("AddAndLookUp", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		wantCommands(t, s)
		discord := cmdWith("discord", "dc", "server")
		discord.Level, discord.UserCooldown = command.Subscriber, 90*time.Second
		check(t, "add discord", s.AddCustomCommandOnce(ctx, "g", discord, cause("i1")))
		check(t, "add about", s.AddCustomCommandOnce(ctx, "g", cmdWith("about"), cause("i2")))
		wantCommands(t, s, cmdWith("about"), discord)
		for _, n := range []string{"discord", "DC", "server"} {
			wantLookup(t, s, n, discord)
		}
		wantNoCommand(t, s, "nope", "points", "has space", "", strings.Repeat("a", 26))
		// Another guild has commands of its own.
		if got, err := s.CustomCommands(ctx, "h"); err != nil || len(got) != 0 {
			t.Errorf("CustomCommands(h) = %v, %v; want none", got, err)
		}
		wantNumber(t, rawItem(t, s, customTallyKey("g")), "n", 2)
	})

	t.Run("AddRefused", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check(t, "add discord", s.AddCustomCommandOnce(ctx, "g", cmdWith("discord", "dc"), cause("i0")))
		tests := []struct {
			name string
			c    custom.Command
			kind fault.Kind
			msg  string
		}{
			{"same name", cmdWith("discord"), fault.Conflict, "!discord is already a command"},
			{"name is an alias", cmdWith("dc"), fault.Conflict, "!dc is already an alias of !discord"},
			{"alias is a name", cmdWith("chat", "x", "discord"), fault.Conflict, "!discord is already a command"},
			{"alias is an alias", cmdWith("chat", "dc"), fault.Conflict, "!dc is already an alias of !discord"},
			{"built-in", cmdWith("points"), fault.Invalid, "built-in"},
			{"bad name", custom.Command{Name: "Big", Response: "x"}, fault.Invalid, "only a-z"},
		}
		for i, tt := range tests {
			id := fmt.Sprintf("r%d", i)
			err := s.AddCustomCommandOnce(ctx, "g", tt.c, cause(id))
			wantRefused(t, s, "AddCustomCommandOnce("+tt.name+")", err, tt.kind, tt.msg, id)
		}
		wantCommands(t, s, cmdWith("discord", "dc"))
		wantNoCommand(t, s, "chat", "x")
		wantNumber(t, rawItem(t, s, customTallyKey("g")), "n", 1)
		wantKind(t, "AddCustomCommandOnce without a guild", s.AddCustomCommandOnce(ctx, "", cmdWith("a"), cause("r9")), fault.Invalid)
	})

	t.Run("Limit", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		// The tally stands for 199 commands.
		_, err := s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "GUILD#g"}, "sk": &types.AttributeValueMemberS{Value: customTallySK},
			"n": &types.AttributeValueMemberN{Value: "199"},
		}})
		check(t, "PutItem tally", err)
		check(t, "add the 200th", s.AddCustomCommandOnce(ctx, "g", cmdWith("c200"), cause("i1")))
		err = s.AddCustomCommandOnce(ctx, "g", cmdWith("c201"), cause("i2"))
		wantRefused(t, s, "AddCustomCommandOnce of the 201st", err, fault.Conflict, "200 custom commands", "i2")
		check(t, "remove one", s.RemoveCustomCommandOnce(ctx, "g", "c200", cause("i3")))
		check(t, "add again", s.AddCustomCommandOnce(ctx, "g", cmdWith("c201"), cause("i4")))
		wantNumber(t, rawItem(t, s, customTallyKey("g")), "n", 200)
	})

	t.Run("Edit", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check(t, "add discord", s.AddCustomCommandOnce(ctx, "g", cmdWith("discord", "dc", "server"), cause("i0")))
		check(t, "add other", s.AddCustomCommandOnce(ctx, "g", cmdWith("other", "taken"), cause("i1")))

		resp, off := "new text {user}", false
		got, err := s.EditCustomCommandOnce(ctx, "g", "Discord", custom.Edit{Response: &resp, Enabled: &off}, cause("i2"))
		check(t, "edit response", err)
		want := cmdWith("discord", "dc", "server")
		want.Response, want.Enabled = resp, false
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("EditCustomCommandOnce (-want +got):\n%s", diff)
		}
		wantLookup(t, s, "dc", want)

		// Aliases: server is dropped and freed, chat added.
		aliases := []string{"dc", "chat"}
		got, err = s.EditCustomCommandOnce(ctx, "g", "discord", custom.Edit{Aliases: &aliases}, cause("i3"))
		check(t, "edit aliases", err)
		want.Aliases = aliases
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("EditCustomCommandOnce (-want +got):\n%s", diff)
		}
		wantLookup(t, s, "chat", want)
		wantNoCommand(t, s, "server")
		check(t, "add server", s.AddCustomCommandOnce(ctx, "g", cmdWith("server"), cause("i4")))

		taken := []string{"dc", "taken"}
		_, err = s.EditCustomCommandOnce(ctx, "g", "discord", custom.Edit{Aliases: &taken}, cause("r1"))
		wantRefused(t, s, "edit to a taken alias", err, fault.Conflict, "!taken is already an alias of !other", "r1")
		_, err = s.EditCustomCommandOnce(ctx, "g", "dc", custom.Edit{Response: &resp}, cause("r2"))
		wantRefused(t, s, "edit through an alias", err, fault.Invalid, "!dc is an alias of !discord", "r2")
		_, err = s.EditCustomCommandOnce(ctx, "g", "nope", custom.Edit{Response: &resp}, cause("r3"))
		wantRefused(t, s, "edit of no command", err, fault.NotFound, "no command !nope", "r3")
		_, err = s.EditCustomCommandOnce(ctx, "g", "discord", custom.Edit{}, cause("r4"))
		wantRefused(t, s, "edit of nothing", err, fault.Invalid, "at least one", "r4")
		wantCommands(t, s, want, cmdWith("other", "taken"), cmdWith("server"))

		// Replayed after a later edit, the first changes nothing.
		later := "later"
		_, err = s.EditCustomCommandOnce(ctx, "g", "discord", custom.Edit{Response: &later}, cause("i5"))
		check(t, "later edit", err)
		_, err = s.EditCustomCommandOnce(ctx, "g", "discord", custom.Edit{Response: &resp, Enabled: &off}, cause("i2"))
		wantApplied(t, "replayed edit", err)
		want.Response = later
		wantLookup(t, s, "discord", want)
	})

	t.Run("Remove", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check(t, "add", s.AddCustomCommandOnce(ctx, "g", cmdWith("discord", "dc"), cause("i0")))
		_, err := s.CountUse(ctx, "g", "discord", "m1", t0)
		check(t, "CountUse", err)
		wantRefused(t, s, "remove through an alias", s.RemoveCustomCommandOnce(ctx, "g", "dc", cause("r1")), fault.Invalid, "alias of !discord", "r1")
		check(t, "remove", s.RemoveCustomCommandOnce(ctx, "g", "discord", cause("i1")))
		wantNoCommand(t, s, "discord", "dc")
		wantCommands(t, s)
		wantNumber(t, rawItem(t, s, customTallyKey("g")), "n", 0)
		wantRefused(t, s, "remove again", s.RemoveCustomCommandOnce(ctx, "g", "discord", cause("r2")), fault.NotFound, "no command !discord", "r2")

		// Added again, it starts afresh; the first removal, replayed,
		// leaves it.
		check(t, "add again", s.AddCustomCommandOnce(ctx, "g", cmdWith("discord", "dc"), cause("i2")))
		if n, err := s.CustomCommandUses(ctx, "g", "discord"); err != nil || n != 0 {
			t.Errorf("CustomCommandUses after re-adding = %d, %v; want 0", n, err)
		}
		wantApplied(t, "replayed remove", s.RemoveCustomCommandOnce(ctx, "g", "discord", cause("i1")))
		wantLookup(t, s, "dc", cmdWith("discord", "dc"))
		wantKind(t, "RemoveCustomCommandOnce without a cause", s.RemoveCustomCommandOnce(ctx, "g", "discord", interact.Cause{}), fault.Invalid)
	})

	t.Run("CountUse", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check(t, "add", s.AddCustomCommandOnce(ctx, "g", cmdWith("hype"), cause("i0")))
		for i, tt := range []struct {
			id   string
			want int64
		}{{"m1", 1}, {"m2", 2}, {"m1", 2}, {"m2", 2}, {"m3", 3}} {
			if n, err := s.CountUse(ctx, "g", "hype", tt.id, t0); err != nil || n != tt.want {
				t.Errorf("CountUse #%d (%s) = %d, %v; want %d", i+1, tt.id, n, err, tt.want)
			}
		}
		// The marker is an item of its own, with a time to live; the
		// command's item holds no count.
		wantNumber(t, rawItem(t, s, useMarkerKey("g", "hype", "m1")), "expiresAt", t0.Add(UseMarkerLife).Unix())
		if _, ok := rawItem(t, s, customKey("g", "hype"))["uses"]; ok {
			t.Error("the command's item holds its use count")
		}
		// A use id is per command.
		if n, err := s.CountUse(ctx, "g", "other", "m1", t0); err != nil || n != 1 {
			t.Errorf("CountUse of another command = %d, %v; want 1", n, err)
		}

		// 50 uses at once, from 50 Store values (Lambda instances), each
		// once, and each retried.
		const n = 50
		counts := make([]int64, n)
		wins, errs := race(2*n, func(i int) error {
			other := &Store{Client: s.Client, Table: s.Table}
			c, err := other.CountUse(t.Context(), "g", "race", fmt.Sprintf("use-%d", i%n), t0)
			if i < n {
				counts[i] = c
			}
			return err
		})
		if wins != 2*n {
			t.Errorf("%d of %d concurrent CountUse failed: %v", 2*n-wins, 2*n, errs)
		}
		if got, err := s.CustomCommandUses(ctx, "g", "race"); err != nil || got != n {
			t.Errorf("after %d concurrent uses, each twice: CustomCommandUses = %d, %v; want %d", n, got, err, n)
		}
		if m := slices.Max(counts); m > n || slices.Min(counts) < 1 {
			t.Errorf("concurrent CountUse returned counts from %d to %d, want within 1..%d", slices.Min(counts), m, n)
		}

		for _, tt := range []struct {
			name, guild, cmd, id string
		}{{"no guild", "", "hype", "m"}, {"no name", "g", "", "m"}, {"no id", "g", "hype", ""}, {"long id", "g", "hype", strings.Repeat("x", 129)}} {
			_, err := s.CountUse(ctx, tt.guild, tt.cmd, tt.id, t0)
			wantKind(t, "CountUse with "+tt.name, err, fault.Invalid)
		}
	})

	t.Run("Cooldown", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		const global, perUser = 10 * time.Second, time.Minute
		take := func(t *testing.T, user int64, claim string, now time.Time, want bool) {
			t.Helper()
			if ok, err := s.TakeCooldown(ctx, "g", "hype", user, global, perUser, claim, now); err != nil || ok != want {
				t.Errorf("TakeCooldown(user %d, %s, +%v) = %v, %v; want %v", user, claim, now.Sub(t0), ok, err, want)
			}
		}
		// 20 viewers at once inside one cooldown: one passes.
		const n = 20
		wins, errs := race(n, func(i int) error {
			other := &Store{Client: s.Client, Table: s.Table}
			return errIfNot(other.TakeCooldown(t.Context(), "g", "hype", int64(100+i), global, perUser, fmt.Sprintf("c%d", i), t0))
		})
		if wins != 1 {
			t.Fatalf("%d concurrent TakeCooldown: %d passed, want 1", n, wins)
		}
		for _, err := range errs {
			if !errors.Is(err, errRefused) {
				t.Errorf("a concurrent TakeCooldown failed: %v", err)
			}
		}
		var winner int64
		var claim string
		for i := range n {
			if _, ok := rawItem(t, s, userCooldownKey("g", "hype", int64(100+i)))["claim"]; ok {
				if winner != 0 {
					t.Errorf("viewers %d and %d both hold their cooldown", winner, 100+i)
				}
				winner, claim = int64(100+i), fmt.Sprintf("c%d", i)
			}
		}
		item := rawItem(t, s, globalCooldownKey("g", "hype"))
		wantNumber(t, item, "until", t0.Add(global).UnixMilli())
		wantNumber(t, item, "expiresAt", t0.Add(global).Unix())

		take(t, winner, claim, t0.Add(time.Second), true) // a retry passes its own cooldown
		take(t, 999, "c-late", t0.Add(global-time.Millisecond), false)
		take(t, 999, "c-after", t0.Add(global), true)            // the global cooldown is over
		take(t, winner, "c-again", t0.Add(2*global), false)      // the winner's own is not
		take(t, 998, "c-other", t0.Add(2*global), true)          // and refusing it left the global free
		take(t, winner, "c-later", t0.Add(perUser+global), true) // both over

		// Refused by the global cooldown, a viewer's is not taken.
		take(t, 500, "c-refused", t0.Add(perUser+global+time.Second), false)
		if item := rawItem(t, s, userCooldownKey("g", "hype", 500)); len(item) != 0 {
			t.Errorf("a refused TakeCooldown took the viewer's cooldown: %v", item)
		}

		// Zero durations skip their cooldown.
		if ok, err := s.TakeCooldown(ctx, "g", "quiet", 1, 0, 0, "z1", t0); err != nil || !ok {
			t.Errorf("TakeCooldown without cooldowns = %v, %v; want true", ok, err)
		}
		for i, want := range []bool{true, false} {
			if ok, err := s.TakeCooldown(ctx, "g", "solo", 1, 0, perUser, fmt.Sprintf("s%d", i), t0); err != nil || ok != want {
				t.Errorf("TakeCooldown per user only #%d = %v, %v; want %v", i+1, ok, err, want)
			}
		}
		if ok, err := s.TakeCooldown(ctx, "g", "solo", 2, 0, perUser, "s2", t0); err != nil || !ok {
			t.Errorf("TakeCooldown per user only, another viewer = %v, %v; want true", ok, err)
		}
		if item := rawItem(t, s, globalCooldownKey("g", "solo")); len(item) != 0 {
			t.Errorf("a zero global cooldown wrote %v", item)
		}

		for _, tt := range []struct {
			name           string
			user           int64
			global, perUse time.Duration
			claim          string
		}{{"no claim", 1, global, 0, ""}, {"negative", 1, -time.Second, 0, "x"}, {"no viewer", 0, 0, perUser, "x"}} {
			_, err := s.TakeCooldown(ctx, "g", "hype", tt.user, tt.global, tt.perUse, tt.claim, t0)
			wantKind(t, "TakeCooldown with "+tt.name, err, fault.Invalid)
		}
	})
}

func TestCustomCommandsEmbedded(t *testing.T) {
	runCustomSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}

// TestCustomCommandsEmbeddedFailure checks that DynamoDB failing leaves
// neither a change nor its claim, and that a retry makes it.
func TestCustomCommandsEmbeddedFailure(t *testing.T) {
	s, srv := newEmbedded(t)
	ctx := t.Context()
	srv.EmulateFailure(miniserver.FailureConditionInternalServerError)
	wantKind(t, "AddCustomCommandOnce during a failure", s.AddCustomCommandOnce(ctx, "g", cmdWith("a"), cause("i1")), fault.Transient)
	_, err := s.CountUse(ctx, "g", "a", "m1", t0)
	wantKind(t, "CountUse during a failure", err, fault.Transient)
	_, err = s.TakeCooldown(ctx, "g", "a", 1, time.Second, time.Second, "c1", t0)
	wantKind(t, "TakeCooldown during a failure", err, fault.Transient)
	srv.EmulateFailure(miniserver.FailureConditionNone)

	wantCommands(t, s)
	check(t, "AddCustomCommandOnce retried", s.AddCustomCommandOnce(ctx, "g", cmdWith("a"), cause("i1")))
	if n, err := s.CountUse(ctx, "g", "a", "m1", t0); err != nil || n != 1 {
		t.Errorf("CountUse retried = %d, %v; want 1", n, err)
	}
	if ok, err := s.TakeCooldown(ctx, "g", "a", 1, time.Second, time.Second, "c1", t0); err != nil || !ok {
		t.Errorf("TakeCooldown retried = %v, %v; want true", ok, err)
	}
}
