package dynamo

import (
	"crypto/rand"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/ingest"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// noRetries makes failures surface at once instead of after the SDK's
// backoff.
func noRetries(o *dynamodb.Options) { o.Retryer = aws.NopRetryer{} }

// tableName returns a table name no other test (or earlier run against the
// same server) uses.
func tableName(t *testing.T) string {
	t.Helper()
	name := strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, t.Name())
	if len(name) > 200 {
		name = name[:200]
	}
	return "kickbot-" + name + "-" + rand.Text()[:8]
}

// t0 is a whole millisecond, as stored times are.
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func at(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

// rawItem reads the item at k as stored.
func rawItem(t *testing.T, s *Store, k itemKey) map[string]types.AttributeValue {
	t.Helper()
	out, err := s.Client.GetItem(t.Context(), &dynamodb.GetItemInput{
		TableName: aws.String(s.Table), Key: k.av(), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("GetItem(%v): %v", k, err)
	}
	return out.Item
}

// decodeItem reads the item at k into a record.
func decodeItem[R any](t *testing.T, s *Store, k itemKey) R {
	t.Helper()
	var r R
	if err := attributevalue.UnmarshalMap(rawItem(t, s, k), &r); err != nil {
		t.Fatalf("decode %v: %v", k, err)
	}
	return r
}

// wantNumber checks that item's attr is a number with value want.
func wantNumber(t *testing.T, item map[string]types.AttributeValue, attr string, want int64) {
	t.Helper()
	n, ok := item[attr].(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("%s = %#v, want a number", attr, item[attr])
	}
	if n.Value != strconv.FormatInt(want, 10) {
		t.Errorf("%s = %s, want %d", attr, n.Value, want)
	}
}

func check(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// runStoreSuite checks a Store against a real (or emulated) DynamoDB;
// newStore returns a Store on a fresh table made from the template.
func runStoreSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	runSweepSuite(t, newStore)
	t.Run("Guilds", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		s.pageSize = 1 // make the paging loop run
		ctx := t.Context()
		check(t, "Connect", s.Connect(ctx, "g2", 100, at(0)))
		check(t, "Connect", s.Connect(ctx, "g1", 100, at(1)))
		check(t, "Connect", s.Connect(ctx, "g3", 200, at(2)))
		check(t, "Connect again", s.Connect(ctx, "g1", 100, at(3)))

		for _, tc := range []struct {
			broadcaster int64
			want        []string
		}{
			{100, []string{"g1", "g2"}},
			{200, []string{"g3"}},
			{300, nil},
		} {
			got, err := s.Guilds(ctx, tc.broadcaster)
			check(t, "Guilds", err)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Guilds(%d) (-want +got):\n%s", tc.broadcaster, diff)
			}
		}
		got := decodeItem[connectionRecord](t, s, connectionKey(100, "g1"))
		want := connectionRecord{itemKey: itemKey{PK: "KICK#100", SK: "GUILD#g1"}, Broadcaster: 100, ConnectedAt: at(3).UnixMilli(), ConnIndex: connValue}
		if got != want {
			t.Errorf("connection item = %+v, want %+v", got, want)
		}
		if err := s.Connect(ctx, "", 100, at(4)); !fault.Is(err, fault.Invalid) {
			t.Errorf("Connect with no guild = %v, want an invalid error", err)
		}
	})

	t.Run("Deliveries", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		delivered := func(id string, typ event.Type, want bool) {
			t.Helper()
			got, err := s.Delivered(ctx, id, typ)
			check(t, "Delivered", err)
			if got != want {
				t.Errorf("Delivered(%q, %s) = %v, want %v", id, typ, got, want)
			}
		}
		expires := at(0).Add(24 * time.Hour)
		delivered("m1", event.Banned, false)
		check(t, "MarkDelivered", s.MarkDelivered(ctx, "m1", event.Banned, at(0), expires))
		delivered("m1", event.Banned, true)
		delivered("m2", event.Banned, false)
		// The type is not signed: a copy of m1 re-sent under another type
		// must not make that type's delivery of m1 look done, nor the
		// other way round.
		delivered("m1", event.LivestreamMetadata, false)
		check(t, "MarkDelivered other type", s.MarkDelivered(ctx, "m1", event.LivestreamMetadata, at(1), expires))
		delivered("m1", event.LivestreamMetadata, true)
		delivered("m1", event.Banned, true)

		key := itemKey{PK: "DELIVERY#m1", SK: "DELIVERY#moderation.banned"}
		first := rawItem(t, s, key)
		wantNumber(t, first, "expiresAt", expires.Unix())
		wantNumber(t, first, "at", at(0).UnixMilli())

		check(t, "MarkDelivered again", s.MarkDelivered(ctx, "m1", event.Banned, at(5), expires.Add(time.Hour)))
		got := decodeItem[deliveryRecord](t, s, key)
		want := deliveryRecord{itemKey: key, At: at(0).UnixMilli(), ExpiresAt: expires.Unix()}
		if got != want {
			t.Errorf("delivery item after a second mark = %+v, want %+v", got, want)
		}
		if err := s.MarkDelivered(ctx, "m3", "", at(0), expires); !fault.Is(err, fault.Invalid) {
			t.Errorf("MarkDelivered without a type = %v, want an invalid error", err)
		}
	})

	t.Run("Unprocessable", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		expires := at(0).Add(7 * 24 * time.Hour)
		body := []byte("{\"broadcaster\":\xff}") // not UTF-8: kept as it came
		u := ingest.Unprocessable{MessageID: "m1", Type: "livestream.metadata.updated", SentAt: at(0), ReceivedAt: at(1),
			Body: body, Reason: "metadata update has no title"}
		check(t, "KeepUnprocessable", s.KeepUnprocessable(ctx, u, expires))
		key := itemKey{PK: "UNPROCESSABLE#m1", SK: "TYPE#livestream.metadata.updated"}
		want := unprocessableRecord{itemKey: key, Type: u.Type, At: at(0).UnixMilli(), ReceivedAt: at(1).UnixMilli(),
			Body: body, Reason: u.Reason, ExpiresAt: expires.Unix()}
		if diff := cmp.Diff(want, decodeItem[unprocessableRecord](t, s, key), cmp.AllowUnexported(unprocessableRecord{})); diff != "" {
			t.Errorf("unprocessable item (-want +got):\n%s", diff)
		}
		again := u
		again.ReceivedAt, again.Reason = at(9), "other"
		check(t, "KeepUnprocessable again", s.KeepUnprocessable(ctx, again, expires.Add(time.Hour)))
		if diff := cmp.Diff(want, decodeItem[unprocessableRecord](t, s, key), cmp.AllowUnexported(unprocessableRecord{})); diff != "" {
			t.Errorf("unprocessable item after a second keep (-want +got):\n%s", diff)
		}
		long := u
		long.Reason = strings.Repeat("é", 1000) // 2,000 bytes, cut inside a rune
		long.MessageID = "m2"
		check(t, "KeepUnprocessable long reason", s.KeepUnprocessable(ctx, long, expires))
		for _, bad := range []ingest.Unprocessable{{Type: "x"}, {MessageID: "m"}, {MessageID: "m", Type: strings.Repeat("x", 65)}} {
			if err := s.KeepUnprocessable(ctx, bad, expires); !fault.Is(err, fault.Invalid) {
				t.Errorf("KeepUnprocessable(%+v) = %v, want an invalid error", bad, err)
			}
		}
	})

	t.Run("TouchViewer", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		// Activity goes to its minute's item, not to the viewer: the
		// viewer item is the sweep's to create.
		check(t, "TouchViewer", s.TouchViewer(ctx, "g", audience.Activity{UserID: 7, Username: "alice", At: at(10)}))
		if _, err := s.Viewer(ctx, "g", 7); !fault.Is(err, fault.NotFound) {
			t.Errorf("Viewer after a touch = %v, want not found", err)
		}
		acts, err := s.Activity(ctx, "g", watchtime.MinuteOf(at(10)), watchtime.MinuteOf(at(10)))
		check(t, "Activity", err)
		want := []audience.Activity{{UserID: 7, Username: "alice", At: at(10)}}
		if diff := cmp.Diff(want, acts); diff != "" {
			t.Errorf("Activity (-want +got):\n%s", diff)
		}
		if err := s.TouchViewer(ctx, "g", audience.Activity{At: at(12)}); !fault.Is(err, fault.Invalid) {
			t.Errorf("TouchViewer(anonymous) = %v, want an invalid error", err)
		}
	})

	t.Run("StreamStatus", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		s.pageSize = 1
		ctx := t.Context()
		state := func(guild string, want stream.State) {
			t.Helper()
			got, err := s.Stream(ctx, guild)
			check(t, "Stream", err)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Stream(%s) (-want +got):\n%s", guild, diff)
			}
		}
		live := func(want ...string) {
			t.Helper()
			got, err := s.LiveGuilds(ctx)
			check(t, "LiveGuilds", err)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("LiveGuilds (-want +got):\n%s", diff)
			}
		}
		state("g", stream.State{Guild: "g"})
		live()

		check(t, "status live", s.SetStreamStatus(ctx, "g", at(1), event.Status{Live: true, Title: "hello", StartedAt: at(0)}))
		check(t, "status live h", s.SetStreamStatus(ctx, "h", at(1), event.Status{Live: true, Title: "other", StartedAt: at(0)}))
		check(t, "status offline i", s.SetStreamStatus(ctx, "i", at(1), event.Status{Live: false, EndedAt: at(1)}))
		liveState := stream.State{Guild: "g", Live: true, Title: "hello", StartedAt: at(0), StatusAt: at(1)}
		state("g", liveState)
		live("g", "h")

		check(t, "status offline", s.SetStreamStatus(ctx, "g", at(30), event.Status{Live: false, Title: "hello", StartedAt: at(0), EndedAt: at(29)}))
		offline := stream.State{Guild: "g", Title: "hello", StartedAt: at(0), EndedAt: at(29), StatusAt: at(30)}
		state("g", offline)
		live("h")
		if _, ok := rawItem(t, s, streamKey("g"))["liveIndex"]; ok {
			t.Errorf("offline stream item still has liveIndex")
		}

		check(t, "older status", s.SetStreamStatus(ctx, "g", at(20), event.Status{Live: true, Title: "stale", StartedAt: at(19)}))
		state("g", offline)
		check(t, "repeated status", s.SetStreamStatus(ctx, "g", at(30), event.Status{Live: true, Title: "again", StartedAt: at(30)}))
		state("g", offline)
		live("h")

		check(t, "live again", s.SetStreamStatus(ctx, "g", at(40), event.Status{Live: true, StartedAt: at(39)}))
		// No title in the status: the stored one stays; the old end goes.
		state("g", stream.State{Guild: "g", Live: true, Title: "hello", StartedAt: at(39), StatusAt: at(40)})
		live("g", "h")

		if err := s.SetStreamStatus(ctx, "", at(50), event.Status{}); !fault.Is(err, fault.Invalid) {
			t.Errorf("SetStreamStatus with no guild = %v, want an invalid error", err)
		}
	})

	t.Run("StreamMetadata", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		state := func(want stream.State) {
			t.Helper()
			got, err := s.Stream(ctx, "g")
			check(t, "Stream", err)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Stream(g) (-want +got):\n%s", diff)
			}
		}
		slots := event.Category{ID: 28, Name: "Slots & Casino", Thumbnail: "https://example.test/slots.webp"}
		check(t, "metadata", s.SetStreamMetadata(ctx, "g", at(10), event.Metadata{
			Title: "big wins", Language: "en", Mature: true, Category: slots,
		}))
		withMeta := stream.State{Guild: "g", Title: "big wins", Category: slots, Language: "en", Mature: true, MetadataAt: at(10)}
		state(withMeta)

		check(t, "older metadata", s.SetStreamMetadata(ctx, "g", at(5), event.Metadata{Title: "stale", Category: event.Category{ID: 1, Name: "Just Chatting"}}))
		check(t, "repeated metadata", s.SetStreamMetadata(ctx, "g", at(10), event.Metadata{Title: "again"}))
		state(withMeta)

		// Status and metadata are ordered separately: a status delivered
		// before the metadata still applies, and keeps the category.
		check(t, "status", s.SetStreamStatus(ctx, "g", at(2), event.Status{Live: true, StartedAt: at(1)}))
		withStatus := withMeta
		withStatus.Live, withStatus.StartedAt, withStatus.StatusAt = true, at(1), at(2)
		state(withStatus)

		check(t, "newer metadata", s.SetStreamMetadata(ctx, "g", at(20), event.Metadata{Title: "bonus hunt", Language: "de", Category: slots}))
		withStatus.Title, withStatus.Language, withStatus.Mature, withStatus.MetadataAt = "bonus hunt", "de", false, at(20)
		state(withStatus)
	})

	t.Run("EventLog", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		alice := event.User{ID: 7, Username: "alice", Slug: "alice", Badges: []event.Badge{{Type: "subscriber", Text: "Sub", Count: 3}}}
		chat := event.Event{
			ID: "m-chat", Type: event.ChatMessage, SentAt: at(1).Add(time.Second), Broadcaster: 100,
			Chat: &event.Chat{MessageID: "c1", Sender: alice, Content: "!points", CreatedAt: at(1)},
		}
		sub := event.Event{
			ID: "m-sub", Type: event.SubscriptionNew, SentAt: at(2), Broadcaster: 100,
			Sub: &event.Sub{Subscriber: alice, Months: 1, CreatedAt: at(2), ExpiresAt: at(2).AddDate(0, 1, 0)},
		}
		status := event.Event{
			ID: "m-status", Type: event.LivestreamStatus, SentAt: at(3), Broadcaster: 100,
			Status: &event.Status{Live: true, Title: "hello", StartedAt: at(3)},
		}
		// A renewal delivered now whose created_at is the subscription's
		// start, months back: it is filed at its delivery time.
		renewal := event.Event{
			ID: "m-renewal", Type: event.SubscriptionRenew, SentAt: at(4), Broadcaster: 100,
			Sub: &event.Sub{Subscriber: alice, Months: 7, CreatedAt: at(4).AddDate(0, -6, 0), ExpiresAt: at(4).AddDate(0, 1, 0)},
		}
		expires := at(0).Add(30 * 24 * time.Hour)
		check(t, "LogEvent renewal", s.LogEvent(ctx, "g", renewal, expires))
		check(t, "LogEvent sub", s.LogEvent(ctx, "g", sub, expires))
		check(t, "LogEvent chat", s.LogEvent(ctx, "g", chat, expires))
		check(t, "LogEvent status", s.LogEvent(ctx, "g", status, expires))
		again := chat
		again.Chat = &event.Chat{MessageID: "c1", Sender: alice, Content: "edited", CreatedAt: at(1)}
		check(t, "LogEvent chat again", s.LogEvent(ctx, "g", again, expires.Add(time.Hour)))

		for _, tc := range []struct {
			limit, pageSize int
			want            []event.Event
		}{
			{10, 0, []event.Event{renewal, status, sub, chat}},
			{10, 1, []event.Event{renewal, status, sub, chat}},
			{2, 0, []event.Event{renewal, status}},
			{2, 1, []event.Event{renewal, status}},
			{0, 0, nil},
		} {
			s.pageSize = int32(tc.pageSize)
			got, err := s.Events(ctx, "g", tc.limit)
			check(t, "Events", err)
			if len(got) == 0 {
				got = nil
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Events(g, %d) with pages of %d (-want +got):\n%s", tc.limit, tc.pageSize, diff)
			}
		}
		if got, err := s.Events(ctx, "other", 10); err != nil || len(got) != 0 {
			t.Errorf("Events(other, 10) = %v, %v; want none", got, err)
		}

		// Keyed by the delivery time (SentAt), not the chat's created_at.
		item := rawItem(t, s, itemKey{PK: "GUILD#g", SK: fmt.Sprintf("EVENT#%013d#m-chat#chat.message.sent", chat.SentAt.UnixMilli())})
		wantNumber(t, item, "expiresAt", expires.Unix())
		wantNumber(t, item, "at", chat.SentAt.UnixMilli())
		wantNumber(t, item, "actorId", 7)
		if typ, _ := item["type"].(*types.AttributeValueMemberS); typ == nil || typ.Value != string(event.ChatMessage) {
			t.Errorf("type = %#v, want %q", item["type"], event.ChatMessage)
		}
		item = rawItem(t, s, itemKey{PK: "GUILD#g", SK: fmt.Sprintf("EVENT#%013d#m-renewal#channel.subscription.renewal", at(4).UnixMilli())})
		wantNumber(t, item, "at", at(4).UnixMilli())
		// A copy of the renewal re-sent as a new subscription (the two share
		// a shape) is logged beside it, not instead of it.
		asNew := renewal
		asNew.Type = event.SubscriptionNew
		check(t, "LogEvent relabelled", s.LogEvent(ctx, "g", asNew, expires))
		if got, err := s.Events(ctx, "g", 2); err != nil || len(got) != 2 || got[0].Type == got[1].Type {
			t.Errorf("Events(g, 2) after a relabelled copy = %v, %v; want the renewal and the copy", got, err)
		}
		item = rawItem(t, s, itemKey{PK: "GUILD#g", SK: fmt.Sprintf("EVENT#%013d#m-status#livestream.status.updated", at(3).UnixMilli())})
		if _, ok := item["actorId"]; ok || len(item) == 0 {
			t.Errorf("status event item = %v, want one without actorId", slices.Sorted(maps.Keys(item)))
		}
	})
}
