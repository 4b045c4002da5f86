package dynamo

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/pick"
	"github.com/kickbot/kickbot/shared/raffle"
)

func raffleCause(id string) interact.Cause { return interact.Cause{ID: id, Expires: at(600)} }

// startTestRaffle starts a period in guild at minute 0 with a fixed seed.
func startTestRaffle(t *testing.T, s *Store, guild string) (raffle.Period, pick.Seed) {
	t.Helper()
	seed := pick.Seed(make([]byte, pick.SeedSize))
	seed[0] = byte(len(guild))
	p, err := raffle.New(at(0), 0, 3, "a PS5", seed.Commitment(), raffle.Defaults())
	check(t, "raffle.New", err)
	p, err = s.StartRaffle(t.Context(), guild, p, seed, raffleCause("start-"+guild))
	check(t, "StartRaffle", err)
	return p, seed
}

// wantTickets reads user's tickets at now back from the table.
func wantTickets(t *testing.T, s *Store, guild, period string, user int64, now time.Time, total, held int64) raffle.Tickets {
	t.Helper()
	got, err := s.ViewerTickets(t.Context(), guild, period, user, now, true)
	check(t, "ViewerTickets", err)
	if got.Total() != total || got.Held != held {
		t.Errorf("ViewerTickets(%d) at %v = total %d held %d (%v), want total %d held %d", user, now, got.Total(), got.Held, got.By, total, held)
	}
	return got
}

// runRaffleSuite checks raffle periods and tickets: each source once per
// cause, holds, voids, removals, exclusions, watch conversion, the draw,
// and concurrent gifts across two guilds of one channel.
func runRaffleSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("Period", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		if _, ok, err := s.Raffle(ctx, "g"); err != nil || ok {
			t.Fatalf("Raffle before any = %v, %v, want false, nil", ok, err)
		}
		p, seed := startTestRaffle(t, s, "g")
		if _, err := s.StartRaffle(ctx, "g", p, seed, raffleCause("start-g")); !errors.Is(err, interact.ErrApplied) {
			t.Errorf("StartRaffle replayed = %v, want ErrApplied", err)
		}
		_, err := s.StartRaffle(ctx, "g", p, seed, raffleCause("start-again"))
		wantKind(t, "StartRaffle while open", err, fault.Conflict)
		_, err = s.StartRaffle(ctx, "g2", p, pick.Seed(make([]byte, pick.SeedSize-1)), raffleCause("x"))
		wantKind(t, "StartRaffle with a seed not committed", err, fault.Invalid)
		got, ok, err := s.Raffle(ctx, "g")
		if err != nil || !ok || got.ID != p.ID || got.Commitment != seed.Commitment() || got.State != raffle.Open || got.Result != nil {
			t.Errorf("Raffle() = %+v, %v, %v, want the open period committed to the seed", got, ok, err)
		}
		back, err := s.RaffleSeed(ctx, "g")
		if err != nil || back.String() != seed.String() {
			t.Errorf("RaffleSeed() = %v, %v, want the seed", back, err)
		}
		p, err = s.ChangeRaffle(ctx, "g", raffleCause("ex"), func(p *raffle.Period) error { return p.Exclude(77, true) })
		check(t, "ChangeRaffle exclude", err)
		if !p.IsExcluded(77) {
			t.Errorf("ChangeRaffle(exclude 77) = %v, want 77 excluded", p.Excluded)
		}
		_, err = s.ChangeRaffle(ctx, "g", raffleCause("ex2"), func(p *raffle.Period) error { return p.Exclude(78, true) })
		check(t, "ChangeRaffle exclude 78", err)
		_, err = s.ChangeRaffle(ctx, "g", raffleCause("ex3"), func(p *raffle.Period) error { return p.Exclude(78, false) })
		check(t, "ChangeRaffle let 78 back", err)
		if got, _, err := s.Raffle(ctx, "g"); err != nil || fmt.Sprint(got.Excluded) != "[77]" {
			t.Errorf("Raffle() after exclusions = %v, %v, want [77]", got.Excluded, err)
		}
		p, err = s.ChangeRaffle(ctx, "g", raffleCause("end"), func(p *raffle.Period) error { return p.End() })
		check(t, "ChangeRaffle end", err)
		arch, err := s.RafflePeriod(ctx, "g", p.ID)
		if err != nil || arch.State != raffle.Ended || !arch.IsExcluded(77) {
			t.Errorf("RafflePeriod(ended) = %+v, %v, want it ended with 77 excluded", arch, err)
		}
		_, err = s.RafflePeriod(ctx, "g", "19990101-000000")
		wantKind(t, "RafflePeriod of none", err, fault.NotFound)
	})

	t.Run("SourcesOncePerCause", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		p, _ := startTestRaffle(t, s, "g")
		set := p.Settings
		sub, _ := set.SubEntry("d-sub", at(1))
		kicks, _ := set.KicksEntry("d-kicks", 250, at(2))
		gift, _ := set.GiftEntry("d-gift", 2, at(3))
		for _, e := range []raffle.Entry{sub, kicks, gift} {
			for try := range 2 { // a duplicate delivery, a retried job
				got, applied, err := s.AddTickets(ctx, "g", p.ID, 5, "five", e)
				check(t, "AddTickets "+e.Cause, err)
				if applied != (try == 0) || got.Tickets != e.Tickets || got.Cause != e.Cause {
					t.Errorf("AddTickets(%s) try %d = %+v applied %v, want %d tickets applied %v", e.Cause, try, got, applied, e.Tickets, try == 0)
				}
			}
		}
		tk := wantTickets(t, s, "g", p.ID, 5, at(4), 5+2, 30)
		if tk.By[raffle.Gift] != 30 || tk.Counted(raffle.Gift) != 0 || tk.Name != "five" {
			t.Errorf("ViewerTickets during the hold = %+v, want 30 gift tickets held, none counted", tk)
		}
		// The hold ends: the gift counts, with no write.
		wantTickets(t, s, "g", p.ID, 5, gift.HoldUntil, 37, 0)
		all, err := s.RaffleTickets(ctx, "g", p.ID, at(4))
		check(t, "RaffleTickets", err)
		if len(all) != 1 || all[0].UserID != 5 || all[0].Total() != 7 || all[0].Held != 30 {
			t.Errorf("RaffleTickets during the hold = %+v, want viewer 5 with 7 counted, 30 held", all)
		}
		_, _, err = s.AddTickets(ctx, "g", p.ID, 5, "", raffle.Entry{Cause: "x", Source: raffle.Sub, Tickets: -1, At: at(5)})
		wantKind(t, "AddTickets negative sub", err, fault.Invalid)
		_, _, err = s.AddTickets(ctx, "g", p.ID, 0, "", sub)
		wantKind(t, "AddTickets anonymous", err, fault.Invalid)
	})

	t.Run("VoidWithoutHold", func(t *testing.T) {
		// With gift_hold_hours 0 a gift counts at once and leaves no gift
		// record: the refusal to void it must not deny it is in the raffle.
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		p, _ := startTestRaffle(t, s, "g")
		unheld := p.Settings
		unheld.GiftHold = 0
		g, _ := unheld.GiftEntry("d-3", 1, at(3))
		_, _, err := s.AddTickets(ctx, "g", p.ID, 8, "eight", g)
		check(t, "AddTickets without a hold", err)
		_, _, err = s.VoidGift(ctx, "g", p.ID, "d-3", "admin", at(11))
		want := "no held gift d-3 in this raffle (a gift that counts already, or was granted without a hold, cannot be voided: remove its tickets with /raffle tickets remove)"
		if !fault.Is(err, fault.NotFound) || fault.Message(err) != want {
			t.Errorf("VoidGift of a gift without a hold = %v, want NotFound %q", err, want)
		}
		wantTickets(t, s, "g", p.ID, 8, at(12), 15, 0)
	})

	t.Run("VoidDuringHold", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		p, _ := startTestRaffle(t, s, "g")
		g1, _ := p.Settings.GiftEntry("d-1", 1, at(1))
		g2, _ := p.Settings.GiftEntry("d-2", 3, at(2))
		for _, e := range []raffle.Entry{g1, g2} {
			_, _, err := s.AddTickets(ctx, "g", p.ID, 9, "nine", e)
			check(t, "AddTickets", err)
		}
		user, n, err := s.VoidGift(ctx, "g", p.ID, "d-2", "admin", at(10))
		if err != nil || user != 9 || n != 45 {
			t.Fatalf("VoidGift(d-2) = %d, %d, %v, want 9, 45, nil", user, n, err)
		}
		_, _, err = s.VoidGift(ctx, "g", p.ID, "d-2", "admin", at(11))
		wantKind(t, "VoidGift again", err, fault.Conflict)
		_, _, err = s.VoidGift(ctx, "g", p.ID, "d-1", "admin", g1.HoldUntil)
		wantKind(t, "VoidGift after its hold", err, fault.Conflict)
		_, _, err = s.VoidGift(ctx, "g", p.ID, "d-9", "admin", at(11))
		wantKind(t, "VoidGift of no gift", err, fault.NotFound)
		wantTickets(t, s, "g", p.ID, 9, at(12), 0, 15)
		if total, err := s.RaffleTotal(ctx, "g", p.ID); err != nil || total != 15 {
			t.Errorf("RaffleTotal after the void = %d, %v, want 15", total, err)
		}
		wantTickets(t, s, "g", p.ID, 9, g2.HoldUntil, 15, 0)
	})

	t.Run("RemovalNeverBelowZero", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		p, _ := startTestRaffle(t, s, "g")
		add := raffle.Entry{Cause: "i-add", Source: raffle.Manual, Tickets: 10, At: at(1), Reason: "stream quiz", By: "admin"}
		_, _, err := s.AddTickets(ctx, "g", p.ID, 3, "three", add)
		check(t, "AddTickets grant", err)
		rm := raffle.Entry{Cause: "i-rm", Source: raffle.Manual, Tickets: -25, At: at(2), By: "admin"}
		got, applied, err := s.AddTickets(ctx, "g", p.ID, 3, "", rm)
		if err != nil || !applied || got.Tickets != -10 {
			t.Errorf("AddTickets(remove 25 of 10) = %+v, %v, %v, want -10 applied", got, applied, err)
		}
		wantTickets(t, s, "g", p.ID, 3, at(3), 0, 0)
		rm.Cause = "i-rm2"
		_, _, err = s.AddTickets(ctx, "g", p.ID, 3, "", rm)
		wantKind(t, "AddTickets(remove from none)", err, fault.Conflict)
		if got, applied, err := s.AddTickets(ctx, "g", p.ID, 3, "", raffle.Entry{Cause: "i-rm", Source: raffle.Manual, Tickets: -25, At: at(2)}); err != nil || applied || got.Tickets != -10 {
			t.Errorf("AddTickets(remove) retried = %+v, %v, %v, want the recorded -10, not applied", got, applied, err)
		}
		// With a gift on hold, a removal takes only what counts now; the
		// gift counts when its hold ends.
		gift, _ := p.Settings.GiftEntry("d-g", 1, at(4))
		_, _, err = s.AddTickets(ctx, "g", p.ID, 3, "", gift)
		check(t, "AddTickets gift", err)
		_, _, err = s.AddTickets(ctx, "g", p.ID, 3, "", raffle.Entry{Cause: "i-add2", Source: raffle.Manual, Tickets: 10, At: at(5)})
		check(t, "AddTickets grant", err)
		got, _, err = s.AddTickets(ctx, "g", p.ID, 3, "", raffle.Entry{Cause: "i-rm3", Source: raffle.Manual, Tickets: -50, At: at(6)})
		if err != nil || got.Tickets != -10 {
			t.Errorf("AddTickets(remove 50 of 10 counted, 15 held) = %+v, %v, want -10", got, err)
		}
		wantTickets(t, s, "g", p.ID, 3, at(7), 0, 15)
		wantTickets(t, s, "g", p.ID, 3, gift.HoldUntil, 15, 0)
	})

	t.Run("WatchConversion", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		p, _ := startTestRaffle(t, s, "g")
		// 500 minutes before the period never count; then credits.
		steps := []struct {
			before, after, want int64
		}{{500, 501, 0}, {501, 559, 0}, {559, 560, 10}, {560, 560, 0}, {560, 620, 10}, {620, 741, 20}}
		for i, st := range steps {
			for range 2 {
				got, err := s.ConvertWatch(ctx, "g", p, 4, "four", st.before, st.after, at(10+i))
				check(t, "ConvertWatch", err)
				if got != st.want {
					t.Errorf("ConvertWatch(%d→%d) = %d, want %d", st.before, st.after, got, st.want)
				}
				st.want = 0 // a re-run converts nothing
			}
		}
		wantTickets(t, s, "g", p.ID, 4, at(20), 40, 0)
		if got, err := s.ConvertWatch(ctx, "g", p, 4, "four", 741, 900, p.Ends); err != nil || got != 0 {
			t.Errorf("ConvertWatch after the period = %d, %v, want 0, nil", got, err)
		}
	})

	t.Run("Draw", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		p, _ := startTestRaffle(t, s, "g")
		for u := int64(1); u <= 5; u++ {
			e := raffle.Entry{Cause: fmt.Sprint("i", u), Source: raffle.Manual, Tickets: u * 10, At: at(1)}
			_, _, err := s.AddTickets(ctx, "g", p.ID, u, fmt.Sprint("v", u), e)
			check(t, "AddTickets", err)
		}
		all, err := s.RaffleTickets(ctx, "g", p.ID, at(2))
		check(t, "RaffleTickets", err)
		seed, err := s.RaffleSeed(ctx, "g")
		check(t, "RaffleSeed", err)
		check(t, "RecordBan", s.RecordBan(ctx, "g", event.User{ID: 2, Username: "v2"}, at(1), at(10_000)))
		banned, err := s.BannedViewers(ctx, "g", []int64{1, 2, 3, 4, 5}, at(2))
		if err != nil || len(banned) != 1 || !banned[2] {
			t.Fatalf("BannedViewers() = %v, %v, want only 2", banned, err)
		}
		table := p.Table(all, func(u int64) bool { return banned[u] })
		if len(table) != 4 {
			t.Fatalf("Table() = %v, want 4 lines without the banned viewer", table)
		}
		names := map[string]string{}
		for _, v := range all {
			names[fmt.Sprint(v.UserID)] = v.Name
		}
		drawn, err := s.DrawRaffle(ctx, "g", "draw-1", func(p *raffle.Period) error { return p.Draw(seed, table, names, at(3)) })
		check(t, "DrawRaffle", err)
		again, err := s.DrawRaffle(ctx, "g", "draw-1", func(*raffle.Period) error { return errors.New("drew twice") })
		if err != nil || fmt.Sprint(again.Result.Proof.Winners) != fmt.Sprint(drawn.Result.Proof.Winners) {
			t.Errorf("DrawRaffle rerun = %+v, %v, want the first draw's result", again.Result, err)
		}
		_, err = s.DrawRaffle(ctx, "g", "draw-2", func(p *raffle.Period) error { return p.Draw(seed, table, names, at(4)) })
		wantKind(t, "DrawRaffle of a drawn raffle", err, fault.Conflict)

		// A table of 12,001 lines is kept in parts and read back whole.
		big := make([]pick.Weighted, 12_001)
		for i := range big {
			big[i] = pick.Weighted{ID: fmt.Sprint(1000 + i), Weight: int64(i%7 + 1)}
		}
		digest, err := pick.TableDigest(p.ID, big)
		check(t, "TableDigest", err)
		check(t, "SaveRaffleTable", s.SaveRaffleTable(ctx, "g", p.ID, digest, big))
		back2, err := s.RaffleTable(ctx, "g", p.ID, digest)
		if err != nil || fmt.Sprint(back2) != fmt.Sprint(big) {
			t.Errorf("RaffleTable() = %d lines, %v, want the %d lines saved", len(back2), err, len(big))
		}
		_, err = s.RaffleTable(ctx, "g", p.ID, "feed")
		wantKind(t, "RaffleTable of no table", err, fault.NotFound)
		back, err := s.RafflePeriod(ctx, "g", p.ID)
		check(t, "RafflePeriod", err)
		if back.Result == nil || len(back.Result.Proof.Winners) != 3 || back.Result.Proof.Seed != seed.String() || len(back.Result.Names) != 3 {
			t.Fatalf("RafflePeriod after the draw = %+v, want 3 winners and the seed revealed", back.Result)
		}
		if err := pick.VerifyWeighted(back.Result.Proof, back.ID, table); err != nil {
			t.Errorf("VerifyWeighted(stored proof) = %v, want nil", err)
		}
		if fmt.Sprint(back.Result.Proof.Winners) != fmt.Sprint(drawn.Result.Proof.Winners) {
			t.Errorf("stored winners %v, want %v", back.Result.Proof.Winners, drawn.Result.Proof.Winners)
		}
	})

	t.Run("ConcurrentGiftsTwoGuilds", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		guilds := []string{"ga", "gb"}
		periods := map[string]raffle.Period{}
		for _, g := range guilds {
			periods[g], _ = startTestRaffle(t, s, g)
		}
		// 150 distinct gift events from 10 gifters, 50 of them delivered
		// twice: 200 deliveries, each reaching both guilds of the channel.
		type delivery struct {
			id     string
			gifter int64
			subs   int
		}
		var ds []delivery
		want := map[int64]int64{}
		for i := range 150 {
			d := delivery{id: fmt.Sprint("gift-", i), gifter: int64(i%10 + 1), subs: i%5 + 1}
			want[d.gifter] += 15 * int64(d.subs)
			ds = append(ds, d)
			if i%3 == 0 {
				ds = append(ds, d)
			}
		}
		if len(ds) != 200 {
			t.Fatalf("built %d deliveries, want 200", len(ds))
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2*len(ds))
		sem := make(chan struct{}, 16)
		for _, g := range guilds {
			for _, d := range ds {
				wg.Go(func() {
					sem <- struct{}{}
					defer func() { <-sem }()
					e, _ := periods[g].Settings.GiftEntry(d.id, d.subs, at(5))
					if _, _, err := s.AddTickets(ctx, g, periods[g].ID, d.gifter, "", e); err != nil {
						errs <- err
					}
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("AddTickets: %v", err)
		}
		after := at(5).Add(25 * time.Hour)
		for _, g := range guilds {
			all, err := s.RaffleTickets(ctx, g, periods[g].ID, after)
			check(t, "RaffleTickets", err)
			got := map[int64]int64{}
			for _, v := range all {
				got[v.UserID] = v.Total()
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("guild %s tickets = %v, want %v", g, got, want)
			}
			var sum int64
			for _, n := range want {
				sum += n
			}
			if total, err := s.RaffleTotal(ctx, g, periods[g].ID); err != nil || total != sum {
				t.Errorf("RaffleTotal(%s) = %d, %v, want %d", g, total, err, sum)
			}
		}
	})
}

func TestRaffleEmbedded(t *testing.T) {
	runRaffleSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}
