package main

// The fault tier for what a stream's events earn and announce: raffle
// tickets, event points and Discord posts, under the faults of
// fault_test.go, against a reference computed from the deliveries that
// were answered 2xx.

import (
	"context"
	crand "crypto/rand"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/golive"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
	"github.com/kickbot/kickbot/shared/pick"
	"github.com/kickbot/kickbot/shared/raffle"
	"github.com/kickbot/kickbot/shared/rewards"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// TestFaultsEventsOnceEach plays a stream whose events earn raffle
// tickets and points and are announced, under the faults of
// TestFaultsLoseNothingCountNothingTwice (same -fault.seeds and
// -fault.seed): two guilds follow the channel, each with an open raffle
// period (default settings; gift holds of 1 h and the default 24 h),
// /rewards points on for follows, subs, gifts and KICKs, thank-yous on,
// and every kind of announcement on, each to a channel of its own. The
// stream goes live, viewers chat, follow (one follows again), subscribe,
// renew, gift subs (some anonymously), send KICKs and redeem a reward
// whose status changes (two deliveries, one redemption), a viewer is
// timed out, and the stream ends; the sweep runs each minute, with the
// follow batches due, until the recap is past its flap window. Then, in
// each guild: every viewer's tickets by source, held gift tickets and
// their release, their points and minutes equal the reference; each
// event is announced exactly once (Discord refuses nothing here, so none
// may be lost), each follower is named once in the follow posts, there
// is one go-live alert and one recap, no thank-you is said twice, and no
// job is dead.
func TestFaultsEventsOnceEach(t *testing.T) {
	seeds := []uint64{*faultSeed}
	if *faultSeed == 0 {
		seeds = seeds[:0]
		for i := range *faultSeeds {
			seeds = append(seeds, uint64(i+1))
		}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			runEventFaults(t, seed)
		})
	}
}

// The schedule's guilds, both following chanA. evHold is each guild's
// gift hold.
const evGuildA, evGuildB = "ev-guild-a", "ev-guild-b"

var (
	evGuilds = map[int64][]string{chanA: {evGuildA, evGuildB}}
	evHold   = map[string]time.Duration{evGuildA: time.Hour, evGuildB: raffle.Defaults().GiftHold}
	// evPoints are the whole points /rewards points gives.
	evPoints = rewards.Settings{Follow: 5, Sub: 100, Gift: 10, Kicks: 2}
)

// evChannel is the Discord channel of guild's announcements of kind:
// one per guild and kind, so that the fake Discord's requests tell them
// apart.
func evChannel(guild string, kind announce.Kind) string {
	g := 1
	if guild == evGuildB {
		g = 2
	}
	return fmt.Sprintf("9000000000000%d%02d", g, slices.Index(announce.Kinds, kind))
}

// Watch history: viewers with an even index had watched evPrior minutes
// of the period before the stream, so that the stream's minutes convert
// into watch tickets under the faults.
const evPrior = 58

// hasPrior reports whether viewer id has evPrior minutes before the
// stream: the scenario's chatters with an even index.
func hasPrior(id int64) bool {
	i := id - kicksim.Scenario{}.ViewerID(0)
	return i >= 0 && i < 8 && i%2 == 0
}

func runEventFaults(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0xe7e))
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	base := time.Now().UTC().Truncate(time.Minute).Add(-45 * time.Minute)
	sim := clock.New(base)
	rig, err := newFaultRig(t, ctx, seed, base, 1)
	if err != nil {
		t.Fatal(err)
	}
	proxy := rig.proxy
	r := startRunnerWith(t, rig.config(evGuildA+":"+fmt.Sprint(chanA)+","+evGuildB+":"+fmt.Sprint(chanA), sim.Now))
	ds, st, viewers := eventTraffic(seed, base)
	r.KickFake.SetChannel(kickfake.Channel{BroadcasterUserID: chanA, Slug: "northwind", Title: "Fault stream",
		CategoryName: "Just Chatting", Live: true, StartedAt: st.start.Start(),
		Thumbnail: "https://images.kick.com/video_thumbnails/northwind/1/480.webp"})
	periods := setUpEventGuilds(t, ctx, r, base, viewers)

	key, err := kicksim.ReadPrivateKey(r.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	kick := &kickDriver{t: t, ctx: ctx, sim: sim, sender: &kicksim.Sender{URL: r.URL + "/webhooks/kick", Key: key}, accepted: map[string]kicksim.Delivery{}}
	first := watchtime.MinuteOf(base)
	// The recap goes out at the first tick past the flap window.
	last := st.end + watchtime.Minute(golive.DefaultFlapWindow/time.Minute) + 2
	stopAt := rig.schedule(rng, len(ds))
	defer rig.logIfFailed(t)
	rig.start()
	next := 0
	for m := first; m <= last; m++ {
		for next < len(ds) && !ds[next].At.After(m.Start()) {
			if next == stopAt {
				kick.outage(proxy, rig.timers, ds[next:min(len(ds), next+4+rng.IntN(4))])
			}
			if rng.IntN(10) == 0 {
				proxy.storm("", rng.IntN(2) == 0, rng.IntN(3), 2+rng.IntN(6))
			}
			kick.deliver(ds[next])
			next++
		}
		kick.retryPending()
		kick.resendSome(rng, 2)
		if rng.IntN(3) == 0 {
			proxy.storm("", rng.IntN(2) == 0, rng.IntN(10), 3+rng.IntN(6))
		}
		drain(t, ctx, r)
		// The sweep function's minute: the sweep, which queues the follow
		// batches due; Lambda retries a failed invocation twice.
		sim.Set(maxTime(sim.Now(), m.Start()).Add(time.Second))
		r.Sweeper.InlineGuilds = []int{1, 25}[rng.IntN(2)]
		if rng.IntN(3) == 0 {
			proxy.storm([]string{"", "UpdateItem", "PutItem"}[rng.IntN(3)], rng.IntN(2) == 0, rng.IntN(8), 3+rng.IntN(8))
		}
		for range 3 {
			if _, err := r.Sweeper.Run(ctx, m, sim.Now()); err == nil {
				break
			}
			rig.sweepFailed.Add(1)
		}
		drain(t, ctx, r)
	}
	if next != len(ds) {
		t.Fatalf("%d deliveries never sent", len(ds)-next)
	}
	// The faults end; the next scheduled runs catch up.
	rig.stop()
	for m := last + 1; m <= last+2; m++ {
		sim.Set(m.Start().Add(time.Second))
		if _, err := r.Sweeper.Run(ctx, m, sim.Now()); err != nil {
			t.Fatalf("sweep of minute %d without faults: %v", m, err)
		}
		drain(t, ctx, r)
	}

	ref := eventReference(t, kick.accepted)
	checkEventTickets(t, ctx, r, ref, periods, viewers, sim.Now())
	checkEventPoints(t, ctx, r, kick.accepted, st, ref)
	checkEventPosts(t, r, ref)
	rig.check(t, r, kick)
}

// setUpEventGuilds sets both guilds up through the store, as the slash
// commands would store it (the commands are tested on their own; here the
// setup is no part of what faults may break): an announcement channel,
// every kind of announcement on, each to its own channel, /rewards points
// and thank-yous, and an open raffle period from base with default
// settings but the guild's gift hold. The viewers with an even index get
// their watch baseline at 0 and evPrior minutes watched in the period
// before the stream. It returns each guild's period.
func setUpEventGuilds(t *testing.T, ctx context.Context, r *runner, base time.Time, viewers map[int64]string) map[string]raffle.Period {
	t.Helper()
	periods := map[string]raffle.Period{}
	for i, g := range []string{evGuildA, evGuildB} {
		set := settings.Defaults()
		set.AnnounceChannel = fmt.Sprintf("90000000000009%02d", i)
		if err := r.Store.PutSettings(ctx, g, set); err != nil {
			t.Fatal(err)
		}
		cfg := announce.Config{Kinds: map[announce.Kind]announce.Setting{}}
		for _, k := range announce.Kinds {
			cfg.Kinds[k] = announce.Setting{On: true, Channel: evChannel(g, k)}
		}
		cause := func(what string) interact.Cause {
			return interact.Cause{ID: "setup-" + what + "-" + g, Expires: base.Add(24 * time.Hour)}
		}
		if err := r.Store.SaveAnnounceConfig(ctx, g, cfg, cause("announce")); err != nil {
			t.Fatal(err)
		}
		rs := evPoints
		if g == evGuildA {
			// One guild thanks: both would say their lines in the one chat.
			rs.Thanks = map[rewards.Kind]string{rewards.Sub: "Thanks {user} ({months} months)", rewards.Gift: "{user} gifted {count}, thanks!",
				rewards.Kicks: "{user}: {amount} KICKs, thanks!"}
		}
		if err := r.Store.PutRewardsOnce(ctx, g, rs, cause("rewards")); err != nil {
			t.Fatal(err)
		}
		seed, err := pick.NewSeed(crand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		rset := raffle.Defaults()
		rset.GiftHold = evHold[g]
		p, err := raffle.New(base, 30, 1, "a prize", seed.Commitment(), rset)
		if err != nil {
			t.Fatal(err)
		}
		if p, err = r.Store.StartRaffle(ctx, g, p, seed, cause("raffle")); err != nil {
			t.Fatal(err)
		}
		periods[g] = p
		for id, name := range viewers {
			if !hasPrior(id) {
				continue
			}
			if _, err := r.Store.ConvertWatch(ctx, g, p, id, name, 0, 0, base); err != nil {
				t.Fatal(err)
			}
			for m := range evPrior {
				c := watchtime.Credit{UserID: id, Username: name, Minute: watchtime.MinuteOf(base) - evPrior + watchtime.Minute(m), PointsMilli: 200}
				if _, err := r.Store.Credit(ctx, g, c); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return periods
}

// eventTraffic is the stream of the schedule, in time order: the
// replayer's scenario (go-live, chat, a follow, a sub, a renewal, five
// gifted subs, KICKs, a redemption, a timeout) with more follows (one
// viewer following again, inside the same batch), renewals, gifts (two
// anonymous), KICKs and the redemption's status change, then the
// offline. It returns the deliveries, the stream and the viewers' names
// by id.
func eventTraffic(seed uint64, base time.Time) ([]kicksim.Delivery, stream, map[int64]string) {
	start := base.Add(20 * time.Second)
	sc := kicksim.Scenario{Broadcaster: chanA, Viewers: 8, Minutes: 7, Start: start, Seed: seed, StayLive: true}
	ds := sc.Deliveries()
	viewers := map[int64]string{}
	user := func(i int) map[string]any {
		viewers[sc.ViewerID(i)] = fmt.Sprintf("viewer%03d", i)
		return map[string]any{"is_anonymous": false, "user_id": sc.ViewerID(i), "username": fmt.Sprintf("viewer%03d", i),
			"is_verified": false, "profile_picture": "", "channel_slug": fmt.Sprintf("viewer%03d", i), "identity": nil}
	}
	for i := range 20 {
		user(i)
	}
	anon := map[string]any{"is_anonymous": true, "user_id": nil, "username": nil, "is_verified": nil, "profile_picture": nil, "channel_slug": nil, "identity": nil}
	bc := map[string]any{"is_anonymous": false, "user_id": chanA, "username": "streamer", "is_verified": false, "profile_picture": "", "channel_slug": "streamer", "identity": nil}
	ids := kicksim.NewIDs(start.Add(time.Hour)) // ids of their own
	var live, redeem kicksim.Delivery
	for _, d := range ds {
		switch d.Type {
		case event.LivestreamStatus:
			live = d
		case event.RewardRedemption:
			redeem = d
		}
	}
	add := func(t event.Type, at time.Time, body map[string]any) {
		body["broadcaster"] = bc
		b, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		ds = append(ds, kicksim.Delivery{ID: ids.Next(at), Type: t, At: at, Body: b})
	}
	at := func(min, sec int) time.Time {
		return start.Add(time.Duration(min)*time.Minute + time.Duration(sec)*time.Second)
	}
	sub := func(t event.Type, when time.Time, who any, months int) {
		add(t, when, map[string]any{"subscriber": who, "duration": months,
			"created_at": when.Format(time.RFC3339), "expires_at": when.AddDate(0, 1, 0).Format(time.RFC3339)})
	}
	gift := func(when time.Time, from any, to ...int) {
		var giftees []map[string]any
		for _, i := range to {
			giftees = append(giftees, user(i))
		}
		add(event.SubscriptionGifts, when, map[string]any{"gifter": from, "giftees": giftees,
			"created_at": when.Format(time.RFC3339), "expires_at": when.AddDate(0, 1, 0).Format(time.RFC3339)})
	}
	kicks := func(when time.Time, from any, amount int) {
		add(event.KicksGifted, when, map[string]any{"sender": from, "gift": map[string]any{"amount": amount, "name": "Rage Quit",
			"type": "BASIC", "tier": "BASIC", "message": fmt.Sprint("kicks ", amount)}, "created_at": when.Format(time.RFC3339Nano)})
	}
	follow := func(when time.Time, i int) { add(event.Followed, when, map[string]any{"follower": user(i)}) }
	// The scenario's follower (viewer000) follows at 3:30 in; it unfollows
	// and follows again 70 s later, in the same batch.
	follow(at(2, 10), 6)
	follow(at(3, 5), 1)
	follow(at(4, 40), 0)
	follow(at(8, 30), 2) // after the offline, in the next batch
	sub(event.SubscriptionNew, at(1, 15), user(6), 1)
	sub(event.SubscriptionRenew, at(2, 40), user(3), 4)
	sub(event.SubscriptionRenew, at(5, 5), user(7), 12)
	gift(at(1, 45), anon, 10, 11)
	gift(at(4, 15), user(6), 12)
	gift(at(5, 25), anon, 13, 14, 15)
	gift(at(6, 5), user(2), 16, 17)
	kicks(at(2, 20), user(5), 100)
	kicks(at(3, 50), user(6), 1000)
	kicks(at(6, 30), user(1), 50) // under 100: earns nothing
	// The redemption again, accepted: a new delivery of the same one.
	var rb map[string]any
	if err := json.Unmarshal(redeem.Body, &rb); err != nil {
		panic(err)
	}
	rb["status"] = "accepted"
	add(event.RewardRedemption, redeem.At.Add(40*time.Second), rb)
	end := watchtime.MinuteOf(start) + 7 + 1
	var ob map[string]any
	if err := json.Unmarshal(live.Body, &ob); err != nil {
		panic(err)
	}
	ob["is_live"], ob["ended_at"] = false, end.Start().Format(time.RFC3339)
	add(event.LivestreamStatus, end.Start(), ob)
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].At.Before(ds[j].At) })
	return ds, stream{broadcaster: chanA, start: watchtime.MinuteOf(start), end: end}, viewers
}

// evRef is what the accepted deliveries owe, per guild alike (both follow
// the one channel).
type evRef struct {
	// tickets by viewer and source, the gift tickets' hold ends by
	// viewer, and event points (milli) by viewer.
	tickets map[int64]map[raffle.Source]int64
	holds   map[int64][]time.Time
	gifts   map[int64][]int64 // the gift tickets of each hold, in holds' order
	points  map[int64]int64
	// posts: each announced event's post key (kind, embed description,
	// timestamp) once; followers: each follower's name.
	posts     map[string]bool
	followers map[string]bool
	thanks    int
}

// eventReference computes evRef from the accepted deliveries' bodies:
// a sub or renewal earns its subscriber PerSub tickets and evPoints.Sub;
// a gift its named gifter PerGift tickets per giftee (held until the
// delivery time plus the hold) and evPoints.Gift per giftee, an anonymous
// one nothing; KICKs their sender Per100Kicks tickets and evPoints.Kicks
// per full 100; a first follow evPoints.Follow, a later one nothing. Each
// sub, gift, KICKs and redemption (by its own id) is posted once, and
// each follower named once.
func eventReference(t *testing.T, accepted map[string]kicksim.Delivery) evRef {
	t.Helper()
	def := raffle.Defaults()
	ref := evRef{tickets: map[int64]map[raffle.Source]int64{}, holds: map[int64][]time.Time{}, gifts: map[int64][]int64{},
		points: map[int64]int64{}, posts: map[string]bool{}, followers: map[string]bool{}}
	type kickUser struct {
		UserID      int64 `json:"user_id"`
		Username    string
		IsAnonymous bool `json:"is_anonymous"`
	}
	add := func(u *kickUser, src raffle.Source, n int64) {
		if ref.tickets[u.UserID] == nil {
			ref.tickets[u.UserID] = map[raffle.Source]int64{}
		}
		ref.tickets[u.UserID][src] += n
	}
	followed := map[int64]bool{}
	redemptions := map[string]bool{}
	ids := make([]string, 0, len(accepted))
	for id := range accepted {
		ids = append(ids, id)
	}
	// In delivery order: a viewer's first follow is the earliest.
	sort.Slice(ids, func(i, j int) bool { return accepted[ids[i]].At.Before(accepted[ids[j]].At) })
	for _, id := range ids {
		d := accepted[id]
		var b struct {
			ID                                   string
			Follower, Subscriber, Gifter, Sender *kickUser
			Redeemer                             *kickUser
			Giftees                              []kickUser
			Duration                             int
			Gift                                 struct{ Amount int64 }
			Reward                               struct{ Title string }
			CreatedAt                            string `json:"created_at"`
			RedeemedAt                           string `json:"redeemed_at"`
		}
		if err := json.Unmarshal(d.Body, &b); err != nil {
			t.Fatalf("delivery %s: %v", d.ID, err)
		}
		stamp := func(s string) string {
			at, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				t.Fatalf("delivery %s: time %q: %v", d.ID, s, err)
			}
			return at.UTC().Format(time.RFC3339)
		}
		switch d.Type {
		case event.Followed:
			ref.followers[b.Follower.Username] = true
			if !followed[b.Follower.UserID] {
				followed[b.Follower.UserID] = true
				ref.points[b.Follower.UserID] += evPoints.Follow * 1000
			}
		case event.SubscriptionNew, event.SubscriptionRenew:
			add(b.Subscriber, raffle.Sub, def.PerSub)
			ref.points[b.Subscriber.UserID] += evPoints.Sub * 1000
			verb := "subscribed!"
			if d.Type == event.SubscriptionRenew {
				verb = "renewed their subscription!"
			}
			ref.posts[fmt.Sprintf("%s **%s** %s %s", announce.Sub, b.Subscriber.Username, verb, stamp(b.CreatedAt))] = true
			ref.thanks++
		case event.SubscriptionGifts:
			n := int64(len(b.Giftees))
			name := announce.Anonymous
			if !b.Gifter.IsAnonymous {
				name = b.Gifter.Username
				add(b.Gifter, raffle.Gift, def.PerGift*n)
				ref.holds[b.Gifter.UserID] = append(ref.holds[b.Gifter.UserID], d.At)
				ref.gifts[b.Gifter.UserID] = append(ref.gifts[b.Gifter.UserID], def.PerGift*n)
				ref.points[b.Gifter.UserID] += evPoints.Gift * n * 1000
			}
			subs := fmt.Sprintf("%d subs", n)
			if n == 1 {
				subs = "1 sub"
			}
			ref.posts[fmt.Sprintf("%s **%s** gifted %s! %s", announce.Gift, name, subs, stamp(b.CreatedAt))] = true
			ref.thanks++
		case event.KicksGifted:
			if n := b.Gift.Amount / 100; n > 0 {
				add(b.Sender, raffle.Kicks, def.Per100Kicks*n)
				ref.points[b.Sender.UserID] += evPoints.Kicks * n * 1000
			}
			ref.posts[fmt.Sprintf("%s **%s** sent %d KICKs! %s", announce.Kicks, b.Sender.Username, b.Gift.Amount, stamp(b.CreatedAt))] = true
			ref.thanks++
		case event.RewardRedemption:
			if !redemptions[b.ID] {
				redemptions[b.ID] = true
				// The post of the first delivery of the redemption.
				ref.posts[fmt.Sprintf("%s **%s** redeemed **%s** %s", announce.Redemption, b.Redeemer.Username, b.Reward.Title, stamp(b.RedeemedAt))] = true
			}
		}
	}
	return ref
}

// checkEventTickets holds each viewer's tickets in each guild's period to
// the reference, at now (the gift holds running) and once every hold
// ended; watch tickets are PerHour per full hour of the viewer's minutes
// (baseline 0 for the viewers with prior minutes; the minutes themselves
// are checkEventPoints').
func checkEventTickets(t *testing.T, ctx context.Context, r *runner, ref evRef, periods map[string]raffle.Period, viewers map[int64]string, now time.Time) {
	t.Helper()
	for g, p := range periods {
		for id := range viewers {
			v, err := r.Store.Viewer(ctx, g, id)
			if err != nil && !fault.Is(err, fault.NotFound) {
				t.Fatal(err)
			}
			want := map[raffle.Source]int64{}
			for src, n := range ref.tickets[id] {
				want[src] = n
			}
			if hasPrior(id) {
				if hours := v.WatchMinutes / 60; hours > 0 {
					want[raffle.Watch] = hours * p.Settings.PerHour
				}
			}
			var held, heldLater int64
			for i, until := range ref.holds[id] {
				if now.Before(until.Add(evHold[g])) {
					held += ref.gifts[id][i]
				}
				if now.Add(2 * time.Hour).Before(until.Add(evHold[g])) {
					heldLater += ref.gifts[id][i]
				}
			}
			for _, at := range []struct {
				now  time.Time
				held int64
			}{{now, held}, {now.Add(2 * time.Hour), heldLater}} {
				got, err := r.Store.ViewerTickets(ctx, g, p.ID, id, at.now, true)
				if err != nil {
					t.Fatal(err)
				}
				for _, src := range raffle.Sources {
					if got.By[src] != want[src] {
						t.Errorf("%s viewer %d: %d %s tickets, want %d", g, id, got.By[src], src, want[src])
					}
				}
				if got.Held != at.held {
					t.Errorf("%s viewer %d at %s: %d gift tickets held, want %d", g, id, at.now.Format(time.TimeOnly), got.Held, at.held)
				}
			}
		}
	}
}

// checkEventPoints holds each viewer's minutes and points to the
// references: the stream's minutes and their points (watchReference),
// plus the prior minutes of the viewers who have them, plus the event
// points.
func checkEventPoints(t *testing.T, ctx context.Context, r *runner, accepted map[string]kicksim.Delivery, st stream, ref evRef) {
	t.Helper()
	watch := watchReference(t, ctx, r, accepted, []stream{st}, evGuilds, map[string]watchtime.Minute{evGuildA: 5, evGuildB: 5})
	for _, g := range evGuilds[chanA] {
		ids := map[int64]bool{}
		for id := range watch[g] {
			ids[id] = true
		}
		for id := range ref.points {
			ids[id] = true
		}
		for i := range 20 {
			ids[kicksim.Scenario{}.ViewerID(i)] = true
		}
		for id := range ids {
			want := watch[g][id]
			want.milli += ref.points[id]
			if hasPrior(id) {
				want.minutes += evPrior
				want.milli += evPrior * 200
			}
			v, err := r.Store.Viewer(ctx, g, id)
			if err != nil && !(fault.Is(err, fault.NotFound) && want == owed{}) {
				t.Fatalf("Viewer(%s, %d): %v", g, id, err)
			}
			if v.WatchMinutes != want.minutes || v.PointsMilli != want.milli {
				t.Errorf("%s viewer %d: %d minutes, %d milli-points; want %d, %d (%d of them for events)", g, id, v.WatchMinutes, v.PointsMilli,
					want.minutes, want.milli, ref.points[id])
			}
		}
	}
}

// checkEventPosts counts what the fake Discord received in each guild's
// channel of each kind: each event's post once, each follower named once
// in the follow posts (their counts adding up), one go-live alert and one
// recap; and what the fake Kick chat heard: no thank-you twice.
func checkEventPosts(t *testing.T, r *runner, ref evRef) {
	t.Helper()
	kindOf := map[string]announce.Kind{}
	for _, g := range evGuilds[chanA] {
		for _, k := range announce.Kinds {
			kindOf[evChannel(g, k)] = k
		}
	}
	type post struct {
		Content string
		Embeds  []struct {
			Title, Description, Timestamp string
			Fields                        []struct{ Name, Value string }
		}
	}
	for _, g := range evGuilds[chanA] {
		posts := map[string]int{}
		named := map[string]int{}
		var counted int
		byKind := map[announce.Kind]int{}
		for _, req := range r.DiscordFake.Requests() {
			channel, ok := strings.CutPrefix(req.Path, "/api/v9/channels/")
			channel, _, _ = strings.Cut(channel, "/")
			if !ok || req.Method != http.MethodPost {
				continue
			}
			k, ok := kindOf[channel]
			if !ok || channel != evChannel(g, k) {
				continue
			}
			byKind[k]++
			raw, _ := json.Marshal(req.Body)
			var p post
			if err := json.Unmarshal(raw, &p); err != nil || len(p.Embeds) != 1 {
				t.Fatalf("%s: %s post %s, want one embed", g, k, raw)
			}
			e := p.Embeds[0]
			switch k {
			case announce.Follow:
				for _, n := range strings.Split(e.Description, ", ") {
					named[n]++
				}
				for _, f := range e.Fields {
					if f.Name == "Followers" {
						var n int
						fmt.Sscan(f.Value, &n)
						counted += n
					}
				}
			case announce.Sub, announce.Gift, announce.Kicks, announce.Redemption:
				at, err := time.Parse(time.RFC3339, e.Timestamp)
				if err != nil {
					t.Fatalf("%s post %s: %v", k, raw, err)
				}
				posts[fmt.Sprintf("%s %s %s", k, e.Description, at.UTC().Format(time.RFC3339))]++
			}
		}
		for key := range ref.posts {
			if posts[key] != 1 {
				t.Errorf("%s: %q posted %d times, want once", g, key, posts[key])
			}
		}
		for key, n := range posts {
			if !ref.posts[key] {
				t.Errorf("%s: %q posted %d times, but no such event was accepted", g, key, n)
			}
		}
		for name := range ref.followers {
			if named[name] != 1 {
				t.Errorf("%s: follower %s named in %d follow posts, want 1", g, name, named[name])
			}
		}
		for name, n := range named {
			if !ref.followers[name] {
				t.Errorf("%s: %q named %d times in follow posts, but never followed", g, name, n)
			}
		}
		if counted != len(ref.followers) {
			t.Errorf("%s: the follow posts count %d followers, want %d", g, counted, len(ref.followers))
			open, err := r.Store.OpenFollows(t.Context(), g)
			due, derr := r.Store.DueFollows(t.Context(), time.Now().Add(-2*time.Hour), time.Now())
			t.Logf("%s: open follow batch %+v (%v); listed as due %+v (%v)", g, open, err, due, derr)
		}
		if byKind[announce.Live] != 1 || byKind[announce.Offline] != 1 {
			t.Errorf("%s: %d go-live alerts and %d recaps, want one each", g, byKind[announce.Live], byKind[announce.Offline])
		}
		if byKind[announce.Clip] != 0 {
			t.Errorf("%s: %d clip posts, want none", g, byKind[announce.Clip])
		}
		t.Logf("%s: posts by kind %v", g, byKind)
	}
	said := map[string]int{}
	for _, m := range r.KickFake.Messages() {
		if strings.Contains(m.Content, "thanks") || strings.HasPrefix(m.Content, "Thanks") {
			said[m.Content]++
		}
	}
	for line, n := range said {
		if n > 1 {
			t.Errorf("Kick chat heard %q %d times, want at most once", line, n)
		}
	}
	t.Logf("%d of %d thank-yous said (a chat line may be lost, never doubled)", len(said), ref.thanks)
}
