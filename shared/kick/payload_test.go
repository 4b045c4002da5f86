package kick_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/kick"
)

func delivery(typ string) kick.Delivery {
	return kick.Delivery{MessageID: testMessageID, Type: typ, Version: "1", Timestamp: sentAt}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

var (
	pixelpanda = event.User{ID: testSender, Username: "pixelpanda", Slug: "pixelpanda"}
	mossyrock  = event.User{ID: 73310954, Username: "mossyrock", Slug: "mossyrock"}
	quietfox   = event.User{ID: 60411532, Username: "quietfox", Slug: "quietfox"}
)

// TestParseFixtures pins the translation of every fixture, field by field.
func TestParseFixtures(t *testing.T) {
	chatter := pixelpanda
	chatter.Badges = []event.Badge{{Type: "subscriber", Text: "Subscriber", Count: 6}}
	tests := []struct {
		fixture string
		want    event.Event // ID, SentAt and Broadcaster are filled in below
	}{
		{"chat.message.sent", event.Event{Type: event.ChatMessage, Chat: &event.Chat{
			MessageID: "7c1e0b52-3f4a-4d8e-9a51-2b6f0c9d1e44",
			Sender: event.User{ID: testSender, Username: "pixelpanda", Slug: "pixelpanda", Badges: []event.Badge{
				{Type: "subscriber", Text: "Subscriber", Count: 6},
				{Type: "sub_gifter", Text: "Sub Gifter", Count: 5},
				{Type: "og", Text: "OG"},
			}},
			Content:   "it's Hollow Drift, gg [emote:812345:peepoClap]",
			CreatedAt: at("2026-03-14T19:02:11Z"),
			ReplyTo:   "0b9e51d2-6a7c-4f13-8d2e-5c4b3a291f08",
		}}},
		{"chat.message.sent.command", event.Event{Type: event.ChatMessage, Chat: &event.Chat{
			MessageID: "c3a9f1d7-2b84-4e61-9f0a-7d5e8b1c4a26",
			Sender:    chatter,
			Content:   "!points",
			CreatedAt: at("2026-03-14T19:03:40Z"),
		}}},
		{"channel.followed", event.Event{Type: event.Followed, Follow: &event.Follow{Follower: mossyrock}}},
		{"channel.subscription.new", event.Event{Type: event.SubscriptionNew, Sub: &event.Sub{
			Subscriber: event.User{ID: 68120443, Username: "tidepool", Slug: "tidepool"},
			Months:     1,
			CreatedAt:  at("2026-03-14T19:05:00Z"),
			ExpiresAt:  at("2026-04-14T19:05:00Z"),
		}}},
		{"channel.subscription.renewal", event.Event{Type: event.SubscriptionRenew, Sub: &event.Sub{
			Subscriber: pixelpanda,
			Months:     7,
			CreatedAt:  at("2026-03-14T19:06:12Z"),
			ExpiresAt:  at("2026-04-14T19:06:12Z"),
		}}},
		{"channel.subscription.gifts", event.Event{Type: event.SubscriptionGifts, Gifts: &event.Gifts{
			Gifter: pixelpanda,
			Giftees: []event.User{mossyrock, quietfox,
				{ID: 80025517, Username: "lanternjaw", Slug: "lanternjaw"}},
			CreatedAt: at("2026-03-14T19:10:00Z"),
			ExpiresAt: at("2026-04-14T19:10:00Z"),
		}}},
		{"channel.reward.redemption.updated", event.Event{Type: event.RewardRedemption, Redemption: &event.Redemption{
			ID:         "01JQ8A1B2C3D4E5F6G7H8J9K0M",
			Status:     "pending",
			UserInput:  "play the cursed map",
			RedeemedAt: time.Date(2026, 3, 14, 19, 20, 31, 452e6, time.UTC),
			Reward:     event.Reward{ID: "01JQ7X4K9M2N5P8R1T6V3W0YZB", Title: "Hydrate!", Cost: 500, Description: "Streamer drinks water"},
			Redeemer:   pixelpanda,
		}}},
		{"livestream.status.updated", event.Event{Type: event.LivestreamStatus, Status: &event.Status{
			Live:      true,
			Title:     "Ranked grind, !discord",
			StartedAt: time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC), // 20:00+01:00
		}}},
		{"livestream.metadata.updated", event.Event{Type: event.LivestreamMetadata, Metadata: &event.Metadata{
			Title:    "Ranked grind, !discord",
			Language: "en",
			Category: event.Category{ID: 15, Name: "Just Chatting", Thumbnail: "https://files.kick.com/images/subcategories/15/banner/just-chatting.webp"},
		}}},
		{"moderation.banned", event.Event{Type: event.Banned, Ban: &event.Ban{
			Moderator: event.User{ID: 39017266, Username: "ironkettle", Slug: "ironkettle"},
			Target:    event.User{ID: 91552300, Username: "linkdrop99", Slug: "linkdrop99"},
			Reason:    "spam links",
			CreatedAt: at("2026-03-14T19:25:00Z"),
			ExpiresAt: at("2026-03-14T19:35:00Z"),
		}}},
		{"kicks.gifted", event.Event{Type: event.KicksGifted, Kicks: &event.Kicks{
			Sender:        pixelpanda,
			Amount:        250,
			Name:          "Hype Train",
			GiftType:      "LEVEL_UP",
			Tier:          "MID",
			Message:       "lets go",
			PinnedSeconds: 300,
			CreatedAt:     time.Date(2026, 3, 14, 19, 30, 8, 634e6, time.UTC),
		}}},
	}
	seen := map[event.Type]bool{}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			want := tt.want
			want.ID, want.SentAt, want.Broadcaster = testMessageID, sentAt, testBroadcaster
			got, err := kick.Parse(delivery(string(want.Type)), fixture(t, tt.fixture))
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Parse() (-want +got):\n%s", diff)
			}
			seen[got.Type] = true
		})
	}
	for _, typ := range event.Types {
		if !seen[typ] {
			t.Errorf("no fixture parses to %s", typ)
		}
	}
}

// TestParseShapes covers the payload variations of kick-api.md §5 and §11.9
// that the fixtures do not.
func TestParseShapes(t *testing.T) {
	const b = `"broadcaster":{"user_id":4402117,"username":"northwind","channel_slug":"northwind","identity":null}`
	const sender = `"sender":{"is_anonymous":false,"user_id":51234077,"username":"pixelpanda","identity":%s}`
	tests := []struct {
		name  string
		typ   event.Type
		body  string
		check func(t *testing.T, ev event.Event)
	}{
		{"null identity and emotes", event.ChatMessage,
			`{"message_id":"m1",` + b + `,` + strings.Replace(sender, "%s", "null", 1) + `,"content":"hi","emotes":null}`,
			func(t *testing.T, ev event.Event) {
				if got := ev.Chat.Sender.Badges; got != nil {
					t.Errorf("Badges = %v, want nil", got)
				}
				if !ev.Chat.CreatedAt.IsZero() {
					t.Errorf("CreatedAt = %v, want zero when absent", ev.Chat.CreatedAt)
				}
			}},
		{"numeric emote id", event.ChatMessage,
			`{"message_id":"m1",` + b + `,` + strings.Replace(sender, "%s", `{"badges":[]}`, 1) +
				`,"content":"[emote:37226:KEKW]","emotes":[{"emote_id":37226,"positions":[{"s":0,"e":17}]}]}`,
			func(t *testing.T, ev event.Event) {
				if got, want := ev.Chat.Content, "[emote:37226:KEKW]"; got != want {
					t.Errorf("Content = %q, want %q", got, want)
				}
			}},
		{"badge without count", event.ChatMessage,
			`{"message_id":"m1",` + b + `,` + strings.Replace(sender, "%s", `{"username_color":"#FF0000","badges":[{"text":"Moderator","type":"moderator"}]}`, 1) + `,"content":"x"}`,
			func(t *testing.T, ev event.Event) {
				if !ev.Chat.Sender.HasBadge("moderator") {
					t.Errorf("Sender.Badges = %v, want a moderator badge", ev.Chat.Sender.Badges)
				}
			}},
		{"unknown fields", event.Followed,
			`{` + b + `,"follower":{"user_id":7,"username":"a","future_field":[1,2]},"followed_at":"2027-01-01T00:00:00Z"}`,
			func(t *testing.T, ev event.Event) {
				if got, want := ev.Follow.Follower.ID, int64(7); got != want {
					t.Errorf("Follower.ID = %d, want %d", got, want)
				}
			}},
		{"anonymous gifter", event.SubscriptionGifts,
			`{` + b + `,"gifter":{"is_anonymous":true,"user_id":null,"username":null,"is_verified":null,"profile_picture":null,"channel_slug":null,"identity":null},` +
				`"giftees":[{"user_id":7,"username":"a"},{"user_id":8,"username":"b"}],"created_at":"2026-03-14T19:10:00Z","expires_at":"2026-04-14T19:10:00Z"}`,
			func(t *testing.T, ev event.Event) {
				if got, want := ev.Gifts.Gifter, (event.User{Anonymous: true}); !cmp.Equal(got, want) {
					t.Errorf("Gifter = %+v, want %+v", got, want)
				}
				if got, want := len(ev.Gifts.Giftees), 2; got != want {
					t.Errorf("gift count = %d, want %d", got, want)
				}
				if _, ok := ev.Actor(); ok {
					t.Error("Actor() ok = true for an anonymous gifter, want false")
				}
			}},
		{"stream ended", event.LivestreamStatus,
			`{` + b + `,"is_live":false,"title":"t","started_at":"2026-03-14T20:00:00+01:00","ended_at":"2026-03-14T23:30:00.5+01:00"}`,
			func(t *testing.T, ev event.Event) {
				want := event.Status{
					Title:     "t",
					StartedAt: time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC),
					EndedAt:   time.Date(2026, 3, 14, 22, 30, 0, 5e8, time.UTC),
				}
				if diff := cmp.Diff(want, *ev.Status); diff != "" {
					t.Errorf("Status (-want +got):\n%s", diff)
				}
			}},
		{"permanent ban", event.Banned,
			`{` + b + `,"moderator":{"user_id":3,"username":"m"},"banned_user":{"user_id":9,"username":"x"},` +
				`"metadata":{"reason":"","created_at":"2026-03-14T19:25:00Z","expires_at":null}}`,
			func(t *testing.T, ev event.Event) {
				if !ev.Ban.Permanent() {
					t.Errorf("Permanent() = false for expires_at null, ExpiresAt = %v", ev.Ban.ExpiresAt)
				}
			}},
		{"mature metadata", event.LivestreamMetadata,
			`{` + b + `,"metadata":{"title":"late night","language":"de","has_mature_content":true,"category":{"id":28,"name":"Slots & Casino","thumbnail":""}}}`,
			func(t *testing.T, ev event.Event) {
				want := event.Metadata{Title: "late night", Language: "de", Mature: true, Category: event.Category{ID: 28, Name: "Slots & Casino"}}
				if diff := cmp.Diff(want, *ev.Metadata); diff != "" {
					t.Errorf("Metadata (-want +got):\n%s", diff)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := kick.Parse(delivery(string(tt.typ)), []byte(tt.body))
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			if ev.Broadcaster != testBroadcaster || ev.ID != testMessageID || ev.Type != tt.typ {
				t.Errorf("Parse() = {ID:%q Type:%q Broadcaster:%d}, want {%q %q %d}",
					ev.ID, ev.Type, ev.Broadcaster, testMessageID, tt.typ, testBroadcaster)
			}
			tt.check(t, ev)
		})
	}
}

func TestParseRejects(t *testing.T) {
	const b = `"broadcaster":{"user_id":4402117}`
	chat := func(fields string) string { return `{` + b + `,` + fields + `}` }
	tests := []struct {
		name     string
		typ      string
		body     string
		wantKind fault.Kind
		wantMsg  string
	}{
		{"unknown type", "channel.raided", `{` + b + `}`, fault.NotFound, `unknown event type "channel.raided"`},
		{"empty type", "", `{` + b + `}`, fault.NotFound, `unknown event type ""`},
		{"long type is clipped", strings.Repeat("x", 100), `{}`, fault.NotFound, `unknown event type "` + strings.Repeat("x", 64) + `"`},
		{"empty body", "chat.message.sent", ``, fault.Invalid, "malformed payload"},
		{"truncated JSON", "chat.message.sent", `{"broadcaster":{"user_id":4402117}`, fault.Invalid, "malformed payload"},
		{"trailing data", "channel.followed", `{` + b + `,"follower":{}} {}`, fault.Invalid, "malformed payload"},
		{"array", "channel.followed", `[]`, fault.Invalid, "malformed payload"},
		{"string user id", "channel.followed", `{"broadcaster":{"user_id":"4402117"},"follower":{}}`, fault.Invalid, "malformed payload"},
		{"bad time", "channel.subscription.new", `{` + b + `,"subscriber":{},"created_at":"14/03/2026"}`, fault.Invalid, "malformed payload"},
		{"null body", "channel.followed", `null`, fault.Invalid, "payload has no broadcaster"},
		{"no broadcaster", "channel.followed", `{"follower":{"user_id":7}}`, fault.Invalid, "payload has no broadcaster"},
		{"null broadcaster", "channel.followed", `{"broadcaster":null,"follower":{"user_id":7}}`, fault.Invalid, "payload has no broadcaster"},
		{"broadcaster id 0", "channel.followed", `{"broadcaster":{"user_id":0},"follower":{"user_id":7}}`, fault.Invalid, "payload has no broadcaster user id"},
		{"broadcaster id negative", "channel.followed", `{"broadcaster":{"user_id":-4},"follower":{"user_id":7}}`, fault.Invalid, "payload has no broadcaster user id"},
		{"broadcaster id null", "channel.followed", `{"broadcaster":{"user_id":null},"follower":{"user_id":7}}`, fault.Invalid, "payload has no broadcaster user id"},
		{"chat without message id", "chat.message.sent", chat(`"sender":{"user_id":7},"content":"x"`), fault.Invalid, "chat message has no message_id"},
		{"chat without sender", "chat.message.sent", chat(`"message_id":"m1","content":"x"`), fault.Invalid, "chat message has no sender user id"},
		{"chat with anonymous sender", "chat.message.sent", chat(`"message_id":"m1","sender":{"user_id":null},"content":"x"`), fault.Invalid, "chat message has no sender user id"},
		// The type header is not signed: a body relabelled as another type
		// must not pass as an empty event of that type.
		{"chat relabelled as follow", "channel.followed", chat(`"message_id":"m1","sender":{"user_id":7}`), fault.Invalid, "follow has no follower"},
		{"sub without subscriber", "channel.subscription.renewal", chat(`"duration":3`), fault.Invalid, "subscription has no subscriber"},
		{"gifts without gifter", "channel.subscription.gifts", chat(`"giftees":[]`), fault.Invalid, "gift has no gifter"},
		{"redemption without id", "channel.reward.redemption.updated", chat(`"reward":{},"redeemer":{}`), fault.Invalid, "redemption has no id"},
		{"redemption without reward", "channel.reward.redemption.updated", chat(`"id":"r","redeemer":{}`), fault.Invalid, "redemption has no reward"},
		{"redemption without redeemer", "channel.reward.redemption.updated", chat(`"id":"r","reward":{"id":"w"}`), fault.Invalid, "redemption has no redeemer"},
		{"redemption without reward id", "channel.reward.redemption.updated", chat(`"id":"r","reward":{},"redeemer":{"user_id":7},"status":"pending"`), fault.Invalid, "redemption has no reward id"},
		{"redemption without redeemer id", "channel.reward.redemption.updated", chat(`"id":"r","reward":{"id":"w"},"redeemer":{},"status":"pending"`), fault.Invalid, "redemption has no redeemer user id"},
		{"redemption without status", "channel.reward.redemption.updated", chat(`"id":"r","reward":{"id":"w"},"redeemer":{"user_id":7}`), fault.Invalid, "redemption has no status"},
		{"follow without follower id", "channel.followed", chat(`"follower":{"username":"a"}`), fault.Invalid, "follow has no follower user id"},
		{"sub without subscriber id", "channel.subscription.new", chat(`"subscriber":{},"duration":1,"created_at":"2026-03-14T19:05:00Z"`), fault.Invalid, "subscription has no subscriber user id"},
		{"sub without duration", "channel.subscription.new", chat(`"subscriber":{"user_id":7},"created_at":"2026-03-14T19:05:00Z"`), fault.Invalid, "subscription has no duration"},
		{"sub without created_at", "channel.subscription.renewal", chat(`"subscriber":{"user_id":7},"duration":3`), fault.Invalid, "subscription has no created_at"},
		{"gifts without gifter id", "channel.subscription.gifts", chat(`"gifter":{"is_anonymous":false},"giftees":[{"user_id":7}],"created_at":"2026-03-14T19:05:00Z"`), fault.Invalid, "gift has no gifter user id"},
		{"gifts without giftees", "channel.subscription.gifts", chat(`"gifter":{"user_id":7},"giftees":[],"created_at":"2026-03-14T19:05:00Z"`), fault.Invalid, "gift has no giftees"},
		{"gifts without created_at", "channel.subscription.gifts", chat(`"gifter":{"user_id":7},"giftees":[{"user_id":8}]`), fault.Invalid, "gift has no created_at"},
		{"gifts with an anonymous giftee", "channel.subscription.gifts", chat(`"gifter":{"user_id":7},"giftees":[{"user_id":null}],"created_at":"2026-03-14T19:05:00Z"`), fault.Invalid, "gift has a giftee without a user id"},
		{"metadata without title", "livestream.metadata.updated", chat(`"metadata":{"language":"en","has_mature_content":false,"category":{"id":15}}`), fault.Invalid, "metadata update has no title"},
		{"metadata without language", "livestream.metadata.updated", chat(`"metadata":{"title":"t","has_mature_content":false,"category":{"id":15}}`), fault.Invalid, "metadata update has no language"},
		{"metadata without mature flag", "livestream.metadata.updated", chat(`"metadata":{"title":"t","language":"en","category":{"id":15}}`), fault.Invalid, "metadata update has no has_mature_content"},
		{"metadata without category", "livestream.metadata.updated", chat(`"metadata":{"title":"t","language":"en","has_mature_content":false}`), fault.Invalid, "metadata update has no category"},
		{"ban metadata as metadata update", "livestream.metadata.updated", chat(`"banned_user":{"user_id":9},"metadata":{"reason":"spam","created_at":"2026-03-14T19:25:00Z","expires_at":null}`), fault.Invalid, "metadata update has no title"},
		{"ban without metadata", "moderation.banned", chat(`"banned_user":{"user_id":9}`), fault.Invalid, "ban has no metadata.created_at"},
		{"ban without created_at", "moderation.banned", chat(`"banned_user":{"user_id":9},"metadata":{"reason":"x"}`), fault.Invalid, "ban has no metadata.created_at"},
		{"kicks without sender id", "kicks.gifted", chat(`"sender":{},"gift":{"amount":5}`), fault.Invalid, "KICKs gift has no sender user id"},
		{"kicks without amount", "kicks.gifted", chat(`"sender":{"user_id":7},"gift":{"name":"x"}`), fault.Invalid, "KICKs gift has no amount"},
		{"status without is_live", "livestream.status.updated", chat(`"title":"t"`), fault.Invalid, "status has no is_live"},
		{"metadata without metadata", "livestream.metadata.updated", chat(`"title":"t"`), fault.Invalid, "metadata update has no metadata"},
		{"ban without target", "moderation.banned", chat(`"moderator":{"user_id":3},"metadata":{}`), fault.Invalid, "ban has no banned user id"},
		{"kicks without sender", "kicks.gifted", chat(`"gift":{"amount":5}`), fault.Invalid, "KICKs gift has no sender"},
		{"kicks without gift", "kicks.gifted", chat(`"sender":{"user_id":7}`), fault.Invalid, "KICKs gift has no gift"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kick.Parse(delivery(tt.typ), []byte(tt.body))
			if err == nil {
				t.Fatalf("Parse() = %+v, want a %v error", got, tt.wantKind)
			}
			if k := fault.KindOf(err); k != tt.wantKind {
				t.Errorf("Parse() error kind = %v, want %v (%v)", k, tt.wantKind, err)
			}
			if got := fault.Message(err); got != tt.wantMsg {
				t.Errorf("Parse() error message = %q, want %q", got, tt.wantMsg)
			}
		})
	}
}

// TestParseRelabelled re-sends every fixture under every other type, as an
// attacker can (the type header is not signed). Each must be refused,
// except where the body really has the other type's fields: only a new
// subscription and a renewal share their shape.
func TestParseRelabelled(t *testing.T) {
	fixtures := map[string]event.Type{
		"chat.message.sent":                 event.ChatMessage,
		"chat.message.sent.command":         event.ChatMessage,
		"channel.followed":                  event.Followed,
		"channel.subscription.new":          event.SubscriptionNew,
		"channel.subscription.renewal":      event.SubscriptionRenew,
		"channel.subscription.gifts":        event.SubscriptionGifts,
		"channel.reward.redemption.updated": event.RewardRedemption,
		"livestream.status.updated":         event.LivestreamStatus,
		"livestream.metadata.updated":       event.LivestreamMetadata,
		"moderation.banned":                 event.Banned,
		"kicks.gifted":                      event.KicksGifted,
	}
	sameShape := map[[2]event.Type]bool{
		{event.SubscriptionNew, event.SubscriptionRenew}: true,
		{event.SubscriptionRenew, event.SubscriptionNew}: true,
	}
	if len(event.Types) != 10 {
		t.Fatalf("event.Types has %d types; add the new one's fixture here", len(event.Types))
	}
	for name, own := range fixtures {
		body := fixture(t, name)
		for _, as := range event.Types {
			if as == own {
				continue
			}
			t.Run(name+" as "+string(as), func(t *testing.T) {
				ev, err := kick.Parse(delivery(string(as)), body)
				if sameShape[[2]event.Type{own, as}] {
					if err != nil {
						t.Errorf("Parse() error = %v, want the shared shape accepted", err)
					}
					return
				}
				if err == nil {
					t.Fatalf("Parse() = %+v, want an invalid error", ev)
				}
				if k := fault.KindOf(err); k != fault.Invalid {
					t.Errorf("Parse() error kind = %v, want invalid (%v)", k, err)
				}
			})
		}
	}
}
