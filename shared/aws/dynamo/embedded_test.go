package dynamo

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	miniserver "github.com/truora/minidyn/server"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/aws/stack"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/local/localdb"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// newEmbedded returns a Store on a fresh table in its own emulator, and the
// emulator, for failure injection. One emulator per test, because failure
// injection is emulator-wide.
func newEmbedded(t *testing.T) (*Store, *miniserver.Server) {
	t.Helper()
	srv, err := localdb.Start(t.Context(), "127.0.0.1:0")
	s := storeOn(t, srv, err)
	return s, srv.Emulator
}

// storeOn returns a Store on a fresh table of srv, which it stops when the
// test ends.
func storeOn(t *testing.T, srv *localdb.Server, err error) *Store {
	t.Helper()
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(srv.Close)
	return storeAt(t, srv.Endpoint)
}

// storeAt returns a Store on a fresh table of the emulator at endpoint.
func storeAt(t *testing.T, endpoint string) *Store {
	t.Helper()
	client, err := NewClient(t.Context(), endpoint, noRetries)
	if err != nil {
		t.Fatal(err)
	}
	name := tableName(t)
	if err := stack.CreateTable(t.Context(), client, name); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	return New(client, name)
}

func TestStoreEmbedded(t *testing.T) {
	runStoreSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}

// TestStoreEmbeddedFailure checks that DynamoDB failing (an internal server
// error) surfaces as Transient from every method and writes nothing.
func TestStoreEmbeddedFailure(t *testing.T) {
	s, srv := newEmbedded(t)
	ctx := t.Context()
	chat := event.Event{
		ID: "m1", Type: event.ChatMessage, SentAt: at(0), Broadcaster: 100,
		Chat: &event.Chat{MessageID: "c1", Sender: event.User{ID: 7, Username: "alice"}, Content: "hi"},
	}

	srv.EmulateFailure(miniserver.FailureConditionInternalServerError)
	wantAllTransient(t, []storeCall{
		{"Connect", func() error { return s.Connect(ctx, "g", 100, at(0)) }},
		{"Guilds", func() error { _, err := s.Guilds(ctx, 100); return err }},
		{"MarkDelivered", func() error { return s.MarkDelivered(ctx, "m1", event.Followed, at(0), at(60)) }},
		{"Delivered", func() error { _, err := s.Delivered(ctx, "m1", event.Followed); return err }},
		{"TouchViewer", func() error {
			return s.TouchViewer(ctx, "g", audience.Activity{UserID: 7, Username: "alice", At: at(0)})
		}},
		{"Viewer", func() error { _, err := s.Viewer(ctx, "g", 7); return err }},
		{"Activity", func() error { _, err := s.Activity(ctx, "g", 0, 10); return err }},
		{"Credit", func() error { _, err := s.Credit(ctx, "g", watchtime.Credit{UserID: 7, Minute: 3}); return err }},
		{"Checkpoint", func() error { _, err := s.Checkpoint(ctx, "g"); return err }},
		{"SetStreamStatus", func() error { return s.SetStreamStatus(ctx, "g", at(0), event.Status{Live: true}) }},
		{"SetStreamMetadata", func() error { return s.SetStreamMetadata(ctx, "g", at(0), event.Metadata{Title: "t"}) }},
		{"Stream", func() error { _, err := s.Stream(ctx, "g"); return err }},
		{"LiveGuilds", func() error { _, err := s.LiveGuilds(ctx); return err }},
		{"LogEvent", func() error { return s.LogEvent(ctx, "g", chat, at(60)) }},
		{"Events", func() error { _, err := s.Events(ctx, "g", 10); return err }},
	})
	srv.EmulateFailure(miniserver.FailureConditionNone)

	if got, err := s.Guilds(ctx, 100); err != nil || len(got) != 0 {
		t.Errorf("Guilds(100) after failed Connect = %v, %v; want none", got, err)
	}
	if got, err := s.Delivered(ctx, "m1", event.Followed); err != nil || got {
		t.Errorf("Delivered(m1) after failed mark = %v, %v; want false", got, err)
	}
	if _, err := s.Viewer(ctx, "g", 7); !fault.Is(err, fault.NotFound) {
		t.Errorf("Viewer after failed touch: err = %v, want not found", err)
	}
	if got, err := s.Stream(ctx, "g"); err != nil || got != (stream.State{Guild: "g"}) {
		t.Errorf("Stream(g) after failed updates = %+v, %v; want zero", got, err)
	}
	if got, err := s.Events(ctx, "g", 10); err != nil || len(got) != 0 {
		t.Errorf("Events(g) after failed log = %v, %v; want none", got, err)
	}
}

// TestEmbedded uses the emulator the way the local runner does.
func TestEmbedded(t *testing.T) {
	ctx := t.Context()
	srv, err := localdb.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer srv.Close()
	client, err := NewClient(ctx, srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	// Twice: a runner restarting on an existing table carries on, and the
	// emulator's missing TTL operations are no error.
	for range 2 {
		if err := stack.CreateTable(ctx, client, "kickbot"); err != nil {
			t.Fatalf("CreateTable: %v", err)
		}
	}
	s := New(client, "kickbot")
	if err := s.Connect(ctx, "g", 100, at(0)); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if got, err := s.Guilds(ctx, 100); err != nil || len(got) != 1 || got[0] != "g" {
		t.Errorf("Guilds(100) = %v, %v; want [g]", got, err)
	}

	srv.Close()
	// The SDK's default retryer would back off for seconds before failing.
	s.Client, err = NewClient(ctx, srv.Endpoint, noRetries)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	if _, err := s.Guilds(ctx, 100); !fault.Is(err, fault.Transient) {
		t.Errorf("Guilds with the emulator stopped: err = %v (kind %v), want transient", err, fault.KindOf(err))
	}
}

// TestErrorKinds checks how failures from a live endpoint are classified.
func TestErrorKinds(t *testing.T) {
	s, _ := newEmbedded(t)

	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Connect(cancelled, "g", 100, at(0)); !fault.Is(err, fault.Transient) {
		t.Errorf("Connect with a cancelled context = %v (kind %v), want transient", err, fault.KindOf(err))
	}
	expired, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := s.Delivered(expired, "m1", event.Followed); !fault.Is(err, fault.Transient) {
		t.Errorf("Delivered past its deadline = %v (kind %v), want transient", err, fault.KindOf(err))
	}

	// A table that does not exist is a configuration bug, not worth a retry.
	missing := New(s.Client, "no-such-table")
	if _, err := missing.Guilds(t.Context(), 100); !fault.Is(err, fault.Internal) {
		t.Errorf("Guilds on a missing table = %v (kind %v), want internal", err, fault.KindOf(err))
	}
	// A request DynamoDB rejects as invalid (a key of the wrong type).
	_, err := s.Client.(*dynamodb.Client).GetItem(t.Context(), &dynamodb.GetItemInput{
		TableName: aws.String(s.Table),
		Key:       itemKey{PK: "x", SK: "y"}.av(),
		// Unknown attribute names in a projection are a validation error.
		ProjectionExpression: aws.String("#missing"),
	})
	if got := classify(err, "get"); !fault.Is(got, fault.Internal) {
		t.Errorf("a rejected request = %v (kind %v), want internal", got, fault.KindOf(got))
	}
}

// TestShardSpread: 100,000 viewers of one guild, with sequential Kick ids
// (as Kick hands them out) or spread ones, put at most 6,500 on any of the
// 16 keys their activity and viewer items use: at one write each a
// minute, under the 30,000 write units a minute the capacity model allows
// one key (docs/capacity.md).
func TestShardSpread(t *testing.T) {
	for name, id := range map[string]func(i int64) int64{
		"sequential": func(i int64) int64 { return 10_000_000 + i },
		"spread":     func(i int64) int64 { return i * 7_919 },
	} {
		var count [ActivityShards]int
		for i := range int64(100_000) {
			count[shardOf(id(i))]++
		}
		if most := slices.Max(count[:]); most > 6_500 {
			t.Errorf("%s ids: the busiest of 16 keys takes %d of 100,000 viewers, want at most 6,500 (counts %v)", name, most, count)
		}
	}
}

// newPartitioned is newEmbedded on the partitioned emulator that the
// capacity measurements and the benchmarks at scale run on.
func newPartitioned(t *testing.T) *Store {
	t.Helper()
	srv, err := localdb.StartPartitioned(t.Context(), "127.0.0.1:0", 8)
	return storeOn(t, srv, err)
}

// newPartitionedByKey is newPartitioned with parts chosen by partition
// key, as the load test of the local stack keeps its table.
func newPartitionedByKey(t *testing.T) *Store {
	t.Helper()
	srv, err := localdb.StartPartitionedByKey(t.Context(), "127.0.0.1:0", 8)
	return storeOn(t, srv, err)
}

// newCluster returns newEmbedded on a cluster of processes, the parts
// kept by stores of them: the emulator the sweep's benchmarks at scale run
// on, so that the client's process holds none of the table.
func newCluster(stores int) func(t *testing.T) *Store {
	return func(t *testing.T) *Store {
		t.Helper()
		c, err := localdb.StartCluster(t.Context(), 8, stores)
		if err != nil {
			t.Fatalf("start cluster: %v", err)
		}
		t.Cleanup(c.Close)
		return storeAt(t, c.Endpoint)
	}
}

// TestClusterEmulator runs the store, leaderboard and ledger suites on a
// cluster whose parts one process keeps (transactions keep to one store's
// parts), and the sweep model on one of three stores, whose calls the
// sweep's benchmark makes.
func TestClusterEmulator(t *testing.T) {
	t.Run("Store", func(t *testing.T) { runStoreSuite(t, newCluster(1)) })
	t.Run("Leaderboard", func(t *testing.T) { runLeaderboardSuite(t, newCluster(1)) })
	t.Run("Ledger", func(t *testing.T) { runLedgerSuite(t, newCluster(1)) })
	t.Run("SweepModel", func(t *testing.T) { runSweepModel(t, 2, true, newCluster(3)) })
}

// TestPartitionedEmulator runs the store, leaderboard and ledger suites on
// the partitioned emulator: the measurements made on it are made on a
// store that answers as the plain emulator does.
func TestPartitionedEmulator(t *testing.T) {
	t.Run("Store", func(t *testing.T) { runStoreSuite(t, newPartitioned) })
	t.Run("Leaderboard", func(t *testing.T) { runLeaderboardSuite(t, newPartitioned) })
	t.Run("Ledger", func(t *testing.T) { runLedgerSuite(t, newPartitioned) })
	// BatchGetItem, split by part: custom commands' names and cooldowns,
	// and slot calls' limits, read with it.
	t.Run("Custom", func(t *testing.T) { runCustomSuite(t, newPartitioned) })
	t.Run("Calls", func(t *testing.T) { runCallsSuite(t, newPartitioned) })
}

// TestPartitionedByKeyEmulator runs the same suites, and the sweep model,
// on the emulator whose parts are chosen by partition key, where a Query
// of the table walks one part: the load test's figures are made on a
// store that answers as the plain emulator does.
func TestPartitionedByKeyEmulator(t *testing.T) {
	t.Run("Store", func(t *testing.T) { runStoreSuite(t, newPartitionedByKey) })
	t.Run("Leaderboard", func(t *testing.T) { runLeaderboardSuite(t, newPartitionedByKey) })
	t.Run("Ledger", func(t *testing.T) { runLedgerSuite(t, newPartitionedByKey) })
	t.Run("Custom", func(t *testing.T) { runCustomSuite(t, newPartitionedByKey) })
	t.Run("Calls", func(t *testing.T) { runCallsSuite(t, newPartitionedByKey) })
	t.Run("Sweep", func(t *testing.T) { runSweepSuite(t, newPartitionedByKey) })
	t.Run("SweepModel", func(t *testing.T) { runSweepModel(t, 2, true, newPartitionedByKey) })
}

// storeCall is a named call of a store method, its error all that counts.
type storeCall struct {
	name string
	call func() error
}

// wantAllTransient fails t for each call whose error is not
// fault.Transient: what every store method returns while DynamoDB fails.
func wantAllTransient(t *testing.T, calls []storeCall) {
	t.Helper()
	for _, tc := range calls {
		if err := tc.call(); !fault.Is(err, fault.Transient) {
			t.Errorf("%s during a DynamoDB failure = %v (kind %v), want transient", tc.name, err, fault.KindOf(err))
		}
	}
}
