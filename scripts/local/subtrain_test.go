package main

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/pick"
)

// TestSubTrainScenario plays the replayer's sub train (kicksim.SubTrain)
// through the local runner on a simulated clock: /raffle start with 3
// winners, 20 gifted-sub deliveries (every fourth re-sent with its
// message id), one gift voided during its hold, renewals (one re-sent)
// and KICKs, the clock moved 25 h on past the 24 h gift hold, then
// /raffle draw. The server seed comes from a fixed random source (the
// runner's random hook), so the winners are known. It checks every
// message the fake Kick chat got and every post the fake Discord got, in
// order, and recomputes the winners from the published data only: the
// winners' embed (commitment, seed, client seed, winners) and the ticket
// table /raffle verify prints.
func TestSubTrainScenario(t *testing.T) {
	ctx := context.Background()
	const channel = "883082588674195459"
	// A fixed start: the period id is its time, and the draw's client
	// seed digests the period id, so the winners depend on it.
	base := time.Date(2026, 11, 20, 19, 0, 0, 0, time.UTC)
	sim := clock.New(base)
	lc := startLiveChannel(t, config{now: sim.Now,
		interactionsNow: sim.Now, random: rand.NewChaCha8([32]byte{'s', 'u', 'b', 's'})})
	r, ds, admin, kick := lc.r, lc.ds, lc.admin, lc.kick

	var ids discordsim.IDs
	command := func(name string, opts ...discordsim.Option) string {
		t.Helper()
		status, body, err := ds.Send(ctx, admin.Command(ids.Next(), name, opts...))
		if err != nil || status != http.StatusOK {
			t.Fatalf("/%s %v: status %d, err %v, body %s", name, opts, status, err, body)
		}
		if err := r.Queue.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		return string(body)
	}
	var answers []string // what the admin's commands answered at once
	var started string   // /raffle start's answer, with the commitment
	sc := kicksim.SubTrain{Broadcaster: seededChannel, Start: base, Wait: 25 * time.Hour, Channel: channel}
	for _, st := range sc.Steps() {
		if st.Command != nil {
			sim.Set(st.At)
			body := command(st.Command.Name, st.Command.Opts...)
			if st.Command.Opts[0].Name == "start" {
				started = body
			}
			answers = append(answers, answerText(body))
			continue
		}
		sim.Set(st.At.Add(time.Second))
		if status, err := kick.Send(ctx, st.Delivery); err != nil || status != http.StatusOK {
			t.Fatalf("delivery at %s: status %d, err %v", st.At, status, err)
		}
		if err := r.Queue.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}

	const (
		period     = "20261120-190000"
		commitment = "a5395d09228385c064891c56a0f9337a25b5370f74f943ec7b71f5a3929157d8"
		seed       = "c347a5e14c8370160e11f5c293798a4990092318d75a4cabda33fbe8eb3ff72c"
		digest     = "c6bd00d547fd7e91f602d7a471c6ea60ec1b21ab4c48d2fcd8d89c396982931c"
	)
	wantAnswers := []string{
		"Raffle started. Viewers check their tickets with !tickets. [🎟️ Raffle " + period + " (open)]",
		"Voided 30 held gift tickets of viewer 70000002.", // gift 8: viewer002's 2 subs
		"", // /raffle draw is deferred: the worker answers it
	}
	if diff := cmp.Diff(wantAnswers, answers); diff != "" {
		t.Errorf("slash command answers (-want +got):\n%s", diff)
	}
	var said []string
	for _, m := range r.KickFake.Messages() {
		said = append(said, m.Content)
	}
	wantSaid := []string{
		// 39 gifted subs, re-sends not counted, all held.
		"🎟️ @viewer000: 0 tickets, 105 gift tickets on hold. Chance about 0.00% of 585 tickets.",
		"🎟️ Raffle for a PS5, 3 winners, ends Nov 27 19:00 UTC. Tickets: 10 per hour watched, 15 per gifted sub (counted after 24h), 5 per sub, 1 per 100 KICKs. Check yours with !tickets.",
		"🎟️ @viewer005: 5 tickets (sub 5). Chance about 2.58% of 577 tickets.",       // renewed once, re-sent
		"🎟️ @viewer001: 120 tickets (gift 120). Chance about 50.32% of 577 tickets.", // the hold is over
		"🎉 Raffle drawn! Winners: @viewer003, @viewer004, @viewer000. Verify it: /raffle verify period:" + period,
		"🎟️ The raffle was drawn: viewer003, viewer004, viewer000. Next one soon!",
	}
	if diff := cmp.Diff(wantSaid, said); diff != "" {
		t.Errorf("Kick chat (-want +got):\n%s", diff)
	}
	var posted []string
	for _, req := range r.DiscordFake.Requests() {
		posted = append(posted, renderDiscord(req))
	}
	winners := "[🏆 Raffle winners: a PS5 | 1. **viewer003** (Kick id 70000003)\n2. **viewer004** (Kick id 70000004)\n3. **viewer000** (Kick id 70000000)" +
		" | Period=`" + period + "` | Commitment (SHA-256 of the seed)=`" + commitment + "` | Seed (revealed)=`" + seed + "`" +
		" | Client seed (table digest)=`" + digest + "` | Entries=8 | Tickets=577 | Winners (ids)=70000003, 70000004, 70000000" +
		" | Ticket-weighted, no repeats. The seed was committed when the raffle started; recompute the winners from the ticket table with scripts/verifypick.]"
	wantPosted := []string{"#" + channel + " " + winners, "answer Said in Kick chat. Posted in Discord. " + winners}
	if diff := cmp.Diff(wantPosted, posted); diff != "" {
		t.Errorf("Discord (-want +got):\n%s", diff)
	}
	if f := r.KickFake.Failures(); len(f) != 0 {
		t.Errorf("fake Kick refused: %q", f)
	}

	// Recompute the draw from what was published: the commitment /raffle
	// start showed, the winners' post, and the table /raffle verify shows.
	reqs := r.DiscordFake.Requests()
	if len(reqs) == 0 {
		t.Fatal("nothing posted to Discord")
	}
	post, _ := reqs[0].Body.(map[string]any)
	pub := embedFields(post)
	// /raffle verify is deferred: the worker's edit of the answer has it.
	command("raffle", discordsim.Sub("verify"))
	reqs = r.DiscordFake.Requests()
	answer, _ := reqs[len(reqs)-1].Body.(map[string]any)
	table := verifyTable(t, answer)
	if want := trainTable(); !cmp.Equal(table, want) {
		t.Errorf("/raffle verify's table = %v, want %v (the scenario's gifts, less the voided one, renewals and KICKs)", table, want)
	}
	if got := embedFields(answerData(started))["Seed commitment (SHA-256)"]; got != pub["Commitment (SHA-256 of the seed)"] {
		t.Errorf("commitment at the start %q, at the draw %q", got, pub["Commitment (SHA-256 of the seed)"])
	}
	proof := pick.WeightedProof{Commitment: pub["Commitment (SHA-256 of the seed)"], Seed: pub["Seed (revealed)"],
		ClientSeed: pub["Client seed (table digest)"], Winners: strings.Split(pub["Winners (ids)"], ", ")}
	proof.Entries, _ = strconv.Atoi(pub["Entries"])
	proof.Total, _ = strconv.ParseInt(pub["Tickets"], 10, 64)
	if err := pick.VerifyWeighted(proof, pub["Period"], table); err != nil {
		t.Errorf("VerifyWeighted(published proof, period, /raffle verify's table) = %v, want nil", err)
	}
	s, err := pick.ParseSeed(proof.Seed)
	if err != nil {
		t.Fatal(err)
	}
	again, err := pick.DrawWeighted(s, pub["Period"], table, 3)
	if err != nil || !cmp.Equal(again.Winners, proof.Winners) {
		t.Errorf("DrawWeighted(revealed seed, period, table, 3) = %v, %v; want the published %v", again.Winners, err, proof.Winners)
	}
	changed := append([]pick.Weighted(nil), table...)
	changed[0].Weight++ // a ticket added after the commitment
	if err := pick.VerifyWeighted(proof, pub["Period"], changed); err == nil {
		t.Error("VerifyWeighted(published proof, a changed table) = nil, want an error")
	}
}

// trainTable is the final ticket table kicksim.SubTrain should give under
// the default settings: 15 per gifted sub (gift i: viewer i%5, i%3+1
// subs; re-sends and the voided gift count nothing), 5 per renewal, 1 per
// 100 KICKs; sorted by Kick id.
func trainTable() []pick.Weighted {
	tickets := map[int]int64{5: 5, 6: 5, 7: 10, 2: 2}
	for i := range kicksim.TrainGifts {
		if i != kicksim.TrainVoided {
			tickets[i%5] += 15 * int64(i%3+1)
		}
	}
	var sc kicksim.Scenario
	var table []pick.Weighted
	for v := range 8 {
		table = append(table, pick.Weighted{ID: strconv.FormatInt(sc.ViewerID(v), 10), Weight: tickets[v]})
	}
	return table
}

// answerData is the data of an interaction answer: its content and embeds.
func answerData(body string) map[string]any {
	var resp struct{ Data map[string]any }
	_ = json.Unmarshal([]byte(body), &resp)
	return resp.Data
}

// embedFields are the first embed's fields of a message body, by name,
// without the backticks around values.
func embedFields(body map[string]any) map[string]string {
	out := map[string]string{}
	embeds, _ := body["embeds"].([]any)
	if len(embeds) == 0 {
		return out
	}
	em, _ := embeds[0].(map[string]any)
	fields, _ := em["fields"].([]any)
	for _, f := range fields {
		fm, _ := f.(map[string]any)
		name, _ := fm["name"].(string)
		value, _ := fm["value"].(string)
		out[name] = strings.Trim(value, "`")
	}
	return out
}

// verifyTable reads the ticket table ("<kick id> <tickets>" lines in a
// code block) from /raffle verify's answer.
func verifyTable(t *testing.T, answer map[string]any) []pick.Weighted {
	t.Helper()
	embeds, _ := answer["embeds"].([]any)
	if len(embeds) == 0 {
		t.Fatalf("/raffle verify answered %v, want an embed", answer)
	}
	em, _ := embeds[0].(map[string]any)
	desc, _ := em["description"].(string)
	_, block, _ := strings.Cut(desc, "```\n")
	block, _, _ = strings.Cut(block, "```")
	var table []pick.Weighted
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		id, n, _ := strings.Cut(line, " ")
		w, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			t.Fatalf("/raffle verify's table line %q: %v", line, err)
		}
		table = append(table, pick.Weighted{ID: id, Weight: w})
	}
	return table
}

// answerText is an interaction answer on one line: its content and its
// embeds' titles.
func answerText(body string) string {
	var resp struct {
		Data struct {
			Content string
			Embeds  []struct{ Title string }
		}
	}
	_ = json.Unmarshal([]byte(body), &resp)
	s := resp.Data.Content
	for _, e := range resp.Data.Embeds {
		s += " [" + e.Title + "]"
	}
	return s
}
