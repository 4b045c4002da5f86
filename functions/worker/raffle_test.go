package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
	"github.com/kickbot/kickbot/shared/pick"
	"github.com/kickbot/kickbot/shared/raffle"
)

// TestWorkerWiresRaffle runs a sub train through the worker as main
// wires it, against a fake Kick and a fake Discord: /raffle start, 20
// gifted-sub deliveries with duplicates, one voided during its hold,
// renewals and KICKs, then the deferred /raffle draw of 3 winners (said
// in chat, posted as an embed, verified from the stored proof and the
// table). It also counts the DynamoDB cost of one gift event.
func TestWorkerWiresRaffle(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC()
	client := dynamotest.Table(t, "kickbot")
	// Limited to what the function's role grants.
	store := dynamo.New(dynamotest.Restrict(t, client, "WorkerFunction"), "kickbot")
	kf, kick, df, rest := fakes(t)
	access, refresh := kf.IssueUserToken(kickfake.User{ID: broadcaster, Name: "northwind"}, "user:read", "chat:write")
	if err := store.ConnectChannel(ctx, guild, broadcaster, "northwind", now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := store.PutCredentials(ctx, broadcaster, credential.Token{Access: access, Refresh: refresh, Expiry: now.Add(time.Hour)}, []string{"user:read", "chat:write"}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w := worker(store, rest, kick, log)
	const channel = "883082588674195999"
	slash := func(id, sub string, opts map[string]string, at time.Time) job.Job {
		return job.ForInteraction(interact.Request{ID: id, Guild: guild, UserID: "190000000000000001", CanManage: true,
			Command: "raffle", Sub: sub, Options: opts, At: at}, "tok-"+sub)
	}
	// Started two days ago, for 7 days (as /raffle start would have).
	seed, err := pick.NewSeed(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	start, err := raffle.New(now.Add(-48*time.Hour), 7, 3, "a PS5", seed.Commitment(), raffle.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.StartRaffle(ctx, guild, start, seed, interact.Cause{ID: "1482453932679758001", Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// /raffle status shows the commitment from the start.
	if err := w.Do(ctx, slash("1482453932679758002", "status", nil, now)); err != nil {
		t.Fatal(err)
	}
	p, ok, err := store.Raffle(ctx, guild)
	if err != nil || !ok || p.State != raffle.Open {
		t.Fatalf("Raffle() after /raffle start = %+v, %v, %v", p, ok, err)
	}

	n := 0
	gift := func(gifter int64, subs int, at time.Time) event.Event {
		n++
		var giftees []event.User
		for i := range subs {
			giftees = append(giftees, event.User{ID: int64(900000 + 10*n + i), Username: fmt.Sprint("giftee", n, i)})
		}
		return event.Event{ID: fmt.Sprintf("01JQ8GIFT%04d", n), Type: event.SubscriptionGifts, SentAt: at, Broadcaster: broadcaster,
			Gifts: &event.Gifts{Gifter: event.User{ID: gifter, Username: fmt.Sprint("gifter", gifter)}, Giftees: giftees}}
	}
	// 20 gift deliveries from 5 gifters; every fourth arrives twice.
	early := now.Add(-30 * time.Hour) // held until 6 h ago: counts at the draw
	want := map[int64]int64{}
	var voided event.Event
	for i := range 20 {
		at := early
		if i == 19 {
			at = now.Add(-time.Minute) // still held at the draw
		}
		e := gift(int64(i%5+1), i%3+1, at)
		if i == 7 {
			voided = e
		} else if i != 19 {
			want[e.Gifts.Gifter.ID] += 15 * int64(len(e.Gifts.Giftees))
		}
		for range 1 + boolInt(i%4 == 0) {
			if err := w.Do(ctx, job.ForEvent(guild, e, nil)); err != nil {
				t.Fatalf("gift %s: %v", e.ID, err)
			}
		}
	}
	// The sub train's renewals and KICKs.
	renew := event.Event{ID: "01JQ8RENEW1", Type: event.SubscriptionRenew, SentAt: now, Broadcaster: broadcaster,
		Sub: &event.Sub{Subscriber: event.User{ID: 6, Username: "renewer"}, Months: 3}}
	kicks := event.Event{ID: "01JQ8KICKS1", Type: event.KicksGifted, SentAt: now, Broadcaster: broadcaster,
		Kicks: &event.Kicks{Sender: event.User{ID: 7, Username: "kicker"}, Amount: 1000}}
	anon := event.Event{ID: "01JQ8ANON1", Type: event.SubscriptionGifts, SentAt: now, Broadcaster: broadcaster,
		Gifts: &event.Gifts{Gifter: event.User{Anonymous: true}, Giftees: []event.User{{ID: 99, Username: "lucky"}}}}
	for _, e := range []event.Event{renew, kicks, anon, renew} {
		if err := w.Do(ctx, job.ForEvent(guild, e, nil)); err != nil {
			t.Fatal(err)
		}
	}
	want[6], want[7] = 5, 10
	// The voided gift's delivery was still on hold (the admin voids it
	// with its event id while it is held: here at its own time).
	if _, _, err := store.VoidGift(ctx, guild, p.ID, voided.ID, "190000000000000001", early.Add(time.Hour)); err != nil {
		t.Fatalf("VoidGift: %v", err)
	}

	all, err := store.RaffleTickets(ctx, guild, p.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]int64{}
	for _, v := range all {
		if v.Total() > 0 {
			got[v.UserID] = v.Total()
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("tickets before the draw = %v, want %v", got, want)
	}

	// One more gift event of one sub, measured. Reads: the raffle period,
	// the cause's ledger entry (is it recorded?), the guild's event
	// rewards (none set: nothing more) and the announcement settings
	// (gifts are not announced here). Writes: the event
	// log entry and the giftee's subscription (2 items, 1 unit each on
	// the guild's key) and viewer (1), then the raffle: one transaction
	// of the ledger entry, the tickets ADD, the hold and the gift marker
	// (2 units each: 8), and the shard sum's ADD (1).
	units, err := dynamotest.NewUnits(client, "kickbot")
	if err != nil {
		t.Fatal(err)
	}
	counter := &dynamotest.Counter{API: units}
	measured := worker(dynamo.New(counter, "kickbot"), rest, kick, log)
	g := gift(8, 1, now)
	if err := measured.Do(ctx, job.ForEvent(guild, g, nil)); err != nil {
		t.Fatal(err)
	}
	gotCost := cost{Reads: counter.Reads.Load(), Writes: counter.Writes.Load(), Units: total(units)}
	var raffleUnits float64
	for k, u := range units.Table {
		if strings.HasPrefix(k, "RAFFLE#") {
			raffleUnits += u
		}
	}
	if wantCost := (cost{Reads: 4, Writes: 8, Units: 13}); gotCost != wantCost || raffleUnits != 9 {
		t.Errorf("a gift event costs %+v (%v units on raffle keys), want %+v (9)", gotCost, raffleUnits, wantCost)
	}

	if err := w.Do(ctx, slash("1482453932679758099", "draw", map[string]string{"channel": channel}, now)); err != nil {
		t.Fatalf("/raffle draw: %v", err)
	}
	p, err = store.RafflePeriod(ctx, guild, p.ID)
	if err != nil || p.Result == nil || len(p.Result.Proof.Winners) != 3 {
		t.Fatalf("the period after the draw = %+v, %v, want 3 winners", p, err)
	}
	// The published table: what counted at the draw (held gifts out).
	var table []pick.Weighted
	for id, n := range want {
		table = append(table, pick.Weighted{ID: strconv.FormatInt(id, 10), Weight: n})
	}
	table = p.Table(tickets(table), nil)
	if err := pick.VerifyWeighted(p.Result.Proof, p.ID, table); err != nil {
		t.Errorf("VerifyWeighted(the draw, the table) = %v, want nil", err)
	}
	changed := append([]pick.Weighted(nil), table...)
	changed[0].Weight++
	if err := pick.VerifyWeighted(p.Result.Proof, p.ID, changed); err == nil {
		t.Errorf("VerifyWeighted(a table changed after the draw) = nil, want an error")
	}
	if err := w.Do(ctx, slash("1482453932679758100", "verify", nil, now)); err != nil {
		t.Fatalf("/raffle verify: %v", err)
	}
	var said []string
	for _, m := range kf.Messages() {
		said = append(said, m.Content)
	}
	if len(said) != 1 || said[0] != raffle.Announcement(p) {
		t.Errorf("Kick chat = %q, want the announcement %q", said, raffle.Announcement(p))
	}
	posted, answered, committed, verified := false, false, false, false
	for _, r := range df.Requests() {
		b, _ := json.Marshal(r.Body)
		switch {
		case r.Method == http.MethodPost && r.Path == "/api/v9/channels/"+channel+"/messages":
			posted = strings.Contains(string(b), "Raffle winners: a PS5") && strings.Contains(string(b), p.Result.Proof.Seed)
		case r.Method == http.MethodPatch && strings.Contains(r.Path, "/tok-draw/messages/@original"):
			answered = strings.Contains(string(b), "Posted in Discord.")
		case r.Method == http.MethodPatch && strings.Contains(r.Path, "/tok-verify/messages/@original"):
			verified = strings.Contains(string(b), "✅ The stored table redraws these winners.")
		case r.Method == http.MethodPatch && strings.Contains(r.Path, "/tok-status/messages/@original"):
			committed = strings.Contains(string(b), seed.Commitment())
		}
	}
	if !posted || !answered {
		t.Errorf("/raffle draw posted %v, answered %v, want both: %+v", posted, answered, df.Requests())
	}
	if !verified {
		t.Errorf("/raffle verify did not check the draw against its stored table: %+v", df.Requests())
	}
	if !committed {
		t.Errorf("/raffle status did not show the seed's commitment: %+v", df.Requests())
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// tickets turns table lines into viewers' tickets.
func tickets(table []pick.Weighted) []raffle.Tickets {
	var out []raffle.Tickets
	for _, l := range table {
		id, _ := strconv.ParseInt(l.ID, 10, 64)
		out = append(out, raffle.Tickets{UserID: id, By: map[raffle.Source]int64{raffle.Gift: l.Weight}})
	}
	return out
}
