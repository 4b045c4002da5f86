package kickapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kickbot/kickbot/shared/fault"
)

// EventVersion is a Kick event type, such as "chat.message.sent", and the
// payload version subscribed to.
type EventVersion struct {
	Event   string
	Version int
}

// Subscription is one of the app's event subscriptions: Kick delivers
// the event to the app's webhook URL for as long as it exists.
type Subscription struct {
	// ID is Kick's subscription id, a ULID, so that ordering ids orders
	// subscriptions by creation.
	ID                string
	BroadcasterUserID int64
	EventVersion
}

// Subscriptions lists the app's event subscriptions, of every channel.
// userToken needs the events:subscribe scope; AppToken works too. Kick
// documents no pagination for this list, but its paginated lists carry
// pagination.next_cursor, so a cursor, should one come, is followed page
// by page (a cursor seen before is an error, not an endless loop).
func (c *Client) Subscriptions(ctx context.Context, userToken string) ([]Subscription, error) {
	const what = "list kick event subscriptions"
	var out []Subscription
	seen := map[string]bool{}
	for cursor := ""; ; {
		var resp struct {
			Data []struct {
				ID                string `json:"id"`
				BroadcasterUserID int64  `json:"broadcaster_user_id"`
				Event             string `json:"event"`
				Version           int    `json:"version"`
			} `json:"data"`
			Pagination struct {
				NextCursor string `json:"next_cursor"`
			} `json:"pagination"`
		}
		r := call{method: http.MethodGet, path: "/public/v1/events/subscriptions", what: what}
		if cursor != "" {
			r.query = url.Values{"cursor": {cursor}}
		}
		if err := c.do(ctx, userToken, r, &resp); err != nil {
			return nil, err
		}
		for _, d := range resp.Data {
			out = append(out, Subscription{ID: d.ID, BroadcasterUserID: d.BroadcasterUserID, EventVersion: EventVersion{d.Event, d.Version}})
		}
		cursor = resp.Pagination.NextCursor
		if cursor == "" {
			return out, nil
		}
		if seen[cursor] {
			return nil, fault.E(fault.Internal, "%s: kick repeated the cursor of an earlier page", what)
		}
		seen[cursor] = true
	}
}

// Subscribe subscribes the app's webhook to events of broadcasterID's
// channel, in one request. Kick does not refuse duplicates, and delivers
// each event once per subscription, so list first and ask only for what is
// missing; an event repeated in events is asked once.
//
// created holds the subscriptions Kick made, also when err is not nil:
// Kick answers for each event on its own, and an event it did not
// subscribe (an error in its entry, or no entry at all) makes err. Record
// created either way, or a retry duplicates it. No events means no request.
// With a user token Kick subscribes the token owner's channel whatever
// broadcasterID says; AppToken subscribes any channel, with no consent.
// A user token needs the events:subscribe scope.
func (c *Client) Subscribe(ctx context.Context, userToken string, broadcasterID int64, events []EventVersion) (created []Subscription, err error) {
	const what = "subscribe to kick events"
	if broadcasterID < 1 {
		return nil, fault.E(fault.Invalid, "%s: broadcaster id %d is not a Kick user id", what, broadcasterID)
	}
	var want []EventVersion
	for _, e := range events {
		if e.Event == "" || e.Version < 1 {
			return nil, fault.E(fault.Invalid, "%s: event %q version %d: want a name and a version from 1", what, e.Event, e.Version)
		}
		if !slices.Contains(want, e) {
			want = append(want, e)
		}
	}
	if len(want) == 0 {
		return nil, nil
	}
	type wireEvent struct {
		Name    string `json:"name"`
		Version int    `json:"version"`
	}
	body := struct {
		BroadcasterUserID int64       `json:"broadcaster_user_id"`
		Method            string      `json:"method"`
		Events            []wireEvent `json:"events"`
	}{BroadcasterUserID: broadcasterID, Method: "webhook"}
	for _, e := range want {
		body.Events = append(body.Events, wireEvent{e.Event, e.Version})
	}
	var resp struct {
		Data []struct {
			Name           string `json:"name"`
			Version        int    `json:"version"`
			SubscriptionID string `json:"subscription_id"`
			Error          string `json:"error"`
		} `json:"data"`
	}
	r := call{method: http.MethodPost, path: "/public/v1/events/subscriptions", body: body, what: what}
	if err := c.do(ctx, userToken, r, &resp); err != nil {
		return nil, err
	}

	// An entry with an id is a subscription Kick has, whatever else it
	// says; an asked event without one failed.
	why := map[EventVersion]string{}
	for _, d := range resp.Data {
		e := EventVersion{d.Name, d.Version}
		if d.SubscriptionID == "" {
			why[e] = clip(cmp.Or(d.Error, "no subscription id"))
			continue
		}
		created = append(created, Subscription{ID: d.SubscriptionID, BroadcasterUserID: broadcasterID, EventVersion: e})
	}
	var failed []string
	for _, e := range want {
		if !slices.ContainsFunc(created, func(s Subscription) bool { return s.EventVersion == e }) {
			failed = append(failed, fmt.Sprintf("%s v%d: %s", e.Event, e.Version, cmp.Or(why[e], "not in kick's answer")))
		}
	}
	if len(failed) > 0 {
		msg := fmt.Sprintf("%s: kick subscribed %d of %d events", what, len(want)-len(failed), len(want))
		return created, fault.Wrap(fault.Internal, errors.New(strings.Join(failed, "; ")), msg)
	}
	return created, nil
}

// Unsubscribe deletes the app's subscriptions with these ids. Duplicate
// ids are sent once, in requests of at most 50 ids: Kick documents no
// limit, and 50 is what its other id lists allow. No ids means no request.
// userToken needs the events:subscribe scope; AppToken works too.
func (c *Client) Unsubscribe(ctx context.Context, userToken string, ids []string) error {
	const what = "delete kick event subscriptions"
	var uniq []string
	for _, id := range ids {
		if id == "" {
			return fault.E(fault.Invalid, "%s: an empty subscription id", what)
		}
		if !slices.Contains(uniq, id) {
			uniq = append(uniq, id)
		}
	}
	for chunk := range slices.Chunk(uniq, maxPerRequest) {
		r := call{method: http.MethodDelete, path: "/public/v1/events/subscriptions", query: url.Values{"id": chunk}, what: what}
		if err := c.do(ctx, userToken, r, nil); err != nil {
			return err
		}
	}
	return nil
}
