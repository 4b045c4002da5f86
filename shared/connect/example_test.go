package connect_test

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/consent"
	"github.com/kickbot/kickbot/shared/fault"
)

// A streamer connects a guild: /kick connect hands an admin the start
// link, the start route sends the browser to Kick, and Kick's callback
// stores the login, connects the channel and subscribes its events.
func Example() {
	ctx := context.Background()
	kick, store := newMemKick(connect.User{ID: 4402117, Name: "northwind"}), newMemStore()
	svc := &connect.Service{
		Store: store, Kick: kick,
		Key:     []byte("0123456789abcdef0123456789abcdef"),
		BaseURL: "https://bot.example.com",
	}
	now := time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)

	// /kick connect, by admin 222… in guild 111…
	link, _ := svc.StartURL(consent.Connect, "111111111111111111", "222222222222222222", now)
	start, _ := url.Parse(link)
	fmt.Println(start.Path)

	// GET /oauth/kick/start?state=… redirects to Kick; the streamer
	// consents and Kick redirects to the callback with a code.
	state := start.Query().Get("state")
	kickURL, _ := svc.Authorize(state, now)
	code := must(url.Parse(kickURL)).Query().Get("code")

	// GET /oauth/kick/callback?code=…&state=…
	out, err := svc.Callback(ctx, state, code, "", now.Add(time.Minute))
	fmt.Println(out.Purpose, out.Kick.Name, err)

	st, _ := svc.Status(ctx, "111111111111111111")
	fmt.Println(st.Connected, st.Channel.Name, len(st.Subscriptions), "event types subscribed")

	// The same callback again is refused.
	_, err = svc.Callback(ctx, state, code, "", now.Add(2*time.Minute))
	fmt.Println(fault.KindOf(err), "—", fault.Message(err))
	// Output:
	// /oauth/kick/start
	// connect northwind <nil>
	// true northwind 10 event types subscribed
	// conflict — this link was already used; run /kick connect in Discord for a new link
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
