package dynamo

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/fault"
)

// Board is a leaderboard: what it orders a guild's viewers by. A viewer
// whose counter was never written is not on it.
type Board = audience.Board

// The leaderboards.
const (
	Watchtime = audience.WatchtimeBoard // by watchMinutes
	Points    = audience.PointsBoard    // by pointsMilli
)

// MaxTop is the most viewers one Top page holds, and the most a board
// lists: a board is one item, read with one GetItem.
const MaxTop = audience.BoardSize

// Page is one page of a leaderboard.
type Page = audience.Page

// boardPrefix starts a board's sort key: BOARD#watchtime, BOARD#points.
const boardPrefix = "BOARD#"

func boardKey(guild string, b Board) itemKey {
	return itemKey{PK: guildPrefix + guild, SK: boardPrefix + string(b)}
}

// boardRecord is a guild's board as last built: its top MaxTop viewers,
// highest first (ties by user id), and when it was built. One-letter names
// keep the item near 4 KB.
type boardRecord struct {
	itemKey
	Built   int64        `dynamodbav:"builtAt"`
	Entries []boardEntry `dynamodbav:"e"`
}

type boardEntry struct {
	User   int64  `dynamodbav:"u"`
	Name   string `dynamodbav:"n"`
	Watch  int64  `dynamodbav:"w"`
	Points int64  `dynamodbav:"p"`
}

func valid(b Board) bool { return b == Watchtime || b == Points }

// standing is one viewer's counters as a board build reads them; nil for
// a counter never written.
type standing struct {
	User   int64  `dynamodbav:"userId"`
	Name   string `dynamodbav:"username"`
	Watch  *int64 `dynamodbav:"watchMinutes"`
	Points *int64 `dynamodbav:"pointsMilli"`
}

func (v standing) value(b Board) *int64 {
	if b == Points {
		return v.Points
	}
	return v.Watch
}

// standings reads every viewer of guild: one Query (paged) per viewer
// shard, run together. Its reads grow with the audience, so only board
// builds, /rank (answered by the worker) and the role sync call it.
func (s *Store) standings(ctx context.Context, guild string) ([]standing, error) {
	items, err := s.queryShards(ctx, ViewerShards, func(shard int) where {
		return where{
			key:     expression.Key("pk").Equal(expression.Value(viewerPK(guild, shard))),
			project: []string{"sk", "userId", "username", "watchMinutes", "pointsMilli"},
		}
	}, "read standings")
	if err != nil {
		return nil, err
	}
	var all []standing
	if err := attributevalue.UnmarshalListOfMaps(items, &all); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "decode standings")
	}
	for i := range all {
		if all[i].User == 0 { // written without its userId: the key has it
			all[i].User = keyUser(items[i])
		}
	}
	return all, nil
}

// BuildBoards rebuilds guild's two boards from every viewer's counters as
// read at at: the exact standings of that moment, highest first, ties by
// user id. A build older than the stored one changes nothing. It reads the
// whole audience (one Query page per 1 MB of viewers) and writes two items
// of up to about 4 KB, so the sweep calls it every few minutes, not per
// credit: the leaderboards never put a write on a key per viewer.
func (s *Store) BuildBoards(ctx context.Context, guild string, at time.Time) error {
	if guild == "" {
		return fault.E(fault.Invalid, "a board needs a guild")
	}
	all, err := s.standings(ctx, guild)
	if err != nil {
		return err
	}
	for _, b := range []Board{Watchtime, Points} {
		r := boardRecord{itemKey: boardKey(guild, b), Built: millis(at), Entries: []boardEntry{}}
		for _, v := range top(all, b, MaxTop) {
			r.Entries = append(r.Entries, boardEntry{User: v.User, Name: v.Name, Watch: deref(v.Watch), Points: deref(v.Points)})
		}
		item, err := attributevalue.MarshalMap(r)
		if err != nil {
			return fault.Wrap(fault.Internal, err, "encode board")
		}
		built := expression.Name("builtAt")
		err = s.putIf(ctx, item, expression.AttributeNotExists(built).Or(built.LessThan(expression.Value(millis(at)))), "", "save board")
		if err != nil && !fault.Is(err, fault.Conflict) {
			return err
		}
	}
	return nil
}

// keyUser returns the user id in a viewer item's sort key, for a viewer
// written without its userId attribute; 0 if the item has no such key.
func keyUser(item map[string]types.AttributeValue) int64 {
	sk, _ := item["sk"].(*types.AttributeValueMemberS)
	if sk == nil {
		return 0
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(sk.Value, viewerPrefix), 10, 64)
	return id
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// top returns the n viewers highest on b (those with a value there),
// ties by user id.
func top(all []standing, b Board, n int) []standing {
	var on []standing
	for _, v := range all {
		if v.value(b) != nil {
			on = append(on, v)
		}
	}
	slices.SortFunc(on, func(x, y standing) int {
		if c := cmp.Compare(*y.value(b), *x.value(b)); c != 0 {
			return c
		}
		return cmp.Compare(x.User, y.User)
	})
	return on[:min(n, len(on))]
}

// cursor is a page cursor: the guild, the board (w or p) and the offset of
// the next page. One-letter names keep it short enough for a Discord
// component's custom id (100 characters with the button's own prefix).
type cursor struct {
	Guild  string `json:"g"`
	Board  string `json:"b"`
	Offset int    `json:"o"`
}

func boardCode(b Board) string { return string(b)[:1] }

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c) // a struct of strings and numbers always encodes
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, guild string, board Board) (cursor, error) {
	if s == "" {
		return cursor{Guild: guild, Board: boardCode(board)}, nil
	}
	bad := fault.E(fault.Invalid, "bad page cursor")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c cursor
	if dec.Decode(&c) != nil || dec.More() || c.Guild != guild || c.Board != boardCode(board) || c.Offset <= 0 || c.Offset >= MaxTop {
		return cursor{}, bad
	}
	return c, nil
}

// Top returns a page of up to limit (1 to MaxTop) of guild's viewers on
// board, highest first, from the board as last built (BuildBoards): one
// GetItem whatever the audience. cursor is "" for the first page, else the
// Next of the page before; a cursor made on an older build pages through
// the current one. Page.At says when the board was built; a guild whose board
// was never built has an empty page. The viewers carry Guild, UserID,
// Username, WatchMinutes and PointsMilli. It returns fault.Invalid for an
// unknown board, a limit out of range or a cursor that is not a Next of
// guild's board.
func (s *Store) Top(ctx context.Context, guild string, board Board, limit int, cur string) (Page, error) {
	if !valid(board) {
		return Page{}, fault.E(fault.Invalid, "unknown leaderboard %q", board)
	}
	if guild == "" {
		return Page{}, fault.E(fault.Invalid, "leaderboard needs a guild")
	}
	if limit < 1 || limit > MaxTop {
		return Page{}, fault.E(fault.Invalid, "leaderboard page size must be 1 to %d", MaxTop)
	}
	c, err := decodeCursor(cur, guild, board)
	if err != nil {
		return Page{}, err
	}
	item, ok, err := s.getItem(ctx, boardKey(guild, board), "load leaderboard")
	if err != nil || !ok {
		return Page{}, err
	}
	var r boardRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return Page{}, fault.Wrap(fault.Internal, err, "decode leaderboard")
	}
	page := Page{At: fromMillis(r.Built)}
	if c.Offset >= len(r.Entries) {
		return page, nil
	}
	end := min(len(r.Entries), c.Offset+limit)
	for _, e := range r.Entries[c.Offset:end] {
		page.Viewers = append(page.Viewers, audience.Viewer{Guild: guild, UserID: e.User, Username: e.Name, WatchMinutes: e.Watch, PointsMilli: e.Points})
	}
	if end < len(r.Entries) {
		page.Next = encodeCursor(cursor{Guild: guild, Board: boardCode(board), Offset: end})
	}
	return page, nil
}

// Place returns guild's viewer userID's position on board as last built
// (1 for the top; viewers with equal values share a position), from the
// board item alone: one read, whatever the audience, for chat's {rank}.
// A viewer the board does not list has place 0, and beyond is true when
// the board is full (MaxTop viewers): the viewer may be ranked below it.
func (s *Store) Place(ctx context.Context, guild string, board Board, userID int64) (place int64, beyond bool, err error) {
	if !valid(board) {
		return 0, false, fault.E(fault.Invalid, "unknown leaderboard %q", board)
	}
	if guild == "" || userID <= 0 {
		return 0, false, fault.E(fault.Invalid, "a place needs a guild and a known viewer")
	}
	item, ok, err := s.getItem(ctx, boardKey(guild, board), "load leaderboard")
	if err != nil || !ok {
		return 0, false, err
	}
	var r boardRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return 0, false, fault.Wrap(fault.Internal, err, "decode leaderboard")
	}
	value := func(e boardEntry) int64 {
		if board == Points {
			return e.Points
		}
		return e.Watch
	}
	i := slices.IndexFunc(r.Entries, func(e boardEntry) bool { return e.User == userID })
	if i < 0 {
		return 0, len(r.Entries) >= MaxTop, nil
	}
	place = 1
	for _, e := range r.Entries {
		if value(e) > value(r.Entries[i]) {
			place++
		}
	}
	return place, false, nil
}

// Rank returns the position of guild's viewer userID on board (1 for the
// top; viewers with equal values share a position) and the viewer, read
// consistently, counting the viewers ahead from every viewer's counters
// as read now: exact, and costing reads that grow with the audience (one
// Query page per 1 MB of viewers), so /rank is answered by the worker. It
// returns fault.NotFound when the viewer was never recorded in guild or is
// not on the board, and fault.Invalid for an unknown board.
func (s *Store) Rank(ctx context.Context, guild string, board Board, userID int64) (rank int64, v audience.Viewer, err error) {
	if !valid(board) {
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
	var me standing
	var r viewerRecord
	if err := attributevalue.UnmarshalMap(item, &me); err != nil {
		return 0, audience.Viewer{}, fault.Wrap(fault.Internal, err, "decode viewer")
	}
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return 0, audience.Viewer{}, fault.Wrap(fault.Internal, err, "decode viewer")
	}
	mine := me.value(board)
	if mine == nil {
		return 0, audience.Viewer{}, fault.E(fault.NotFound, "viewer is not on the %s leaderboard", board)
	}
	all, err := s.standings(ctx, guild)
	if err != nil {
		return 0, audience.Viewer{}, err
	}
	rank = 1
	for _, o := range all {
		if x := o.value(board); x != nil && *x > *mine {
			rank++
		}
	}
	return rank, r.viewer(), nil
}
