package dynamo

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/fault"
)

// Board is a leaderboard; its value names the index that orders a guild's
// viewers by one counter. The index is sparse, so a viewer whose counter
// was never written is not on the board.
type Board = audience.Board

// The leaderboards.
const (
	Watchtime = audience.WatchtimeBoard // by watchMinutes
	Points    = audience.PointsBoard    // by pointsMilli
)

// MaxTop is the most viewers one Top page holds.
const MaxTop = 100

// Page is one page of a leaderboard.
type Page = audience.Page

// boardAttr returns the viewer attribute that orders b.
func boardAttr(b Board) (string, bool) {
	switch b {
	case Watchtime:
		return "watchMinutes", true
	case Points:
		return "pointsMilli", true
	}
	return "", false
}

// cursor is a page cursor: the key of the last viewer on a page, which
// DynamoDB needs to resume after it (pk and sk follow from guild and
// user). The counter is named for its board (w or p), so that a cursor
// cannot resume another board. One-letter names keep the cursor short
// enough for a Discord component's custom id.
type cursor struct {
	Guild     string `json:"g"`
	UserID    int64  `json:"u"`
	Watchtime *int64 `json:"w,omitempty"`
	Points    *int64 `json:"p,omitempty"`
}

func encodeCursor(guild string, board Board, r viewerRecord) string {
	c := cursor{Guild: guild, UserID: r.UserID}
	if board == Watchtime {
		c.Watchtime = &r.WatchMinutes
	} else {
		c.Points = &r.PointsMilli
	}
	b, _ := json.Marshal(c) // a struct of strings and numbers always encodes
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor returns the ExclusiveStartKey that s names on guild's
// board; nil for "".
func decodeCursor(s, guild string, board Board, attr string) (map[string]types.AttributeValue, error) {
	if s == "" {
		return nil, nil
	}
	bad := fault.E(fault.Invalid, "bad page cursor")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c cursor
	if dec.Decode(&c) != nil || dec.More() || c.Guild != guild || c.UserID <= 0 {
		return nil, bad
	}
	value := c.Watchtime
	if board == Points {
		value = c.Points
	}
	if value == nil || (c.Watchtime != nil && c.Points != nil) {
		return nil, bad
	}
	k := viewerKey(guild, c.UserID).av()
	k["guild"] = &types.AttributeValueMemberS{Value: guild}
	k[attr] = &types.AttributeValueMemberN{Value: strconv.FormatInt(*value, 10)}
	return k, nil
}

// Top returns a page of up to limit (1 to MaxTop) of guild's viewers on
// board, highest first; cursor is "" for the first page, else the Next of
// the page before. Viewers with equal values come in a stable order. The
// viewers carry Guild, UserID, Username, WatchMinutes and PointsMilli.
// The board is an index, so it may lag the latest changes for a moment.
// It returns fault.Invalid for an unknown board, a limit out of range or a
// cursor that is not a Next of guild's board.
func (s *Store) Top(ctx context.Context, guild string, board Board, limit int, cursor string) (Page, error) {
	attr, ok := boardAttr(board)
	if !ok {
		return Page{}, fault.E(fault.Invalid, "unknown leaderboard %q", board)
	}
	if guild == "" {
		return Page{}, fault.E(fault.Invalid, "leaderboard needs a guild")
	}
	if limit < 1 || limit > MaxTop {
		return Page{}, fault.E(fault.Invalid, "leaderboard page size must be 1 to %d", MaxTop)
	}
	start, err := decodeCursor(cursor, guild, board, attr)
	if err != nil {
		return Page{}, err
	}
	// One viewer more than the page, to know whether another page follows:
	// DynamoDB's LastEvaluatedKey is also set when the page merely reached
	// the limit, which would make a last page's Next lead to an empty one.
	items, err := s.queryWhere(ctx, where{index: string(board), key: expression.Key("guild").Equal(expression.Value(guild)),
		start: start, descending: true}, limit+1, "list leaderboard")
	if err != nil {
		return Page{}, err
	}
	var records []viewerRecord
	if err := attributevalue.UnmarshalListOfMaps(items, &records); err != nil {
		return Page{}, fault.Wrap(fault.Internal, err, "decode leaderboard")
	}
	var page Page
	for i := range records[:min(len(records), limit)] {
		r := &records[i]
		if r.UserID == 0 {
			r.UserID = keyUser(items[i])
		}
		page.Viewers = append(page.Viewers, audience.Viewer{
			Guild:        guild,
			UserID:       r.UserID,
			Username:     r.Username,
			WatchMinutes: r.WatchMinutes,
			PointsMilli:  r.PointsMilli,
		})
	}
	if len(records) > limit {
		page.Next = encodeCursor(guild, board, records[limit-1])
	}
	return page, nil
}

// keyUser returns the user id in a viewer item's sort key, for a viewer
// written without its userId attribute; 0 if the key holds none.
func keyUser(item map[string]types.AttributeValue) int64 {
	sk, _ := item["sk"].(*types.AttributeValueMemberS)
	if sk == nil {
		return 0
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(sk.Value, viewerPrefix), 10, 64)
	return id
}

// Rank returns the position of guild's viewer userID on board (1 for the
// top; viewers with equal values share a position) and the viewer, read
// consistently. The position is counted on the board's index, which may
// lag the latest changes for a moment. It returns fault.NotFound when the
// viewer was never recorded in guild or is not on the board, and
// fault.Invalid for an unknown board.
func (s *Store) Rank(ctx context.Context, guild string, board Board, userID int64) (rank int64, v audience.Viewer, err error) {
	attr, ok := boardAttr(board)
	if !ok {
		return 0, audience.Viewer{}, fault.E(fault.Invalid, "unknown leaderboard %q", board)
	}
	if guild == "" || userID <= 0 {
		return 0, audience.Viewer{}, fault.E(fault.Invalid, "rank needs a guild and a known viewer")
	}
	item, ok, err := s.getItem(ctx, viewerKey(guild, userID), "load viewer")
	if err != nil {
		return 0, audience.Viewer{}, err
	}
	if !ok {
		return 0, audience.Viewer{}, fault.E(fault.NotFound, "viewer not found")
	}
	if _, on := item[attr]; !on {
		return 0, audience.Viewer{}, fault.E(fault.NotFound, "viewer is not on the %s leaderboard", board)
	}
	var r viewerRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return 0, audience.Viewer{}, fault.Wrap(fault.Internal, err, "decode viewer")
	}
	value := r.WatchMinutes
	if board == Points {
		value = r.PointsMilli
	}

	expr, err := expression.NewBuilder().
		WithKeyCondition(expression.Key("guild").Equal(expression.Value(guild)).
			And(expression.Key(attr).GreaterThan(expression.Value(value)))).
		Build()
	if err != nil {
		return 0, audience.Viewer{}, fault.Wrap(fault.Internal, err, "build rank query")
	}
	in := &dynamodb.QueryInput{
		TableName:                 &s.Table,
		IndexName:                 aws.String(string(board)),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		Select:                    types.SelectCount,
	}
	if s.pageSize > 0 {
		in.Limit = aws.Int32(s.pageSize)
	}
	// A count reads at most 1 MB of index per page; a large board takes
	// several.
	var ahead int64
	for {
		out, err := s.Client.Query(ctx, in)
		if err != nil {
			return 0, audience.Viewer{}, classify(err, "count viewers ahead")
		}
		ahead += int64(out.Count)
		if len(out.LastEvaluatedKey) == 0 {
			return ahead + 1, r.viewer(), nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
