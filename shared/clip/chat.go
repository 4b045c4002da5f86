package clip

import (
	"cmp"
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/wording"
)

// Name is the built-in's name, under which its cooldowns are kept.
const Name = "clip"

// Chat answers !clip [title] in Kick chat: the chat.Answerer of the
// built-in. Set Store; without Announcer markers are not posted to
// Discord, and without Service no real clip is asked for.
type Chat struct {
	Store     Store
	Announcer announce.Announcer
	Service   Service
	// Timeout bounds the Service's answer; 0 is ServiceTimeout.
	Timeout time.Duration
	Log     *slog.Logger
}

var _ chat.Answerer = (*Chat)(nil)

// Answer answers a.Name "clip"; any other name is silent. It takes the
// guild's cooldowns (the built-in declares none, so that the guild's
// settings rule), refuses an offline stream, then stores the marker, asks
// the Service, posts to the clip channel and answers with the offset. A
// retried job finds its marker stored and answers it the same way: the
// Service is asked once, the post is made once (its cause is the marker's
// id).
func (c *Chat) Answer(ctx context.Context, a chat.Ask) (string, error) {
	if a.Name != Name {
		return "", nil
	}
	set, err := c.Store.ClipSettings(ctx, a.Guild)
	if err != nil {
		return "", err
	}
	if !a.Level.SkipsCooldowns() {
		free, err := c.Store.TakeCooldown(ctx, a.Guild, Name, a.Asker.ID, set.Cooldown, set.UserCooldown, a.MessageID, a.Now)
		if err != nil || !free {
			return "", err
		}
	}
	at := wording.Mention(a.Asker.Username)
	st, err := c.Store.Stream(ctx, a.Guild)
	if err != nil {
		return "", err
	}
	if !Live(st) {
		return at + " the stream is offline: clips can only be marked while it is live", nil
	}
	st.Guild = a.Guild
	// Sent, not Now: a retried job marks the same moment under the same
	// key.
	m, err := Mark(st, a.MessageID, a.Sent, a.Asker.ID, a.Asker.Username, a.Args, set)
	if err != nil {
		return "", err
	}
	m, _, err = c.Store.AddClip(ctx, m)
	if err != nil {
		return "", err
	}
	_, channel, _, err := c.Store.Connection(ctx, a.Guild)
	if err != nil && !fault.Is(err, fault.NotFound) {
		return "", err
	}
	if m, err = c.ask(ctx, m, channel, set); err != nil {
		return "", err
	}
	if err := c.post(ctx, m, channel); err != nil {
		return "", err
	}
	offset := FormatOffset(m.Offset)
	switch {
	case m.ClipURL != "":
		return at + " clip made at " + offset + ": " + m.ClipURL, nil
	case m.Asked:
		return at + " clip marked at " + offset + " (the clip service did not answer, the moment is saved): " + m.Title, nil
	}
	return at + " clip marked at " + offset + ": " + m.Title, nil
}

// ask asks the Service for m's clip, once per marker, and records its
// answer. The marker stands whatever the Service does: a failure or a
// timeout is logged and leaves ClipURL empty.
func (c *Chat) ask(ctx context.Context, m Marker, channel string, set Settings) (Marker, error) {
	if c.Service == nil || channel == "" || m.Asked {
		return m, nil
	}
	sctx, cancel := context.WithTimeout(ctx, cmp.Or(c.Timeout, ServiceTimeout))
	url, err := c.Service.Create(sctx, Request{
		Channel: channel, Duration: cmp.Or(set.Lead, DefaultLead), Username: m.Username, Title: m.Title, Guild: m.Guild,
	})
	cancel()
	if err != nil {
		c.log().WarnContext(ctx, "clip service gave no clip; the marker stands", "guild", m.Guild, "clip", m.ID, "err", err)
		url = ""
	}
	m.Asked, m.ClipURL = true, url
	if err := c.Store.SaveClipAnswer(ctx, m); err != nil {
		return m, err
	}
	return m, nil
}

// post announces m to the guild's clip channel. A failure a retry may fix
// is returned, so the job is retried (the marker and the answer are kept);
// any other is logged: the marker stands without its post.
func (c *Chat) post(ctx context.Context, m Marker, channel string) error {
	if c.Announcer == nil {
		return nil
	}
	err := c.Announcer.Announce(ctx, m.Guild, announce.Clip, m.ID, Post(m, channel))
	switch {
	case fault.Is(err, fault.Transient):
		return err
	case err != nil:
		c.log().WarnContext(ctx, "clip not posted to Discord", "guild", m.Guild, "clip", m.ID, "err", err)
	}
	return nil
}

// markdown escapes what Discord's markdown would read in a viewer's text:
// Kick names hold underscores, titles anything.
var markdown = strings.NewReplacer(
	`\`, `\\`, `*`, `\*`, `_`, `\_`, "`", "\\`", `~`, `\~`, `|`, `\|`, `<`, `\<`, `[`, `\[`, `]`, `\]`,
)

// Escape is s with Discord's markdown escaped, to show as typed. The
// template variables of Post are left as typed: the announcement service
// renders them.
func Escape(s string) string { return markdown.Replace(s) }

// Post is the announcement of m, from the Kick channel named channel: an
// embed linking the clip (or the channel), and the template's variables
// {user} {title} {offset} {channel} {url}, and {clip_url} when the
// service made one.
func Post(m Marker, channel string) announce.Post {
	url := KickURL(channel)
	offset := FormatOffset(m.Offset)
	fields := []interact.Field{
		{Name: "Offset", Value: offset, Inline: true},
		{Name: "Requested by", Value: Escape(wording.Cut(m.Username, maxName)), Inline: true},
	}
	if m.StreamTitle != "" {
		fields = append(fields, interact.Field{Name: "Stream", Value: wording.Cut(Escape(m.StreamTitle), interact.MaxFieldValue)})
	}
	if m.Category != "" {
		fields = append(fields, interact.Field{Name: "Category", Value: wording.Cut(Escape(m.Category), interact.MaxFieldValue), Inline: true})
	}
	e := interact.Embed{
		Title:       "🎬 " + Escape(m.Title),
		URL:         cmp.Or(m.ClipURL, url),
		Description: "Clip marked " + offset + " into the stream started <t:" + strconv.FormatInt(m.Stream.Unix(), 10) + ":f>.",
		Fields:      fields,
		Color:       interact.Accent,
		Timestamp:   m.At,
	}
	if m.ClipURL != "" {
		e.Description = "Clip of " + offset + " into the stream: " + m.ClipURL
	}
	vars := map[string]string{"user": m.Username, "title": m.Title, "offset": offset, "channel": channel, "url": url}
	if m.ClipURL != "" {
		vars["clip_url"] = m.ClipURL
	}
	p := announce.Post{Embed: e, Vars: vars}
	if url != "" {
		p.Link = announce.Link{Label: "Watch on Kick", URL: url}
	}
	return p
}

// Discord refuses a post whose embed is over its limits (interact.Embed.Over),
// so what Kick gave is cut to them: a field to interact.MaxFieldValue, a
// name (Kick's are at most 25) to maxName.
const maxName = 100

func (c *Chat) log() *slog.Logger {
	if c.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Log
}
