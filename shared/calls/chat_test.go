package calls_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/calls"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
)

const callsChannel = "1250143022583250004"

func ask(name, user, args, msg string) chat.Ask {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(user)))
	id := int64(h.Sum32())
	return chat.Ask{Guild: "g", Broadcaster: 42, Asker: event.User{ID: id, Username: user}, Name: name, Args: args, MessageID: msg, Now: t0}
}

func openStore(t *testing.T, limit int, dup bool) *memStore {
	t.Helper()
	st, err := calls.Open(calls.State{Channel: callsChannel, Viewers: []string{"spammer"}, Slots: []string{"bannedslot"}}, "r1", limit, dup, seed(1), t0)
	if err != nil {
		t.Fatal(err)
	}
	return &memStore{st: st}
}

func TestCallReplies(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, 1, false)
	p := &poster{}
	c := &calls.Chat{Store: s, Poster: p}
	tests := []struct {
		name string
		ask  chat.Ask
		want string
	}{
		{"accepted", ask("call", "alice", "Sweet [emote:1:KEKW] Bonanza", "m1"), "@alice your call for Sweet Bonanza is in (#1)"},
		{"a retried job answers the same", ask("call", "alice", "Sweet Bonanza", "m1"), "@alice your call for Sweet Bonanza is in (#1)"},
		{"over the limit", ask("call", "alice", "Big Bass", "m2"), "@alice you have made your 1 call this round"},
		{"a duplicate", ask("call", "bob", "sweetbonanza", "m3"), "@bob sweetbonanza was called already"},
		{"blacklisted slot", ask("call", "bob", "Banned  Slot", "m4"), "@bob Banned Slot can't be called here"},
		{"blacklisted viewer is ignored", ask("call", "SPAMMER", "Big Bass", "m5"), ""},
		{"no slot", ask("call", "bob", " [emote:1:x] ", "m6"), "@bob name a slot: !call <slot>"},
		{"second viewer", ask("call", "bob", "Big Bass", "m7"), "@bob your call for Big Bass is in (#2)"},
		{"no current yet", ask("current", "carol", "", "m8"), "@carol no call has been picked yet"},
		{"another built-in is silent", ask("gtb", "carol", "5", "m9"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Answer(ctx, tt.ask)
			if err != nil || got != tt.want {
				t.Errorf("Answer(!%s %s) = %q, %v, want %q", tt.ask.Name, tt.ask.Args, got, err, tt.want)
			}
		})
	}
	// One embed per accepted call, the retry's included in none.
	want := []posted{
		{callsChannel, calls.CallEmbed(calls.Call{Number: 1, Slot: "Sweet Bonanza", Username: "alice"})},
		{callsChannel, calls.CallEmbed(calls.Call{Number: 2, Slot: "Big Bass", Username: "bob"})},
	}
	if diff := cmp.Diff(want, p.got); diff != "" {
		t.Errorf("embeds posted (-want +got):\n%s", diff)
	}
	if !strings.Contains(want[0].Embed.Title, "#1") || want[0].Embed.Description != "Sweet Bonanza" {
		t.Errorf("CallEmbed = %+v, want the number and the slot", want[0].Embed)
	}

	s.st, _ = calls.Close(s.st)
	if got, _ := c.Answer(ctx, ask("call", "dave", "Big Bass", "m10")); got != "@dave calls are closed right now" {
		t.Errorf("Answer(!call while closed) = %q, want that calls are closed", got)
	}
	s.st.Current = &calls.Current{Slot: "Big Bass", By: "bob", Number: 2, Round: "r1"}
	if got, _ := c.Answer(ctx, ask("current", "carol", "", "m11")); got != "@carol now playing Big Bass, called by bob (#2)" {
		t.Errorf("Answer(!current) = %q", got)
	}
}

func TestCallUnlimited(t *testing.T) {
	s := openStore(t, 0, true)
	c := &calls.Chat{Store: s}
	for i := range 5 {
		got, err := c.Answer(context.Background(), ask("call", "alice", "Sweet Bonanza", fmt.Sprintf("m%d", i)))
		if want := fmt.Sprintf("@alice your call for Sweet Bonanza is in (#%d)", i+1); err != nil || got != want {
			t.Errorf("call %d = %q, %v, want %q", i, got, err, want)
		}
	}
}

// TestCallPostRetried: a post that failed for a reason a retry may fix
// fails the job; the retry posts it once and answers the same.
func TestCallPostRetried(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, 1, false)
	p := &poster{fail: fault.E(fault.Transient, "discord is down")}
	c := &calls.Chat{Store: s, Poster: p}
	if _, err := c.Answer(ctx, ask("call", "alice", "Big Bass", "m1")); !fault.Is(err, fault.Transient) {
		t.Fatalf("Answer with Discord down = %v, want fault.Transient", err)
	}
	p.fail = nil
	for range 2 {
		got, err := c.Answer(ctx, ask("call", "alice", "Big Bass", "m1"))
		if err != nil || got != "@alice your call for Big Bass is in (#1)" {
			t.Errorf("retry = %q, %v", got, err)
		}
	}
	if len(p.got) != 1 {
		t.Errorf("posted %d embeds, want 1", len(p.got))
	}
	// A channel the bot may not post in loses the embed, not the call.
	p.fail = fault.E(fault.Forbidden, "missing access")
	if got, err := c.Answer(ctx, ask("call", "bob", "Sugar Rush", "m2")); err != nil || got != "@bob your call for Sugar Rush is in (#2)" {
		t.Errorf("Answer with the channel forbidden = %q, %v, want the call accepted", got, err)
	}
	s.fail = fault.E(fault.Transient, "throttled")
	if _, err := c.Answer(ctx, ask("call", "carol", "X", "m3")); !fault.Is(err, fault.Transient) {
		t.Errorf("Answer with the store failing = %v, want its error", err)
	}
}

// TestConcurrentCallsFake: 100 concurrent calls from 20 viewers with
// limit 1 answer 20 acceptances (the store's own test runs this on the
// emulator and moto).
func TestConcurrentCallsFake(t *testing.T) {
	s := openStore(t, 1, true)
	c := &calls.Chat{Store: s}
	var wg sync.WaitGroup
	var mu sync.Mutex
	in := 0
	for i := range 100 {
		wg.Go(func() {
			user := fmt.Sprintf("viewer%02d", i%20)
			got, err := c.Answer(context.Background(), chat.Ask{Guild: "g", Asker: event.User{ID: int64(1 + i%20), Username: user},
				Name: "call", Args: fmt.Sprintf("slot %d", i), MessageID: fmt.Sprintf("m%d", i), Now: t0})
			if err != nil {
				t.Error(err)
			}
			if strings.Contains(got, "is in") {
				mu.Lock()
				in++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if in != 20 {
		t.Errorf("%d calls accepted, want 20", in)
	}
}
