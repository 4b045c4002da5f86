package kickapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/golive"
	"github.com/kickbot/kickbot/shared/stream"
)

// maxPerRequest is how many broadcaster ids one channels request may carry.
const maxPerRequest = 50

// Channel is a Kick channel and the state of its stream.
type Channel struct {
	// BroadcasterUserID is the owner's user id, which identifies the channel.
	BroadcasterUserID int64
	Slug              string
	// Title is the stream title, kept while the channel is offline.
	Title    string
	Category event.Category
	Live     bool
	// ViewerCount is 0 when offline, and also when the streamer hides it.
	ViewerCount int64
	// StartedAt is when the current stream started; zero when Kick gives
	// no time, as for an offline channel.
	StartedAt time.Time
	// Thumbnail is the live stream's preview image (stream.thumbnail);
	// empty while offline and for the first minutes of a stream, before
	// Kick has made one.
	Thumbnail string
}

// Channels returns the channels of these broadcasters. Duplicate ids are
// asked once, in requests of at most 50 ids; broadcasters Kick does not know
// are left out, and so is any channel Kick answers that was not asked or
// was answered already. No ids means no request and no channels (Kick would
// answer with the token owner's channel). An id below 1 is fault.Invalid.
func (c *Client) Channels(ctx context.Context, broadcasters []int64) ([]Channel, error) {
	ids := make([]int64, 0, len(broadcasters))
	asked := make(map[int64]bool, len(broadcasters))
	for _, id := range broadcasters {
		if id < 1 {
			return nil, fault.E(fault.Invalid, "broadcaster id %d is not a Kick user id", id)
		}
		if !asked[id] {
			asked[id] = true
			ids = append(ids, id)
		}
	}
	var out []Channel
	for chunk := range slices.Chunk(ids, maxPerRequest) {
		q := make(url.Values, 1)
		for _, id := range chunk {
			q.Add("broadcaster_user_id", strconv.FormatInt(id, 10))
		}
		var resp struct {
			Data []wireChannel `json:"data"`
		}
		r := call{method: http.MethodGet, path: "/public/v1/channels", query: q, what: "get kick channels"}
		if err := c.do(ctx, AppToken, r, &resp); err != nil {
			return nil, err
		}
		for _, w := range resp.Data {
			// GoLive takes the first channel as the broadcaster's, and the
			// reconcile the last of an id: another channel, or one twice,
			// would put a stranger's title and thumbnail in the alert.
			if !asked[w.BroadcasterUserID] {
				continue
			}
			asked[w.BroadcasterUserID] = false
			ch, err := w.channel()
			if err != nil {
				return nil, fault.Wrap(fault.Internal, err, "get kick channels")
			}
			out = append(out, ch)
		}
	}
	return out, nil
}

// wireChannel is an item of GET /public/v1/channels, the fields we use.
type wireChannel struct {
	BroadcasterUserID int64  `json:"broadcaster_user_id"`
	Slug              string `json:"slug"`
	StreamTitle       string `json:"stream_title"`
	Category          struct {
		ID        int64  `json:"id"`
		Name      string `json:"name"`
		Thumbnail string `json:"thumbnail"`
	} `json:"category"`
	Stream struct {
		IsLive      bool   `json:"is_live"`
		ViewerCount int64  `json:"viewer_count"`
		StartTime   string `json:"start_time"`
		Thumbnail   string `json:"thumbnail"`
	} `json:"stream"`
}

// channel is w as a Channel. The slug and the thumbnails go into links
// and images of Discord posts, which Discord refuses whole when one is
// not a link: one Kick cannot have made is left empty, as Kick leaves a
// thumbnail it has not made yet, rather than failing the lookup.
func (w wireChannel) channel() (Channel, error) {
	ch := Channel{
		BroadcasterUserID: w.BroadcasterUserID,
		Slug:              ifSlug(w.Slug),
		Title:             w.StreamTitle,
		Category: event.Category{
			ID:        w.Category.ID,
			Name:      w.Category.Name,
			Thumbnail: ifLink(w.Category.Thumbnail),
		},
		Live:        w.Stream.IsLive,
		ViewerCount: max(w.Stream.ViewerCount, 0),
		Thumbnail:   ifLink(w.Stream.Thumbnail),
	}
	if w.Stream.StartTime != "" {
		t, err := time.Parse(time.RFC3339Nano, w.Stream.StartTime)
		if err != nil {
			return Channel{}, fmt.Errorf("channel %d: start_time %q is not an RFC 3339 time", w.BroadcasterUserID, clip(w.Stream.StartTime))
		}
		// Kick's offline channels may say 0001-01-01T00:00:00Z, which
		// parses to the zero time.
		ch.StartedAt = t.UTC()
	}
	return ch, nil
}

// maxLink bounds a link Kick gives: a link, not a page.
const maxLink = 2048

// ifSlug is s when it can be a channel slug (https://kick.com/<slug>):
// at most 100 letters, digits, "-" and "_", as Kick makes them from user
// names; else "".
func ifSlug(s string) string {
	if len(s) > 100 || strings.ContainsFunc(s, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_')
	}) {
		return ""
	}
	return s
}

// ifLink is s when it is an absolute http(s) link with a host, of at most
// maxLink bytes of printable ASCII without the characters that end a link
// in text; else "".
func ifLink(s string) string {
	if len(s) > maxLink || strings.ContainsFunc(s, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune("<>\"`{}|\\^", r)
	}) {
		return ""
	}
	if u, err := url.Parse(s); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return s
}

// Observe reports the live status of the broadcasters' channels, as the
// upkeep's reconcile asks for it; channels Kick does not return are absent.
func (c *Client) Observe(ctx context.Context, broadcasters []int64) ([]stream.Observation, error) {
	chs, err := c.Channels(ctx, broadcasters)
	if err != nil {
		return nil, err
	}
	out := make([]stream.Observation, len(chs))
	for i, ch := range chs {
		out[i] = stream.Observation{Broadcaster: ch.BroadcasterUserID, Live: ch.Live, Title: ch.Title, StartedAt: ch.StartedAt}
	}
	return out, nil
}

// GoLive looks up a broadcaster's channel for a go-live alert. A channel
// Kick does not know is fault.NotFound.
func (c *Client) GoLive(ctx context.Context, broadcaster int64) (golive.Channel, error) {
	chs, err := c.Channels(ctx, []int64{broadcaster})
	if err != nil {
		return golive.Channel{}, err
	}
	if len(chs) == 0 {
		return golive.Channel{}, fault.E(fault.NotFound, "kick has no channel of broadcaster %d", broadcaster)
	}
	ch := chs[0]
	return golive.Channel{
		Slug: ch.Slug, Title: ch.Title, Category: ch.Category.Name,
		Live: ch.Live, StartedAt: ch.StartedAt, Thumbnail: ch.Thumbnail,
	}, nil
}
