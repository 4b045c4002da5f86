package main

import (
	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/calls"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/gtb"
	"github.com/kickbot/kickbot/shared/hunt"
	"github.com/kickbot/kickbot/shared/raffle"
)

// features are the answers of the feature built-ins (command.Builtins
// with Feature set), by name.
func features(store *dynamo.Store, poster calls.Poster) map[string]chat.Answerer {
	slotCalls := &calls.Chat{Store: store, Poster: poster}
	return map[string]chat.Answerer{
		"call":    slotCalls,
		"current": slotCalls,
		"gtb":     gtb.Chat{Store: store},
		"hunt":    hunt.Answerer{Hunts: store},
		"tickets": raffle.Chat{Store: store},
		"raffle":  raffle.Chat{Store: store},
	}
}
