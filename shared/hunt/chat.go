package hunt

import (
	"context"
	"fmt"
	"strings"

	"github.com/kickbot/kickbot/shared/chat"
)

// MaxSummary bounds Summary: a Kick chat message holds 500 characters.
const MaxSummary = 500

// Summary is h's figures on one chat line, at most MaxSummary characters:
//
//	🎰 Friday: 12 bonuses, 5 opened | start $5,000.00 | won $2,340.00 | profit -$2,660.00 | avg 45.20x | break-even 120.55x
func (h Hunt) Summary() string {
	t := h.Totals()
	name := "Bonus hunt"
	if h.Name != "" {
		name = "Bonus hunt " + strings.Join(strings.Fields(h.Name), " ")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "🎰 %s", name)
	if !h.Open() {
		b.WriteString(" (finished)")
	}
	fmt.Fprintf(&b, ": %d %s, %d opened | start %s | won %s | profit %s", t.Bonuses, plural(t.Bonuses, "bonus", "bonuses"),
		t.Opened, t.Cost, t.Won, t.Profit)
	if t.HasAverage {
		fmt.Fprintf(&b, " | avg %s", t.Average)
	}
	if t.HasBreakEven {
		fmt.Fprintf(&b, " | break-even %s", t.BreakEven)
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Reader reads a guild's hunt; *dynamo.Store is one.
type Reader interface {
	// LatestHunt returns guild's latest hunt, open or finished; false
	// when it never had one. Errors are the store's (fault.Transient may
	// be retried).
	LatestHunt(ctx context.Context, guild string) (Hunt, bool, error)
}

// Answerer answers the chat built-in !hunt with the guild's latest
// hunt's Summary; it is a chat.Answerer.
type Answerer struct{ Hunts Reader }

var _ chat.Answerer = Answerer{}

// NoHunt is !hunt's answer in a guild that never had a hunt.
const NoHunt = "No bonus hunt yet."

// Answer answers a: one read of the hunt, no write.
func (a Answerer) Answer(ctx context.Context, ask chat.Ask) (string, error) {
	h, ok, err := a.Hunts.LatestHunt(ctx, ask.Guild)
	switch {
	case err != nil:
		return "", err
	case !ok:
		return NoHunt, nil
	}
	return h.Summary(), nil
}
