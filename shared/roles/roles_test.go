package roles_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/roles"
)

const (
	bronze = "1300000000000000001"
	silver = "1300000000000000002"
	gold   = "1300000000000000003"
)

var tiers = []roles.Rule{{120, bronze}, {600, silver}, {2000, gold}}

func TestDefaults(t *testing.T) {
	got := roles.Defaults()
	want := []roles.Rule{{Minutes: 120}, {Minutes: 600}, {Minutes: 2000}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Defaults (-want +got):\n%s", diff)
	}
	if err := roles.Validate(got); !fault.Is(err, fault.Invalid) {
		t.Errorf("Validate(Defaults()) = %v, want an invalid error (no roles chosen)", err)
	}
	got[0].Minutes = 1
	if roles.Defaults()[0].Minutes != 120 {
		t.Error("Defaults returns a shared slice")
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		name  string
		rules []roles.Rule
		want  []int64
	}{
		{"none set", nil, []int64{120, 600, 2000}},
		{"one taken", []roles.Rule{{600, silver}}, []int64{120, 2000}},
		{"others only", []roles.Rule{{60, bronze}}, []int64{120, 600, 2000}},
		{"all taken", tiers, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, roles.Suggest(tt.rules), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Suggest(%v) (-want +got):\n%s", tt.rules, diff)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	many := make([]roles.Rule, roles.MaxRules+1)
	for i := range many {
		many[i] = roles.Rule{Minutes: int64(i + 1), RoleID: fmt.Sprint(1300000000000000000 + i)}
	}
	tests := []struct {
		name  string
		rules []roles.Rule
		want  string // part of the error message; "" for valid
	}{
		{"none", nil, ""},
		{"tiers", tiers, ""},
		{"bounds", []roles.Rule{{roles.MinMinutes, bronze}, {roles.MaxMinutes, silver}}, ""},
		{"most rules", many[:roles.MaxRules], ""},
		{"largest id", []roles.Rule{{5, "18446744073709551615"}}, ""},
		{"too many", many, "at most 25"},
		{"zero minutes", []roles.Rule{{0, bronze}}, "between 1 and 10000000"},
		{"negative minutes", []roles.Rule{{-5, bronze}}, "between 1 and 10000000"},
		{"too many minutes", []roles.Rule{{roles.MaxMinutes + 1, bronze}}, "between 1 and 10000000"},
		{"no role", []roles.Rule{{120, ""}}, "needs a role"},
		{"role name", []roles.Rule{{120, "Tier 1"}}, `"Tier 1" is not a Discord role id`},
		{"role mention", []roles.Rule{{120, "<@&" + bronze + ">"}}, "is not a Discord role id"},
		{"leading zero", []roles.Rule{{120, "0123"}}, "is not a Discord role id"},
		{"signed", []roles.Rule{{120, "+123"}}, "is not a Discord role id"},
		{"overflow", []roles.Rule{{120, "18446744073709551616"}}, "is not a Discord role id"},
		{"same minutes", []roles.Rule{{120, bronze}, {600, silver}, {120, gold}}, "two role rewards at 120 minutes"},
		{"same role", []roles.Rule{{120, bronze}, {600, bronze}}, "already a reward at 120 minutes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := roles.Validate(tt.rules)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate = %v, want nil", err)
			case tt.want != "" && (!fault.Is(err, fault.Invalid) || !strings.Contains(fault.Message(err), tt.want)):
				t.Errorf("Validate = %v, want an invalid error containing %q", err, tt.want)
			}
		})
	}
}

func TestSort(t *testing.T) {
	got := []roles.Rule{{2000, gold}, {120, silver}, {600, "99"}, {120, bronze}, {600, "100"}}
	roles.Sort(got)
	want := []roles.Rule{{120, bronze}, {120, silver}, {600, "99"}, {600, "100"}, {2000, gold}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Sort (-want +got):\n%s", diff)
	}
}

func TestNext(t *testing.T) {
	rules := []roles.Rule{{2000, gold}, {600, silver}, {120, bronze}, {300, ""}}
	tests := []struct {
		minutes int64
		want    roles.Rule
		wantOK  bool
	}{
		{0, roles.Rule{120, bronze}, true},
		{119, roles.Rule{120, bronze}, true},
		{120, roles.Rule{600, silver}, true},
		{1999, roles.Rule{2000, gold}, true},
		{2000, roles.Rule{}, false},
	}
	for _, tt := range tests {
		got, ok := roles.Next(rules, tt.minutes)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("Next(%d) = %v, %v; want %v, %v", tt.minutes, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestDue(t *testing.T) {
	tests := []struct {
		name    string
		rules   []roles.Rule
		members []roles.Member
		want    []roles.Grant
	}{
		{
			name:    "nobody reached anything",
			rules:   tiers,
			members: []roles.Member{{DiscordID: "11", WatchMinutes: 119}},
		},
		{
			name:    "exactly at the threshold",
			rules:   tiers,
			members: []roles.Member{{DiscordID: "11", WatchMinutes: 120}},
			want:    []roles.Grant{{"11", bronze, 120}},
		},
		{
			name:    "every tier reached at once",
			rules:   []roles.Rule{{2000, gold}, {120, bronze}, {600, silver}},
			members: []roles.Member{{DiscordID: "11", WatchMinutes: 5000}},
			want:    []roles.Grant{{"11", bronze, 120}, {"11", silver, 600}, {"11", gold, 2000}},
		},
		{
			name:    "held roles are not granted again",
			rules:   tiers,
			members: []roles.Member{{DiscordID: "11", WatchMinutes: 700, Roles: []string{bronze, "999"}}},
			want:    []roles.Grant{{"11", silver, 600}},
		},
		{
			name:    "a removed lower role is not given back",
			rules:   tiers,
			members: []roles.Member{{DiscordID: "11", WatchMinutes: 700, Roles: []string{bronze, silver}}},
		},
		{
			name:  "members in id order",
			rules: tiers,
			members: []roles.Member{
				{DiscordID: "200", WatchMinutes: 130},
				{DiscordID: "30", WatchMinutes: 600},
				{DiscordID: "1000", WatchMinutes: 120},
			},
			want: []roles.Grant{{"30", bronze, 120}, {"30", silver, 600}, {"200", bronze, 120}, {"1000", bronze, 120}},
		},
		{
			name:    "unlinked members and role-less rules skipped",
			rules:   []roles.Rule{{120, ""}, {0, silver}, {600, gold}},
			members: []roles.Member{{WatchMinutes: 9000}, {DiscordID: "11", WatchMinutes: 9000}},
			want:    []roles.Grant{{"11", gold, 600}},
		},
		{
			name:    "a role on two rules granted once, for the lower",
			rules:   []roles.Rule{{600, bronze}, {120, bronze}},
			members: []roles.Member{{DiscordID: "11", WatchMinutes: 900}},
			want:    []roles.Grant{{"11", bronze, 120}},
		},
		{
			name:    "a member listed twice",
			rules:   tiers,
			members: []roles.Member{{DiscordID: "11", WatchMinutes: 130}, {DiscordID: "11", WatchMinutes: 130}},
			want:    []roles.Grant{{"11", bronze, 120}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := roles.Due(tt.rules, tt.members)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Due (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProblemKey(t *testing.T) {
	tests := []struct {
		p    roles.Problem
		want string
	}{
		{roles.Problem{RoleID: bronze, Reason: roles.MissingPermission}, "missing-permission"},
		{roles.Problem{Reason: roles.MissingPermission}, "missing-permission"},
		{roles.Problem{RoleID: bronze, Reason: roles.RoleAbove}, "role-above#" + bronze},
		{roles.Problem{RoleID: bronze, Reason: roles.RoleGone}, "role-gone#" + bronze},
		{roles.Problem{RoleID: bronze, Reason: 9}, "reason-9#" + bronze},
	}
	for _, tt := range tests {
		if got := tt.p.Key(); got != tt.want {
			t.Errorf("%+v.Key() = %q, want %q", tt.p, got, tt.want)
		}
		if tt.p.Message() == "" {
			t.Errorf("%+v.Message() is empty", tt.p)
		}
	}
}

func Example() {
	rules := []roles.Rule{{Minutes: 600, RoleID: "1300000000000000002"}, {Minutes: 120, RoleID: "1300000000000000001"}}
	if err := roles.Validate(rules); err != nil {
		fmt.Println(err)
		return
	}
	members := []roles.Member{
		{DiscordID: "4100000000000000001", WatchMinutes: 650, Roles: []string{"1300000000000000001"}},
		{DiscordID: "4100000000000000002", WatchMinutes: 90},
	}
	for _, g := range roles.Due(rules, members) {
		fmt.Printf("give %s to %s (%d minutes)\n", g.RoleID, g.DiscordID, g.Minutes)
	}
	next, _ := roles.Next(rules, 90)
	fmt.Println("next reward at", next.Minutes)
	fmt.Println(roles.Problem{RoleID: "1300000000000000002", Reason: roles.RoleAbove}.Key())
	// Output:
	// give 1300000000000000002 to 4100000000000000001 (600 minutes)
	// next reward at 120
	// role-above#1300000000000000002
}
