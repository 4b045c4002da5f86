package interact_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/gtb"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/money"
	"github.com/kickbot/kickbot/shared/settings"
)

// fakeRounds keeps one guild's current round as the store does: open and
// close once per cause, the result once per cause.
type fakeRounds struct {
	mu          sync.Mutex
	round       *gtb.Round
	resultCause string
	guesses     []gtb.Guess
	claims      claims
}

func (f *fakeRounds) GTBRound(context.Context, string) (gtb.Round, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.round == nil {
		return gtb.Round{}, fault.E(fault.NotFound, "no GTB round was opened yet")
	}
	return *f.round, nil
}

func (f *fakeRounds) OpenGTBOnce(_ context.Context, _ string, winners int, at time.Time, c interact.Cause) (gtb.Round, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.claims.claimed(c); err != nil {
		return gtb.Round{}, err
	}
	next := gtb.Round{Number: 1, State: gtb.Open, Winners: winners, OpenedAt: at}
	if f.round != nil {
		if f.round.State == gtb.Open {
			return gtb.Round{}, fault.E(fault.Conflict, "GTB #%d is open already", f.round.Number)
		}
		next.Number = f.round.Number + 1
	}
	f.round, f.claims[c.ID] = &next, true
	return next, nil
}

func (f *fakeRounds) CloseGTBOnce(_ context.Context, _ string, at time.Time, c interact.Cause) (gtb.Round, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.claims.claimed(c); err != nil {
		return gtb.Round{}, err
	}
	if f.round == nil || f.round.State != gtb.Open {
		return gtb.Round{}, fault.E(fault.NotFound, "no GTB round is open")
	}
	f.round.State, f.round.ClosedAt, f.claims[c.ID] = gtb.Closed, at, true
	return *f.round, nil
}

func (f *fakeRounds) GTBGuesses(context.Context, string, int64) ([]gtb.Guess, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]gtb.Guess(nil), f.guesses...), nil
}

func (f *fakeRounds) ResultGTB(_ context.Context, _ string, number int64, result money.Cents, placed []gtb.Winner, cause string) (gtb.Round, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.round == nil || f.round.Number != number:
		return gtb.Round{}, fault.E(fault.Conflict, "not the current round")
	case f.round.State == gtb.Closed:
		f.round.State, f.round.Result, f.round.Placed, f.resultCause = gtb.Resulted, result, placed, cause
	case f.resultCause != cause:
		return gtb.Round{}, fault.E(fault.Conflict, "GTB #%d has its result already", number)
	}
	return *f.round, nil
}

func (f *fakeRounds) MarkGTBAnnounced(context.Context, string, int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.round.Announced = true
	return nil
}

// fakeKickChat says each cause once, as chat.Sender does.
type fakeKickChat struct {
	said   []chat.Message
	causes map[string]bool
}

func (f *fakeKickChat) Say(_ context.Context, m chat.Message, _ time.Time) (chat.Outcome, error) {
	if f.causes[m.Cause] {
		return chat.Repeated, nil
	}
	f.causes[m.Cause] = true
	f.said = append(f.said, m)
	return chat.Sent, nil
}

type fakeChannels struct{}

func (fakeChannels) Connection(context.Context, string) (int64, string, time.Time, error) {
	return 4242, "streamer", time.Time{}, nil
}

type posted struct {
	channel string
	embed   interact.Embed
}

type fakeEmbeds struct{ posts []posted }

func (f *fakeEmbeds) PostEmbed(_ context.Context, channel string, e interact.Embed) error {
	f.posts = append(f.posts, posted{channel, e})
	return nil
}

type finishedHunt struct {
	balance money.Cents
	ok      bool
}

func (f finishedHunt) FinishedHunt(context.Context, string) (money.Cents, bool, error) {
	return f.balance, f.ok, nil
}

// TestGTBCommands runs a round through /gtb: open, status, close, a
// result from the hunt just finished announced in Kick chat and Discord,
// the result's job run again, and the refusals on the way.
func TestGTBCommands(t *testing.T) {
	ctx := context.Background()
	store := newFakeStore()
	store.settings = &settings.Settings{AnnounceChannel: "chan-announce"}
	rounds := &fakeRounds{claims: claims{}}
	kickChat := &fakeKickChat{causes: map[string]bool{}}
	embeds := &fakeEmbeds{}
	h := &interact.Handler{Store: store}
	with := func(id string, r interact.Request) interact.Request { r.ID = id; return r }

	_, err := h.Handle(ctx, with("i0", admin("gtb", "open")))
	if !fault.Is(err, fault.NotFound) {
		t.Errorf("/gtb open without GTB = %v, want NotFound", err)
	}
	h.GTB = &interact.GTB{Rounds: rounds}

	resp, err := h.Handle(ctx, with("i1", admin("gtb", "open", "winners", "2")))
	if err != nil || len(resp.Embeds) != 1 || resp.Embeds[0].Title != "GTB #1 is open" ||
		!strings.Contains(resp.Embeds[0].Description, "The 2 closest guesses win.") {
		t.Fatalf("/gtb open winners:2 = %+v, %v", resp, err)
	}
	if resp, err := h.Handle(ctx, with("i1", admin("gtb", "open", "winners", "2"))); err != nil || !cmp.Equal(resp, interact.Applied()) {
		t.Errorf("/gtb open replayed = %+v, %v; want Applied", resp, err)
	}
	refusals := []struct {
		name string
		r    interact.Request
		kind fault.Kind
	}{
		{"open while open", with("i2", admin("gtb", "open")), fault.Conflict},
		{"open of 11 winners", with("i3", admin("gtb", "open", "winners", "11")), fault.Invalid},
		{"result while open", with("i4", admin("gtb", "result", "amount", "5")), fault.Conflict},
		{"a member", with("i5", member("gtb", "close")), fault.Forbidden},
	}
	for _, tt := range refusals {
		if _, err := h.Handle(ctx, tt.r); !fault.Is(err, tt.kind) {
			t.Errorf("%s: Handle = %v, want %v", tt.name, err, tt.kind)
		}
	}

	opened := rounds.round.OpenedAt
	sent := func(s int) time.Time { return opened.Add(time.Duration(s) * time.Second) }
	rounds.guesses = []gtb.Guess{
		{UserID: 1, Username: "early_bird", Amount: 1250_00, At: sent(1), MessageID: "m1"},
		{UserID: 2, Username: "late", Amount: 1230_00, At: sent(5), MessageID: "m2"},
		{UserID: 3, Username: "far", Amount: 9000_00, At: sent(6), MessageID: "m3"},
		// Sent after the close (its job ran late): it does not count.
		{UserID: 4, Username: "after", Amount: 1240_00, At: sent(120), MessageID: "m4"},
	}
	resp, err = h.Handle(ctx, with("s1", admin("gtb", "status")))
	if err != nil || len(resp.Embeds) != 1 || resp.Embeds[0].Title != "GTB #1: open" ||
		!cmp.Equal(resp.Embeds[0].Fields[len(resp.Embeds[0].Fields)-1], interact.Field{Name: "Guesses", Value: "4", Inline: true}) {
		t.Errorf("/gtb status = %+v, %v; want #1 open with 4 guesses", resp, err)
	}

	closing := with("i6", admin("gtb", "close"))
	closing.At = sent(60)
	resp, err = h.Handle(ctx, closing)
	if want := "GTB #1 is closed: no more guesses. Set the result with /gtb result amount:<amount>."; err != nil || resp.Content != want {
		t.Errorf("/gtb close = %+v, %v; want %q", resp, err, want)
	}
	if _, err := h.Handle(ctx, with("i7", admin("gtb", "result"))); !fault.Is(err, fault.Invalid) ||
		!strings.Contains(fault.Message(err), "/gtb result amount:<amount>") {
		t.Errorf("/gtb result without an amount or a hunt = %v, want Invalid asking for the amount", err)
	}

	// The worker's handler: the result from the hunt just finished.
	h.GTB = &interact.GTB{Rounds: rounds, Chat: kickChat, Channels: fakeChannels{}, Embeds: embeds,
		Hunts: finishedHunt{balance: 1240_00, ok: true}, Now: func() time.Time { return sent(90) }}
	result := with("i8", admin("gtb", "result"))
	wantSaid := []chat.Message{{Broadcaster: 4242, Cause: "gtb:i8",
		Text: "GTB #1 result: $1,240.00 🏆 🥇 early_bird $1,250.00 ($10.00 off) | 🥈 late $1,230.00 ($10.00 off)"}}
	wantPosted := []posted{{"chan-announce", interact.Embed{Title: "🏆 GTB #1 result: $1,240.00",
		Description: "🥇 **early\\_bird** $1,250.00 ($10.00 off)\n🥈 **late** $1,230.00 ($10.00 off)",
		Footer:      "The closest guesses win; of two as close, the earlier.", Color: 0x53FC18}}}
	for _, run := range []string{"first", "run again"} {
		resp, err = h.Handle(ctx, result)
		if err != nil || len(resp.Embeds) != 1 || resp.Embeds[0].Title != "GTB #1 result: $1,240.00" ||
			resp.Embeds[0].Footer != "Said in Kick chat. Posted in Discord." {
			t.Errorf("/gtb result (%s) = %+v, %v", run, resp, err)
		}
		if diff := cmp.Diff(wantSaid, kickChat.said); diff != "" {
			t.Errorf("said in Kick chat after the %s (-want +got):\n%s", run, diff)
		}
		if diff := cmp.Diff(wantPosted, embeds.posts, cmp.AllowUnexported(posted{})); diff != "" {
			t.Errorf("posted in Discord after the %s (-want +got):\n%s", run, diff)
		}
	}
	if _, err := h.Handle(ctx, with("i9", admin("gtb", "result", "amount", "5"))); !fault.Is(err, fault.Conflict) {
		t.Errorf("/gtb result of another interaction = %v, want Conflict", err)
	}
	resp, err = h.Handle(ctx, with("s2", admin("gtb", "status")))
	if err != nil || len(resp.Embeds) != 1 || resp.Embeds[0].Title != "GTB #1: resulted" ||
		!strings.HasPrefix(resp.Embeds[0].Description, "Result: **$1,240.00**\n🥇 **early\\_bird**") {
		t.Errorf("/gtb status of the result = %+v, %v", resp, err)
	}

	// The next round's result, given with its amount and a channel, in
	// a server without the bot's Kick chat.
	h.GTB.Chat = nil
	for _, r := range []interact.Request{with("j1", admin("gtb", "open", "winners", "1")), with("j2", admin("gtb", "close"))} {
		if _, err := h.Handle(ctx, r); err != nil {
			t.Fatalf("/gtb %s = %v", r.Sub, err)
		}
	}
	if _, err := h.Handle(ctx, with("j4", admin("gtb", "result", "amount", "lots"))); !fault.Is(err, fault.Invalid) {
		t.Errorf("/gtb result amount:lots = %v, want Invalid", err)
	}
	rounds.guesses = nil
	resp, err = h.Handle(ctx, with("j3", admin("gtb", "result", "amount", "$2,000.50", "channel", "chan-gtb")))
	if err != nil || resp.Embeds[0].Description != "No guesses this round." ||
		resp.Embeds[0].Footer != "Not said in Kick chat: the bot cannot post there. Posted in Discord." {
		t.Errorf("/gtb result of round 2 = %+v, %v", resp, err)
	}
	if n := len(embeds.posts); n != 2 || embeds.posts[1].channel != "chan-gtb" || embeds.posts[1].embed.Title != "🏆 GTB #2 result: $2,000.50" {
		t.Errorf("posts = %+v, want round 2's in chan-gtb", embeds.posts)
	}
}
