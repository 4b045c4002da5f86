package kickapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
)

func ExampleClient_Channels() {
	// A stand-in for Kick's two hosts; in production New's defaults point
	// at https://id.kick.com and https://api.kick.com.
	kick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/oauth/token":
			fmt.Fprint(w, `{"access_token":"app-token","token_type":"Bearer","expires_in":5184000}`)
		case "/public/v1/channels":
			fmt.Fprint(w, `{"data":[{"broadcaster_user_id":4402117,"slug":"northwind",
				"stream_title":"BONUS HUNT | !gtb open",
				"category":{"id":28,"name":"Slots & Casino"},
				"stream":{"is_live":true,"viewer_count":1873,"start_time":"2026-03-14T18:30:05Z"}}],
				"message":"OK"}`)
		}
	}))
	defer kick.Close()

	c := kickapi.New("app-client-id", "app-client-secret")
	c.AuthBase, c.APIBase = kick.URL, kick.URL

	// The first call gets an app token; later calls reuse it until shortly
	// before it expires.
	channels, err := c.Channels(context.Background(), []int64{4402117})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ch := range channels {
		fmt.Printf("%s live=%t viewers=%d category=%q since %s\n",
			ch.Slug, ch.Live, ch.ViewerCount, ch.Category.Name, ch.StartedAt.Format("15:04 MST"))
	}
	// Output:
	// northwind live=true viewers=1873 category="Slots & Casino" since 18:30 UTC
}

// The connection of a Kick channel: consent with PKCE, the code exchange,
// learning whose channel it is, subscribing to its events, a bot message
// in its chat, and a refresh before the access token expires.
func ExampleClient_Exchange() {
	const redirect = "https://bot.example/kick/callback"
	// A fake Kick that knows the app and has the streamer signed in.
	kick := &kickfake.Server{ClientID: "app-client-id", ClientSecret: "app-client-secret", RedirectURIs: []string{redirect}}
	kick.SignIn(kickfake.User{ID: 4402117, Name: "northwind"})
	srv := httptest.NewServer(kick)
	defer srv.Close()

	c := kickapi.New("app-client-id", "app-client-secret")
	c.AuthBase, c.APIBase = srv.URL, srv.URL
	c.Now = func() time.Time { return time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC) }
	ctx := context.Background()

	// 1. Send the streamer's browser to Kick with the S256 challenge of a
	// fresh verifier, and a signed, expiring, single-use state.
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	sum := sha256.Sum256([]byte(verifier))
	authorize := c.AuthorizeURL(kickapi.AuthorizeParams{
		RedirectURI:   redirect,
		Scopes:        []string{"user:read", "chat:write", "events:subscribe"},
		State:         "signed-state",
		CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:]),
	})

	// 2. Kick sends the browser back with a code (the fake consents at once).
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(authorize)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	callback, _ := url.Parse(resp.Header.Get("Location"))

	// 3. The callback redeems the code with the verifier.
	tok, err := c.Exchange(ctx, callback.Query().Get("code"), verifier, redirect)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok) // never shows the tokens
	me, err := c.WhoAmI(ctx, tok.Access)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("connected %s (%d)\n", me.Name, me.ID)

	// 4. Subscribe to the channel's events and greet its chat as the bot.
	created, err := c.Subscribe(ctx, tok.Access, me.ID, []kickapi.EventVersion{
		{Event: "chat.message.sent", Version: 1},
		{Event: "livestream.status.updated", Version: 1},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(created), "subscriptions")
	if _, err := c.SendChat(ctx, tok.Access, kickapi.ChatMessage{Content: "Connected! Type !points to see yours."}); err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range kick.Messages() {
		fmt.Printf("%s in channel %d: %s\n", m.Type, m.BroadcasterUserID, m.Content)
	}

	// 5. Before tok.Expiry, trade the refresh token for a new pair, and
	// store it at once. ErrRejected would mean: ask the streamer again.
	tok, err = c.Refresh(ctx, tok.Refresh)
	if errors.Is(err, kickapi.ErrRejected) {
		fmt.Println("reconnect the channel")
		return
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("refreshed, expires", tok.Expiry.Format(time.RFC3339))
	// Output:
	// Token{access: redacted, refresh: redacted, expiry: 2026-03-14T21:00:00Z, scopes: [user:read chat:write events:subscribe]}
	// connected northwind (4402117)
	// 2 subscriptions
	// bot in channel 4402117: Connected! Type !points to see yours.
	// refreshed, expires 2026-03-14T21:00:00Z
}
