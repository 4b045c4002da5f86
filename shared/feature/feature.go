// Package feature gathers the answers of the feature built-ins, the chat
// commands of slot calls, guess the balance, bonus hunts, raffles and
// clips, so
// that every function and the local runner wire the same ones.
package feature

import (
	"log/slog"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/calls"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/clip"
	"github.com/kickbot/kickbot/shared/gtb"
	"github.com/kickbot/kickbot/shared/hunt"
	"github.com/kickbot/kickbot/shared/raffle"
)

// Store is what the features read and write; *dynamo.Store is one.
type Store interface {
	calls.Store
	gtb.Store
	hunt.Reader
	raffle.Reader
	clip.Store
}

// Clips is what !clip uses beside the store. The zero Clips posts no
// marker to Discord and asks no clip service.
type Clips struct {
	Announcer announce.Announcer
	Service   clip.Service
	// Log gets the failures the answers survive: the clip service's,
	// which !clip hides behind a plain marker, and a slot call's post to
	// Discord; nil logs nothing.
	Log *slog.Logger
}

// Answerers returns the answer of each feature built-in
// (command.Builtins with Feature set), by name, for chat.Commands.
// poster posts accepted slot calls to Discord; nil posts none.
func Answerers(store Store, poster calls.Poster, clips Clips) map[string]chat.Answerer {
	slotCalls := &calls.Chat{Store: store, Poster: poster, Log: clips.Log}
	return map[string]chat.Answerer{
		"call":    slotCalls,
		"current": slotCalls,
		"gtb":     gtb.Chat{Store: store},
		"hunt":    hunt.Answerer{Hunts: store},
		"tickets": raffle.Chat{Store: store},
		"raffle":  raffle.Chat{Store: store},
		"clip":    &clip.Chat{Store: store, Announcer: clips.Announcer, Service: clips.Service, Log: clips.Log},
	}
}
