package clip_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/clip"
	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/stream"
)

// start is when the stream of these tests went live.
var start = time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)

func live() stream.State {
	return stream.State{Live: true, Title: "Bonus hunt Saturday", StartedAt: start, Category: event.Category{Name: "Slots & Casino"}}
}

// ask is a !clip by user (id) sent at start+after, run at once.
func ask(id string, user int64, name string, after time.Duration, args string) chat.Ask {
	sent := start.Add(after)
	return chat.Ask{Guild: "g", Broadcaster: 99, Asker: event.User{ID: user, Username: name}, Name: "clip", Args: args,
		MessageID: id, Sent: sent, Now: sent.Add(time.Second)}
}

func TestOffset(t *testing.T) {
	tests := []struct {
		name  string
		after time.Duration
		lead  time.Duration
		want  time.Duration
	}{
		{"lead taken off", time.Hour + 2*time.Minute + 33*time.Second, 30 * time.Second, time.Hour + 2*time.Minute + 3*time.Second},
		{"no lead", 90 * time.Second, 0, 90 * time.Second},
		{"lead longer than the stream", 10 * time.Second, 30 * time.Second, 0},
		{"sent before the start", -time.Minute, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clip.Offset(start, start.Add(tt.after), tt.lead); got != tt.want {
				t.Errorf("Offset(start, start+%v, %v) = %v, want %v", tt.after, tt.lead, got, tt.want)
			}
		})
	}
}

func TestFormatOffset(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0:00:00"},
		{1900 * time.Millisecond, "0:00:01"},
		{59 * time.Second, "0:00:59"},
		{time.Hour + time.Minute + time.Second, "1:01:01"},
		{25 * time.Hour, "25:00:00"},
		{-time.Second, "0:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := clip.FormatOffset(tt.d); got != tt.want {
				t.Errorf("FormatOffset(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Big win", "Big win"},
		{"spaces", "  big \t\n win  ", "big win"},
		{"emotes", "insane [emote:37226:KEKW] hit[emote:1:x]", "insane hit"},
		{"not an emote", "[emote:abc:x] ok", "[emote:abc:x] ok"},
		{"control", "a\x00b\x07c", "abc"},
		{"long", strings.Repeat("é", clip.MaxTitle+20), strings.Repeat("é", clip.MaxTitle)},
		{"empty", " [emote:1:x] ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clip.Clean(tt.in); got != tt.want {
				t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSettingsValidate(t *testing.T) {
	tests := []struct {
		name string
		set  clip.Settings
		ok   bool
	}{
		{"defaults", clip.Defaults(), true},
		{"no lead, no user cooldown", clip.Settings{Cooldown: clip.MinCooldown}, true},
		{"negative lead", clip.Settings{Lead: -time.Second, Cooldown: clip.MinCooldown}, false},
		{"lead too long", clip.Settings{Lead: clip.MaxLead + time.Second, Cooldown: clip.MinCooldown}, false},
		{"cooldown too short", clip.Settings{Cooldown: time.Second}, false},
		{"user cooldown too long", clip.Settings{Cooldown: clip.MinCooldown, UserCooldown: clip.MaxCooldown + 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.set.Validate()
			if tt.ok != (err == nil) || (err != nil && !fault.Is(err, fault.Invalid)) {
				t.Errorf("%+v.Validate() = %v, want ok %t", tt.set, err, tt.ok)
			}
		})
	}
}

// step is one !clip of a scenario and what it should get.
type step struct {
	ask   chat.Ask
	level command.Level
	// want is the reply; "" is silence (a cooldown).
	want string
}

func TestAnswerCooldownsAndOffsets(t *testing.T) {
	custom := clip.Settings{Lead: 10 * time.Second, Cooldown: 5 * time.Second, UserCooldown: 0}
	tests := []struct {
		name     string
		settings *clip.Settings
		steps    []step
	}{
		{"defaults", nil, []step{
			{ask: ask("m1", 1, "alice", time.Hour+2*time.Minute+33*time.Second, "Big win"), want: "@alice clip marked at 1:02:03: Big win"},
			// The guild's 15 s hold everyone.
			{ask: ask("m2", 2, "bob", time.Hour+2*time.Minute+40*time.Second, ""), want: ""},
			{ask: ask("m3", 2, "bob", time.Hour+2*time.Minute+48*time.Second, ""), want: "@bob clip marked at 1:02:18: Bonus hunt Saturday"},
			// alice's own 60 s still hold her after the guild's ended.
			{ask: ask("m4", 1, "alice", time.Hour+3*time.Minute+20*time.Second, "again"), want: ""},
			{ask: ask("m5", 1, "alice", time.Hour+3*time.Minute+34*time.Second, "again"), want: "@alice clip marked at 1:03:04: again"},
			// A moderator skips both.
			{ask: ask("m6", 3, "mod", time.Hour+3*time.Minute+35*time.Second, "mod"), level: command.Moderator, want: "@mod clip marked at 1:03:05: mod"},
		}},
		{"guild settings", &custom, []step{
			{ask: ask("m1", 1, "alice", 12*time.Second, "early"), want: "@alice clip marked at 0:00:02: early"},
			{ask: ask("m2", 1, "alice", 16*time.Second, "held"), want: ""},
			// No per-viewer cooldown: only the guild's 5 s.
			{ask: ask("m3", 1, "alice", 17*time.Second, "again"), want: "@alice clip marked at 0:00:07: again"},
		}},
		{"lead longer than the stream so far", nil, []step{
			{ask: ask("m1", 1, "alice", 12*time.Second, ""), want: "@alice clip marked at 0:00:00: Bonus hunt Saturday"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newStore(live(), "streamer")
			store.settings = tt.settings
			ann := &recordingAnnouncer{}
			c := &clip.Chat{Store: store, Announcer: ann}
			marked := 0
			for i, s := range tt.steps {
				s.ask.Level = s.level
				got, err := c.Answer(t.Context(), s.ask)
				if err != nil {
					t.Fatalf("step %d: Answer(%s) error: %v", i, s.ask.MessageID, err)
				}
				if got != s.want {
					t.Errorf("step %d: Answer(%s) = %q, want %q", i, s.ask.MessageID, got, s.want)
				}
				if s.want != "" {
					marked++
				}
			}
			all, _ := store.Clips(t.Context(), "g", start)
			if len(all) != marked || len(ann.posts) != marked {
				t.Errorf("%d markers and %d posts, want %d of each", len(all), len(ann.posts), marked)
			}
		})
	}
}

func TestAnswerOffline(t *testing.T) {
	tests := []struct {
		name string
		st   stream.State
	}{
		{"offline", stream.State{Title: "last stream", StartedAt: start, EndedAt: start.Add(time.Hour)}},
		{"never streamed", stream.State{}},
		{"live without a start", stream.State{Live: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newStore(tt.st, "streamer")
			ann, svc := &recordingAnnouncer{}, &fakeService{url: "https://clips.example/1"}
			c := &clip.Chat{Store: store, Announcer: ann, Service: svc}
			got, err := c.Answer(t.Context(), ask("m1", 1, "alice", time.Minute, "x"))
			want := "@alice the stream is offline: clips can only be marked while it is live"
			if err != nil || got != want {
				t.Errorf("Answer() = %q, %v; want %q", got, err, want)
			}
			if len(store.markers) != 0 || len(ann.posts) != 0 || len(svc.got) != 0 {
				t.Errorf("offline !clip: %d markers, %d posts, %d service requests; want none", len(store.markers), len(ann.posts), len(svc.got))
			}
		})
	}
}

func TestAnswerService(t *testing.T) {
	after := time.Hour + 2*time.Minute + 33*time.Second
	tests := []struct {
		name    string
		svc     *fakeService
		channel string
		want    string
		wantURL string
		asked   bool
	}{
		{"success", &fakeService{url: "https://clips.example/c/1"}, "streamer",
			"@alice clip made at 1:02:03: https://clips.example/c/1", "https://clips.example/c/1", true},
		{"error", &fakeService{err: fault.E(fault.Invalid, "clip service refused: 500")}, "streamer",
			"@alice clip marked at 1:02:03 (the clip service did not answer, the moment is saved): Big win", "", true},
		{"timeout", &fakeService{hold: true}, "streamer",
			"@alice clip marked at 1:02:03 (the clip service did not answer, the moment is saved): Big win", "", true},
		{"no channel to name", &fakeService{url: "https://clips.example/c/1"}, "",
			"@alice clip marked at 1:02:03: Big win", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newStore(live(), tt.channel)
			ann := &recordingAnnouncer{}
			c := &clip.Chat{Store: store, Announcer: ann, Service: tt.svc, Timeout: 20 * time.Millisecond}
			got, err := c.Answer(t.Context(), ask("m1", 1, "alice", after, "Big win"))
			if err != nil || got != tt.want {
				t.Errorf("Answer() = %q, %v; want %q", got, err, tt.want)
			}
			all, _ := store.Clips(t.Context(), "g", start)
			if len(all) != 1 {
				t.Fatalf("%d markers, want 1: the marker stands whatever the service does", len(all))
			}
			if all[0].Asked != tt.asked || all[0].ClipURL != tt.wantURL {
				t.Errorf("marker Asked, ClipURL = %t, %q; want %t, %q", all[0].Asked, all[0].ClipURL, tt.asked, tt.wantURL)
			}
			if tt.asked {
				want := []clip.Request{{Channel: "streamer", Duration: clip.DefaultLead, Username: "alice", Title: "Big win", Guild: "g"}}
				if diff := cmp.Diff(want, tt.svc.got); diff != "" {
					t.Errorf("service requests (-want +got):\n%s", diff)
				}
			}
			if len(ann.posts) != 1 {
				t.Fatalf("%d posts, want 1", len(ann.posts))
			}
			if got := ann.posts[0].Post.Vars["clip_url"]; got != tt.wantURL {
				t.Errorf("post's {clip_url} = %q, want %q", got, tt.wantURL)
			}
		})
	}
}

// TestAnswerRetried: a job run again (same message, later Now) finds its
// marker: one marker, one service request, one post, the same reply; a
// post that failed for a reason a retry may fix fails the job, and the
// retry posts it without asking the service again.
func TestAnswerRetried(t *testing.T) {
	store := newStore(live(), "streamer")
	ann := &recordingAnnouncer{err: fault.E(fault.Transient, "discord is down")}
	svc := &fakeService{url: "https://clips.example/c/1"}
	c := &clip.Chat{Store: store, Announcer: ann, Service: svc}
	a := ask("m1", 1, "alice", time.Hour, "")
	if _, err := c.Answer(t.Context(), a); !fault.Is(err, fault.Transient) {
		t.Fatalf("Answer(Discord down) error = %v, want fault.Transient", err)
	}
	ann.err = nil
	var replies []string
	for i := range 2 {
		a.Now = a.Now.Add(time.Duration(i+1) * time.Minute)
		got, err := c.Answer(t.Context(), a)
		if err != nil {
			t.Fatalf("retry %d: %v", i, err)
		}
		replies = append(replies, got)
	}
	want := "@alice clip made at 0:59:30: https://clips.example/c/1"
	if replies[0] != want || replies[1] != want {
		t.Errorf("retried replies = %q, want %q twice", replies, want)
	}
	if len(store.markers) != 1 || len(svc.got) != 1 || store.answers != 1 || len(ann.posts) != 1 {
		t.Errorf("after retries: %d markers, %d service requests, %d answers saved, %d posts; want 1 of each",
			len(store.markers), len(svc.got), store.answers, len(ann.posts))
	}
}

func TestAnswerErrors(t *testing.T) {
	t.Run("store fails", func(t *testing.T) {
		store := newStore(live(), "streamer")
		store.fail = fault.E(fault.Transient, "throttled")
		c := &clip.Chat{Store: store}
		if _, err := c.Answer(t.Context(), ask("m1", 1, "alice", time.Hour, "")); !fault.Is(err, fault.Transient) {
			t.Errorf("Answer(store throttled) error = %v, want fault.Transient", err)
		}
	})
	t.Run("post refused", func(t *testing.T) {
		store := newStore(live(), "streamer")
		c := &clip.Chat{Store: store, Announcer: &recordingAnnouncer{err: fault.E(fault.Forbidden, "missing access")}}
		got, err := c.Answer(t.Context(), ask("m1", 1, "alice", time.Hour, ""))
		if err != nil || got == "" {
			t.Errorf("Answer(post refused) = %q, %v; want the reply: the marker stands", got, err)
		}
	})
	t.Run("other command", func(t *testing.T) {
		c := &clip.Chat{Store: newStore(live(), "streamer")}
		a := ask("m1", 1, "alice", time.Hour, "")
		a.Name = "call"
		if got, err := c.Answer(t.Context(), a); got != "" || err != nil {
			t.Errorf("Answer(call) = %q, %v; want silence", got, err)
		}
	})
}

func TestPost(t *testing.T) {
	m := clip.Marker{Guild: "g", Stream: start, ID: "m1", At: start.Add(time.Hour), Offset: time.Hour - 30*time.Second,
		Title: "Big win", UserID: 1, Username: "alice", StreamTitle: "Bonus hunt Saturday", Category: "Slots & Casino"}
	fields := []interact.Field{
		{Name: "Offset", Value: "0:59:30", Inline: true},
		{Name: "Requested by", Value: "alice", Inline: true},
		{Name: "Stream", Value: "Bonus hunt Saturday"},
		{Name: "Category", Value: "Slots & Casino", Inline: true},
	}
	withURL := m
	withURL.Asked, withURL.ClipURL = true, "https://clips.example/c/1"
	tests := []struct {
		name    string
		m       clip.Marker
		channel string
		want    announce.Post
	}{
		{"marker", m, "streamer", announce.Post{
			Embed: interact.Embed{Title: "🎬 Big win", URL: "https://kick.com/streamer",
				Description: "Clip marked 0:59:30 into the stream started <t:1773514800:f>.", Fields: fields, Color: 0x53FC18, Timestamp: m.At},
			Link: announce.Link{Label: "Watch on Kick", URL: "https://kick.com/streamer"},
			Vars: map[string]string{"user": "alice", "title": "Big win", "offset": "0:59:30", "channel": "streamer", "url": "https://kick.com/streamer"},
		}},
		{"clip made", withURL, "streamer", announce.Post{
			Embed: interact.Embed{Title: "🎬 Big win", URL: "https://clips.example/c/1",
				Description: "Clip of 0:59:30 into the stream: https://clips.example/c/1", Fields: fields, Color: 0x53FC18, Timestamp: m.At},
			Link: announce.Link{Label: "Watch on Kick", URL: "https://kick.com/streamer"},
			Vars: map[string]string{"user": "alice", "title": "Big win", "offset": "0:59:30", "channel": "streamer", "url": "https://kick.com/streamer",
				"clip_url": "https://clips.example/c/1"},
		}},
		{"no channel", m, "", announce.Post{
			Embed: interact.Embed{Title: "🎬 Big win",
				Description: "Clip marked 0:59:30 into the stream started <t:1773514800:f>.", Fields: fields, Color: 0x53FC18, Timestamp: m.At},
			Vars: map[string]string{"user": "alice", "title": "Big win", "offset": "0:59:30", "channel": "", "url": ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, clip.Post(tt.m, tt.channel)); diff != "" {
				t.Errorf("Post() (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAnnouncedKind: the post goes out as announce.Clip, its cause the
// marker's message id.
func TestAnnouncedKind(t *testing.T) {
	ann := &recordingAnnouncer{}
	c := &clip.Chat{Store: newStore(live(), "streamer"), Announcer: ann}
	if _, err := c.Answer(t.Context(), ask("m7", 1, "alice", time.Hour, "")); err != nil {
		t.Fatal(err)
	}
	if len(ann.posts) != 1 || ann.posts[0].Kind != announce.Clip || ann.posts[0].Cause != "m7" || ann.posts[0].Guild != "g" {
		t.Errorf("posts = %+v, want one announce.Clip of guild g caused by m7", ann.posts)
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"pixel_panda", `pixel\_panda`},
		{"*big* win", `\*big\* win`},
		{"<@&123> [link](x) `code` ~~s~~ ||spoiler|| \\", "\\<@&123> \\[link\\](x) \\`code\\` \\~\\~s\\~\\~ \\|\\|spoiler\\|\\| \\\\"},
		{"Slots & Casino", "Slots & Casino"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := clip.Escape(tt.in); got != tt.want {
				t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestPostEscapes: what viewers typed shows as typed in the embed, and
// as typed in the template's variables (the announcer renders those).
func TestPostEscapes(t *testing.T) {
	m := clip.Marker{Guild: "g", Stream: start, ID: "m1", At: start.Add(time.Hour), Title: "*big* win", Username: "pixel_panda"}
	p := clip.Post(m, "streamer")
	if p.Embed.Title != `🎬 \*big\* win` || p.Embed.Fields[1].Value != `pixel\_panda` {
		t.Errorf("Post() embed title %q, requester %q; want the markdown escaped", p.Embed.Title, p.Embed.Fields[1].Value)
	}
	if p.Vars["title"] != "*big* win" || p.Vars["user"] != "pixel_panda" {
		t.Errorf("Post() vars %v, want the text as typed", p.Vars)
	}
}
