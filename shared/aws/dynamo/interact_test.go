package dynamo

import "github.com/kickbot/kickbot/shared/interact"

// The slash commands run on this store as it is.
var (
	_ interact.Store          = (*Store)(nil)
	_ interact.Bans           = (*Store)(nil)
	_ interact.CustomCommands = (*Store)(nil)
)
