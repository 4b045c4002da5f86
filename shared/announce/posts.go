package announce

import (
	"context"
	"github.com/kickbot/kickbot/shared/wording"
	"strconv"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

// MaxGiftees is how many giftees a gift post names; the rest are "and N
// more".
const MaxGiftees = 10

// Anonymous names a gifter or sender who chose not to be named.
const Anonymous = "Anonymous"

// maxName bounds a name in a post. Kick's are at most 25 characters; a
// longer one is cut rather than let push the embed past Discord's limits,
// which refuses the post whole.
const maxName = 100

// name is how u is shown: Anonymous for an anonymous user, cut to
// maxName.
func name(u event.User) string {
	if u.Anonymous || u.Username == "" {
		return Anonymous
	}
	return wording.Cut(u.Username, maxName)
}

// EventPost builds the announcement of ev, a sub, renewal, gift, KICKs or
// redemption, with the cause that keys it; false for any other event. A
// redemption is keyed by its own id, since Kick delivers it again as its
// status changes; the rest by the delivery.
func EventPost(ev event.Event) (Kind, string, Post, bool) {
	at := ev.OccurredAt()
	switch {
	case ev.Sub != nil && (ev.Type == event.SubscriptionNew || ev.Type == event.SubscriptionRenew):
		user, months := name(ev.Sub.Subscriber), max(ev.Sub.Months, 1)
		title, verb, tmpl := "New subscriber", "subscribed", ""
		if ev.Type == event.SubscriptionRenew {
			title, verb, tmpl = "Subscription renewed", "renewed their subscription", renewalTemplate(months)
		}
		return Sub, ev.ID, Post{
			Embed: interact.Embed{Title: title, Description: "**" + Escape(user) + "** " + verb + "!", Color: interact.Accent, Timestamp: at,
				Fields: []interact.Field{{Name: "Months", Value: strconv.Itoa(months), Inline: true}}},
			Vars:     map[string]string{"user": user, "months": strconv.Itoa(months)},
			Template: tmpl,
		}, true
	case ev.Gifts != nil:
		gifter, n := name(ev.Gifts.Gifter), len(ev.Gifts.Giftees)
		names := make([]string, 0, min(n, MaxGiftees))
		for _, u := range ev.Gifts.Giftees[:min(n, MaxGiftees)] {
			names = append(names, Escape(name(u)))
		}
		list := strings.Join(names, ", ")
		if n > MaxGiftees {
			list += " and " + strconv.Itoa(n-MaxGiftees) + " more"
		}
		fields := []interact.Field{{Name: "Gifter", Value: Escape(gifter), Inline: true}, {Name: "Subs", Value: strconv.Itoa(n), Inline: true}}
		if list != "" {
			fields = append(fields, interact.Field{Name: "Giftees", Value: wording.Cut(list, interact.MaxFieldValue)})
		}
		return Gift, ev.ID, Post{
			Embed: interact.Embed{Title: "Gifted subs", Description: "**" + Escape(gifter) + "** gifted " + plural(n, "sub") + "!",
				Color: interact.Accent, Timestamp: at, Fields: fields},
			Vars:     map[string]string{"user": gifter, "count": strconv.Itoa(n)},
			Template: giftTemplate(n),
		}, true
	case ev.Kicks != nil:
		sender, amount := name(ev.Kicks.Sender), strconv.FormatInt(ev.Kicks.Amount, 10)
		fields := []interact.Field{{Name: "From", Value: Escape(sender), Inline: true}, {Name: "Amount", Value: amount + " KICKs", Inline: true}}
		if ev.Kicks.Message != "" {
			fields = append(fields, interact.Field{Name: "Message", Value: wording.Cut(Escape(ev.Kicks.Message), interact.MaxFieldValue)})
		}
		return Kicks, ev.ID, Post{
			Embed: interact.Embed{Title: "KICKs", Description: "**" + Escape(sender) + "** sent " + amount + " KICKs!",
				Color: interact.Accent, Timestamp: at, Fields: fields},
			Vars: map[string]string{"user": sender, "amount": amount},
		}, true
	case ev.Redemption != nil:
		r := ev.Redemption
		user := name(r.Redeemer)
		fields := []interact.Field{{Name: "Reward", Value: wording.Cut(Escape(r.Reward.Title), interact.MaxFieldValue), Inline: true},
			{Name: "Redeemed by", Value: Escape(user), Inline: true}}
		if r.UserInput != "" {
			fields = append(fields, interact.Field{Name: "Input", Value: wording.Cut(Escape(r.UserInput), interact.MaxFieldValue)})
		}
		cause := ev.ID
		if r.ID != "" {
			cause = "redemption:" + r.ID
		}
		return Redemption, cause, Post{
			Embed: interact.Embed{Title: "Reward redeemed", Description: "**" + Escape(user) + "** redeemed **" + wording.Cut(Escape(r.Reward.Title), interact.MaxFieldValue) + "**",
				Color: interact.Accent, Timestamp: at, Fields: fields},
			Vars: map[string]string{"user": user, "reward": r.Reward.Title, "input": r.UserInput},
		}, true
	}
	return "", "", Post{}, false
}

// Event announces ev: a follow joins the guild's follow batch (see
// FollowBatch), a sub, renewal, gift, KICKs or redemption is posted at
// once, once per cause; other events announce nothing.
func (s *Service) Event(ctx context.Context, guild string, ev event.Event) error {
	if ev.Follow != nil && ev.Type == event.Followed {
		return s.follow(ctx, guild, ev)
	}
	kind, cause, p, ok := EventPost(ev)
	if !ok {
		return nil
	}
	if cause == "" {
		return fault.E(fault.Invalid, "event without an id")
	}
	return s.Announce(ctx, guild, kind, cause, p)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// sampleEvent is a made-up event of kind, for Sample.
func sampleEvent(kind Kind, at time.Time) event.Event {
	viewer := event.User{ID: 1, Username: "kick_viewer"}
	ev := event.Event{ID: "sample", SentAt: at}
	switch kind {
	case Sub:
		ev.Type, ev.Sub = event.SubscriptionRenew, &event.Sub{Subscriber: viewer, Months: 3, CreatedAt: at}
	case Gift:
		ev.Type, ev.Gifts = event.SubscriptionGifts, &event.Gifts{Gifter: viewer, CreatedAt: at,
			Giftees: []event.User{{ID: 2, Username: "lucky_one"}, {ID: 3, Username: "lucky_two"}}}
	case Kicks:
		ev.Type, ev.Kicks = event.KicksGifted, &event.Kicks{Sender: viewer, Amount: 100, Message: "Great stream!", CreatedAt: at}
	case Redemption:
		ev.Type, ev.Redemption = event.RewardRedemption, &event.Redemption{ID: "sample", Redeemer: viewer, RedeemedAt: at,
			Reward: event.Reward{Title: "Hydrate!"}, UserInput: "a glass of water"}
	}
	return ev
}
