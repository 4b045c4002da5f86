package gtb

import (
	"cmp"
	"context"
	"fmt"

	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/fault"
)

// Store keeps a guild's rounds and their guesses; *dynamo.Store is one.
// Implementations return fault.Transient for failures a retry may fix.
type Store interface {
	// GTBRound returns guild's current round; fault.NotFound when the
	// guild never opened one.
	GTBRound(ctx context.Context, guild string) (Round, error)
	// PutGTBGuess stores g as its viewer's guess in guild's round number,
	// unless the viewer has a later guess there (Guess.After): what it
	// did, and for Replaced the guess it replaced.
	PutGTBGuess(ctx context.Context, guild string, round int64, g Guess) (Outcome, Guess, error)
}

// Chat answers !gtb <amount> in Kick chat: a chat.Answerer for the gtb
// built-in.
type Chat struct {
	Store Store
}

var _ chat.Answerer = Chat{}

// Answer takes the asker's guess from a.Args into the guild's current
// round and says what became of it: in, replaced (with the old amount),
// or refused with the reason. A guess a later one of the viewer's
// superseded (a job run late) says nothing; a repeated job says the same
// as the first, which the chat sender says once.
func (c Chat) Answer(ctx context.Context, a chat.Ask) (string, error) {
	if a.Asker.ID <= 0 {
		return "", nil
	}
	to := mention(a.Asker.Username)
	amount, err := ParseGuess(a.Args)
	if err != nil {
		return to + fault.Message(err), nil
	}
	r, err := c.Store.GTBRound(ctx, a.Guild)
	switch {
	case fault.Is(err, fault.NotFound):
		return to + "no GTB round is open right now", nil
	case err != nil:
		return "", err
	}
	sent := cmp.Or(a.Sent, a.Now)
	if !r.Takes(sent) {
		if r.State == Closed {
			return fmt.Sprintf("%sGTB #%d is closed: no more guesses", to, r.Number), nil
		}
		return to + "no GTB round is open right now", nil
	}
	g := Guess{UserID: a.Asker.ID, Username: a.Asker.Username, Amount: amount, At: sent, MessageID: a.MessageID}
	out, prev, err := c.Store.PutGTBGuess(ctx, a.Guild, r.Number, g)
	if err != nil {
		return "", err
	}
	switch out {
	case Replaced:
		return fmt.Sprintf("%syour guess for GTB #%d is now %s (was %s)", to, r.Number, amount, prev.Amount), nil
	case Superseded:
		return "", nil
	}
	return fmt.Sprintf("%syour guess of %s is in for GTB #%d", to, amount, r.Number), nil
}

// mention starts a reply to name: "@name ", or "" for no name.
func mention(name string) string {
	if name == "" {
		return ""
	}
	return "@" + name + " "
}
