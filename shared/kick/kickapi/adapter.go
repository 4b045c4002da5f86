package kickapi

import (
	"context"
	"errors"

	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/subscription"
)

// Adapter gives a Client the domain's types: it is the connect.Kick that
// a connection service calls, and the credential.Refresher that a
// credential.Source refreshes streamers' tokens with. It makes every
// event subscription call with the app's token, which may subscribe any
// channel and never needs a streamer's consent (kick-api.md §4).
type Adapter struct {
	Client *Client
}

var (
	_ connect.Kick         = Adapter{}
	_ credential.Refresher = Adapter{}
)

// AuthorizeURL returns the address of Kick's consent page for a.
func (a Adapter) AuthorizeURL(p connect.Authorization) string {
	return a.Client.AuthorizeURL(AuthorizeParams{
		RedirectURI: p.RedirectURI, Scopes: p.Scopes, State: p.State, CodeChallenge: p.Challenge,
	})
}

// Exchange redeems an authorization code; see Client.Exchange.
func (a Adapter) Exchange(ctx context.Context, code, verifier, redirectURI string) (credential.Token, error) {
	return a.Client.Exchange(ctx, code, verifier, redirectURI)
}

// Refresh trades a refresh token for a new pair; see Client.Refresh.
func (a Adapter) Refresh(ctx context.Context, refreshToken string) (credential.Token, error) {
	return a.Client.Refresh(ctx, refreshToken)
}

// Rejected reports whether err says Kick refused the grant for good
// (ErrRejected): only a new authorization helps.
func (Adapter) Rejected(err error) bool { return errors.Is(err, ErrRejected) }

// WhoAmI returns the user accessToken belongs to; see Client.WhoAmI.
func (a Adapter) WhoAmI(ctx context.Context, accessToken string) (connect.User, error) {
	u, err := a.Client.WhoAmI(ctx, accessToken)
	return connect.User{ID: u.ID, Name: u.Name}, err
}

// Revoke revokes an access or refresh token; see Client.Revoke.
func (a Adapter) Revoke(ctx context.Context, token string, kind connect.TokenKind) error {
	switch kind {
	case connect.AccessToken:
		return a.Client.Revoke(ctx, token, HintAccessToken)
	case connect.RefreshToken:
		return a.Client.Revoke(ctx, token, HintRefreshToken)
	}
	return fault.E(fault.Invalid, "revoke kick token: unknown token kind %d", kind)
}

// Subscriptions lists the app's event subscriptions, with the app token.
func (a Adapter) Subscriptions(ctx context.Context) ([]subscription.Sub, error) {
	subs, err := a.Client.Subscriptions(ctx, AppToken)
	if err != nil {
		return nil, err
	}
	return domainSubs(subs), nil
}

// Subscribe subscribes broadcaster's channel to events, with the app
// token; created holds what Kick made, also with an error.
func (a Adapter) Subscribe(ctx context.Context, broadcaster int64, events []subscription.EventVersion) ([]subscription.Sub, error) {
	want := make([]EventVersion, len(events))
	for i, e := range events {
		want[i] = EventVersion{Event: e.Event, Version: e.Version}
	}
	created, err := a.Client.Subscribe(ctx, AppToken, broadcaster, want)
	return domainSubs(created), err
}

// Unsubscribe deletes the app's subscriptions with these ids, with the
// app token.
func (a Adapter) Unsubscribe(ctx context.Context, ids []string) error {
	return a.Client.Unsubscribe(ctx, AppToken, ids)
}

func domainSubs(subs []Subscription) []subscription.Sub {
	if subs == nil {
		return nil
	}
	out := make([]subscription.Sub, len(subs))
	for i, s := range subs {
		out[i] = subscription.Sub{ID: s.ID, Event: s.Event, Version: s.Version, Broadcaster: s.BroadcasterUserID}
	}
	return out
}
