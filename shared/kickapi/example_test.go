package kickapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/kickbot/kickbot/shared/kickapi"
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
