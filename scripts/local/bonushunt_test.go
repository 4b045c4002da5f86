package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/pick"
)

// TestBonusHuntScenario plays the replayer's bonus hunt stream
// (kicksim.BonusHunt) through the local runner on a simulated clock, the
// interactions endpoint's included: the stream goes live, 30 viewers call
// slots, five calls are picked into a hunt with their payouts, the hunt
// finishes and a GTB round takes its result from it. The picks' seeds
// come from a fixed random source (the runner's random hook, which
// calls.Admin.Random takes), so the picks are known; each is checked
// against its revealed seed as well. It checks every message the fake
// Kick chat got and every embed the fake Discord got, in order.
func TestBonusHuntScenario(t *testing.T) {
	ctx := context.Background()
	const guild, broadcaster, channel = seededGuild, seededChannel, "883082588674195459"
	base := time.Now().UTC().Truncate(time.Minute).Add(time.Minute)
	sim := clock.New(base)
	lc := startLiveChannel(t, config{now: sim.Now,
		interactionsNow: sim.Now, random: rand.NewChaCha8([32]byte{'b', 'o', 'n', 'u', 's'})})
	r, ds, admin, kick := lc.r, lc.ds, lc.admin, lc.kick

	var (
		ids     discordsim.IDs
		answers []string // what /hunt add answered
		// commitment is the next pick's, as /calls open and each pick
		// publish it; picks are the calls drawn, each checked against
		// its revealed seed.
		commitment string
		picks      []int
	)
	sc := kicksim.BonusHunt{Broadcaster: broadcaster, Start: base, Channel: channel}
	for _, st := range sc.Steps() {
		if st.Command != nil {
			sim.Set(st.At)
			status, body, err := ds.Send(ctx, admin.Command(ids.Next(), st.Command.Name, st.Command.Opts...))
			if err != nil || status != http.StatusOK {
				t.Fatalf("/%s %v: status %d, err %v, body %s", st.Command.Name, st.Command.Opts, status, err, body)
			}
			var resp struct{ Data struct{ Content string } }
			_ = json.Unmarshal(body, &resp)
			switch st.Command.Name + " " + st.Command.Opts[0].Name {
			case "hunt add":
				answers = append(answers, resp.Data.Content)
			case "calls open":
				_, c, _ := strings.Cut(resp.Data.Content, "commitment: `")
				commitment = strings.TrimSuffix(c, "`")
			case "calls pick":
				if err := r.Queue.Drain(ctx); err != nil {
					t.Fatal(err)
				}
				var n int
				commitment, n = checkPick(t, r, guild, commitment)
				picks = append(picks, n)
			}
		} else {
			sim.Set(st.At.Add(time.Second))
			if status, err := kick.Send(ctx, st.Delivery); err != nil || status != http.StatusOK {
				t.Fatalf("delivery at %s: status %d, err %v", st.At, status, err)
			}
		}
		if err := r.Queue.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}

	var said []string
	for _, m := range r.KickFake.Messages() {
		said = append(said, m.Content)
	}
	wantSaid := []string{
		"@viewer000 your call for Sweet Bonanza is in (#1)",
		"@viewer001 your call for Gates of Olympus is in (#2)",
		"@viewer002 your call for Wanted Dead or a Wild is in (#3)",
		"@viewer003 your call for Sugar Rush is in (#4)",
		"@viewer004 your call for Big Bass Bonanza is in (#5)",
		"@viewer005 your call for Dog House Megaways is in (#6)",
		"@viewer006 your call for Money Train 3 is in (#7)",
		"@viewer007 your call for Fruit Party is in (#8)",
		"@viewer008 your call for Starlight Princess is in (#9)",
		"@viewer009 your call for Mental is in (#10)",
		"@viewer010 your call for San Quentin is in (#11)",
		"@viewer011 your call for Tombstone RIP is in (#12)",
		"@viewer012 your call for Chaos Crew is in (#13)",
		"@viewer013 your call for Hand of Anubis is in (#14)",
		"@viewer014 your call for Le Bandit is in (#15)",
		"@viewer015 your call for Zeus vs Hades is in (#16)",
		"@viewer016 your call for Madame Destiny Megaways is in (#17)",
		"@viewer017 your call for Book of Dead is in (#18)",
		"@viewer018 your call for Reactoonz is in (#19)",
		"@viewer019 your call for Jammin Jars is in (#20)",
		"@viewer020 your call for Razor Shark is in (#21)",
		"@viewer021 your call for Fire in the Hole is in (#22)",
		"@viewer022 your call for Dead Canary is in (#23)",
		"@viewer023 your call for Duck Hunters is in (#24)",
		"@viewer024 your call for Wild West Gold is in (#25)",
		"@viewer025 sweet bonanza was called already", // the duplicate rule ignores case and spacing
		"@viewer026 GATES OF OLYMPUS was called already",
		"@viewer027 mental was called already",
		"@viewer028 your call for Xways Hoarder is in (#26)",
		"@viewer029 your call for Outsourced is in (#27)",
		"@viewer003 you have made your 1 call this round", // past the cooldown, over the limit
		"@viewer010 you have made your 1 call this round",
		"@viewer001 no call has been picked yet",
		"@viewer005 calls are closed right now",
		"🎰 Picked call #12: Tombstone RIP, called by @viewer011! (verify: /calls verify)",
		"🎰 Picked call #1: Sweet Bonanza, called by @viewer000! (verify: /calls verify)",
		"🎰 Picked call #14: Hand of Anubis, called by @viewer013! (verify: /calls verify)",
		"🎰 Picked call #23: Dead Canary, called by @viewer022! (verify: /calls verify)",
		"🎰 Picked call #19: Reactoonz, called by @viewer018! (verify: /calls verify)",
		"@viewer002 now playing Reactoonz, called by viewer018 (#19)", // the fifth pick
		"🎰 Bonus hunt Friday: 5 bonuses, 5 opened | start $500.00 | won $691.83 | profit $191.83 | avg 94.77x",
		"@viewer000 your guess of $700.00 is in for GTB #1",
		"@viewer001 your guess of $650.50 is in for GTB #1",
		"@viewer002 your guess of $500.00 is in for GTB #1",
		"@viewer003 a guess must be more than $0.00",
		"@viewer004 your guess of $1,000.00 is in for GTB #1",
		"@viewer005 your guess of $691.00 is in for GTB #1",
		`@viewer006 "12.345" is not an amount: write it like 1234.50, $1,234.50 or 1.5k`,
		"@viewer008 your guess of $690.00 is in for GTB #1",
		"@viewer007 your guess of $680.00 is in for GTB #1",
		"@viewer000 your guess for GTB #1 is now $690.00 (was $700.00)", // and ties viewer008 as the later guess
		"@viewer009 GTB #1 is closed: no more guesses",
		"GTB #1 result: $691.83 🏆 🥇 viewer005 $691.00 ($0.83 off) | 🥈 viewer008 $690.00 ($1.83 off) | 🥉 viewer000 $690.00 ($1.83 off)",
		"🎰 Bonus hunt Friday (finished): 5 bonuses, 5 opened | start $500.00 | won $691.83 | profit $191.83 | avg 94.77x",
	}
	if diff := cmp.Diff(wantSaid, said); diff != "" {
		t.Errorf("Kick chat (-want +got):\n%s", diff)
	}
	var posted []string
	for _, req := range r.DiscordFake.Requests() {
		posted = append(posted, renderDiscord(req))
	}
	wantPosted := []string{
		"#883082588674195459 [Slot call #1 | Sweet Bonanza | Called by=viewer000]",
		"#883082588674195459 [Slot call #2 | Gates of Olympus | Called by=viewer001]",
		"#883082588674195459 [Slot call #3 | Wanted Dead or a Wild | Called by=viewer002]",
		"#883082588674195459 [Slot call #4 | Sugar Rush | Called by=viewer003]",
		"#883082588674195459 [Slot call #5 | Big Bass Bonanza | Called by=viewer004]",
		"#883082588674195459 [Slot call #6 | Dog House Megaways | Called by=viewer005]",
		"#883082588674195459 [Slot call #7 | Money Train 3 | Called by=viewer006]",
		"#883082588674195459 [Slot call #8 | Fruit Party | Called by=viewer007]",
		"#883082588674195459 [Slot call #9 | Starlight Princess | Called by=viewer008]",
		"#883082588674195459 [Slot call #10 | Mental | Called by=viewer009]",
		"#883082588674195459 [Slot call #11 | San Quentin | Called by=viewer010]",
		"#883082588674195459 [Slot call #12 | Tombstone RIP | Called by=viewer011]",
		"#883082588674195459 [Slot call #13 | Chaos Crew | Called by=viewer012]",
		"#883082588674195459 [Slot call #14 | Hand of Anubis | Called by=viewer013]",
		"#883082588674195459 [Slot call #15 | Le Bandit | Called by=viewer014]",
		"#883082588674195459 [Slot call #16 | Zeus vs Hades | Called by=viewer015]",
		"#883082588674195459 [Slot call #17 | Madame Destiny Megaways | Called by=viewer016]",
		"#883082588674195459 [Slot call #18 | Book of Dead | Called by=viewer017]",
		"#883082588674195459 [Slot call #19 | Reactoonz | Called by=viewer018]",
		"#883082588674195459 [Slot call #20 | Jammin Jars | Called by=viewer019]",
		"#883082588674195459 [Slot call #21 | Razor Shark | Called by=viewer020]",
		"#883082588674195459 [Slot call #22 | Fire in the Hole | Called by=viewer021]",
		"#883082588674195459 [Slot call #23 | Dead Canary | Called by=viewer022]",
		"#883082588674195459 [Slot call #24 | Duck Hunters | Called by=viewer023]",
		"#883082588674195459 [Slot call #25 | Wild West Gold | Called by=viewer024]",
		"#883082588674195459 [Slot call #26 | Xways Hoarder | Called by=viewer028]",
		"#883082588674195459 [Slot call #27 | Outsourced | Called by=viewer029]",
		"#883082588674195459 [Picked call #12 | Tombstone RIP | Called by=viewer011 | Among=27 pending | Pick 1 of the round; /calls verify shows the proof]",
		"answer [Picked call #12 | Tombstone RIP | Called by=viewer011 | Among=27 pending | Pick 1 of the round; /calls verify shows the proof]",
		"#883082588674195459 [Picked call #1 | Sweet Bonanza | Called by=viewer000 | Among=26 pending | Pick 2 of the round; /calls verify shows the proof]",
		"answer [Picked call #1 | Sweet Bonanza | Called by=viewer000 | Among=26 pending | Pick 2 of the round; /calls verify shows the proof]",
		"#883082588674195459 [Picked call #14 | Hand of Anubis | Called by=viewer013 | Among=25 pending | Pick 3 of the round; /calls verify shows the proof]",
		"answer [Picked call #14 | Hand of Anubis | Called by=viewer013 | Among=25 pending | Pick 3 of the round; /calls verify shows the proof]",
		"#883082588674195459 [Picked call #23 | Dead Canary | Called by=viewer022 | Among=24 pending | Pick 4 of the round; /calls verify shows the proof]",
		"answer [Picked call #23 | Dead Canary | Called by=viewer022 | Among=24 pending | Pick 4 of the round; /calls verify shows the proof]",
		"#883082588674195459 [Picked call #19 | Reactoonz | Called by=viewer018 | Among=23 pending | Pick 5 of the round; /calls verify shows the proof]",
		"answer [Picked call #19 | Reactoonz | Called by=viewer018 | Among=23 pending | Pick 5 of the round; /calls verify shows the proof]",
		"#883082588674195459 [🏆 GTB #1 result: $691.83 | 🥇 **viewer005** $691.00 ($0.83 off)\n🥈 **viewer008** $690.00 ($1.83 off)\n🥉 **viewer000** $690.00 ($1.83 off) | The closest guesses win; of two as close, the earlier.]",
		"answer [GTB #1 result: $691.83 | 🥇 **viewer005** $691.00 ($0.83 off)\n🥈 **viewer008** $690.00 ($1.83 off)\n🥉 **viewer000** $690.00 ($1.83 off) | Said in Kick chat. Posted in Discord.]",
	}
	if diff := cmp.Diff(wantPosted, posted); diff != "" {
		t.Errorf("Discord (-want +got):\n%s", diff)
	}
	wantAnswers := []string{
		"Added bonus #1: **Tombstone RIP** at $2.00 (picked call #12, called by viewer011).",
		"Added bonus #2: **Sweet Bonanza** at $1.00 (picked call #1, called by viewer000).",
		"Added bonus #3: **Hand of Anubis** at $0.80 (picked call #14, called by viewer013).",
		"Added bonus #4: **Dead Canary** at $1.50 (picked call #23, called by viewer022).",
		"Added bonus #5: **Reactoonz** at $2.00 (picked call #19, called by viewer018).",
	}
	if diff := cmp.Diff(wantAnswers, answers); diff != "" {
		t.Errorf("/hunt add answers (-want +got):\n%s", diff)
	}

	if want := []int{12, 1, 14, 23, 19}; !cmp.Equal(picks, want) {
		t.Errorf("picked calls %v, want %v (as announced)", picks, want)
	}
	if f := r.KickFake.Failures(); len(f) != 0 {
		t.Errorf("fake Kick refused: %q", f)
	}
}

// renderDiscord is one request the fake Discord got, on one line: where
// it went (a channel, or the answer to an interaction), then its content
// and each embed's title, description, fields and footer.
func renderDiscord(req discord.Request) string {
	where := req.Method + " " + req.Path
	if ch, ok := strings.CutPrefix(req.Path, "/api/v9/channels/"); ok {
		where = "#" + strings.TrimSuffix(ch, "/messages")
	} else if strings.Contains(req.Path, "/webhooks/") {
		where = "answer"
	}
	body, _ := req.Body.(map[string]any)
	parts := []string{where}
	if c, _ := body["content"].(string); c != "" {
		parts = append(parts, c)
	}
	embeds, _ := body["embeds"].([]any)
	for _, e := range embeds {
		em, _ := e.(map[string]any)
		s := fmt.Sprintf("[%v", em["title"])
		if d, ok := em["description"]; ok {
			s += fmt.Sprintf(" | %v", d)
		}
		fields, _ := em["fields"].([]any)
		for _, f := range fields {
			fm, _ := f.(map[string]any)
			s += fmt.Sprintf(" | %v=%v", fm["name"], fm["value"])
		}
		if f, ok := em["footer"].(map[string]any); ok {
			s += fmt.Sprintf(" | %v", f["text"])
		}
		parts = append(parts, s+"]")
	}
	return strings.Join(parts, " ")
}

// checkPick checks the pick just made in guild against what /calls
// verify reveals: its seed is the one committed before it (commitment),
// and redrawing from the seed, the round and its entries gives the call
// picked. It returns the next pick's commitment and the call's number.
func checkPick(t *testing.T, r *runner, guild, commitment string) (string, int) {
	t.Helper()
	st, err := r.Store.CallState(context.Background(), guild)
	if err != nil || st.Last == nil {
		t.Fatalf("CallState after a pick = %+v, %v", st, err)
	}
	p := st.Last.Proof
	if p.Commitment != commitment || !pick.Check(commitment, p.Seed) {
		t.Errorf("pick %d: commitment %s, seed %s; want the seed of the commitment published before, %s", p.Nonce, p.Commitment, p.Seed, commitment)
	}
	entries := make([]string, len(st.Last.Entries))
	for i, n := range st.Last.Entries {
		entries[i] = fmt.Sprint(n)
	}
	again, err := pick.Draw(p.Seed, st.Last.Round, entries, p.Nonce)
	if err != nil || st.Last.Entries[again.Index] != st.Last.Call.Number {
		t.Errorf("pick %d: redrawn from its revealed seed = index %d (%v), want call #%d", p.Nonce, again.Index, err, st.Last.Call.Number)
	}
	return st.Round.Commitment, st.Last.Call.Number
}
