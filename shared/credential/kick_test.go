package credential_test

import (
	"context"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
)

// TestConcurrentRefreshOnKick is the refresh race on the real parts: ten
// goroutines, each with its own Source as ten Lambdas would have, find the
// stored token expired at once; Kick's token endpoint (the fake, which
// rotates refresh tokens) is called once and all ten get its new token.
func TestConcurrentRefreshOnKick(t *testing.T) {
	ctx := context.Background()
	fake := &kickfake.Server{ClientID: "app", ClientSecret: "secret"}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	kick := kickapi.New("app", "secret")
	kick.APIBase, kick.AuthBase = srv.URL, srv.URL
	store := dynamo.New(dynamotest.Table(t, "kickbot"), "kickbot")

	const broadcaster = 4402117
	access, refresh := fake.IssueUserToken(kickfake.User{ID: broadcaster, Name: "northwind"}, "chat:write")
	expired := credential.Token{Access: access, Refresh: refresh, Expiry: time.Now().Add(-time.Minute)}
	if err := store.PutCredentials(ctx, broadcaster, expired, []string{"chat:write"}); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	got := make([]string, 10)
	errs := make([]error, 10)
	for i := range got {
		wg.Go(func() {
			src := &credential.Source{
				Store: store, Kick: kickapi.Adapter{Client: kick},
				// Losers re-read until the winner's save shows; yielding
				// instead of sleeping keeps the test quick.
				Wait:     func(context.Context, time.Duration) error { runtime.Gosched(); return nil },
				Attempts: 100_000,
			}
			got[i], errs[i] = src.Token(ctx, broadcaster)
		})
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if got[i] == access || got[i] != got[0] {
			t.Errorf("caller %d got %.8q…, want the one new token all got", i, got[i])
		}
	}
	if n := fake.TokenCalls("refresh_token"); n != 1 {
		t.Errorf("Kick's token endpoint got %d refresh calls, want 1", n)
	}
	if f := fake.Failures(); len(f) != 0 {
		t.Errorf("fake Kick refused: %q", f)
	}
	rec, err := store.Load(ctx, broadcaster)
	if err != nil || rec.Access != got[0] || rec.Refresh == refresh || !rec.Expiry.After(time.Now()) {
		t.Errorf("stored %v, %v; want the new pair with a future expiry", rec, err)
	}
}
