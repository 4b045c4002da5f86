package clip_test

import (
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/clip"
)

// FuzzPost builds the clip channel's post of a marker from any title (as
// !clip tidies it), requester, stream title, category, channel and clip
// URL (any link up to 2,048 bytes): its embed fits Discord's limits, which
// refuses a post whole, and its links parse as http(s) links with a host.
func FuzzPost(f *testing.F) {
	f.Add("Big win", "alice", "BONUS HUNT | !gtb", "Slots & Casino", "northwind", "https://clips.example/c/1")
	f.Add("", "", "", "", "", "")
	f.Add(strings.Repeat("*", 300), strings.Repeat("_", 600), strings.Repeat("`", 1100), strings.Repeat("[", 600), "a b", "https://c.example/"+strings.Repeat("a", 2000))
	f.Fuzz(func(t *testing.T, title, user, streamTitle, category, channel, clipURL string) {
		if u, err := url.Parse(clipURL); err != nil || u.Host == "" || len(clipURL) > 2048 || strings.ContainsFunc(clipURL, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
			clipURL = ""
		}
		m := clip.Marker{Guild: "42", Stream: time.Unix(1773500000, 0), ID: "m1", At: time.Unix(1773503600, 0), Offset: time.Hour,
			Title: clip.Clean(title), Username: user, StreamTitle: streamTitle, Category: category, ClipURL: clipURL}
		p := clip.Post(m, channel)
		if why := p.Embed.Over(); why != "" {
			t.Fatalf("Post(title %d characters, user %d, stream %d, category %d, clip URL %d): %s", utf8.RuneCountInString(title),
				utf8.RuneCountInString(user), utf8.RuneCountInString(streamTitle), utf8.RuneCountInString(category), len(clipURL), why)
		}
		for _, link := range []string{p.Embed.URL, p.Link.URL} {
			if link == "" {
				continue
			}
			if u, err := url.Parse(link); err != nil || u.Host == "" || strings.ContainsFunc(link, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
				t.Fatalf("Post(channel %q, clip URL %q) links %q", channel, clipURL, link)
			}
		}
	})
}
