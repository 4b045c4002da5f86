package dynamo

import (
	"context"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/settings"
)

// nameKey is a viewer's key in the byName index: names compare the way
// settings.NormalizeName folds them.
func nameKey(guild, username string) string { return guild + "#" + settings.NormalizeName(username) }

// identify adds to u the attributes every write to a viewer item sets, so
// whichever write creates the item, it is in the activity, leaderboard and
// byName indexes as its other attributes allow.
func identify(u expression.UpdateBuilder, guild string, userID int64, username string) expression.UpdateBuilder {
	u = u.Set(expression.Name("guild"), expression.Value(guild)).
		Set(expression.Name("userId"), expression.Value(userID))
	if username != "" {
		u = u.Set(expression.Name("username"), expression.Value(username)).
			Set(expression.Name("nameKey"), expression.Value(nameKey(guild, username)))
	}
	return u
}

// ViewerByName returns the guild's viewer with that Kick username (any
// case), or fault.NotFound. Kick names can be reused after a rename; if two
// viewers carry one name, the one active most recently wins.
func (s *Store) ViewerByName(ctx context.Context, guild, username string) (audience.Viewer, error) {
	if guild == "" || settings.NormalizeName(username) == "" {
		return audience.Viewer{}, fault.E(fault.Invalid, "looking up a viewer needs a guild and a name")
	}
	items, err := s.queryWhere(ctx, where{
		index: byNameIndex,
		key:   expression.Key("nameKey").Equal(expression.Value(nameKey(guild, username))),
	}, 0, "find viewer by name")
	if err != nil {
		return audience.Viewer{}, err
	}
	var keys []itemKey
	if err := attributevalue.UnmarshalListOfMaps(items, &keys); err != nil {
		return audience.Viewer{}, fault.Wrap(fault.Internal, err, "decode name matches")
	}
	var best audience.Viewer
	found := false
	for _, k := range keys {
		id, err := strconv.ParseInt(strings.TrimPrefix(k.SK, viewerPrefix), 10, 64)
		if err != nil {
			return audience.Viewer{}, fault.E(fault.Internal, "malformed viewer key %s", k.SK)
		}
		v, err := s.Viewer(ctx, guild, id)
		if fault.Is(err, fault.NotFound) {
			continue // the index lags a deletion
		}
		if err != nil {
			return audience.Viewer{}, err
		}
		if !found || v.LastChatAt.After(best.LastChatAt) {
			best, found = v, true
		}
	}
	if !found {
		return audience.Viewer{}, fault.E(fault.NotFound, "no viewer named %q has been seen in this guild's chat", username)
	}
	return best, nil
}
