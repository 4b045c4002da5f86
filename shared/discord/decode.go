package discord

import (
	"encoding/json"

	"github.com/bwmarrin/discordgo"
	gojson "github.com/goccy/go-json"
)

// plainInteraction is discordgo.Interaction without its UnmarshalJSON, so
// that a decoder fills its fields directly.
type plainInteraction discordgo.Interaction

// rawInteraction holds an interaction whose data is decoded second, by
// type, as discordgo.Interaction.UnmarshalJSON does.
type rawInteraction struct {
	plainInteraction
	Data json.RawMessage `json:"data"`
}

// decodeInteraction decodes body into discordgo's Interaction exactly as
// its UnmarshalJSON does, but with go-json's decoder, several times
// faster than encoding/json's on Discord's few-KiB interactions; that
// keeps the endpoint's CPU within twice the signature check. Anything
// go-json refuses (or panics on) is decoded by discordgo itself, so a body
// decodes as discordgo would decode it; FuzzInteraction holds the two
// equal.
func decodeInteraction(body []byte) (i discordgo.Interaction, err error) {
	if fast, ok := decodeFast(body); ok {
		return fast, nil
	}
	err = i.UnmarshalJSON(body)
	return i, err
}

func decodeFast(body []byte) (i discordgo.Interaction, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	var raw rawInteraction
	if gojson.Unmarshal(body, &raw) != nil {
		return i, false
	}
	i = discordgo.Interaction(raw.plainInteraction)
	var data discordgo.InteractionData
	switch i.Type {
	case discordgo.InteractionApplicationCommand, discordgo.InteractionApplicationCommandAutocomplete:
		var v discordgo.ApplicationCommandInteractionData
		if !decodeData(raw.Data, &v) {
			return i, false
		}
		data = v
	case discordgo.InteractionMessageComponent:
		var v discordgo.MessageComponentInteractionData
		if !decodeData(raw.Data, &v) {
			return i, false
		}
		data = v
	case discordgo.InteractionModalSubmit:
		var v discordgo.ModalSubmitInteractionData
		if !decodeData(raw.Data, &v) {
			return i, false
		}
		data = v
	}
	i.Data = data
	return i, true
}

// decodeData decodes a data object as encoding/json would: a missing one
// (nil) is an error there too.
func decodeData(b json.RawMessage, v any) bool {
	return b != nil && gojson.Unmarshal(b, v) == nil
}
