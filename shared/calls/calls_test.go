package calls_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kickbot/kickbot/shared/calls"
	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/pick"
)

var t0 = time.Date(2026, 12, 3, 20, 0, 0, 0, time.UTC)

func seed(b byte) pick.Seed {
	s := make(pick.Seed, pick.SeedSize)
	for i := range s {
		s[i] = b
	}
	return s
}

func TestClean(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Sweet Bonanza", "Sweet Bonanza"},
		{"spaces made one", "  Sweet \t Bonanza  ", "Sweet Bonanza"},
		{"emote markup removed", "[emote:37226:KEKW]Gates[emote:1:x] of Olympus [emote:2:PogU]", "Gates of Olympus"},
		{"markup that is not an emote stays", "[emote:abc] slot", "[emote:abc] slot"},
		{"control and invisible characters dropped", "Big\x00 Bass\u200b", "Big Bass"},
		{"capped at 100 characters", strings.Repeat("é", 150), strings.Repeat("é", 100)},
		{"cap then trim", strings.Repeat("a", 99) + " b", strings.Repeat("a", 99)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := calls.Clean(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("Clean(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
			}
		})
	}
	for _, in := range []string{"", "   ", "[emote:1:a][emote:2:b]", "\x01"} {
		if got, err := calls.Clean(in); !fault.Is(err, fault.Invalid) {
			t.Errorf("Clean(%q) = %q, %v, want a fault.Invalid", in, got, err)
		}
	}
}

func TestKey(t *testing.T) {
	same := []string{"Sweet Bonanza", "sweetbonanza", "SWEET  BONANZA", " sweet bo nanza "}
	for _, s := range same {
		if got := calls.Key(s); got != "sweetbonanza" {
			t.Errorf("Key(%q) = %q, want sweetbonanza", s, got)
		}
	}
	if calls.Key("Sweet Bonanza 1000") == calls.Key("Sweet Bonanza") {
		t.Error("Key makes two slots one")
	}
}

// TestSrIsNotAPrefix: the old bot's !sr matched !srfoo; the router gives
// !call's rules only to !call and !sr.
func TestSrIsNotAPrefix(t *testing.T) {
	for _, tt := range []struct {
		text string
		want bool
	}{{"!sr Sweet Bonanza", true}, {"!call Sweet Bonanza", true}, {"!SR x", true}, {"!srfoo x", false}, {"!calls x", false}} {
		cmd, ok := command.Parse(tt.text)
		b, found := command.LookupBuiltin(cmd.Name)
		if got := ok && found && b.Name == "call"; got != tt.want {
			t.Errorf("%q routes to !call = %v, want %v", tt.text, got, tt.want)
		}
	}
	b, _ := command.LookupBuiltin("call")
	if b.UserCooldown != 30*time.Second || !b.Feature {
		t.Errorf("!call = %+v, want a feature built-in with a 30 s per-viewer cooldown", b)
	}
}

func TestCheck(t *testing.T) {
	open := calls.State{Round: calls.Round{ID: "r", Open: true}, Viewers: []string{"spammer"}, Slots: []string{"bannedslot"}}
	tests := []struct {
		name       string
		st         calls.State
		user, slot string
		want       calls.Refusal
	}{
		{"open", open, "alice", "Sweet Bonanza", calls.None},
		{"closed", calls.State{}, "alice", "Sweet Bonanza", calls.Closed},
		{"blacklisted viewer, any case", open, "SpAmMeR", "Sweet Bonanza", calls.BlockedViewer},
		{"blacklisted slot, any spacing", open, "alice", "Banned Slot", calls.BlockedSlot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.st.Check(tt.user, tt.slot); got != tt.want {
				t.Errorf("Check(%q, %q) = %d, want %d", tt.user, tt.slot, got, tt.want)
			}
		})
	}
}

func TestRoundChanges(t *testing.T) {
	st, err := calls.Open(calls.State{}, "r1", 2, true, seed(1), t0)
	if err != nil {
		t.Fatal(err)
	}
	want := calls.Round{ID: "r1", Open: true, Limit: 2, AllowDuplicates: true, Opened: t0, Seed: seed(1), Commitment: seed(1).Commitment()}
	if diff := cmp.Diff(want, st.Round); diff != "" {
		t.Errorf("Open (-want +got):\n%s", diff)
	}
	if _, err := calls.Open(st, "r2", 1, false, seed(2), t0); !fault.Is(err, fault.Conflict) {
		t.Errorf("Open of an open round = %v, want fault.Conflict", err)
	}
	for _, limit := range []int{-1, calls.MaxLimit + 1} {
		if _, err := calls.Open(calls.State{}, "r2", limit, false, seed(2), t0); !fault.Is(err, fault.Invalid) {
			t.Errorf("Open(limit %d) = %v, want fault.Invalid", limit, err)
		}
	}
	closed, err := calls.Close(st)
	if err != nil || closed.Round.Open {
		t.Errorf("Close = %+v, %v, want closed", closed.Round, err)
	}
	if _, err := calls.Close(closed); !fault.Is(err, fault.Conflict) {
		t.Errorf("Close of a closed round = %v, want fault.Conflict", err)
	}
	cleared, err := calls.Clear(closed, "r3", seed(3), t0.Add(time.Hour))
	if err != nil || cleared.Round.ID != "r3" || cleared.Round.Open || cleared.Round.Limit != 2 || cleared.Round.Commitment != seed(3).Commitment() {
		t.Errorf("Clear = %+v, %v, want round r3, closed, limit kept, a new commitment", cleared.Round, err)
	}
	if _, err := calls.Clear(calls.State{}, "r", seed(1), t0); !fault.Is(err, fault.Conflict) {
		t.Errorf("Clear with no round = %v, want fault.Conflict", err)
	}
}

func TestBlacklist(t *testing.T) {
	st, err := calls.Blacklist(calls.State{}, true, "@Spammer", "Sweet Bonanza")
	if err != nil {
		t.Fatal(err)
	}
	st, _ = calls.Blacklist(st, true, "spammer", "") // again: no change
	want := calls.State{Viewers: []string{"spammer"}, Slots: []string{"sweetbonanza"}}
	if diff := cmp.Diff(want, st, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Blacklist add (-want +got):\n%s", diff)
	}
	st, err = calls.Blacklist(st, false, "SPAMMER", "")
	if err != nil || len(st.Viewers) != 0 || len(st.Slots) != 1 {
		t.Errorf("Blacklist remove = %+v, %v, want the viewer gone, the slot kept", st, err)
	}
	if _, err := calls.Blacklist(st, true, "", " "); !fault.Is(err, fault.Invalid) {
		t.Errorf("Blacklist of nothing = %v, want fault.Invalid", err)
	}
	full := calls.State{}
	for i := range calls.MaxBlacklist {
		full.Viewers = append(full.Viewers, strings.Repeat("v", i+1))
	}
	if _, err := calls.Blacklist(full, true, "one_more", ""); !fault.Is(err, fault.Invalid) {
		t.Errorf("Blacklist past %d = %v, want fault.Invalid", calls.MaxBlacklist, err)
	}
}

func TestDrawAndPicked(t *testing.T) {
	st, _ := calls.Open(calls.State{}, "r1", 1, false, seed(1), t0)
	all := []calls.Call{
		{Round: "r1", ID: "m3", Number: 3, Username: "c", Slot: "C"},
		{Round: "r1", ID: "m1", Number: 1, Username: "a", Slot: "A", Picked: true},
		{Round: "r1", ID: "m2", Number: 2, Username: "b", Slot: "B"},
		{Round: "r1", ID: "m4", Number: 4, Username: "d", Slot: "D"},
	}
	pending := calls.Pending(all)
	if got := []string{pending[0].ID, pending[1].ID, pending[2].ID}; !cmp.Equal(got, []string{"m2", "m3", "m4"}) || len(pending) != 3 {
		t.Fatalf("Pending = %v, want m2 m3 m4 by number", got)
	}
	p, err := calls.Draw(st.Round, pending, t0)
	if err != nil {
		t.Fatal(err)
	}
	// The pick is the scheme's, over the pending calls' numbers, nonce 1.
	want, _ := pick.Draw(seed(1), "r1", []string{"2", "3", "4"}, 1)
	if p.Call.ID != pending[want.Index].ID || !p.Call.Picked || p.Proof.Index != want.Index || pick.Verify(p.Proof) != nil ||
		!cmp.Equal(p.Entries, []int{2, 3, 4}) {
		t.Errorf("Draw = %+v, want call %s by the scheme, verifiable", p, pending[want.Index].ID)
	}
	after := calls.Picked(st, p, seed(9))
	if after.Round.Picks != 1 || after.Round.Commitment != seed(9).Commitment() || after.Last == nil ||
		*after.Current != (calls.Current{Slot: p.Call.Slot, By: p.Call.Username, Number: p.Call.Number, Round: "r1"}) {
		t.Errorf("Picked = %+v, want 1 pick, the next seed committed, the pick current and last", after)
	}
	// The next pick is nonce 2 with the new seed.
	p2, err := calls.Draw(after.Round, calls.Pending(append(all[:0:0], all...)), t0)
	if err != nil || p2.Proof.Nonce != 2 || p2.Proof.Commitment != seed(9).Commitment() {
		t.Errorf("second Draw = %+v, %v, want nonce 2 under the new commitment", p2.Proof, err)
	}
	if _, err := calls.Draw(st.Round, nil, t0); !fault.Is(err, fault.Invalid) {
		t.Errorf("Draw of nothing = %v, want fault.Invalid", err)
	}
}
