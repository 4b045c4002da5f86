package giveaway

import (
	"cmp"
	"context"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
)

// Current finds a guild's current giveaway; *dynamo.Store is one.
type Current interface {
	// Giveaway returns guild's current giveaway; fault.NotFound when it
	// never started one.
	Giveaway(ctx context.Context, guild string) (Giveaway, error)
}

// Cache lifetimes of Keywords.
const (
	// DefaultKnownTTL keeps an open keyword giveaway: /giveaway end is
	// seen within it (a late entry is dropped by Takes at the draw).
	DefaultKnownTTL = 30 * time.Second
	// DefaultNoneTTL keeps "no keyword giveaway open": a giveaway just
	// started takes entries within it.
	DefaultNoneTTL = 5 * time.Second
)

// Keywords tells the webhook which chat messages enter a giveaway without
// a read per message: only a one-word message of at most MaxKeyword
// characters is looked at, against the guild's current giveaway cached
// for KnownTTL (while one with a keyword is open) or NoneTTL (none is).
// So ordinary chat costs no read and no write, and a keyword message
// costs its one entry write. Safe for concurrent use; set Store.
type Keywords struct {
	Store             Current
	KnownTTL, NoneTTL time.Duration

	mu    sync.Mutex
	cache map[string]cachedGiveaway
}

type cachedGiveaway struct {
	g     Giveaway
	open  bool
	until time.Time
}

// Candidate reports whether text could be a keyword at all: one word of
// at most MaxKeyword characters. Everything else skips the cache.
func Candidate(text string) bool {
	t := strings.TrimSpace(text)
	return t != "" && utf8.RuneCountInString(t) <= MaxKeyword && strings.IndexFunc(t, unicode.IsSpace) < 0
}

// Match returns guild's open giveaway when the chat message text sent at
// enters it (Giveaway.Matches), as the cache knows it at now.
func (k *Keywords) Match(ctx context.Context, guild, text string, at, now time.Time) (Giveaway, bool, error) {
	if !Candidate(text) {
		return Giveaway{}, false, nil
	}
	k.mu.Lock()
	c, ok := k.cache[guild]
	k.mu.Unlock()
	if !ok || !now.Before(c.until) {
		g, err := k.Store.Giveaway(ctx, guild)
		switch {
		case fault.Is(err, fault.NotFound):
			g = Giveaway{}
		case err != nil:
			return Giveaway{}, false, err
		}
		c = cachedGiveaway{g: g, open: g.Keyword != "" && g.OpenAt(now)}
		c.until = now.Add(cmpOr(k.NoneTTL, DefaultNoneTTL))
		if c.open {
			c.until = now.Add(cmpOr(k.KnownTTL, DefaultKnownTTL))
			if g.EndsAt.Before(c.until) {
				c.until = g.EndsAt
			}
		}
		k.mu.Lock()
		if k.cache == nil {
			k.cache = map[string]cachedGiveaway{}
		}
		k.cache[guild] = c
		k.mu.Unlock()
	}
	if !c.open || !c.g.Matches(text, at) {
		return Giveaway{}, false, nil
	}
	return c.g, true, nil
}

func cmpOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Enterer stores keyword entries; *dynamo.Store is one.
type Enterer interface {
	// EnterGiveaway stores e unless its viewer entered: true when it did.
	EnterGiveaway(ctx context.Context, guild string, number int64, e Entry) (bool, error)
}

// Entrance enters the senders of keyword messages: the webhook calls
// Enter for every chat message of a connected guild. Only a message
// that is an open giveaway's keyword writes (its one entry); a retried
// delivery writes nothing new.
type Entrance struct {
	Keywords *Keywords
	Store    Enterer
}

// Enter enters ev's sender in guild's open giveaway when ev is a chat
// message of its keyword, as known at now.
func (e *Entrance) Enter(ctx context.Context, guild string, ev event.Event, now time.Time) error {
	if ev.Chat == nil || ev.Chat.Sender.ID <= 0 {
		return nil
	}
	at := ev.OccurredAt()
	if at.After(now) || at.IsZero() {
		at = now // a clock ahead of ours must not enter a message after the end
	}
	g, ok, err := e.Keywords.Match(ctx, guild, ev.Chat.Content, at, now)
	if err != nil || !ok {
		return err
	}
	u := ev.Chat.Sender
	_, err = e.Store.EnterGiveaway(ctx, guild, g.Number, Entry{UserID: u.ID, Username: u.Username,
		Subscriber: u.HasBadge("subscriber"), At: at, MessageID: cmp.Or(ev.Chat.MessageID, ev.ID)})
	return err
}
