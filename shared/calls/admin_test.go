package calls_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/shared/calls"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/pick"
)

var interactionN int

// slash is /calls sub with options name, value, … under a fresh
// interaction id.
func slash(sub string, opts ...string) interact.Request {
	interactionN++
	r := interact.Request{ID: fmt.Sprintf("14824539326797%05d", interactionN), Guild: "g", CanManage: true, Command: "calls", Sub: sub,
		Options: map[string]string{}, At: t0}
	for i := 0; i+1 < len(opts); i += 2 {
		r.Options[opts[i]] = opts[i+1]
	}
	return r
}

// seeds gives the seeds 00…, then 01…, then 02… (20 of them): each
// NewSeed reads one.
func seeds() *bytes.Reader {
	var b []byte
	for i := range 20 {
		b = append(b, bytes.Repeat([]byte{byte(i)}, pick.SeedSize)...)
	}
	return bytes.NewReader(b)
}

func newAdmin() (*calls.Admin, *memStore, *sayer, *poster) {
	s, say, p := &memStore{}, &sayer{}, &poster{}
	return &calls.Admin{Store: s, Random: seeds(), Chat: say, Channels: channels{}, Poster: p}, s, say, p
}

func run(t *testing.T, a *calls.Admin, r interact.Request) interact.Response {
	t.Helper()
	resp, err := a.Handle(context.Background(), r)
	if err != nil {
		t.Fatalf("/calls %s %v = %v", r.Sub, r.Options, err)
	}
	return resp
}

func text(resp interact.Response) string {
	var b strings.Builder
	b.WriteString(resp.Content)
	for _, e := range resp.Embeds {
		b.WriteString("|" + e.Title + "|" + e.Description + "|")
		for _, f := range e.Fields {
			b.WriteString(f.Name + ": " + f.Value + "|")
		}
		b.WriteString(e.Footer)
	}
	return b.String()
}

func TestOpenCloseClear(t *testing.T) {
	a, s, _, _ := newAdmin()
	if got := text(run(t, a, slash("open", "limit_per_user", "2", "allow_duplicates", "true"))); !strings.Contains(got, "2 per viewer, duplicates allowed") ||
		!strings.Contains(got, seed(0).Commitment()) {
		t.Errorf("/calls open = %q, want the rules and the commitment", got)
	}
	if r := s.st.Round; !r.Open || r.Limit != 2 || !r.AllowDuplicates || r.Commitment != seed(0).Commitment() {
		t.Errorf("round after /calls open = %+v", r)
	}
	_, err := a.Handle(context.Background(), slash("open"))
	if !fault.Is(err, fault.Conflict) {
		t.Errorf("/calls open while open = %v, want fault.Conflict", err)
	}
	closing := slash("close")
	run(t, a, closing)
	if s.st.Round.Open {
		t.Error("round open after /calls close")
	}
	// The same interaction again changes nothing.
	if _, err := a.Handle(context.Background(), closing); !errors.Is(err, interact.ErrApplied) && !fault.Is(err, fault.Conflict) {
		t.Errorf("/calls close replayed = %v, want it refused", err)
	}
	run(t, a, slash("clear"))
	if s.st.Round.ID == "r1" || s.st.Round.Open || s.st.Round.Limit != 2 {
		t.Errorf("round after /calls clear = %+v, want a new closed round with the rules kept", s.st.Round)
	}
	run(t, a, slash("open"))
	if r := s.st.Round; r.Limit != calls.DefaultLimit || r.AllowDuplicates {
		t.Errorf("/calls open with no options = %+v, want limit 1, no duplicates", r)
	}
	for _, bad := range []interact.Request{slash("open", "limit_per_user", "x"), slash("open", "allow_duplicates", "maybe"), slash("nosuch")} {
		if _, err := a.Handle(context.Background(), bad); err == nil {
			t.Errorf("/calls %s %v = nil error, want one", bad.Sub, bad.Options)
		}
	}
}

func TestBlacklistAndChannel(t *testing.T) {
	a, s, _, _ := newAdmin()
	if got := run(t, a, slash("blacklist", "action", "add", "viewer", "@Spammer", "slot", "Banned Slot")).Content; got != "Blacklisted: viewer spammer, slot bannedslot." {
		t.Errorf("/calls blacklist add = %q", got)
	}
	if got := text(run(t, a, slash("blacklist", "action", "list"))); !strings.Contains(got, "Viewers: spammer|Slots: bannedslot") {
		t.Errorf("/calls blacklist list = %q", got)
	}
	run(t, a, slash("blacklist", "action", "remove", "viewer", "spammer"))
	if len(s.st.Viewers) != 0 || len(s.st.Slots) != 1 {
		t.Errorf("blacklists = %v %v, want no viewer and one slot", s.st.Viewers, s.st.Slots)
	}
	if _, err := a.Handle(context.Background(), slash("blacklist", "action", "add")); !fault.Is(err, fault.Invalid) {
		t.Errorf("/calls blacklist add of nothing = %v, want fault.Invalid", err)
	}
	if _, err := a.Handle(context.Background(), slash("blacklist", "action", "drop", "viewer", "x")); !fault.Is(err, fault.Invalid) {
		t.Errorf("/calls blacklist drop = %v, want fault.Invalid", err)
	}
	// A full blacklist still fits Discord's 1,024 characters a field.
	for i := range calls.MaxBlacklist - 1 {
		run(t, a, slash("blacklist", "action", "add", "slot", fmt.Sprintf("%03d %s", i, strings.Repeat("x", 90))))
	}
	for _, f := range run(t, a, slash("blacklist", "action", "list")).Embeds[0].Fields {
		if n := len([]rune(f.Value)); n > 1024 {
			t.Errorf("/calls blacklist list field %s has %d characters, want at most 1024", f.Name, n)
		}
	}
	run(t, a, slash("channel", "channel", callsChannel))
	if s.st.Channel != callsChannel {
		t.Errorf("channel = %q, want %q", s.st.Channel, callsChannel)
	}
}

// withCalls opens a round in a's store and has n viewers call a slot each.
func withCalls(t *testing.T, a *calls.Admin, s *memStore, n int) {
	t.Helper()
	run(t, a, slash("open"))
	run(t, a, slash("channel", "channel", callsChannel))
	c := &calls.Chat{Store: s}
	for i := range n {
		if _, err := c.Answer(context.Background(), ask("call", fmt.Sprintf("viewer%02d", i), fmt.Sprintf("Slot %d", i), fmt.Sprintf("m%02d", i))); err != nil {
			t.Fatal(err)
		}
	}
}

func TestList(t *testing.T) {
	a, s, _, _ := newAdmin()
	if got := run(t, a, slash("list")).Content; !strings.Contains(got, "No calls yet") {
		t.Errorf("/calls list before a round = %q", got)
	}
	withCalls(t, a, s, 20)
	first := text(run(t, a, slash("list")))
	if !strings.Contains(first, "Calls (20, 20 pending) — open") || !strings.Contains(first, "#1 Slot 0 — viewer00") || strings.Contains(first, "#16 ") ||
		!strings.Contains(first, "Page 1 of 2") {
		t.Errorf("/calls list = %q, want calls 1-15 on page 1 of 2", first)
	}
	second := text(run(t, a, slash("list", "page", "2")))
	if !strings.Contains(second, "#16 Slot 15 — viewer15") || !strings.Contains(second, "#20 ") || strings.Contains(second, "#15 ") {
		t.Errorf("/calls list page 2 = %q, want calls 16-20", second)
	}
	if got := text(run(t, a, slash("list", "page", "9"))); !strings.Contains(got, "Page 2 of 2") {
		t.Errorf("/calls list page 9 = %q, want the last page", got)
	}
	if _, err := a.Handle(context.Background(), slash("list", "page", "0")); !fault.Is(err, fault.Invalid) {
		t.Errorf("/calls list page 0 = %v, want fault.Invalid", err)
	}
}

func TestPickAndVerify(t *testing.T) {
	a, s, say, p := newAdmin()
	if got := run(t, a, slash("verify")).Content; !strings.Contains(got, "No pick to verify yet") {
		t.Errorf("/calls verify before a pick = %q", got)
	}
	if _, err := a.Handle(context.Background(), slash("pick")); !fault.Is(err, fault.Conflict) {
		t.Errorf("/calls pick with no round = %v, want fault.Conflict", err)
	}
	withCalls(t, a, s, 10)
	opened := s.st.Round
	r := slash("pick")
	resp := run(t, a, r)
	last := s.st.Last
	if last == nil || !last.Call.Picked || s.st.Current == nil || s.st.Current.Slot != last.Call.Slot || s.st.Round.Picks != 1 {
		t.Fatalf("state after /calls pick = %+v, want the pick as last and current", s.st)
	}
	// The pick is the scheme's over the ten pending calls, nonce 1, with
	// the seed committed at /calls open.
	ids := make([]string, 10)
	for i := range ids {
		ids[i] = fmt.Sprint(i + 1)
	}
	want, _ := pick.Draw(opened.Seed, opened.ID, ids, 1)
	if last.Proof.Index != want.Index || last.Call.Number != want.Index+1 || last.Proof.Commitment != opened.Commitment {
		t.Errorf("pick = %+v, want index %d under the open's commitment", last.Proof, want.Index)
	}
	if got := text(resp); !strings.Contains(got, fmt.Sprintf("Picked call #%d", last.Call.Number)) {
		t.Errorf("/calls pick answered %q", got)
	}
	wantSaid := calls.PickText(*last)
	if len(say.said) != 1 || say.said[0].Text != wantSaid || say.said[0].Broadcaster != 42 {
		t.Errorf("said in Kick chat %+v, want %q once", say.said, wantSaid)
	}
	if len(p.got) != 1 || p.got[0].Channel != callsChannel || p.got[0].Embed.Title != fmt.Sprintf("Picked call #%d", last.Call.Number) {
		t.Errorf("posted %+v, want the pick in the calls channel", p.got)
	}
	// The worker running the same interaction again picks nothing new.
	run(t, a, r)
	if s.st.Round.Picks != 1 || len(say.said) != 1 {
		t.Errorf("after a retried pick: %d picks, said %d times, want 1 and 1", s.st.Round.Picks, len(say.said))
	}
	got := text(run(t, a, slash("verify")))
	for _, part := range []string{last.Proof.Commitment, last.Proof.Seed.String(), last.Proof.ClientSeed, "Nonce: 1", "Count: 10",
		"in order: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10", "-round " + opened.ID + " -ids 1,2,3,4,5,6,7,8,9,10 -nonce 1", fmt.Sprintf("index %d: call #%d", last.Proof.Index, last.Call.Number), s.st.Round.Commitment, "go run ./scripts/verifypick"} {
		if !strings.Contains(got, part) {
			t.Errorf("/calls verify = %q, want it to show %q", got, part)
		}
	}
	// Picks continue until none is pending.
	for range 9 {
		run(t, a, slash("pick"))
	}
	if _, err := a.Handle(context.Background(), slash("pick")); !fault.Is(err, fault.Invalid) {
		t.Errorf("/calls pick with none pending = %v, want fault.Invalid", err)
	}
	if len(calls.Pending(s.calls)) != 0 || s.st.Round.Picks != 10 {
		t.Errorf("after 10 picks: %d pending, %d picks, want 0 and 10", len(calls.Pending(s.calls)), s.st.Round.Picks)
	}
}

func TestAdminWithoutStore(t *testing.T) {
	var a calls.Admin
	if _, err := a.Handle(context.Background(), slash("list")); !fault.Is(err, fault.NotFound) {
		t.Errorf("Handle without a store = %v, want fault.NotFound", err)
	}
}
