// Package bot builds the Discord REST client the functions act through as
// the bot. It is apart from package config so that a function that never
// calls Discord links none of Discord's code.
package bot

import (
	"github.com/kickbot/kickbot/functions/internal/config"
	"github.com/kickbot/kickbot/shared/discord"
)

// REST returns a client as the configured Discord application's bot, or
// nil when none is configured (config.Discord).
func REST(env *config.Env) (*discord.REST, error) {
	app, ok, err := config.Discord(env)
	if err != nil || !ok {
		return nil, err
	}
	return discord.NewREST(app.BotToken, app.ID, app.APIURL)
}
