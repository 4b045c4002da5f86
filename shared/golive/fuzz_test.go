package golive_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/golive"
	"github.com/kickbot/kickbot/shared/interact"
)

// kickLink reports whether s is a link to a page of kick.com Discord
// takes as a url or a button's: https, host kick.com, nothing in it
// that is not printable ASCII or ends a link.
func kickLink(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host != "kick.com" {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune(`<>"`+"`{}|\\^", r) })
}

// FuzzPosts builds the go-live alert and the recap from any channel
// name, title and category (Kick's, or the status events') and chatter
// names: their embeds fit Discord's limits, which refuses a post whole,
// and their links are kick.com pages.
func FuzzPosts(f *testing.F) {
	f.Add("northwind", "BONUS HUNT 40 BONUSES | !gtb open", "Slots & Casino", "viewer", int64(90))
	f.Add("", "", "", "", int64(0))
	f.Add("a b/../c?d#e", strings.Repeat("t", 300), strings.Repeat("c", 1100), strings.Repeat("n", 300), int64(-5))
	f.Add("ünï", strings.Repeat("é", 260), "Just Chatting", strings.Repeat("x", 250), int64(1)<<40)
	f.Fuzz(func(t *testing.T, slug, title, category, chatter string, minutes int64) {
		live := golive.LivePost(golive.Channel{Slug: slug, Title: title, Category: category, Live: true, StartedAt: t0}, t0)
		top := make([]golive.Chatter, golive.TopChatters)
		for i := range top {
			top[i] = golive.Chatter{UserID: int64(i + 1), Name: chatter + strconv.Itoa(i), Minutes: minutes}
		}
		recap := golive.RecapPost(golive.State{Slug: slug, Title: title, Category: category, Stream: t0, EndedAt: t0.Add(3 * time.Hour)},
			golive.Recap{Duration: 3 * time.Hour, Peak: minutes, Chatters: 5, Top: top, Minutes: minutes, PointsMilli: minutes})
		for name, e := range map[string]interact.Embed{"alert": live.Embed, "recap": recap.Embed} {
			if why := e.Over(); why != "" {
				t.Fatalf("%s of slug %q, title %d characters, category %d, chatter %d: %s", name, slug,
					utf8.RuneCountInString(title), utf8.RuneCountInString(category), utf8.RuneCountInString(chatter), why)
			}
			if !kickLink(e.URL) {
				t.Fatalf("%s of slug %q links %q, not a kick.com page", name, slug, e.URL)
			}
		}
		if !kickLink(live.Link.URL) {
			t.Fatalf("alert of slug %q: Watch button %q, not a kick.com page", slug, live.Link.URL)
		}
	})
}
