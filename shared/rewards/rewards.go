// Package rewards decides what a guild gives for Kick's stream events:
// points for a first follow, a sub or renewal, each gifted sub and each
// hundred KICKs (ledger changes keyed by the event's delivery), and a
// thank-you line in Kick chat for subs, gifts and KICKs. Everything is off
// until a guild's admins switch it on.
package rewards

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/response"
)

// Kind is a kind of event a guild thanks for in chat.
type Kind string

// The kinds of thank-you.
const (
	Sub   Kind = "sub"   // a new subscription or a renewal
	Gift  Kind = "gift"  // gifted subscriptions
	Kicks Kind = "kicks" // a gift of KICKs
)

// Kinds lists every Kind, in the order settings show them.
var Kinds = []Kind{Sub, Gift, Kicks}

// Limits of Settings.
const (
	// MaxPoints bounds the whole points one event earns per unit (a
	// follow, a sub, a gifted sub, 100 KICKs).
	MaxPoints = 1_000_000
	// MaxTemplate bounds a thank-you template in characters; Render fits
	// the result to one chat message anyway.
	MaxTemplate = 300
	// KicksUnit is how many KICKs earn Settings.Kicks points once.
	KicksUnit = 100
	// By is the ledger's author of event credits (points.Change.By),
	// which no Discord id can be.
	By = "kick-event"
)

// Anonymous is what a thank-you calls a gifter or sender Kick does not
// name.
const Anonymous = "Anonymous"

// DefaultThanks are the templates /rewards thanks uses when it is given
// no message.
var DefaultThanks = map[Kind]string{
	Sub:   "Thank you for subscribing, {user}! ({months} months)",
	Gift:  "Thank you {gifter} for gifting {count} subs!",
	Kicks: "Thank you {user} for the {amount} KICKs!",
}

// Settings are a guild's event rewards. The zero value, every guild's
// default, gives nothing and says nothing.
type Settings struct {
	// Whole points per first follow, per sub or renewal, per gifted sub
	// (to the gifter) and per KICKsUnit KICKs (to the sender); 0 is off.
	Follow, Sub, Gift, Kicks int64
	// Thanks holds the thank-you template of each kind switched on.
	Thanks map[Kind]string
	// Version is the stored version these were read at (0: none stored);
	// a store writes them only over that version.
	Version int64
}

// Validate returns a fault.Invalid error with a user-safe message when s
// cannot be stored.
func (s Settings) Validate() error {
	for name, n := range map[string]int64{"follow": s.Follow, "sub": s.Sub, "gift": s.Gift, "kicks": s.Kicks} {
		if n < 0 || n > MaxPoints {
			return fault.E(fault.Invalid, "%s points must be between 0 and %d", name, MaxPoints)
		}
	}
	for k, t := range s.Thanks {
		if !k.Known() {
			return fault.E(fault.Invalid, "unknown thank-you kind %q", k)
		}
		if err := ValidateTemplate(t); err != nil {
			return err
		}
	}
	return nil
}

// ValidateTemplate checks a thank-you template.
func ValidateTemplate(t string) error {
	switch {
	case !utf8.ValidString(t):
		return fault.E(fault.Invalid, "the message is not valid text")
	case t == "":
		return fault.E(fault.Invalid, "the message is empty")
	case utf8.RuneCountInString(t) > MaxTemplate:
		return fault.E(fault.Invalid, "the message must be at most %d characters", MaxTemplate)
	}
	return nil
}

// Known reports whether k is one of Kinds.
func (k Kind) Known() bool { return k == Sub || k == Gift || k == Kicks }

// Credit is the points an event earns one viewer.
type Credit struct {
	User event.User
	// FirstFollow says the credit is for a follow, which earns only the
	// first time the viewer follows: the store keeps one marker per
	// viewer.
	FirstFollow bool
	Change      points.Change
}

// Earned returns what ev earns in a guild with settings s: a first follow
// to the follower, a sub or renewal to the subscriber, each gifted sub to
// the gifter (an anonymous gift credits nobody), each whole KicksUnit of
// KICKs to the sender. The change's cause is the delivery id, so a
// duplicated delivery or a retried job credits once. False when ev earns
// nothing.
func Earned(s Settings, ev event.Event) (Credit, bool) {
	u, ok := ev.Actor()
	if !ok {
		return Credit{}, false
	}
	var whole int64
	var reason string
	follow := false
	switch {
	case ev.Follow != nil && ev.Type == event.Followed:
		whole, reason, follow = s.Follow, "first follow", true
	case ev.Sub != nil && (ev.Type == event.SubscriptionNew || ev.Type == event.SubscriptionRenew):
		whole, reason = s.Sub, "subscription"
		if ev.Type == event.SubscriptionRenew {
			reason = "subscription renewal"
		}
	case ev.Gifts != nil && ev.Type == event.SubscriptionGifts:
		n := int64(len(ev.Gifts.Giftees))
		whole, reason = s.Gift*n, fmt.Sprintf("%d gifted subs", n)
	case ev.Kicks != nil && ev.Type == event.KicksGifted:
		hundreds := ev.Kicks.Amount / KicksUnit
		whole, reason = s.Kicks*max(hundreds, 0), fmt.Sprintf("%d KICKs", ev.Kicks.Amount)
	}
	if whole <= 0 {
		return Credit{}, false
	}
	return Credit{User: u, FirstFollow: follow, Change: points.Change{
		Cause: ev.ID, Op: points.Add, Milli: min(whole*points.Milli, points.MaxMilli),
		Reason: reason, By: By, At: ev.SentAt,
	}}, true
}

// Thanks returns the guild's thank-you line for ev, rendered, and false
// when ev is not a kind the guild thanks for.
func Thanks(s Settings, ev event.Event) (string, bool) {
	var k Kind
	d := response.Data{Vars: map[string]string{}}
	switch {
	case ev.Sub != nil && (ev.Type == event.SubscriptionNew || ev.Type == event.SubscriptionRenew):
		k, d.User = Sub, name(ev.Sub.Subscriber)
		d.Vars["months"] = strconv.Itoa(max(ev.Sub.Months, 1))
	case ev.Gifts != nil && ev.Type == event.SubscriptionGifts:
		k, d.User = Gift, name(ev.Gifts.Gifter)
		d.Count = int64(len(ev.Gifts.Giftees))
		d.Vars["gifter"] = d.User
	case ev.Kicks != nil && ev.Type == event.KicksGifted:
		k, d.User = Kicks, name(ev.Kicks.Sender)
		d.Vars["amount"] = strconv.FormatInt(ev.Kicks.Amount, 10)
	default:
		return "", false
	}
	t, ok := s.Thanks[k]
	if !ok || t == "" {
		return "", false
	}
	return response.Render(t, d), true
}

// name is how a thank-you calls u.
func name(u event.User) string {
	if u.Anonymous || u.Username == "" {
		return Anonymous
	}
	return u.Username
}
