package rolesync_test

// End-to-end role syncs: the DynamoDB adapter on the embedded emulator and
// the Discord REST client against discord.Fake on httptest, which answers
// as Discord does and records what it receives.

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/notice"
	"github.com/kickbot/kickbot/shared/roles"
	"github.com/kickbot/kickbot/shared/rolesync"
	"github.com/kickbot/kickbot/shared/watchtime"
)

const (
	appID     = "1250143022583250947"
	botToken  = "fake-bot-token.for-tests.never-logged"
	channel   = "883000000000000333"
	botRoleID = "883000000000000222"
	api       = "/api/v9"
)

// The adapters fit the sync's interfaces.
var (
	_ rolesync.Notifier = (*notice.Notifier)(nil)
	_ rolesync.Discord  = (*discord.REST)(nil)
	_ rolesync.Store    = (*dynamo.Store)(nil)
)

// env is a guild on the emulator and a fake Discord.
type env struct {
	store  *dynamo.Store
	fake   *discord.Fake
	syncer *rolesync.Syncer
}

func newEnv(t *testing.T, rules ...roles.Rule) env {
	t.Helper()
	store := dynamo.New(dynamotest.Table(t, "kickbot"), "kickbot")
	fake := &discord.Fake{BotToken: botToken}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	rest, err := discord.NewREST(botToken, appID, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	e := env{
		store: store,
		fake:  fake,
		syncer: &rolesync.Syncer{
			Store: store, Discord: rest,
			Notify: &notice.Notifier{Store: store, Poster: rest},
		},
	}
	e.announceIn(t, channel)
	for _, r := range rules {
		if err := store.AddRoleRule(t.Context(), guild, r); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e env) announceIn(t *testing.T, ch string) {
	t.Helper()
	set, err := e.store.Settings(t.Context(), guild)
	if err != nil {
		t.Fatal(err)
	}
	set.AnnounceChannel = ch
	if err := e.store.PutSettings(t.Context(), guild, set); err != nil {
		t.Fatal(err)
	}
}

// watch links member to Kick user kick and credits kick with minutes of
// watchtime, as the sweep does.
func (e env) watch(t *testing.T, member string, kick int64, minutes int) {
	t.Helper()
	ctx := t.Context()
	if err := e.store.Link(ctx, guild, member, kick, "viewer"); err != nil {
		t.Fatal(err)
	}
	e.credit(t, kick, minutes)
}

// credit adds minutes of watchtime to Kick user kick.
func (e env) credit(t *testing.T, kick int64, minutes int) {
	t.Helper()
	ctx := t.Context()
	v, err := e.store.Viewer(ctx, guild, kick)
	if err != nil && !fault.Is(err, fault.NotFound) {
		t.Fatal(err)
	}
	start := t0.Add(time.Duration(v.WatchMinutes) * time.Minute)
	for i := range minutes {
		at := start.Add(time.Duration(i) * time.Minute)
		ok, err := e.store.Credit(ctx, guild, watchtime.Credit{UserID: kick, Username: "viewer", Minute: watchtime.MinuteOf(at) + 1})
		if err != nil || !ok {
			t.Fatalf("Credit(%d, minute %d) = %v, %v", kick, i, ok, err)
		}
	}
}

func (e env) sync(t *testing.T) rolesync.Report {
	t.Helper()
	rep, err := e.syncer.Guild(t.Context(), guild)
	if err != nil {
		t.Fatalf("Guild() error = %v, want nil", err)
	}
	return rep
}

// requests returns "METHOD path" for each request the fake received since
// the index from, with the API prefix cut.
func (e env) requests(from int) []string {
	var out []string
	for _, r := range e.fake.Requests()[from:] {
		out = append(out, r.Method+" "+strings.TrimPrefix(r.Path, api))
	}
	return out
}

// posts returns the contents of the messages posted in channel.
func (e env) posts() []string {
	var out []string
	for _, r := range e.fake.Requests() {
		if r.Method == http.MethodPost && r.Path == api+"/channels/"+channel+"/messages" {
			body, _ := r.Body.(map[string]any)
			content, _ := body["content"].(string)
			out = append(out, content)
		}
	}
	return out
}

func grantReq(member, role string) string {
	return "PUT /guilds/" + guild + "/members/" + member + "/roles/" + role
}

var diagnosis = []string{
	"GET /users/@me",
	"GET /guilds/" + guild + "/members/1482460000000000000",
	"GET /guilds/" + guild + "/roles",
}

// setup is a guild whose bot, with perms, holds a role at position 3,
// with bronze at 1 and silver at silverPos.
func setup(perms int64, silverPos int) discord.FakeGuild {
	return discord.FakeGuild{
		Roles: []discord.FakeRole{
			{ID: guild}, {ID: botRoleID, Position: 3, Permissions: perms},
			{ID: bronze, Position: 1}, {ID: silver, Position: silverPos},
		},
		BotRoles: []string{botRoleID},
	}
}

var tierRules = []roles.Rule{{Minutes: 2, RoleID: bronze}, {Minutes: 5, RoleID: silver}}

func TestSyncGrantsOnce(t *testing.T) {
	e := newEnv(t, tierRules...)
	e.fake.SetGuild(guild, setup(discordgo.PermissionManageRoles, 2))
	e.watch(t, ada, 11, 6)  // both tiers
	e.watch(t, bob, 12, 3)  // bronze
	e.watch(t, cleo, 13, 1) // below every tier

	rep := e.sync(t)
	if want := (rolesync.Report{Rules: 2, Members: 2, Due: 3, Granted: 3}); !cmp.Equal(want, rep) {
		t.Errorf("first Guild() = %+v, want %+v", rep, want)
	}
	want := []string{grantReq(ada, bronze), grantReq(ada, silver), grantReq(bob, bronze)}
	if diff := cmp.Diff(want, e.requests(0)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	for _, r := range e.fake.Requests() {
		if !r.Authorized || r.Body != nil {
			t.Errorf("grant %s: authorised %v, body %v; want the bot's token and no body", r.Path, r.Authorized, r.Body)
		}
	}

	n := len(e.fake.Requests())
	if rep := e.sync(t); rep.Due != 0 || rep.Granted != 0 {
		t.Errorf("second Guild() = %+v, want nothing owed", rep)
	}
	if got := e.requests(n); len(got) != 0 {
		t.Errorf("second Guild() sent %v, want nothing: every grant is marked", got)
	}
	for member, want := range map[string][]string{ada: {bronze, silver}, bob: {bronze}, cleo: nil} {
		if got := e.fake.MemberRoles(guild, member); !cmp.Equal(got, want) {
			t.Errorf("Discord has %s with roles %v, want %v", member, got, want)
		}
	}
	granted, err := e.store.Granted(t.Context(), guild)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][]string{ada: {bronze, silver}, bob: {bronze}}, granted); diff != "" {
		t.Errorf("grant markers (-want +got):\n%s", diff)
	}

	// Bob watches on and reaches silver: only that grant is made.
	e.credit(t, 12, 2)
	n = len(e.fake.Requests())
	e.sync(t)
	if diff := cmp.Diff([]string{grantReq(bob, silver)}, e.requests(n)); diff != "" {
		t.Errorf("after bob reached silver (-want +got):\n%s", diff)
	}
}

// The acceptance case: a 403 (Missing Permissions, 50013) on a role is
// told once, however many syncs meet it, and fails no sync, so the queue
// does not retry it; each sync asks Discord once more, so a fix is picked
// up by itself.
func TestSyncReports403Once(t *testing.T) {
	e := newEnv(t, tierRules...)
	e.fake.SetGuild(guild, setup(discordgo.PermissionManageRoles, 5)) // silver above the bot
	e.watch(t, ada, 11, 6)
	e.watch(t, bob, 12, 6)

	rep := e.sync(t)
	want := rolesync.Report{
		Rules: 2, Members: 2, Due: 4, Granted: 2, Skipped: 1,
		Problems: []rolesync.Finding{{Problem: roles.Problem{RoleID: silver, Reason: roles.RoleAbove}, Told: true}},
	}
	if diff := cmp.Diff(want, rep); diff != "" {
		t.Errorf("first Guild() report (-want +got):\n%s", diff)
	}
	wantReqs := append([]string{grantReq(ada, bronze), grantReq(ada, silver)}, diagnosis...)
	wantReqs = append(wantReqs, "POST /channels/"+channel+"/messages", grantReq(bob, bronze))
	if diff := cmp.Diff(wantReqs, e.requests(0)); diff != "" {
		t.Errorf("first Guild() requests (-want +got):\n%s", diff)
	}
	msg := roles.Problem{RoleID: silver, Reason: roles.RoleAbove}.Message()
	if diff := cmp.Diff([]string{msg}, e.posts()); diff != "" {
		t.Errorf("posts (-want +got):\n%s", diff)
	}
	post, _ := e.fake.Requests()[5].Body.(map[string]any)
	if mentions := post["allowed_mentions"]; !cmp.Equal(mentions, map[string]any{"parse": []any{}, "replied_user": false}) {
		t.Errorf("the notice's allowed_mentions = %v, want none: it must ping no one", mentions)
	}

	for i := range 3 {
		n := len(e.fake.Requests())
		rep := e.sync(t)
		if len(rep.Problems) != 1 || rep.Problems[0].Told || rep.Granted != 0 {
			t.Errorf("sync %d: %+v, want the problem again, untold, and no grant", i+2, rep)
		}
		if diff := cmp.Diff(append([]string{grantReq(ada, silver)}, diagnosis...), e.requests(n)); diff != "" {
			t.Errorf("sync %d requests (-want +got):\n%s", i+2, diff)
		}
	}
	if got := len(e.posts()); got != 1 {
		t.Errorf("%d notices posted across 4 syncs, want 1", got)
	}

	// An admin moves the bot's role up: the grants go through.
	e.fake.SetGuild(guild, setup(discordgo.PermissionManageRoles, 2))
	if rep := e.sync(t); rep.Granted != 2 || len(rep.Problems) != 0 {
		t.Errorf("Guild() after the fix = %+v, want silver for both", rep)
	}
	// Later the role goes above the bot again, and a new member earns it:
	// since a grant of silver succeeded in between, it is told again.
	e.fake.SetGuild(guild, setup(discordgo.PermissionManageRoles, 5))
	e.watch(t, cleo, 13, 6)
	e.sync(t)
	e.sync(t)
	if diff := cmp.Diff([]string{msg, msg}, e.posts()); diff != "" {
		t.Errorf("posts after the problem came back (-want +got):\n%s", diff)
	}
}

func TestSyncReportsMissingPermissionOnce(t *testing.T) {
	e := newEnv(t, tierRules...)
	e.fake.SetGuild(guild, setup(discordgo.PermissionSendMessages, 2)) // no Manage Roles
	e.watch(t, ada, 11, 6)
	e.watch(t, bob, 12, 6)
	for range 2 {
		rep := e.sync(t)
		if rep.Granted != 0 || rep.Skipped != 3 || len(rep.Problems) != 1 || rep.Problems[0].Reason != roles.MissingPermission {
			t.Errorf("Guild() = %+v, want a missing permission that stops the run after one request", rep)
		}
	}
	want := []string{roles.Problem{Reason: roles.MissingPermission}.Message()}
	if diff := cmp.Diff(want, e.posts()); diff != "" {
		t.Errorf("posts (-want +got):\n%s", diff)
	}
}

// FailPath makes Discord answer Unknown Role for gold; no guild is set up.
func TestSyncReportsUnknownRoleOnce(t *testing.T) {
	e := newEnv(t, append(tierRules, roles.Rule{Minutes: 8, RoleID: gold})...)
	e.watch(t, ada, 11, 9)
	e.fake.FailPath("/guilds/"+guild+"/members/"+ada+"/roles/"+gold, http.StatusNotFound, 10011)
	for i := range 3 {
		rep := e.sync(t)
		wantTold := i == 0
		if rep.Granted != 2-2*min(i, 1) || len(rep.Problems) != 1 || rep.Problems[0].Reason != roles.RoleGone || rep.Problems[0].Told != wantTold {
			t.Errorf("sync %d = %+v, want gold gone (told: %v)", i+1, rep, wantTold)
		}
	}
	want := []string{roles.Problem{RoleID: gold, Reason: roles.RoleGone}.Message()}
	if diff := cmp.Diff(want, e.posts()); diff != "" {
		t.Errorf("posts (-want +got):\n%s", diff)
	}
}

func TestSyncRetriesTransientErrors(t *testing.T) {
	e := newEnv(t, tierRules...)
	e.watch(t, ada, 11, 3)
	e.watch(t, bob, 12, 3)
	bobsGrant := "/guilds/" + guild + "/members/" + bob + "/roles/" + bronze
	e.fake.FailPath(bobsGrant, http.StatusInternalServerError, 0)
	rep, err := e.syncer.Guild(t.Context(), guild)
	if !fault.Is(err, fault.Transient) || rep.Granted != 1 {
		t.Fatalf("Guild() with Discord failing = %+v, %v; want ada's grant, then a transient error", rep, err)
	}

	e.fake.ClearPath(bobsGrant)
	n := len(e.fake.Requests())
	if rep := e.sync(t); rep.Granted != 1 {
		t.Errorf("retry = %+v, want bob's grant", rep)
	}
	if diff := cmp.Diff([]string{grantReq(bob, bronze)}, e.requests(n)); diff != "" {
		t.Errorf("retry requests (-want +got):\n%s", diff)
	}
}

func TestSyncSkipsMembersWhoLeft(t *testing.T) {
	e := newEnv(t, tierRules...)
	g := setup(discordgo.PermissionManageRoles, 2)
	g.Members = []string{ada}
	e.fake.SetGuild(guild, g)
	e.watch(t, ada, 11, 3)
	e.watch(t, bob, 12, 3)
	rep := e.sync(t)
	if rep.Granted != 1 || rep.Left != 1 || len(rep.Problems) != 0 || len(e.posts()) != 0 {
		t.Errorf("Guild() = %+v, posts %v; want ada granted, bob left, nothing told", rep, e.posts())
	}
	// Bob comes back: he is still owed the role.
	g.Members = append(g.Members, bob)
	e.fake.SetGuild(guild, g)
	if rep := e.sync(t); rep.Granted != 1 {
		t.Errorf("Guild() after bob came back = %+v, want his grant", rep)
	}
}

func TestSyncWithoutAnnouncementChannel(t *testing.T) {
	e := newEnv(t, tierRules...)
	e.announceIn(t, "")
	e.fake.SetGuild(guild, setup(discordgo.PermissionManageRoles, 5))
	e.watch(t, ada, 11, 6)
	rep := e.sync(t)
	if len(rep.Problems) != 1 || !fault.Is(rep.Problems[0].Err, fault.NotFound) || len(e.posts()) != 0 {
		t.Fatalf("Guild() = %+v, want the problem with a NotFound notice and no post", rep)
	}
	// Once a channel is set, the next sync tells.
	e.announceIn(t, channel)
	if rep := e.sync(t); len(rep.Problems) != 1 || !rep.Problems[0].Told || len(e.posts()) != 1 {
		t.Errorf("Guild() with a channel = %+v, posts %d; want it told once", rep, len(e.posts()))
	}
}

// TestSyncReadsLinkedViewersOnly: a guild with 1,000 viewers past every
// tier and 5 linked members costs a sync reads for the 5, not the 1,000.
func TestSyncReadsLinkedViewersOnly(t *testing.T) {
	e := newEnv(t, tierRules...)
	e.fake.SetGuild(guild, setup(discordgo.PermissionManageRoles, 2))
	client, ok := e.store.Client.(*dynamodb.Client)
	if !ok {
		t.Fatalf("store client is %T, want *dynamodb.Client", e.store.Client)
	}
	var reqs []types.WriteRequest
	for i := range 1000 {
		user := strconv.Itoa(100000 + i)
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"pk":           &types.AttributeValueMemberS{Value: "GUILD#" + guild},
			"sk":           &types.AttributeValueMemberS{Value: "VIEWER#" + user},
			"guild":        &types.AttributeValueMemberS{Value: guild},
			"userId":       &types.AttributeValueMemberN{Value: user},
			"watchMinutes": &types.AttributeValueMemberN{Value: "500"},
		}}})
	}
	for chunk := range slices.Chunk(reqs, 25) {
		out, err := client.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{e.store.Table: chunk}})
		if err != nil || len(out.UnprocessedItems) > 0 {
			t.Fatalf("seed viewers: %v, %d unprocessed", err, len(out.UnprocessedItems))
		}
	}
	members := []string{ada, bob, cleo, "1482460000000000004", "1482460000000000005"}
	for i, m := range members {
		e.watch(t, m, int64(11+i), 6)
	}
	counter := &dynamotest.Counter{API: e.store.Client}
	e.syncer.Store = dynamo.New(counter, e.store.Table)
	if rep := e.sync(t); rep.Members != 5 {
		t.Errorf("Guild() = %+v, want 5 members", rep)
	}
	// Four reads: the rules (2 items), the links (5), the linked viewers
	// by key (5) and the grant markers (none yet). The index range of the
	// old sync returned all 1,005 viewers past the lowest tier.
	if reads, items := counter.Reads.Load(), counter.Items.Load(); reads > 4 || items > 12 {
		t.Errorf("sync read %d items in %d calls, want at most 12 in 4: the linked viewers, not the guild's 1,000", items, reads)
	}
}
