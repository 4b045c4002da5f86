package kickapi

import (
	"context"
	"net/http"

	"github.com/kickbot/kickbot/shared/fault"
)

// User is a Kick account.
type User struct {
	// ID is the user id; for a streamer it is also the broadcaster user
	// id that identifies the channel.
	ID   int64
	Name string
}

// WhoAmI returns the user userToken belongs to: the streamer or viewer who
// just consented. Kick answers GET /public/v1/users without ids with the
// token owner; the token needs the user:read scope.
func (c *Client) WhoAmI(ctx context.Context, userToken string) (User, error) {
	const what = "get the kick user of a token"
	if userToken == "" {
		return User{}, fault.E(fault.Invalid, "%s: no user token", what)
	}
	var resp struct {
		Data []struct {
			UserID int64  `json:"user_id"`
			Name   string `json:"name"`
		} `json:"data"`
	}
	r := call{method: http.MethodGet, path: "/public/v1/users", what: what}
	if err := c.do(ctx, userToken, r, &resp); err != nil {
		return User{}, err
	}
	if len(resp.Data) != 1 || resp.Data[0].UserID < 1 {
		return User{}, fault.E(fault.Internal, "%s: kick answered with %d users, want the token's one", what, len(resp.Data))
	}
	return User{ID: resp.Data[0].UserID, Name: resp.Data[0].Name}, nil
}
