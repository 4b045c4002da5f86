package interact_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/timer"
)

// fakeTimers keeps one guild's timers as the store does: each change once
// per cause, edits only of the version read.
type fakeTimers struct {
	mu     sync.Mutex
	timers []timer.Timer
	claims claims
}

func (f *fakeTimers) Timers(context.Context, string) ([]timer.Timer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.timers), nil
}

func (f *fakeTimers) change(c interact.Cause, apply func() error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.claims.claimed(c); err != nil {
		return err
	}
	if err := apply(); err != nil {
		return err
	}
	f.claims[c.ID] = true
	return nil
}

func (f *fakeTimers) index(name string) int {
	return slices.IndexFunc(f.timers, func(t timer.Timer) bool { return t.Name == name })
}

func (f *fakeTimers) AddTimerOnce(_ context.Context, _ string, t timer.Timer, c interact.Cause) error {
	return f.change(c, func() error {
		if err := timer.CanAdd(f.timers, t); err != nil {
			return err
		}
		t.Version = 1
		f.timers = append(f.timers, t)
		return nil
	})
}

func (f *fakeTimers) EditTimerOnce(_ context.Context, _ string, t timer.Timer, c interact.Cause) error {
	return f.change(c, func() error {
		i := f.index(t.Name)
		switch {
		case i < 0:
			return fault.E(fault.NotFound, "there is no timer named %s", t.Name)
		case f.timers[i].Version != t.Version:
			return fault.E(fault.Conflict, "changed meanwhile")
		}
		t.Version++
		f.timers[i] = t
		return nil
	})
}

func (f *fakeTimers) RemoveTimerOnce(_ context.Context, _ string, name string, c interact.Cause) error {
	return f.change(c, func() error {
		i := f.index(name)
		if i < 0 {
			return fault.E(fault.NotFound, "there is no timer named %s", name)
		}
		f.timers = slices.Delete(f.timers, i, i+1)
		return nil
	})
}

func socials() timer.Timer {
	return timer.Timer{Name: "socials", Variants: []string{"Follow on X", "Join the Discord"}, Interval: 15 * time.Minute,
		MinChatters: 3, Enabled: true, Version: 1, Next: 1}
}

func TestTimerCommands(t *testing.T) {
	long := strings.Repeat("x", timer.MaxMessage+1)
	tests := []struct {
		name     string
		r        interact.Request
		have     []timer.Timer
		wantKind fault.Kind
		want     []string // in the response's text, or the error's message
		after    string   // the stored timers, as "name: terms | messages"
	}{
		{"add", admin("timer", "add", "name", "Discord", "message", "Join the Discord! ||  discord.gg/x ", "interval", "10"), nil, noError,
			[]string{"Timer added: discord", "every 10m, after 3 chatting, 2 messages in turn", "1. Join the Discord!", "2. discord.gg/x"},
			"discord: 10m 3 false true | Join the Discord!/discord.gg/x"},
		{"add with every option", admin("timer", "add", "name", "a", "message", "hi", "interval", "5", "min_chatters", "0", "offline", "true"), nil, noError,
			[]string{"every 5m, live or offline", "offline posts need offline tracking"}, "a: 5m 0 true true | hi"},
		{"add a taken name", admin("timer", "add", "name", "socials", "message", "hi", "interval", "10"), []timer.Timer{socials()},
			fault.Conflict, []string{"exists already"}, "socials: 15m 3 false true | Follow on X/Join the Discord"},
		{"add with a short interval", admin("timer", "add", "name", "a", "message", "hi", "interval", "4"), nil, fault.Invalid, []string{"interval"}, ""},
		{"add with a bad name", admin("timer", "add", "name", "no spaces", "message", "hi", "interval", "10"), nil, fault.Invalid, []string{"a-z, 0-9 and _"}, ""},
		{"add with a long message", admin("timer", "add", "name", "a", "message", "ok || "+long, "interval", "10"), nil, fault.Invalid,
			[]string{"message 2 is 501 characters"}, ""},
		{"add without a message", admin("timer", "add", "name", "a", "interval", "10"), nil, fault.Invalid, []string{"message"}, ""},
		{"add needs Manage Server", member("timer", "add", "name", "a", "message", "hi", "interval", "10"), nil, fault.Forbidden, []string{"Manage Server"}, ""},
		{"add the 51st", admin("timer", "add", "name", "more", "message", "hi", "interval", "10"), fifty(), fault.Invalid, []string{"at most 50 timers"}, ""},
		{"edit", admin("timer", "edit", "name", "socials", "interval", "20", "enabled", "false"), []timer.Timer{socials()}, noError,
			[]string{"Timer changed: socials", "every 20m, after 3 chatting, 2 messages in turn (off)"},
			"socials: 20m 3 false false | Follow on X/Join the Discord"},
		{"edit the message keeps the rotation", admin("timer", "edit", "name", "socials", "message", "one || two || three"), []timer.Timer{socials()}, noError,
			[]string{"3. three"}, "socials: 15m 3 false true | one/two/three (next 1)"},
		{"edit nothing", admin("timer", "edit", "name", "socials"), []timer.Timer{socials()}, fault.Invalid, []string{"at least one"}, ""},
		{"edit to the same", admin("timer", "edit", "name", "socials", "interval", "15"), []timer.Timer{socials()}, noError,
			[]string{"Nothing to change"}, "socials: 15m 3 false true | Follow on X/Join the Discord"},
		{"edit unknown", admin("timer", "edit", "name", "nope", "interval", "15"), nil, fault.NotFound, []string{"no timer named nope"}, ""},
		{"edit invalid", admin("timer", "edit", "name", "socials", "min_chatters", "1000"), []timer.Timer{socials()}, fault.Invalid, []string{"min_chatters"}, ""},
		{"remove", admin("timer", "remove", "name", "socials"), []timer.Timer{socials()}, noError, []string{"Timer **socials** removed."}, ""},
		{"remove unknown", admin("timer", "remove", "name", "socials"), nil, fault.NotFound, []string{"no timer named socials"}, ""},
		{"list empty", admin("timer", "list"), nil, noError, []string{"No timers yet"}, ""},
		{"list", admin("timer", "list"), []timer.Timer{socials()}, noError,
			[]string{"Timers (1 of 50)", "**socials** — every 15m, after 3 chatting, 2 messages in turn: Follow on X"}, ""},
		{"list of fifty fits an embed", admin("timer", "list"), fifty(), noError, []string{"Timers (50 of 50)"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &fakeTimers{timers: slices.Clone(tt.have), claims: claims{}}
			h := &interact.Handler{Store: newFakeStore(), Timers: store}
			resp, err := h.Handle(context.Background(), tt.r)
			got := text(resp)
			if tt.wantKind == noError {
				if err != nil {
					t.Fatalf("Handle = %v, want no error", err)
				}
				if !resp.Ephemeral {
					t.Errorf("the answer is not ephemeral")
				}
			} else {
				if fault.KindOf(err) != tt.wantKind || err == nil {
					t.Fatalf("Handle = %v (kind %v), want kind %v", err, fault.KindOf(err), tt.wantKind)
				}
				got = fault.Message(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
			if len(resp.Embeds) > 0 && len(resp.Embeds[0].Description) > 4096 {
				t.Errorf("embed description of %d characters, Discord takes 4096", len(resp.Embeds[0].Description))
			}
			if tt.after != "" || tt.wantKind == noError && tt.r.Sub != "list" {
				if stored := describe(store.timers); stored != tt.after {
					t.Errorf("stored %q, want %q", stored, tt.after)
				}
			}
		})
	}
}

// TestTimerCommandsOnce: an interaction re-sent changes nothing again.
func TestTimerCommandsOnce(t *testing.T) {
	store := &fakeTimers{claims: claims{}}
	h := &interact.Handler{Store: newFakeStore(), Timers: store}
	add := admin("timer", "add", "name", "a", "message", "hi", "interval", "10")
	for i, want := range []string{"Timer added", interact.AppliedMessage} {
		resp, err := h.Handle(context.Background(), add)
		if err != nil || !strings.Contains(text(resp), want) {
			t.Errorf("/timer add #%d = %q, %v; want %q", i+1, text(resp), err, want)
		}
	}
	remove := admin("timer", "remove", "name", "a")
	remove.ID = "1482453932679757999"
	for i, want := range []string{"removed", interact.AppliedMessage} {
		resp, err := h.Handle(context.Background(), remove)
		if err != nil || !strings.Contains(text(resp), want) {
			t.Errorf("/timer remove #%d = %q, %v; want %q", i+1, text(resp), err, want)
		}
	}
	if len(store.timers) != 0 {
		t.Errorf("timers after add, remove and their replays = %v, want none", store.timers)
	}
}

func TestTimerCommandsWithoutStore(t *testing.T) {
	h := &interact.Handler{Store: newFakeStore()}
	_, err := h.Handle(context.Background(), admin("timer", "list"))
	if fault.KindOf(err) != fault.NotFound || !strings.Contains(fault.Message(err), "not set up on this bot") {
		t.Errorf("/timer list without timers: %v, want NotFound \"not set up\"", err)
	}
}

func fifty() []timer.Timer {
	var out []timer.Timer
	for i := range timer.MaxTimers {
		t := socials()
		t.Name = fmt.Sprintf("timer_with_a_long_name_%02d", i)
		t.Variants = []string{strings.Repeat("long message ", 40)}
		out = append(out, t)
	}
	return out
}

// describe is the timers as "name: interval minChatters offline enabled |
// variants", and " (next n)" for a Next other than 0, joined by "; ".
func describe(timers []timer.Timer) string {
	var parts []string
	for _, t := range timers {
		s := fmt.Sprintf("%s: %s %d %v %v | %s", t.Name, strings.TrimSuffix(t.Interval.String(), "0s"), t.MinChatters, t.Offline, t.Enabled,
			strings.Join(t.Variants, "/"))
		if t.Next != 0 && len(t.Variants) > 2 {
			s += fmt.Sprintf(" (next %d)", t.Next)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}
