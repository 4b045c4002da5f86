package kickapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
)

// pagedSubscriptions answers the subscriptions list in pages: the page
// for each cursor ("" is the first), each with the next cursor.
func pagedSubscriptions(t *testing.T, pages map[string][2]string) (*kickapi.Client, *[]string) {
	t.Helper()
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/public/v1/events/subscriptions" {
			t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		cursor := r.URL.Query().Get("cursor")
		asked = append(asked, cursor)
		p, ok := pages[cursor]
		if !ok {
			t.Errorf("asked for unknown cursor %q", cursor)
		}
		fmt.Fprintf(w, `{"data":[{"id":%q,"broadcaster_user_id":7,"event":"chat.message.sent","version":1}],"message":"OK","pagination":{"next_cursor":%q}}`, p[0], p[1])
	}))
	t.Cleanup(srv.Close)
	c := kickapi.New(testClientID, testClientSecret)
	c.APIBase, c.AuthBase = srv.URL, srv.URL
	return c, &asked
}

func TestSubscriptionsFollowsCursor(t *testing.T) {
	c, asked := pagedSubscriptions(t, map[string][2]string{"": {"01A", "p2"}, "p2": {"01B", ""}})
	subs, err := c.Subscriptions(t.Context(), "user-token")
	if err != nil {
		t.Fatalf("Subscriptions: %v", err)
	}
	if got := fmt.Sprint(len(subs), " ", *asked); got != "2 [ p2]" {
		t.Errorf("Subscriptions over two pages = %v after asking for cursors %q, want both subscriptions from pages \"\" and \"p2\"", subs, *asked)
	}
	if len(subs) == 2 && (subs[0].ID != "01A" || subs[1].ID != "01B") {
		t.Errorf("Subscriptions = %v, want 01A then 01B", subs)
	}
}

func TestSubscriptionsRepeatedCursor(t *testing.T) {
	c, _ := pagedSubscriptions(t, map[string][2]string{"": {"01A", "p2"}, "p2": {"01B", "p2"}})
	if _, err := c.Subscriptions(t.Context(), "user-token"); !fault.Is(err, fault.Internal) {
		t.Errorf("Subscriptions with a cursor that repeats = %v, want an Internal error", err)
	}
}
