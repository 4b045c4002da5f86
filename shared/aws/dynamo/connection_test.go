package dynamo

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	miniserver "github.com/truora/minidyn/server"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/stream"
)

// wantConnection checks what Connection says about guild.
func wantConnection(t *testing.T, s *Store, guild string, broadcaster int64, name string, at time.Time) {
	t.Helper()
	b, n, a, err := s.Connection(t.Context(), guild)
	if err != nil || b != broadcaster || n != name || !a.Equal(at) {
		t.Errorf("Connection(%s) = %d, %q, %v, %v; want %d, %q, %v", guild, b, n, a, err, broadcaster, name, at)
	}
}

func wantNoConnection(t *testing.T, s *Store, guild string) {
	t.Helper()
	b, n, _, err := s.Connection(t.Context(), guild)
	if !fault.Is(err, fault.NotFound) {
		t.Errorf("Connection(%s) = %d, %q, %v; want not found", guild, b, n, err)
	}
}

// runConnectionSuite checks ConnectChannel, Connection and Disconnect.
func runConnectionSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("ConnectChannel", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()

		wantNoConnection(t, s, "g1")
		check(t, "ConnectChannel", s.ConnectChannel(ctx, "g1", 100, "northwind", at(0)))
		check(t, "ConnectChannel", s.ConnectChannel(ctx, "g2", 100, "northwind", at(1)))
		wantConnection(t, s, "g1", 100, "northwind", at(0))
		wantConnection(t, s, "g2", 100, "northwind", at(1))

		// Webhooks route to both guilds, and the sweep sees both.
		guilds, err := s.Guilds(ctx, 100)
		check(t, "Guilds", err)
		if diff := cmp.Diff([]string{"g1", "g2"}, guilds); diff != "" {
			t.Errorf("Guilds(100) (-want +got):\n%s", diff)
		}
		conns, err := s.Connections(ctx)
		check(t, "Connections", err)
		if diff := cmp.Diff([]stream.Connection{{Guild: "g1", Broadcaster: 100}, {Guild: "g2", Broadcaster: 100}}, conns); diff != "" {
			t.Errorf("Connections (-want +got):\n%s", diff)
		}
		if ok, err := s.Connected(ctx, "g1"); err != nil || !ok {
			t.Errorf("Connected(g1) = %v, %v; want true", ok, err)
		}

		// Again, renamed: the name and the time are replaced.
		check(t, "ConnectChannel again", s.ConnectChannel(ctx, "g1", 100, "northwind2", at(5)))
		wantConnection(t, s, "g1", 100, "northwind2", at(5))
		got := decodeItem[namedConnectionRecord](t, s, connectionKey(100, "g1"))
		want := namedConnectionRecord{connectionRecord{itemKey: connectionKey(100, "g1"), Broadcaster: 100, ConnectedAt: at(5).UnixMilli(), ConnIndex: connValue}, "northwind2"}
		if got != want {
			t.Errorf("routing item = %+v, want %+v", got, want)
		}

		// A seeded connection (Connect, no name) is listed with an empty
		// name; of two, the latest wins.
		check(t, "Connect", s.Connect(ctx, "g3", 200, at(2)))
		wantConnection(t, s, "g3", 200, "", at(2))
		check(t, "ConnectChannel", s.ConnectChannel(ctx, "g3", 300, "other", at(3)))
		wantConnection(t, s, "g3", 300, "other", at(3))

		for name, err := range map[string]error{
			"ConnectChannel without a guild":       s.ConnectChannel(ctx, "", 1, "x", at(0)),
			"ConnectChannel without a broadcaster": s.ConnectChannel(ctx, "g", 0, "x", at(0)),
			"Disconnect without a guild":           s.Disconnect(ctx, "", 1),
			"Disconnect without a broadcaster":     s.Disconnect(ctx, "g", 0),
		} {
			wantKind(t, name, err, fault.Invalid)
		}
		_, _, _, err = s.Connection(ctx, "")
		wantKind(t, "Connection without a guild", err, fault.Invalid)
	})

	t.Run("Disconnect", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check(t, "ConnectChannel", s.ConnectChannel(ctx, "g1", 100, "northwind", at(0)))
		check(t, "ConnectChannel", s.ConnectChannel(ctx, "g2", 100, "northwind", at(1)))

		check(t, "Disconnect", s.Disconnect(ctx, "g1", 100))
		wantNoConnection(t, s, "g1")
		wantConnection(t, s, "g2", 100, "northwind", at(1))
		guilds, err := s.Guilds(ctx, 100)
		check(t, "Guilds", err)
		if diff := cmp.Diff([]string{"g2"}, guilds); diff != "" {
			t.Errorf("Guilds(100) after Disconnect (-want +got):\n%s", diff)
		}
		if ok, err := s.Connected(ctx, "g1"); err != nil || ok {
			t.Errorf("Connected(g1) = %v, %v; want false", ok, err)
		}
		for _, k := range []itemKey{connectionKey(100, "g1"), guildConnectionKey("g1", 100)} {
			if item := rawItem(t, s, k); len(item) != 0 {
				t.Errorf("item %v still there after Disconnect: %v", k, item)
			}
		}

		check(t, "Disconnect again", s.Disconnect(ctx, "g1", 100))
		check(t, "Disconnect of a channel never connected", s.Disconnect(ctx, "g2", 999))
		wantConnection(t, s, "g2", 100, "northwind", at(1))

		// A seeded connection goes the same way.
		check(t, "Connect", s.Connect(ctx, "g3", 200, at(2)))
		check(t, "Disconnect", s.Disconnect(ctx, "g3", 200))
		wantNoConnection(t, s, "g3")
		conns, err := s.Connections(ctx)
		check(t, "Connections", err)
		if diff := cmp.Diff([]stream.Connection{{Guild: "g2", Broadcaster: 100}}, conns); diff != "" {
			t.Errorf("Connections (-want +got):\n%s", diff)
		}
	})
	t.Run("DisconnectLeavesTheLiveIndex", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check(t, "ConnectChannel", s.ConnectChannel(ctx, "g1", 100, "northwind", at(0)))
		check(t, "ConnectChannel", s.ConnectChannel(ctx, "g2", 100, "northwind", at(0)))
		for _, g := range []string{"g1", "g2"} {
			check(t, "SetStreamStatus", s.SetStreamStatus(ctx, g, at(1), event.Status{Live: true, Title: "t", StartedAt: at(1)}))
		}
		wantSweep(t, s, "before Disconnect", "g1", "g2")

		check(t, "Disconnect", s.Disconnect(ctx, "g1", 100))
		wantSweep(t, s, "after Disconnect", "g2")
		if st, err := s.Stream(ctx, "g1"); err != nil || st.Live || !st.StatusAt.IsZero() {
			t.Errorf("Stream(g1) after Disconnect = %+v, %v; want no state", st, err)
		}
		// Removing a connection the guild does not have keeps its state.
		check(t, "Disconnect of another channel", s.Disconnect(ctx, "g2", 999))
		wantSweep(t, s, "after disconnecting a channel g2 never had", "g2")

		// A half-made connection (the routing side alone) is removed, and
		// the stream state stays.
		item, err := attributevalue.MarshalMap(connectionRecords("g2", 300, "", at(0))[0])
		check(t, "encode", err)
		_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item})
		check(t, "PutItem", err)
		check(t, "Disconnect of a half-made connection", s.Disconnect(ctx, "g2", 300))
		if item := rawItem(t, s, connectionKey(300, "g2")); len(item) != 0 {
			t.Errorf("routing item still there after Disconnect: %v", item)
		}
		wantSweep(t, s, "after removing a half-made connection", "g2")
	})

	t.Run("DisconnectStopsTrackingOffline", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		offline := settings.Defaults()
		offline.TrackOffline = true
		check(t, "ConnectChannel", s.ConnectChannel(ctx, "g", 100, "a", at(0)))
		check(t, "PutSettings", s.PutSettings(ctx, "g", offline))
		// Seeded with two channels: removing one keeps the other's state.
		check(t, "Connect", s.Connect(ctx, "two", 100, at(0)))
		check(t, "Connect", s.Connect(ctx, "two", 200, at(0)))
		check(t, "PutSettings", s.PutSettings(ctx, "two", offline))
		check(t, "SetStreamStatus", s.SetStreamStatus(ctx, "two", at(1), event.Status{Live: true}))
		wantSweepGuilds(t, s, "before Disconnect", "g", "two")

		check(t, "Disconnect", s.Disconnect(ctx, "g", 100))
		check(t, "Disconnect", s.Disconnect(ctx, "two", 100))
		wantSweepGuilds(t, s, "after Disconnect", "two")
		if st, err := s.Stream(ctx, "two"); err != nil || !st.Live {
			t.Errorf("Stream(two) after removing one of its channels = %+v, %v; want live", st, err)
		}
		// The setting stays; it counts again once connected.
		if got, err := s.Settings(ctx, "g"); err != nil || !got.TrackOffline {
			t.Errorf("Settings(g) after Disconnect = %+v, %v; want tracking offline", got, err)
		}
		check(t, "ConnectChannel", s.ConnectChannel(ctx, "g", 300, "c", at(2)))
		wantSweepGuilds(t, s, "after connecting again", "g", "two")
		// A connection never lists settings that do not track offline.
		check(t, "ConnectChannel", s.ConnectChannel(ctx, "plain", 400, "d", at(2)))
		check(t, "PutSettings", s.PutSettings(ctx, "plain", settings.Defaults()))
		check(t, "ConnectChannel again", s.ConnectChannel(ctx, "plain", 400, "d", at(3)))
		wantSweepGuilds(t, s, "after connecting a guild that does not track offline", "g", "two")
	})

	t.Run("ConnectStartsFromNoStreamState", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		// Live state with no channel, as a disconnect left it before
		// Disconnect deleted it.
		check(t, "SetStreamStatus", s.SetStreamStatus(ctx, "g", at(1), event.Status{Live: true, StartedAt: at(1)}))
		wantSweep(t, s, "before connecting", "g")
		check(t, "ConnectChannel", s.ConnectChannel(ctx, "g", 100, "a", at(2)))
		wantSweep(t, s, "after connecting")
		check(t, "SetStreamStatus", s.SetStreamStatus(ctx, "g", at(3), event.Status{Live: true, StartedAt: at(3)}))
		// Connecting the same channel again (a reconnect) keeps its state.
		check(t, "ConnectChannel again", s.ConnectChannel(ctx, "g", 100, "a2", at(4)))
		wantSweep(t, s, "after reconnecting", "g")
		wantConnection(t, s, "g", 100, "a2", at(4))
	})

	t.Run("UnlistDisconnected", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		offline := settings.Defaults()
		offline.TrackOffline = true
		// Zombies, as disconnects left them before Disconnect cleared
		// them: a live stream and offline tracking with no connection.
		check(t, "SetStreamStatus", s.SetStreamStatus(ctx, "zombie-live", at(1), event.Status{Live: true}))
		check(t, "PutSettings", s.PutSettings(ctx, "zombie-offline", offline))
		check(t, "ConnectChannel", s.ConnectChannel(ctx, "kept-live", 100, "a", at(0)))
		check(t, "SetStreamStatus", s.SetStreamStatus(ctx, "kept-live", at(1), event.Status{Live: true}))
		check(t, "ConnectChannel", s.ConnectChannel(ctx, "kept-offline", 200, "b", at(0)))
		check(t, "PutSettings", s.PutSettings(ctx, "kept-offline", offline))
		wantSweepGuilds(t, s, "before", "kept-live", "kept-offline", "zombie-live", "zombie-offline")

		got, err := s.UnlistDisconnected(ctx)
		check(t, "UnlistDisconnected", err)
		if diff := cmp.Diff([]string{"zombie-live", "zombie-offline"}, got); diff != "" {
			t.Errorf("UnlistDisconnected (-want +got):\n%s", diff)
		}
		wantSweepGuilds(t, s, "after", "kept-live", "kept-offline")
		if set, err := s.Settings(ctx, "zombie-offline"); err != nil || !set.TrackOffline {
			t.Errorf("Settings(zombie-offline) = %+v, %v; want the setting kept", set, err)
		}
		got, err = s.UnlistDisconnected(ctx)
		check(t, "UnlistDisconnected again", err)
		if len(got) != 0 {
			t.Errorf("UnlistDisconnected again = %v, want none", got)
		}
		// Connecting lists the offline tracker again.
		check(t, "ConnectChannel", s.ConnectChannel(ctx, "zombie-offline", 300, "c", at(2)))
		wantSweepGuilds(t, s, "after connecting", "kept-live", "kept-offline", "zombie-offline")
	})

	t.Run("ReplaceChannel", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check(t, "ConnectChannel", s.ConnectChannel(ctx, "g", 100, "a", at(0)))
		check(t, "SetStreamStatus", s.SetStreamStatus(ctx, "g", at(1), event.Status{Live: true, Title: "a live", StartedAt: at(1)}))
		check(t, "SetStreamMetadata", s.SetStreamMetadata(ctx, "g", at(1), event.Metadata{Title: "a live"}))
		// Reconnecting the same channel keeps its state.
		check(t, "ConnectChannel again", s.ConnectChannel(ctx, "g", 100, "a", at(2)))
		wantSweep(t, s, "after reconnecting the same channel", "g")

		check(t, "ReplaceChannel", s.ReplaceChannel(ctx, "g", 100, 200, "b", at(3)))
		wantConnection(t, s, "g", 200, "b", at(3))
		wantSweep(t, s, "after switching channels")
		if st, err := s.Stream(ctx, "g"); err != nil || st.Live || st.Title != "" || !st.StatusAt.IsZero() {
			t.Errorf("Stream after the switch = %+v, %v; want no state", st, err)
		}
		for b, want := range map[int64][]string{100: nil, 200: {"g"}} {
			if got, err := s.Guilds(ctx, b); err != nil || !cmp.Equal(got, want) {
				t.Errorf("Guilds(%d) = %v, %v; want %v", b, got, err, want)
			}
		}
		// B says it is live.
		check(t, "SetStreamStatus", s.SetStreamStatus(ctx, "g", at(4), event.Status{Live: true, StartedAt: at(4)}))
		wantSweep(t, s, "after the new channel went live", "g")

		for name, err := range map[string]error{
			"without a guild":       s.ReplaceChannel(ctx, "", 100, 200, "b", at(5)),
			"without a previous":    s.ReplaceChannel(ctx, "g", 0, 200, "b", at(5)),
			"to the same channel":   s.ReplaceChannel(ctx, "g", 200, 200, "b", at(5)),
			"without a new channel": s.ReplaceChannel(ctx, "g", 200, 0, "b", at(5)),
		} {
			wantKind(t, "ReplaceChannel "+name, err, fault.Invalid)
		}
	})
}

// wantSweepGuilds checks the guilds the sweep visits.
func wantSweepGuilds(t *testing.T, s *Store, when string, want ...string) {
	t.Helper()
	got, err := s.SweepGuilds(t.Context())
	check(t, "SweepGuilds", err)
	if !cmp.Equal(got, want, cmpopts.EquateEmpty()) {
		t.Errorf("SweepGuilds %s = %v, want %v", when, got, want)
	}
}

// wantSweep checks the guilds the sweep visits, and that the live ones
// are the same.
func wantSweep(t *testing.T, s *Store, when string, want ...string) {
	t.Helper()
	for name, list := range map[string]func(context.Context) ([]string, error){"SweepGuilds": s.SweepGuilds, "LiveGuilds": s.LiveGuilds} {
		got, err := list(t.Context())
		check(t, name, err)
		if !cmp.Equal(got, want, cmpopts.EquateEmpty()) {
			t.Errorf("%s %s = %v, want %v", name, when, got, want)
		}
	}
}

func TestConnectionEmbedded(t *testing.T) {
	runConnectionSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}

// TestConnectionEmbeddedFailure: DynamoDB failing surfaces as Transient.
func TestConnectionEmbeddedFailure(t *testing.T) {
	s, srv := newEmbedded(t)
	ctx := t.Context()
	check(t, "ConnectChannel", s.ConnectChannel(ctx, "g", 100, "northwind", at(0)))
	srv.EmulateFailure(miniserver.FailureConditionInternalServerError)
	wantAllTransient(t, []storeCall{
		{"ConnectChannel", func() error { return s.ConnectChannel(ctx, "g", 100, "northwind", at(1)) }},
		{"Connection", func() error { _, _, _, err := s.Connection(ctx, "g"); return err }},
		{"Disconnect", func() error { return s.Disconnect(ctx, "g", 100) }},
		{"ReplaceChannel", func() error { return s.ReplaceChannel(ctx, "g", 100, 200, "other", at(1)) }},
	})
	srv.EmulateFailure(miniserver.FailureConditionNone)
	wantConnection(t, s, "g", 100, "northwind", at(0))
}
