package giveaway_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/giveaway"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/pick"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// fakeStore keeps one guild's giveaway as the store does.
type fakeStore struct {
	mu       sync.Mutex
	g        *giveaway.Giveaway
	claims   map[string]bool
	entries  map[int64]giveaway.Entry
	activity []audience.Activity
	announce string
	marked   int
	banned   map[int64]time.Time // ban ends, of bans issued before the giveaway
}

func newFake() *fakeStore {
	return &fakeStore{claims: map[string]bool{}, entries: map[int64]giveaway.Entry{}, announce: "chan-1"}
}

func (f *fakeStore) Giveaway(context.Context, string) (giveaway.Giveaway, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.g == nil {
		return giveaway.Giveaway{}, fault.E(fault.NotFound, "no giveaway")
	}
	return *f.g, nil
}

func (f *fakeStore) StartGiveawayOnce(_ context.Context, _ string, g giveaway.Giveaway, c interact.Cause) (giveaway.Giveaway, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.claims[c.ID] {
		return giveaway.Giveaway{}, interact.ErrApplied
	}
	if f.g != nil && f.g.OpenAt(g.OpenedAt) {
		return giveaway.Giveaway{}, fault.E(fault.Conflict, "running")
	}
	f.g, f.claims[c.ID], f.entries = &g, true, map[int64]giveaway.Entry{}
	return g, nil
}

func (f *fakeStore) EndGiveawayOnce(_ context.Context, _ string, at time.Time, c interact.Cause) (giveaway.Giveaway, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.claims[c.ID] {
		return giveaway.Giveaway{}, interact.ErrApplied
	}
	if f.g == nil || f.g.State != giveaway.Open {
		return giveaway.Giveaway{}, fault.E(fault.NotFound, "none running")
	}
	f.g.State, f.g.ClosedAt, f.claims[c.ID] = giveaway.Closed, at, true
	return *f.g, nil
}

func (f *fakeStore) DrawGiveaway(_ context.Context, _ string, number int64, p pick.WeightedProof, now time.Time, cause string) (giveaway.Giveaway, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.g.DrawCause == cause:
	case f.g.State == giveaway.Drawn:
		return giveaway.Giveaway{}, fault.E(fault.Conflict, "drawn")
	default:
		if f.g.ClosedAt.IsZero() {
			f.g.ClosedAt = f.g.EndsAt
		}
		f.g.State, f.g.Proof, f.g.DrawCause = giveaway.Drawn, p, cause
	}
	return *f.g, nil
}

func (f *fakeStore) RerollGiveaway(_ context.Context, _ string, number int64, p pick.WeightedProof, replaced, cause string) (giveaway.Giveaway, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Equal(f.g.Proof.Winners, p.Winners[:len(p.Winners)-1]) {
		return giveaway.Giveaway{}, fault.E(fault.Conflict, "changed")
	}
	f.g.Proof, f.g.Rerolled, f.g.RerollCause = p, append(slices.Clone(f.g.Rerolled), replaced), cause
	return *f.g, nil
}

func (f *fakeStore) MarkGiveawayAnnounced(_ context.Context, _ string, _ int64, n int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.marked = n
	return nil
}

func (f *fakeStore) EnterGiveaway(_ context.Context, _ string, _ int64, e giveaway.Entry) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.entries[e.UserID]; ok {
		return false, nil
	}
	f.entries[e.UserID] = e
	return true, nil
}

func (f *fakeStore) GiveawayEntries(context.Context, string, int64) ([]giveaway.Entry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []giveaway.Entry
	for _, e := range f.entries {
		out = append(out, e)
	}
	return out, nil
}

func (f *fakeStore) Activity(_ context.Context, _ string, from, to watchtime.Minute) ([]audience.Activity, error) {
	var out []audience.Activity
	for _, a := range f.activity {
		if m := watchtime.MinuteOf(a.At); m >= from && m <= to {
			out = append(out, a)
		}
	}
	return out, nil
}

func (f *fakeStore) BannedAt(_ context.Context, _ string, users []int64, at time.Time) (map[int64]bool, error) {
	out := map[int64]bool{}
	for _, u := range users {
		if until, ok := f.banned[u]; ok && until.After(at) {
			out[u] = true
		}
	}
	return out, nil
}

func (f *fakeStore) Settings(context.Context, string) (settings.Settings, error) {
	return settings.Settings{AnnounceChannel: f.announce}, nil
}

// said records chat messages, once per cause as chat.Sender does.
type said struct {
	mu   sync.Mutex
	msgs []chat.Message
}

func (s *said) Say(_ context.Context, m chat.Message, _ time.Time) (chat.Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, old := range s.msgs {
		if old.Cause == m.Cause {
			return chat.Repeated, nil
		}
	}
	s.msgs = append(s.msgs, m)
	return chat.Sent, nil
}

type posted struct {
	channels []string
	embeds   []interact.Embed
}

func (p *posted) PostEmbed(_ context.Context, channel string, e interact.Embed) error {
	p.channels, p.embeds = append(p.channels, channel), append(p.embeds, e)
	return nil
}

type channels struct{}

func (channels) Connection(context.Context, string) (int64, string, time.Time, error) {
	return 77, "streamer", time.Time{}, nil
}

var opened = time.Date(2026, 12, 3, 20, 0, 0, 0, time.UTC)

func req(id, sub string, at time.Time, opts map[string]string) interact.Request {
	return interact.Request{ID: id, Guild: "guild-1", CanManage: true, Command: "giveaway", Sub: sub, Options: opts, At: at}
}

// field returns the embed's field called name.
func field(e interact.Embed, name string) string {
	for _, f := range e.Fields {
		if f.Name == name {
			return strings.Trim(f.Value, "`\n")
		}
	}
	return ""
}

// verifyPosted checks the posted embed alone reproduces its winners: the
// table from its CSV field, the seeds and the period.
func verifyPosted(t *testing.T, e interact.Embed) []string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(field(e, "Ticket table (id,weight)"))).ReadAll()
	if err != nil {
		t.Fatalf("the posted table does not read as CSV: %v", err)
	}
	var table []pick.Weighted
	for _, r := range rows[1:] {
		w, _ := strconv.ParseInt(r[1], 10, 64)
		table = append(table, pick.Weighted{ID: r[0], Weight: w})
	}
	n, _ := strconv.Atoi(field(e, "Drawn"))
	seed, err := pick.ParseSeed(field(e, "Seed"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pick.DrawWeighted(seed, field(e, "Period"), table, n)
	if err != nil {
		t.Fatal(err)
	}
	if p.ClientSeed != field(e, "Client seed (table digest)") || !pick.Check(field(e, "Seed commitment"), seed) {
		t.Errorf("the posted digest or commitment does not match the posted table and seed")
	}
	return p.Winners
}

func TestAdminKeywordGiveaway(t *testing.T) {
	ctx := context.Background()
	store := newFake()
	chatSaid, discord := &said{}, &posted{}
	a := &giveaway.Admin{Store: store, Random: bytes.NewReader(bytes.Repeat([]byte{3}, 64)), Chat: chatSaid, Channels: channels{}, Poster: discord}

	resp, err := a.Handle(ctx, req("i1", "start", opened, map[string]string{"prize": "a chair", "keyword": "Pizza", "winners": "2", "sub_luck": "3", "minutes": "10"}))
	if err != nil {
		t.Fatal(err)
	}
	g, _ := store.Giveaway(ctx, "guild-1")
	if len(resp.Embeds) != 1 || field(resp.Embeds[0], "Seed commitment") != g.Commitment || strings.Contains(resp.Embeds[0].Description+resp.Embeds[0].Footer, g.Seed.String()) {
		t.Fatalf("start = %+v, want the commitment shown and the seed not", resp)
	}
	if _, err := a.Handle(ctx, req("i1", "start", opened, map[string]string{"prize": "a chair"})); err != interact.ErrApplied {
		t.Errorf("start replayed = %v, want interact.ErrApplied", err)
	}
	// Six viewers enter (one twice), two of them subscribers.
	for i, name := range []string{"alice", "bob", "carol", "dave", "erin", "frank", "alice"} {
		user := int64(i%6 + 1)
		store.EnterGiveaway(ctx, "guild-1", g.Number, giveaway.Entry{UserID: user, Username: name, Subscriber: user <= 2,
			At: opened.Add(time.Duration(i+1) * time.Minute), MessageID: "m" + strconv.Itoa(i)})
	}
	if _, err := a.Handle(ctx, req("i2", "draw", opened.Add(5*time.Minute), nil)); !fault.Is(err, fault.Conflict) {
		t.Errorf("draw while running = %v, want a fault.Conflict", err)
	}
	if _, err := a.Handle(ctx, req("i3", "end", opened.Add(8*time.Minute), nil)); err != nil {
		t.Fatal(err)
	}
	resp, err = a.Handle(ctx, req("i4", "draw", opened.Add(9*time.Minute), nil))
	if err != nil {
		t.Fatal(err)
	}
	g, _ = store.Giveaway(ctx, "guild-1")
	if g.State != giveaway.Drawn || len(g.Proof.Winners) != 2 || g.Proof.Entries != 6 || g.Proof.Total != 10 {
		t.Fatalf("after draw: %s %+v, want 2 winners of 6 entrants and 10 tickets", g.State, g.Proof)
	}
	if len(chatSaid.msgs) != 1 || chatSaid.msgs[0].Text != giveaway.Announcement(g) || chatSaid.msgs[0].Broadcaster != 77 {
		t.Errorf("chat said %+v, want the announcement once in channel 77", chatSaid.msgs)
	}
	if len(discord.embeds) != 1 || discord.channels[0] != "chan-1" || store.marked != 2 {
		t.Fatalf("posted %v in %v (marked %d), want one embed in chan-1, 2 marked", discord.embeds, discord.channels, store.marked)
	}
	if got := verifyPosted(t, discord.embeds[0]); !slices.Equal(got, g.Proof.Winners) {
		t.Errorf("the posted data draws %v, want %v", got, g.Proof.Winners)
	}
	if field(resp.Embeds[0], "Seed") != g.Seed.String() {
		t.Errorf("draw answer shows seed %q, want it revealed", field(resp.Embeds[0], "Seed"))
	}
	// The worker runs the draw again: the same winners, said once.
	if _, err := a.Handle(ctx, req("i4", "draw", opened.Add(10*time.Minute), nil)); err != nil {
		t.Fatal(err)
	}
	if again, _ := store.Giveaway(ctx, "guild-1"); !slices.Equal(again.Proof.Winners, g.Proof.Winners) || len(chatSaid.msgs) != 1 {
		t.Errorf("draw run again = %v (%d said), want %v said once", again.Proof.Winners, len(chatSaid.msgs), g.Proof.Winners)
	}
	if _, err := a.Handle(ctx, req("i5", "draw", opened.Add(10*time.Minute), nil)); !fault.Is(err, fault.Conflict) {
		t.Errorf("a second draw = %v, want a fault.Conflict", err)
	}

	// Reroll the first winner by name.
	first := giveaway.Name(g.Proof.Winners[0])
	if _, err := a.Handle(ctx, req("i6", "reroll", opened.Add(11*time.Minute), map[string]string{"user": "@" + strings.ToUpper(first)})); err != nil {
		t.Fatal(err)
	}
	g, _ = store.Giveaway(ctx, "guild-1")
	if len(g.Proof.Winners) != 3 || g.Rerolled[0] != g.Proof.Winners[0] || slices.Contains(g.CurrentWinners(), g.Proof.Winners[0]) {
		t.Errorf("after reroll: drawn %v, rerolled %v, want 3 drawn and the first replaced", g.Proof.Winners, g.Rerolled)
	}
	if got := verifyPosted(t, discord.embeds[len(discord.embeds)-1]); !slices.Equal(got, g.Proof.Winners) {
		t.Errorf("the posted reroll draws %v, want %v", got, g.Proof.Winners)
	}
	if _, err := a.Handle(ctx, req("i6", "reroll", opened.Add(12*time.Minute), nil)); err != nil || len(chatSaid.msgs) != 2 {
		t.Errorf("reroll run again = %v with %d said, want nil and 2 said", err, len(chatSaid.msgs))
	}
	if g2, _ := store.Giveaway(ctx, "guild-1"); len(g2.Proof.Winners) != 3 {
		t.Errorf("reroll run again drew %d, want still 3", len(g2.Proof.Winners))
	}
	if _, err := a.Handle(ctx, req("i7", "reroll", opened.Add(12*time.Minute), map[string]string{"user": "nobody"})); !fault.Is(err, fault.NotFound) {
		t.Errorf("reroll of a non-winner = %v, want a fault.NotFound", err)
	}
}

func TestAdminActiveViewersGiveaway(t *testing.T) {
	ctx := context.Background()
	store := newFake()
	sub := true
	for i, name := range []string{"ann", "ben", "cat"} {
		store.activity = append(store.activity,
			audience.Activity{UserID: int64(i + 1), Username: name, At: opened.Add(time.Duration(i+1) * time.Minute), Subscriber: &sub},
			audience.Activity{UserID: int64(i + 1), Username: name, At: opened.Add(time.Duration(i+2) * time.Minute)})
	}
	store.activity = append(store.activity, audience.Activity{UserID: 9, Username: "late", At: opened.Add(20 * time.Minute)})
	store.activity = append(store.activity,
		audience.Activity{UserID: 4, Username: "dan", At: opened.Add(time.Minute)}, audience.Activity{UserID: 4, Username: "dan", At: opened.Add(2 * time.Minute)},
		audience.Activity{UserID: 5, Username: "eve", At: opened.Add(time.Minute)}, audience.Activity{UserID: 5, Username: "eve", At: opened.Add(2 * time.Minute)})
	// dan is banned past the end; eve's timeout ran out before it.
	store.banned = map[int64]time.Time{4: opened.Add(time.Hour), 5: opened.Add(5 * time.Minute)}
	a := &giveaway.Admin{Store: store, Random: bytes.NewReader(bytes.Repeat([]byte{4}, 32))}
	if _, err := a.Handle(ctx, req("s", "start", opened, map[string]string{"prize": "keys", "minutes": "10", "min_watchtime": "2", "winners": "5"})); err != nil {
		t.Fatal(err)
	}
	// Ran out without /giveaway end: the draw closes it at its end.
	if _, err := a.Handle(ctx, req("d", "draw", opened.Add(15*time.Minute), nil)); err != nil {
		t.Fatal(err)
	}
	g, _ := store.Giveaway(ctx, "guild-1")
	want := []string{"ann#1", "ben#2", "cat#3", "eve#5"}
	got := slices.Sorted(slices.Values(g.Proof.Winners))
	if !slices.Equal(got, want) || !g.ClosedAt.Equal(opened.Add(10*time.Minute)) {
		t.Errorf("winners %v closed %v, want %v (everyone active, not the late one nor the banned) closed at the end", got, g.ClosedAt, want)
	}
}

func TestAdminBadInput(t *testing.T) {
	ctx := context.Background()
	a := &giveaway.Admin{Store: newFake(), Random: bytes.NewReader(bytes.Repeat([]byte{4}, 32))}
	tests := []struct {
		name string
		r    interact.Request
		kind fault.Kind
	}{
		{"no prize", req("a", "start", opened, nil), fault.Invalid},
		{"winners not a number", req("b", "start", opened, map[string]string{"prize": "p", "winners": "two"}), fault.Invalid},
		{"end with none", req("c", "end", opened, nil), fault.NotFound},
		{"draw with none", req("d", "draw", opened, nil), fault.NotFound},
		{"unknown", req("e", "explode", opened, nil), fault.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := a.Handle(ctx, tt.r); !fault.Is(err, tt.kind) {
				t.Errorf("Handle(%s %v) = %v, want a %v", tt.r.Sub, tt.r.Options, err, tt.kind)
			}
		})
	}
}

// TestAdminLargeGiveawayAttachesTable draws among 500 entrants, whose
// table no embed field holds: the admin's answer carries it as the CSV
// file scripts/verifypick reads, and that file alone redraws the winners.
func TestAdminLargeGiveawayAttachesTable(t *testing.T) {
	ctx := context.Background()
	store := newFake()
	discord := &posted{}
	a := &giveaway.Admin{Store: store, Random: bytes.NewReader(bytes.Repeat([]byte{5}, 64)), Poster: discord}
	if _, err := a.Handle(ctx, req("s", "start", opened, map[string]string{"prize": "keys", "keyword": "go", "minutes": "10", "winners": "3"})); err != nil {
		t.Fatal(err)
	}
	g, _ := store.Giveaway(ctx, "guild-1")
	for u := int64(1); u <= 500; u++ {
		store.EnterGiveaway(ctx, "guild-1", g.Number, giveaway.Entry{UserID: u, Username: "v" + strconv.FormatInt(u, 10),
			At: opened.Add(time.Minute), MessageID: "m" + strconv.FormatInt(u, 10)})
	}
	resp, err := a.Handle(ctx, req("d", "draw", opened.Add(15*time.Minute), nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Files) != 1 || resp.Files[0].ContentType != "text/csv" {
		t.Fatalf("draw answer has %d files, want the table as CSV", len(resp.Files))
	}
	e := discord.embeds[0]
	if f := field(e, "Ticket table (id,weight)"); !strings.Contains(f, resp.Files[0].Name) {
		t.Errorf("the posted table field = %q, want it to name the attached %s", f, resp.Files[0].Name)
	}
	for i, f := range e.Fields { // as a viewer given the file would read it
		if f.Name == "Ticket table (id,weight)" {
			e.Fields[i].Value = string(resp.Files[0].Data)
		}
	}
	g, _ = store.Giveaway(ctx, "guild-1")
	if got := verifyPosted(t, e); !slices.Equal(got, g.Proof.Winners) || len(got) != 3 {
		t.Errorf("the attached table draws %v, want %v", got, g.Proof.Winners)
	}
}
