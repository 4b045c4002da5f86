package main

import (
	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/gtb"
	"github.com/kickbot/kickbot/shared/hunt"
)

// features are the answers of the feature built-ins (command.Builtins
// with Feature set), by name.
func features(store *dynamo.Store) map[string]chat.Answerer {
	return map[string]chat.Answerer{
		"gtb":  gtb.Chat{Store: store},
		"hunt": hunt.Answerer{Hunts: store},
	}
}
