package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/calls"
	"github.com/kickbot/kickbot/shared/clip"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/custom"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/golive"
	"github.com/kickbot/kickbot/shared/gtb"
	"github.com/kickbot/kickbot/shared/hunt"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/raffle"
	"github.com/kickbot/kickbot/shared/rewards"
	"github.com/kickbot/kickbot/shared/roles"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// The guilds of the purge test, both on channel purgeChannel; neither id
// is part of the other, so a scan can tell their items apart.
const (
	purgedGuild  = "purged-guild"
	keptGuild    = "kept-guild"
	purgeChannel = 100
)

// fillGuild stores something of every feature for guild, through the
// Store's own methods, with viewers users 1..viewers.
func fillGuild(t *testing.T, s *Store, guild string, viewers int64) {
	t.Helper()
	ctx := t.Context()
	c := func(id string) interact.Cause { return interact.Cause{ID: guild + "-" + id, Expires: at(600)} }
	check(t, "ConnectChannel", s.ConnectChannel(ctx, guild, purgeChannel, "streamer", at(0)))
	set := settings.Defaults()
	set.TrackOffline = true
	check(t, "PutSettings", s.PutSettings(ctx, guild, set))
	check(t, "SetStreamStatus", s.SetStreamStatus(ctx, guild, at(1), event.Status{Live: true, Title: "t", StartedAt: at(1)}))
	for u := int64(1); u <= viewers; u++ {
		name := fmt.Sprint("viewer", u)
		check(t, "TouchViewer", s.TouchViewer(ctx, guild, audience.Activity{UserID: u, Username: name, At: at(2)}))
		_, err := s.Credit(ctx, guild, watchtime.Credit{UserID: u, Username: name, Minute: watchtime.MinuteOf(at(2))})
		check(t, "Credit", err)
		_, err = s.AdjustPoints(ctx, guild, u, change(fmt.Sprint("grant", u), points.Add, 5, 3))
		check(t, "AdjustPoints", err)
	}
	check(t, "Advance", s.Advance(ctx, guild, watchtime.MinuteOf(at(3)), true))
	check(t, "RecordSubscription", s.RecordSubscription(ctx, guild, event.User{ID: 1, Username: "viewer1"}, at(0), at(100)))
	check(t, "RecordBan", s.RecordBan(ctx, guild, event.User{ID: 2, Username: "viewer2"}, at(1), at(5)))
	check(t, "BuildBoards", s.BuildBoards(ctx, guild, at(4)))
	check(t, "LogEvent", s.LogEvent(ctx, guild, event.Event{ID: guild + "-m1", Type: event.Followed, SentAt: at(1), Follow: &event.Follow{}}, at(1000)))
	check(t, "Link", s.Link(ctx, guild, "member1", 1, "viewer1"))
	check(t, "AddRoleRule", s.AddRoleRule(ctx, guild, roles.Rule{Minutes: 60, RoleID: "role1"}))
	_, err := s.MarkGranted(ctx, guild, "member1", "role1")
	check(t, "MarkGranted", err)
	_, err = s.MarkReported(ctx, guild, "needs-reauth")
	check(t, "MarkReported", err)
	check(t, "ClaimInteraction", s.ClaimInteraction(ctx, guild, c("claim")))

	cmd := custom.New("hype", "hype!")
	cmd.UserCooldown = time.Minute
	check(t, "AddCustomCommandOnce", s.AddCustomCommandOnce(ctx, guild, cmd, c("cmd")))
	_, err = s.TakeCooldown(ctx, guild, "hype", 1, time.Minute, time.Minute, guild+"-use1", at(5))
	check(t, "TakeCooldown", err)
	check(t, "AddTimerOnce", s.AddTimerOnce(ctx, guild, newTimer("socials", "follow us"), c("timer")))

	h, err := hunt.New("Friday", 100000, at(0))
	check(t, "hunt.New", err)
	_, err = s.StartHunt(ctx, guild, h, c("hunt"))
	check(t, "StartHunt", err)
	r, err := s.OpenGTBOnce(ctx, guild, 1, at(1), c("gtb"))
	check(t, "OpenGTBOnce", err)
	_, _, err = s.PutGTBGuess(ctx, guild, r.Number, gtb.Guess{UserID: 1, Username: "viewer1", Amount: 500, At: at(2), MessageID: guild + "-g1"})
	check(t, "PutGTBGuess", err)

	st, err := s.CallState(ctx, guild)
	check(t, "CallState", err)
	st, err = calls.Open(st, guild+"-round", 1, false, callSeed, t0)
	check(t, "calls.Open", err)
	check(t, "SaveCallState", s.SaveCallState(ctx, guild, st, c("calls")))
	st, err = s.CallState(ctx, guild)
	check(t, "CallState", err)
	_, _, err = s.AddCall(ctx, guild, st.Round, newCall(st.Round, guild+"-call1", 1, "Gates"))
	check(t, "AddCall", err)
	// A call of an earlier round, which the state no longer names.
	earlier := st.Round
	earlier.ID = guild + "-round0"
	_, _, err = s.AddCall(ctx, guild, earlier, newCall(earlier, guild+"-call0", 2, "Sugar"))
	check(t, "AddCall", err)

	g := startGiveaway(t, 1, 0, 10, 1)
	_, err = s.StartGiveawayOnce(ctx, guild, g, c("giveaway"))
	check(t, "StartGiveawayOnce", err)
	_, err = s.EnterGiveaway(ctx, guild, 1, entry(1, 5))
	check(t, "EnterGiveaway", err)

	p, seed := startTestRaffle(t, s, guild)
	gift, _ := p.Settings.GiftEntry(guild+"-gift", 2, at(1))
	_, _, err = s.AddTickets(ctx, guild, p.ID, 1, "viewer1", gift)
	check(t, "AddTickets", err)
	sub, _ := p.Settings.SubEntry(guild+"-sub", at(1))
	_, _, err = s.AddTickets(ctx, guild, p.ID, 3, "viewer3", sub)
	check(t, "AddTickets", err)
	all, err := s.RaffleTickets(ctx, guild, p.ID, at(2))
	check(t, "RaffleTickets", err)
	table := p.Table(all, func(int64) bool { return false })
	drawn, err := s.DrawRaffle(ctx, guild, guild+"-draw", func(p *raffle.Period) error { return p.Draw(seed, table, nil, at(3)) })
	check(t, "DrawRaffle", err)
	check(t, "SaveRaffleTable", s.SaveRaffleTable(ctx, guild, drawn.ID, drawn.Result.Proof.ClientSeed, table))
	// A rerun's table under another digest, which the period does not name.
	check(t, "SaveRaffleTable", s.SaveRaffleTable(ctx, guild, drawn.ID, strings.Repeat("0", 64), table[:1]))
	_, err = s.CountUse(ctx, guild, "hype", guild+"-use1", at(5))
	check(t, "CountUse", err)
	fillAnnouncements(t, s, guild, c)
}

// fillAnnouncements stores something of each feature that came with the
// announcements for guild: their settings, a follow batch being posted
// and one open (each listed as due), a post's mark, a go-live state of
// two stream parts with their stats and chatters, clip markers of both
// parts and clip settings, event rewards and a first follow, a pending
// link.
func fillAnnouncements(t *testing.T, s *Store, guild string, c func(string) interact.Cause) {
	t.Helper()
	ctx := t.Context()
	check(t, "SaveAnnounceConfig", s.SaveAnnounceConfig(ctx, guild,
		announce.Config{Kinds: map[announce.Kind]announce.Setting{announce.Follow: {On: true}}}, c("announce")))
	for i, opened := range []time.Time{at(1), at(2)} {
		_, _, err := s.AddFollowerOnce(ctx, guild, fmt.Sprint("follow", i), fmt.Sprint("follower", i), opened)
		check(t, "AddFollowerOnce", err)
		check(t, "ScheduleFollows", s.ScheduleFollows(ctx, guild, opened))
		if i == 0 {
			_, _, err = s.TakeFollows(ctx, guild, opened)
			check(t, "TakeFollows", err)
		}
	}
	_, err := s.ClaimAnnouncement(ctx, guild, announce.Sub, guild+"-sub1", at(600))
	check(t, "ClaimAnnouncement", err)

	parts := []time.Time{at(0), at(10)}
	check(t, "SaveLiveAlert", s.SaveLiveAlert(ctx, guild, golive.State{Broadcaster: purgeChannel, Live: true,
		Stream: parts[1], Segments: parts, StatusAt: parts[1], AlertSince: parts[1]}))
	for i, start := range parts {
		check(t, "StreamMinute", s.StreamMinute(ctx, guild, start, sweep.StreamMinute{
			Minute: watchtime.MinuteOf(start.Add(time.Minute)), Credits: 2, PointsMilli: 200,
			Chatters: []audience.Activity{{UserID: 1, Username: "viewer1"}, {UserID: int64(2 + i), Username: fmt.Sprint("viewer", 2+i)}}}))
		for j := range 2 {
			sent := start.Add(time.Duration(j+1) * time.Minute)
			_, _, err := s.AddClip(ctx, clip.Marker{Guild: guild, Stream: start, ID: fmt.Sprintf("%s-clip%d%d", guild, i, j), At: sent,
				Offset: clip.Offset(start, sent, clip.DefaultLead), UserID: 1, Username: "viewer1", StreamTitle: "t"})
			check(t, "AddClip", err)
		}
	}
	check(t, "SaveClipSettings", s.SaveClipSettings(ctx, guild, clip.Defaults(), c("clips")))

	set := rewards.Settings{Follow: 5}
	check(t, "PutRewardsOnce", s.PutRewardsOnce(ctx, guild, set, c("rewards")))
	credit, ok := rewards.Earned(set, followEvent(guild+"-follow1", 3))
	if !ok {
		t.Fatal("rewards.Earned(follow) earned nothing")
	}
	_, _, err = s.CreditEvent(ctx, guild, credit)
	check(t, "CreditEvent", err)
	check(t, "PendLink", s.PendLink(ctx, guild, "member2", 2, "viewer2", at(15)))
}

// scanAll returns every item of the table, as JSON, by key.
func scanAll(t *testing.T, s *Store) map[itemKey]string {
	t.Helper()
	client, ok := s.Client.(*dynamodb.Client)
	if !ok {
		t.Fatalf("store client %T cannot scan", s.Client)
	}
	out := map[itemKey]string{}
	in := &dynamodb.ScanInput{TableName: &s.Table}
	for {
		page, err := client.Scan(t.Context(), in)
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		for _, item := range page.Items {
			var k itemKey
			var v map[string]any
			if err := attributevalue.UnmarshalMap(item, &k); err != nil {
				t.Fatal(err)
			}
			if err := attributevalue.UnmarshalMap(item, &v); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// mentioning returns the items whose keys or values name guild.
func mentioning(items map[itemKey]string, guild string) map[itemKey]string {
	out := map[itemKey]string{}
	for k, v := range items {
		if strings.Contains(v, guild) {
			out[k] = v
		}
	}
	return out
}

// failingDeletes fails every DeleteItem after the first left.
type failingDeletes struct {
	API
	mu   sync.Mutex
	left int
}

func (f *failingDeletes) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	f.mu.Lock()
	if f.left <= 0 {
		f.mu.Unlock()
		return nil, &types.InternalServerError{Message: new("injected")}
	}
	f.left--
	f.mu.Unlock()
	return f.API.DeleteItem(ctx, in, o...)
}

func TestPurgeGuild(t *testing.T) {
	s, _ := newEmbedded(t)
	ctx := t.Context()
	check(t, "PutCredentials", s.PutCredentials(ctx, purgeChannel, credential.Token{
		Access: "access", Refresh: "refresh", Expiry: at(60)}, []string{"chat:write"}))
	fillGuild(t, s, purgedGuild, 40)
	fillGuild(t, s, keptGuild, 10)

	before := scanAll(t, s)
	purged := mentioning(before, purgedGuild)
	kept := mentioning(before, keptGuild)
	families := map[string]bool{}
	for k := range purged {
		families[strings.SplitN(k.PK, "#", 2)[0]+" "+strings.SplitN(k.SK, "#", 2)[0]] = true
	}
	t.Logf("the guild has %d items in %d key families: %v", len(purged), len(families), slices.Sorted(maps.Keys(families)))
	if len(purged) < 100 || len(families) < 30 {
		t.Fatalf("filled %d items in %d families, want every feature's", len(purged), len(families))
	}
	// The markers no key of the guild names: found by their shards.
	use := useMarkerKey(purgedGuild, "hype", purgedGuild+"-use1")
	mark, _ := markKey(purgedGuild, announce.Sub, purgedGuild+"-sub1")
	for _, k := range []itemKey{use, mark} {
		if _, ok := purged[k]; !ok {
			t.Fatalf("the guild has no item %v before the purge, want its use marker and announcement mark", k)
		}
	}

	// Cut short after 50 deletes, as a worker that timed out; run again.
	cut := &Store{Client: &failingDeletes{API: s.Client, left: 50}, Table: s.Table}
	first, err := cut.PurgeGuild(ctx, purgedGuild)
	if err == nil || first > 50 || first == 0 {
		t.Fatalf("PurgeGuild cut short = %d, %v; want up to 50 deleted and the error", first, err)
	}
	n, err := s.PurgeGuild(ctx, purgedGuild)
	check(t, "PurgeGuild", err)
	// A delete in flight when the first run stopped may have landed
	// uncounted: the scan below is the proof, not the counts.
	if n == 0 || first+n > len(purged) {
		t.Errorf("PurgeGuild deleted %d, then %d; want the rest of the guild's %d items", first, n, len(purged))
	}
	n, err = s.PurgeGuild(ctx, purgedGuild)
	if err != nil || n != 0 {
		t.Errorf("PurgeGuild again = %d, %v; want nothing left to delete", n, err)
	}

	after := scanAll(t, s)
	if left := mentioning(after, purgedGuild); len(left) != 0 {
		t.Errorf("after the purge, %d items of the guild are left, want none: %v", len(left), left)
	}
	if diff := cmp.Diff(kept, mentioning(after, keptGuild)); diff != "" {
		t.Errorf("the other guild's items changed (-before +after):\n%s", diff)
	}
	if _, ok := after[credentialsKey(purgeChannel)]; !ok {
		t.Error("the channel's login is gone; the other guild still uses it")
	}
	if got, want := len(after), len(before)-len(purged); got != want {
		t.Errorf("the table holds %d items, want %d: only the guild's went", got, want)
	}
}

func TestPurgeGuildRefusesBadGuild(t *testing.T) {
	s, _ := newEmbedded(t)
	for _, g := range []string{"", "a#b"} {
		if _, err := s.PurgeGuild(t.Context(), g); fault.KindOf(err) != fault.Invalid {
			t.Errorf("PurgeGuild(%q) = %v, want fault.Invalid", g, err)
		}
	}
}

// TestMarkerKeys pins the keys of the two marker families PurgeGuild
// finds by their shards: the guild and a shard in the partition key, the
// id and the command or kind in the sort key.
func TestMarkerKeys(t *testing.T) {
	mark := func(guild string, kind announce.Kind, cause string) itemKey {
		k, err := markKey(guild, kind, cause)
		check(t, "markKey", err)
		return k
	}
	tests := []struct {
		name string
		got  itemKey
		want itemKey
	}{
		{"use marker", useMarkerKey("g", "hype", "m1"), itemKey{PK: "USE#g#11", SK: "m1#hype"}},
		{"use id with a hash", useMarkerKey("g", "hype", "a#b"), itemKey{PK: markerPK(usePrefix, "g", markerShard("a#b")), SK: "a#b#hype"}},
		{"announcement mark", mark("g", announce.Sub, "d1"), itemKey{PK: "ANNOUNCED#g#06", SK: "d1#sub"}},
		{"stream mark", mark("g", announce.Live, "stream:1000"), itemKey{PK: markerPK(announcedPrefix, "g", markerShard("stream:1000")), SK: "stream:1000#live"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("key = %v, want %v", tt.got, tt.want)
			}
		})
	}

	t.Run("spread", func(t *testing.T) {
		// A follow wave's delivery ids land on every shard, none on more
		// than twice its share.
		const ids = 1600
		per := map[string]int{}
		for i := range ids {
			per[mark("g", announce.Follow, fmt.Sprintf("01J%08d", i)).PK]++
		}
		for shard := range markerShards {
			pk := markerPK(announcedPrefix, "g", shard)
			if n := per[pk]; n == 0 || n > 2*ids/markerShards {
				t.Errorf("marks on %s = %d, want 1 to %d", pk, n, 2*ids/markerShards)
			}
		}
		if len(per) != markerShards {
			t.Errorf("marks on %d partitions, want %d: %v", len(per), markerShards, slices.Sorted(maps.Keys(per)))
		}
	})
}
