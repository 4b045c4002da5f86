// Package subscription keeps a broadcaster's Kick event subscriptions
// healthy: exactly one subscription per wanted event and version.
//
// Kick accepts duplicate subscriptions and then delivers every event once
// per subscription, each with its own message id, so duplicates double
// count; and it drops subscriptions on its own (after a day of failed
// deliveries, when webhooks are switched off, or for no stated reason). The
// cure is to reconcile: list what exists, create what is missing, delete the
// extras. Plan is that reconciliation as a pure function; running it again
// after its plan was applied plans nothing.
//
// Plan touches only the broadcaster it is asked about. The list endpoint
// returns every subscription of the app, and another guild's broadcaster is
// not this plan's business; Orphans is the separate, deliberate step that
// deletes subscriptions of broadcasters no guild is connected to.
package subscription

import (
	"slices"
	"strconv"

	"github.com/kickbot/kickbot/shared/event"
)

// EventVersion is a Kick event type and the payload version subscribed to.
type EventVersion struct {
	Event   string
	Version int
}

func (e EventVersion) String() string {
	return e.Event + "@v" + strconv.Itoa(e.Version)
}

// Wanted returns the events the bot subscribes to for every connected
// broadcaster: all ten event types Kick offers (event.Types), each at
// version 1, the only version that exists. It returns a new slice each
// time.
func Wanted() []EventVersion {
	return []EventVersion{
		{string(event.ChatMessage), 1},
		{string(event.Followed), 1},
		{string(event.SubscriptionNew), 1},
		{string(event.SubscriptionRenew), 1},
		{string(event.SubscriptionGifts), 1},
		{string(event.RewardRedemption), 1},
		{string(event.LivestreamStatus), 1},
		{string(event.LivestreamMetadata), 1},
		{string(event.Banned), 1},
		{string(event.KicksGifted), 1},
	}
}

// Sub is a subscription as Kick lists it.
type Sub struct {
	// ID is Kick's subscription id, a ULID: ordering ids orders them by
	// creation time.
	ID          string
	Event       string
	Version     int
	Broadcaster int64
}

// Key returns the event and version s is for.
func (s Sub) Key() EventVersion { return EventVersion{s.Event, s.Version} }

// Plan reconciles broadcaster's subscriptions, have, with want (usually
// Wanted()). It returns the events to subscribe to, in want's order and
// each once, and the ids to delete, in ascending order:
//
//   - of several subscriptions to the same wanted event and version, all
//     but the oldest (the least id) are deleted;
//   - a subscription of this broadcaster to an event or version not in
//     want is deleted (an event dropped, a version superseded);
//   - subscriptions of other broadcasters are left alone, as are entries
//     without an id, which cannot be deleted and are not counted as present.
//
// A broadcaster id of zero or less plans nothing. The result does not
// depend on the order of have. Plan on have with the deletions applied and
// the creations added (whatever their ids) returns nothing.
func Plan(broadcaster int64, want []EventVersion, have []Sub) (create []EventVersion, remove []string) {
	if broadcaster <= 0 {
		return nil, nil
	}
	wanted := make(map[EventVersion]bool, len(want))
	for _, w := range want {
		wanted[w] = true
	}
	keep := map[EventVersion]string{} // wanted event → least id seen
	for _, s := range have {
		if s.Broadcaster != broadcaster || s.ID == "" {
			continue
		}
		k := s.Key()
		if !wanted[k] {
			remove = append(remove, s.ID)
			continue
		}
		old, ok := keep[k]
		switch {
		case !ok:
			keep[k] = s.ID
		case s.ID < old:
			keep[k] = s.ID
			remove = append(remove, old)
		case s.ID != old: // the same id listed twice is one subscription
			remove = append(remove, s.ID)
		}
	}
	for _, w := range want {
		if _, ok := keep[w]; !ok {
			create = append(create, w)
			keep[w] = "" // once, even if want repeats it
		}
	}
	slices.Sort(remove)
	return create, slices.Compact(remove)
}

// Orphans returns the ids, in ascending order, of subscriptions whose
// broadcaster is not in connected. Pass the complete set of broadcasters
// connected to any guild: a partial set deletes live subscriptions. Use it
// after a disconnect, and for deliveries that arrive for a subscription no
// guild owns (delete those so they stop coming).
func Orphans(connected []int64, have []Sub) []string {
	live := make(map[int64]bool, len(connected))
	for _, b := range connected {
		live[b] = true
	}
	var out []string
	for _, s := range have {
		if s.ID != "" && !live[s.Broadcaster] {
			out = append(out, s.ID)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
