package kicksim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kickbot/kickbot/shared/event"
)

// Scenario describes a stream to simulate.
type Scenario struct {
	Broadcaster int64     // the channel's Kick user id
	Viewers     int       // distinct chatters
	Minutes     int       // length of the stream
	Start       time.Time // when it goes live
	Seed        uint64    // makes the chat pattern repeatable
	// Duplicates re-sends this many deliveries (the non-chat ones first) with
	// their original ids, as Kick does when it retries.
	Duplicates int
	// StayLive leaves the stream live at the end, so the sweep keeps
	// crediting the chatters.
	StayLive bool
}

// ViewerID is the Kick user id the scenario gives viewer i (0-based).
func (s Scenario) ViewerID(i int) int64 { return 70_000_000 + int64(i) }

// Deliveries builds the stream: it goes live, its title changes, viewers
// chat (each about once a minute, some using !points), someone follows,
// subscribes, renews, gifts five subs, sends KICKs and redeems a reward, a
// moderator times someone out, and the stream ends (unless StayLive). Times run from Start
// to Start+Minutes; duplicates come last.
func (s Scenario) Deliveries() []Delivery {
	r := rand.New(rand.NewPCG(s.Seed, 0x6b69636b))
	ids := NewIDs(s.Start)
	var out []Delivery
	add := func(t event.Type, at time.Time, body any) {
		b, err := json.Marshal(body)
		if err != nil {
			panic(err) // bodies are built from plain maps; cannot fail
		}
		out = append(out, Delivery{ID: ids.Next(at), Type: t, At: at, Body: b})
	}
	bc := s.user(s.Broadcaster, "streamer")
	end := s.Start.Add(time.Duration(s.Minutes) * time.Minute)
	add(event.LivestreamStatus, s.Start, m{"broadcaster": bc, "is_live": true, "title": "Ranked grind, !discord",
		"started_at": s.Start.Format(time.RFC3339), "ended_at": nil})
	add(event.LivestreamMetadata, s.Start.Add(30*time.Second), m{"broadcaster": bc, "metadata": m{
		"title": "Ranked grind, !discord", "language": "en", "has_mature_content": false,
		"category": m{"id": 15, "name": "Just Chatting", "thumbnail": "https://files.example/c/15.webp"}}})

	for minute := range s.Minutes {
		for v := range s.Viewers {
			if r.IntN(4) == 0 { // about three in four viewers chat in a given minute
				continue
			}
			at := s.Start.Add(time.Duration(minute)*time.Minute + time.Duration(r.IntN(60_000))*time.Millisecond)
			content := chatLines[r.IntN(len(chatLines))]
			if r.IntN(20) == 0 {
				content = "!points"
			}
			add(event.ChatMessage, at, s.chat(bc, v, content, at))
		}
	}
	mid := s.Start.Add(time.Duration(s.Minutes) * time.Minute / 2)
	add(event.Followed, mid, m{"broadcaster": bc, "follower": s.viewer(0)})
	add(event.SubscriptionNew, mid.Add(time.Second), m{"broadcaster": bc, "subscriber": s.viewer(1), "duration": 1,
		"created_at": mid.Format(time.RFC3339), "expires_at": mid.AddDate(0, 1, 0).Format(time.RFC3339)})
	add(event.SubscriptionRenew, mid.Add(2*time.Second), m{"broadcaster": bc, "subscriber": s.viewer(2), "duration": 7,
		"created_at": mid.Format(time.RFC3339), "expires_at": mid.AddDate(0, 1, 0).Format(time.RFC3339)})
	giftees := []m{}
	for i := range min(5, s.Viewers) {
		giftees = append(giftees, s.viewer(i))
	}
	add(event.SubscriptionGifts, mid.Add(3*time.Second), m{"broadcaster": bc, "gifter": s.viewer(3), "giftees": giftees,
		"created_at": mid.Format(time.RFC3339), "expires_at": mid.AddDate(0, 1, 0).Format(time.RFC3339)})
	add(event.KicksGifted, mid.Add(4*time.Second), m{"broadcaster": bc, "sender": s.viewer(4), "gift": m{
		"amount": 250, "name": "Hype Train", "type": "LEVEL_UP", "tier": "MID", "message": "lets go", "pinned_time_seconds": 300},
		"created_at": mid.Format(time.RFC3339Nano)})
	add(event.RewardRedemption, mid.Add(5*time.Second), m{"id": ids.Next(mid), "user_input": "play the cursed map", "status": "pending",
		"redeemed_at": mid.Format(time.RFC3339Nano), "redeemer": s.viewer(5), "broadcaster": bc,
		"reward": m{"id": ids.Next(mid), "title": "Hydrate!", "cost": 500, "description": "Streamer drinks water"}})
	add(event.Banned, mid.Add(6*time.Second), m{"broadcaster": bc, "moderator": s.user(s.Broadcaster+1, "mod"),
		"banned_user": s.viewer(s.Viewers - 1), "metadata": m{"reason": "spam links", "created_at": mid.Format(time.RFC3339),
			"expires_at": mid.Add(10 * time.Minute).Format(time.RFC3339)}})
	if !s.StayLive {
		add(event.LivestreamStatus, end, m{"broadcaster": bc, "is_live": false, "title": "Ranked grind, !discord",
			"started_at": s.Start.Format(time.RFC3339), "ended_at": end.Format(time.RFC3339)})
	}

	// Retries: non-chat deliveries first, since those are the ones whose
	// duplicates could do harm.
	var dups []Delivery
	for _, d := range out {
		if len(dups) == s.Duplicates {
			break
		}
		if d.Type != event.ChatMessage {
			dups = append(dups, d)
		}
	}
	for _, d := range out {
		if len(dups) == s.Duplicates {
			break
		}
		if d.Type == event.ChatMessage {
			dups = append(dups, d)
		}
	}
	return append(out, dups...)
}

type m = map[string]any

var chatLines = []string{"gg", "lets gooo", "what game is this?", "LUL", "hi chat", "W stream", "that was close", "discord link?"}

func (s Scenario) user(id int64, name string) m {
	return m{"is_anonymous": false, "user_id": id, "username": name, "is_verified": false,
		"profile_picture": "", "channel_slug": name, "identity": nil}
}

func (s Scenario) viewer(i int) m { return s.user(s.ViewerID(i), fmt.Sprintf("viewer%03d", i)) }

func (s Scenario) chat(bc m, v int, content string, at time.Time) m {
	sender := s.viewer(v)
	badges := []m{}
	if v%5 == 0 {
		badges = append(badges, m{"text": "Subscriber", "type": "subscriber", "count": 3})
	}
	sender["identity"] = m{"username_color": "#1E90FF", "badges": badges}
	return m{"message_id": fmt.Sprintf("%08x-0000-4000-8000-%012x", v, at.UnixMilli()), "broadcaster": bc,
		"sender": sender, "content": content, "emotes": nil, "created_at": at.Format(time.RFC3339)}
}

// ChatBurst is n plain chat messages spread evenly over the minute after
// Start, the viewers taking turns: the load of a busy chat.
func (s Scenario) ChatBurst(n int) []Delivery {
	ids := NewIDs(s.Start)
	bc := s.user(s.Broadcaster, "streamer")
	out := make([]Delivery, n)
	for i := range out {
		at := s.Start.Add(time.Duration(i) * time.Minute / time.Duration(n))
		b, err := json.Marshal(s.chat(bc, i%s.Viewers, chatLines[i%len(chatLines)], at))
		if err != nil {
			panic(err)
		}
		out[i] = Delivery{ID: ids.Next(at), Type: event.ChatMessage, At: at, Body: b}
	}
	return out
}
