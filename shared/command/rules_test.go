package command_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/reply"
)

func badges(types ...string) event.User {
	u := event.User{ID: 7, Username: "ann"}
	for _, t := range types {
		u.Badges = append(u.Badges, event.Badge{Type: t})
	}
	return u
}

func TestLevelOf(t *testing.T) {
	tests := []struct {
		name string
		u    event.User
		want command.Level
	}{
		{"no badges", badges(), command.Everyone},
		{"unknown badges", badges("sub_gifter", "verified", "staff"), command.Everyone},
		{"subscriber", badges("subscriber"), command.Subscriber},
		{"founder", badges("founder"), command.Subscriber},
		{"og", badges("og"), command.Subscriber},
		{"vip", badges("vip"), command.VIP},
		{"moderator", badges("moderator"), command.Moderator},
		{"broadcaster", badges("broadcaster"), command.Broadcaster},
		{"highest wins", badges("subscriber", "moderator", "vip"), command.Moderator},
		{"broadcaster over moderator", badges("moderator", "broadcaster"), command.Broadcaster},
		{"any case", badges("Moderator"), command.Moderator},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := command.LevelOf(tt.u); got != tt.want {
				t.Errorf("LevelOf(%v) = %v, want %v", tt.u.Badges, got, tt.want)
			}
		})
	}
}

func TestRulesFor(t *testing.T) {
	r := command.Rules{Level: command.Subscriber, Cooldown: 5 * time.Second, UserCooldown: 30 * time.Second}
	tests := []struct {
		name   string
		rules  command.Rules
		sender command.Level
		want   command.Gate
	}{
		{"below the level is refused", r, command.Everyone, command.Gate{}},
		{"at the level takes both cooldowns", r, command.Subscriber, command.Gate{Allowed: true, Cooldown: 5 * time.Second, UserCooldown: 30 * time.Second}},
		{"vip takes them too", r, command.VIP, command.Gate{Allowed: true, Cooldown: 5 * time.Second, UserCooldown: 30 * time.Second}},
		{"moderator skips them", r, command.Moderator, command.Gate{Allowed: true}},
		{"broadcaster skips them", r, command.Broadcaster, command.Gate{Allowed: true}},
		{"moderator-only refuses a vip", command.Rules{Level: command.Moderator}, command.VIP, command.Gate{}},
		{"negative cooldowns are none", command.Rules{Cooldown: -time.Second}, command.Everyone, command.Gate{Allowed: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.rules.For(tt.sender); got != tt.want {
				t.Errorf("%+v.For(%v) = %+v, want %+v", tt.rules, tt.sender, got, tt.want)
			}
		})
	}
	if (command.Gate{Allowed: true}).Cooled() {
		t.Error("Gate without cooldowns: Cooled() = true, want false")
	}
	if !(command.Gate{Allowed: true, UserCooldown: time.Second}).Cooled() {
		t.Error("Gate with a user cooldown: Cooled() = false, want true")
	}
}

func TestFree(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		taken time.Time
		d     time.Duration
		now   time.Time
		want  bool
	}{
		{"never taken", time.Time{}, 5 * time.Second, t0, true},
		{"inside", t0, 5 * time.Second, t0.Add(4999 * time.Millisecond), false},
		{"at the end", t0, 5 * time.Second, t0.Add(5 * time.Second), true},
		{"after", t0, 5 * time.Second, t0.Add(time.Minute), true},
		{"no cooldown", t0, 0, t0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := command.Free(tt.taken, tt.d, tt.now); got != tt.want {
				t.Errorf("Free(%v, %v, %v) = %v, want %v", tt.taken, tt.d, tt.now, got, tt.want)
			}
		})
	}
}

func TestList(t *testing.T) {
	many := make([]string, 200)
	for i := range many {
		many[i] = fmt.Sprintf("command_number_%03d", i)
	}
	tests := []struct {
		name     string
		custom   []string
		want     string
		wantTail string
	}{
		{"built-ins only", nil, "Commands: !points, !watchtime, !commands, !hunt, !gtb, !call, !current, !tickets, !raffle, !clip", ""},
		{"custom after built-ins", []string{"discord", "socials"}, "Commands: !points, !watchtime, !commands, !hunt, !gtb, !call, !current, !tickets, !raffle, !clip, !discord, !socials", ""},
		{"too many are counted", many, "", " more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := command.List(tt.custom)
			if n := utf8.RuneCountInString(got); n > reply.MaxLen {
				t.Errorf("List() has %d characters, want at most %d", n, reply.MaxLen)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("List(%v) = %q, want %q", tt.custom, got, tt.want)
			}
			if !strings.HasSuffix(got, tt.wantTail) {
				t.Errorf("List() = %q, want it to end with %q", got, tt.wantTail)
			}
		})
	}
	got := command.List(many)
	shown := strings.Count(got, "!command_number_")
	var left int
	fmt.Sscanf(got[strings.LastIndex(got, "+"):], "+%d more", &left)
	if shown+left != len(many) {
		t.Errorf("List(200 names) shows %d and counts %d more, want %d in all", shown, left, len(many))
	}
}

func ExampleList() {
	fmt.Println(command.List([]string{"discord", "socials"}))
	// Output: Commands: !points, !watchtime, !commands, !hunt, !gtb, !call, !current, !tickets, !raffle, !clip, !discord, !socials
}

func TestRoutable(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"points", true},
		{"commands", true},
		{"hello", true},
		{"my_cmd2", true},
		{strings.Repeat("a", command.MaxCustomName), true},
		{strings.Repeat("a", command.MaxCustomName+1), false},
		{"my-cmd", false},
		{"Hello", false}, // Parse lower-cases; anything else is not a name
		{"call", true},   // a built-in now
		{"sr", true},     // its alias
		{"gtb", true},    // a built-in too
		{"raffle", true}, // a built-in too
		{"join", false},  // kept for a coming built-in
		{"", false},
	}
	for _, tt := range tests {
		if got := command.Routable(tt.name); got != tt.want {
			t.Errorf("Routable(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
