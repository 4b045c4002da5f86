package rewards

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

// AdminStore is the store of the /rewards commands; *dynamo.Store is one.
type AdminStore interface {
	// Rewards returns the guild's settings, the zero Settings when it set
	// none.
	Rewards(ctx context.Context, guild string) (Settings, error)
	// PutRewardsOnce stores the guild's settings whole if the stored ones
	// are still at s.Version, once per cause: interact.ErrApplied when c
	// took effect before, fault.Conflict when they changed meanwhile,
	// fault.Invalid when s does not validate.
	PutRewardsOnce(ctx context.Context, guild string, s Settings, c interact.Cause) error
}

// Admin answers the /rewards slash commands (interact.Handler's Rewards).
type Admin struct {
	Store AdminStore
}

var _ interact.Feature = (*Admin)(nil)

// pointOptions are /rewards points' options, by the Settings field they
// set.
var pointOptions = []string{"follow", "sub", "gift", "kicks"}

// Handle answers r, a /rewards subcommand: show, points (the points per
// event; options left out stay), thanks (switch a kind's thank-you on,
// with its template or the default) and off (switch it off).
func (a *Admin) Handle(ctx context.Context, r interact.Request) (interact.Response, error) {
	if a.Store == nil {
		return interact.Response{}, fault.E(fault.NotFound, "event rewards are not set up on this bot")
	}
	if r.Command != "rewards" {
		return interact.Response{}, fault.E(fault.NotFound, "unknown command")
	}
	s, err := a.Store.Rewards(ctx, r.Guild)
	if err != nil {
		return interact.Response{}, err
	}
	switch r.Sub {
	case "show":
		return interact.Response{Ephemeral: true, Content: Describe(s)}, nil
	case "points":
		if err := setPoints(&s, r.Options); err != nil {
			return interact.Response{}, err
		}
	case "thanks", "off":
		k := Kind(r.Options["kind"])
		if !k.Known() {
			return interact.Response{}, fault.E(fault.Invalid, "kind must be sub, gift or kicks")
		}
		s.Thanks = maps.Clone(s.Thanks)
		if r.Sub == "off" {
			delete(s.Thanks, k)
			break
		}
		t, ok := r.Options["message"]
		if !ok {
			t = DefaultThanks[k]
		}
		if err := ValidateTemplate(t); err != nil {
			return interact.Response{}, err
		}
		if s.Thanks == nil {
			s.Thanks = map[Kind]string{}
		}
		s.Thanks[k] = t
	default:
		return interact.Response{}, fault.E(fault.NotFound, "unknown command")
	}
	if err := s.Validate(); err != nil {
		return interact.Response{}, err
	}
	if err := a.Store.PutRewardsOnce(ctx, r.Guild, s, r.Cause()); err != nil {
		return interact.Response{}, err
	}
	return interact.Response{Ephemeral: true, Content: "Saved.\n" + Describe(s)}, nil
}

// setPoints applies the points options given to s.
func setPoints(s *Settings, opts map[string]string) error {
	fields := map[string]*int64{"follow": &s.Follow, "sub": &s.Sub, "gift": &s.Gift, "kicks": &s.Kicks}
	given := false
	for _, name := range pointOptions {
		v, ok := opts[name]
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > MaxPoints {
			return fault.E(fault.Invalid, "%s must be a whole number from 0 to %d", name, MaxPoints)
		}
		*fields[name], given = n, true
	}
	if !given {
		return fault.E(fault.Invalid, "give at least one of follow, sub, gift or kicks (0 switches it off)")
	}
	return nil
}

// Describe shows s to an admin.
func Describe(s Settings) string {
	var b strings.Builder
	b.WriteString("**Points for events**\n")
	for _, l := range []struct {
		name string
		n    int64
	}{{"First follow", s.Follow}, {"Sub or renewal", s.Sub}, {"Each gifted sub (to the gifter)", s.Gift}, {"Each 100 KICKs", s.Kicks}} {
		if l.n == 0 {
			fmt.Fprintf(&b, "%s: off\n", l.name)
		} else {
			fmt.Fprintf(&b, "%s: %d points\n", l.name, l.n)
		}
	}
	b.WriteString("**Thank-yous in Kick chat**\n")
	for _, k := range Kinds {
		if t, ok := s.Thanks[k]; ok {
			fmt.Fprintf(&b, "%s: `%s`\n", k, strings.ReplaceAll(t, "`", "'"))
		} else {
			fmt.Fprintf(&b, "%s: off\n", k)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}
