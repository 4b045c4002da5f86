package clip_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/clip"
	"github.com/kickbot/kickbot/shared/interact"
)

// overDiscord reports why e is over Discord's limits for an embed
// (title 256, description 4,096, field 1,024, 6,000 in all), "" when it
// fits.
func overDiscord(e interact.Embed) string {
	n := utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description) + utf8.RuneCountInString(e.Footer)
	switch {
	case utf8.RuneCountInString(e.Title) > 256:
		return "the title is over 256 characters"
	case utf8.RuneCountInString(e.Description) > 4096:
		return "the description is over 4,096 characters"
	}
	for _, f := range e.Fields {
		n += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
		if utf8.RuneCountInString(f.Value) > 1024 {
			return "field " + f.Name + " is over 1,024 characters"
		}
	}
	if n > 6000 {
		return fmt.Sprintf("%d characters in all", n)
	}
	return ""
}

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
		if why := overDiscord(p.Embed); why != "" {
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
