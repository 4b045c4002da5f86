package dynamo

import (
	"encoding/base64"
	"slices"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	miniserver "github.com/truora/minidyn/server"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/fault"
)

// boardViewer is a viewer as seeded for the leaderboard tests; a nil
// counter is never written.
type boardViewer struct {
	guild         string
	user          int64
	name          string
	watch, points *int64
}

func n(v int64) *int64 { return &v }

// boardViewers have counters of different digit lengths, which string
// order gets wrong, and ties: cat and gus on both boards.
var boardViewers = []boardViewer{
	{"g", 1, "ann", n(9), n(100000)},
	{"g", 2, "bob", n(10), n(9500)},
	{"g", 3, "cat", n(95), n(981)},
	{"g", 4, "dan", n(100), n(95)},
	{"g", 5, "eve", n(981), n(10)},
	{"g", 6, "fay", n(9500), n(9)},
	{"g", 7, "gus", n(95), n(981)},
	{"g", 8, "hal", nil, nil},   // on neither board
	{"g", 9, "ivy", n(50), nil}, // on the watchtime board only
	{"h", 1, "zed", n(99999), n(999999)},
}

// wantBoards holds guild g's boards: user ids, highest value first, ties
// by id.
var wantBoards = map[Board][]int64{
	Watchtime: {6, 5, 4, 3, 7, 9, 2, 1},
	Points:    {1, 2, 3, 7, 4, 5, 6},
}

// seedBoards writes boardViewers as the rest of the bot does: one update
// per viewer, with the real attribute names.
func seedBoards(t *testing.T, s *Store) {
	t.Helper()
	for _, v := range boardViewers {
		expr := "SET guild = :g, userId = :u, username = :n"
		values := map[string]types.AttributeValue{
			":g": &types.AttributeValueMemberS{Value: v.guild},
			":u": &types.AttributeValueMemberN{Value: strconv.FormatInt(v.user, 10)},
			":n": &types.AttributeValueMemberS{Value: v.name},
		}
		if v.watch != nil {
			expr += ", watchMinutes = :w"
			values[":w"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(*v.watch, 10)}
		}
		if v.points != nil {
			expr += ", pointsMilli = :p"
			values[":p"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(*v.points, 10)}
		}
		_, err := s.Client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
			TableName:                 aws.String(s.Table),
			Key:                       viewerKey(v.guild, v.user).av(),
			UpdateExpression:          aws.String(expr),
			ExpressionAttributeValues: values,
		})
		if err != nil {
			t.Fatalf("seed viewer %d: %v", v.user, err)
		}
	}
}

// boardValue returns v's counter on board.
func boardValue(board Board, v audience.Viewer) int64 {
	if board == Watchtime {
		return v.WatchMinutes
	}
	return v.PointsMilli
}

// checkBoard checks that viewers are guild g's board: highest value first,
// in any order among equal values.
func checkBoard(t *testing.T, board Board, viewers []audience.Viewer) {
	t.Helper()
	for i := 1; i < len(viewers); i++ {
		if boardValue(board, viewers[i-1]) < boardValue(board, viewers[i]) {
			t.Errorf("%s board: %s (%d) before %s (%d)", board, viewers[i-1].Username, boardValue(board, viewers[i-1]),
				viewers[i].Username, boardValue(board, viewers[i]))
		}
	}
	ids := userIDs(viewers)
	// Ties may come in any stable order; compare in id order within each.
	slices.SortStableFunc(ids, func(a, b int64) int {
		return -cmpInt(valueOf(board, a), valueOf(board, b))
	})
	for i := 0; i < len(ids); {
		j := i + 1
		for j < len(ids) && valueOf(board, ids[j]) == valueOf(board, ids[i]) {
			j++
		}
		slices.Sort(ids[i:j])
		i = j
	}
	if diff := cmp.Diff(wantBoards[board], ids); diff != "" {
		t.Errorf("%s board user ids (-want +got):\n%s", board, diff)
	}
}

func cmpInt(a, b int64) int { return int(min(max(a-b, -1), 1)) }

// valueOf returns guild g's user's seeded counter on board.
func valueOf(board Board, user int64) int64 {
	for _, v := range boardViewers {
		if v.guild == "g" && v.user == user {
			if board == Watchtime && v.watch != nil {
				return *v.watch
			}
			if board == Points && v.points != nil {
				return *v.points
			}
		}
	}
	return -1
}

func userIDs(viewers []audience.Viewer) []int64 {
	ids := []int64{}
	for _, v := range viewers {
		ids = append(ids, v.UserID)
	}
	return ids
}

// runLeaderboardSuite runs the leaderboard cases against a Store that
// newStore makes on an empty table.
func runLeaderboardSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	s := newStore(t)
	seedBoards(t, s)
	// paged reads one item per DynamoDB page, to run the paging loops.
	paged := *s
	paged.pageSize = 1
	ctx := t.Context()
	if err := paged.BuildBoards(ctx, "g", at(10)); err != nil {
		t.Fatalf("BuildBoards(g): %v", err)
	}
	if err := s.BuildBoards(ctx, "h", at(10)); err != nil {
		t.Fatalf("BuildBoards(h): %v", err)
	}

	t.Run("BuildBoards", func(t *testing.T) {
		// A build older than the stored one changes nothing; the page says
		// when its standings were read.
		if err := s.BuildBoards(ctx, "g", at(5)); err != nil {
			t.Fatalf("BuildBoards(g, older): %v", err)
		}
		page, err := s.Top(ctx, "g", Watchtime, 1, "")
		if err != nil || !page.At.Equal(at(10)) {
			t.Errorf("Top(g) after an older build = %+v, %v; want the build of %v", page, err, at(10))
		}
		// A guild never built has an empty board.
		if page, err := s.Top(ctx, "unbuilt", Points, 10, ""); err != nil || len(page.Viewers) != 0 || !page.At.IsZero() {
			t.Errorf("Top(unbuilt) = %+v, %v; want an empty page", page, err)
		}
		if err := s.BuildBoards(ctx, "", at(1)); !fault.Is(err, fault.Invalid) {
			t.Errorf("BuildBoards(no guild) = %v, want invalid", err)
		}
	})

	t.Run("TopDescending", func(t *testing.T) {
		for _, board := range []Board{Watchtime, Points} {
			for name, st := range map[string]*Store{"whole": s, "paged": &paged} {
				page, err := st.Top(ctx, "g", board, MaxTop, "")
				if err != nil {
					t.Fatalf("%s Top(g, %s): %v", name, board, err)
				}
				checkBoard(t, board, page.Viewers)
				if page.Next != "" {
					t.Errorf("%s Top(g, %s) of the whole board: Next = %q, want none", name, board, page.Next)
				}
			}
		}
		page, err := s.Top(ctx, "g", Watchtime, 1, "")
		if err != nil {
			t.Fatalf("Top(g, watchtime, 1): %v", err)
		}
		want := []audience.Viewer{{Guild: "g", UserID: 6, Username: "fay", WatchMinutes: 9500, PointsMilli: 9}}
		if diff := cmp.Diff(want, page.Viewers); diff != "" {
			t.Errorf("Top(g, watchtime, 1) (-want +got):\n%s", diff)
		}
		if page.Next == "" {
			t.Error("Top(g, watchtime, 1): no Next, want one")
		}
	})

	t.Run("TopPages", func(t *testing.T) {
		for _, board := range []Board{Watchtime, Points} {
			whole, err := s.Top(ctx, "g", board, MaxTop, "")
			if err != nil {
				t.Fatalf("Top(g, %s): %v", board, err)
			}
			for _, limit := range []int{1, 2, 3, len(wantBoards[board])} {
				for name, st := range map[string]*Store{"whole": s, "paged": &paged} {
					var walked []audience.Viewer
					cursor := ""
					for pages := 1; ; pages++ {
						page, err := st.Top(ctx, "g", board, limit, cursor)
						if err != nil {
							t.Fatalf("%s Top(g, %s, %d, %q): %v", name, board, limit, cursor, err)
						}
						if len(page.Viewers) == 0 || len(page.Viewers) > limit {
							t.Fatalf("%s Top(g, %s, %d) page %d holds %d viewers", name, board, limit, pages, len(page.Viewers))
						}
						walked = append(walked, page.Viewers...)
						if page.Next == "" {
							break
						}
						if pages > len(wantBoards[board]) {
							t.Fatalf("%s Top(g, %s, %d) did not end", name, board, limit)
						}
						cursor = page.Next
					}
					// Page by page, the board is the same as in one go,
					// ties included.
					if diff := cmp.Diff(whole.Viewers, walked); diff != "" {
						t.Errorf("%s Top(g, %s) by %d (-whole +walked):\n%s", name, board, limit, diff)
					}
				}
			}
		}
	})

	t.Run("TopAbsent", func(t *testing.T) {
		for _, board := range []Board{Watchtime, Points} {
			page, err := s.Top(ctx, "g", board, MaxTop, "")
			if err != nil {
				t.Fatalf("Top(g, %s): %v", board, err)
			}
			for _, v := range page.Viewers {
				if v.Username == "hal" || v.Username == "zed" || (board == Points && v.Username == "ivy") {
					t.Errorf("Top(g, %s) lists %s, who has no value there", board, v.Username)
				}
			}
		}
		page, err := s.Top(ctx, "nobody", Watchtime, 10, "")
		if err != nil || len(page.Viewers) != 0 || page.Next != "" {
			t.Errorf("Top of a guild without viewers = %+v, %v; want an empty page", page, err)
		}
	})

	t.Run("TopInvalid", func(t *testing.T) {
		first, err := s.Top(ctx, "g", Points, 1, "")
		if err != nil {
			t.Fatalf("Top(g, points, 1): %v", err)
		}
		other, err := s.Top(ctx, "h", Points, 1, "")
		if err != nil {
			t.Fatalf("Top(h, points, 1): %v", err)
		}
		if first.Next == "" {
			t.Fatal("Top(g, points, 1): no Next")
		}
		// other has no Next: make one for guild h as Top would.
		hCursor := encodeCursor(cursor{Guild: "h", Board: "p", Offset: len(other.Viewers)})
		b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		for _, tc := range []struct {
			name   string
			guild  string
			board  Board
			limit  int
			cursor string
		}{
			{"limit 0", "g", Points, 0, ""},
			{"limit 101", "g", Points, MaxTop + 1, ""},
			{"unknown board", "g", "likes", 10, ""},
			{"no guild", "", Points, 10, ""},
			{"not base64", "g", Points, 10, "!!!"},
			{"not JSON", "g", Points, 10, b64("points")},
			{"no offset", "g", Points, 10, b64(`{"g":"g","b":"p"}`)},
			{"an offset past the board", "g", Points, 10, b64(`{"g":"g","b":"p","o":100}`)},
			{"a negative offset", "g", Points, 10, b64(`{"g":"g","b":"p","o":-1}`)},
			{"unknown field", "g", Points, 10, b64(`{"g":"g","b":"p","o":1,"x":1}`)},
			{"trailing data", "g", Points, 10, b64(`{"g":"g","b":"p","o":1}{}`)},
			{"another guild's", "g", Points, 10, hCursor},
			{"for another guild", "h", Points, 10, first.Next},
			{"another board's", "g", Watchtime, 10, first.Next},
		} {
			if _, err := s.Top(ctx, tc.guild, tc.board, tc.limit, tc.cursor); !fault.Is(err, fault.Invalid) {
				t.Errorf("Top with %s = %v (kind %v), want invalid", tc.name, err, fault.KindOf(err))
			}
		}
	})

	t.Run("Rank", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			board Board
			user  int64
			want  int64
		}{
			{"first", Watchtime, 6, 1},
			{"middle", Watchtime, 4, 3},
			{"tied", Watchtime, 3, 4},
			{"tied too", Watchtime, 7, 4},
			{"after a tie", Watchtime, 9, 6},
			{"last", Watchtime, 1, 8},
			{"first", Points, 1, 1},
			{"tied", Points, 3, 3},
			{"tied too", Points, 7, 3},
			{"after a tie", Points, 4, 5},
			{"last", Points, 6, 7},
		} {
			for name, st := range map[string]*Store{"whole": s, "paged": &paged} {
				rank, v, err := st.Rank(ctx, "g", tc.board, tc.user)
				if err != nil {
					t.Errorf("%s Rank(g, %s, %d) (%s): %v", name, tc.board, tc.user, tc.name, err)
					continue
				}
				if rank != tc.want {
					t.Errorf("%s Rank(g, %s, %d) (%s) = %d, want %d", name, tc.board, tc.user, tc.name, rank, tc.want)
				}
				if v.UserID != tc.user || boardValue(tc.board, v) != valueOf(tc.board, tc.user) {
					t.Errorf("%s Rank(g, %s, %d) viewer = %+v", name, tc.board, tc.user, v)
				}
			}
			// Nothing changed since the build: the board's place is the rank.
			if place, beyond, err := s.Place(ctx, "g", tc.board, tc.user); err != nil || place != tc.want || beyond {
				t.Errorf("Place(g, %s, %d) (%s) = %d, %t, %v, want %d, false, nil", tc.board, tc.user, tc.name, place, beyond, err, tc.want)
			}
		}
		if place, beyond, err := s.Place(ctx, "g", Points, 999); err != nil || place != 0 || beyond {
			t.Errorf("Place(g, points, unknown viewer) = %d, %t, %v, want 0, false, nil (the board is not full)", place, beyond, err)
		}
		if _, _, err := s.Place(ctx, "g", "karma", 1); !fault.Is(err, fault.Invalid) {
			t.Errorf("Place(unknown board) = %v, want invalid", err)
		}
		_, v, err := s.Rank(ctx, "g", Points, 3)
		if err != nil {
			t.Fatalf("Rank(g, points, 3): %v", err)
		}
		if want := (audience.Viewer{Guild: "g", UserID: 3, Username: "cat", WatchMinutes: 95, PointsMilli: 981}); v != want {
			t.Errorf("Rank(g, points, 3) viewer = %+v, want %+v", v, want)
		}

		for _, tc := range []struct {
			name  string
			board Board
			user  int64
		}{
			{"unknown viewer", Watchtime, 42},
			{"viewer of another guild", Points, 10},
			{"viewer on no board", Watchtime, 8},
			{"viewer on no board", Points, 8},
			{"viewer not on this board", Points, 9},
		} {
			if _, _, err := s.Rank(ctx, "g", tc.board, tc.user); !fault.Is(err, fault.NotFound) {
				t.Errorf("Rank(g, %s, %d) (%s) = %v (kind %v), want not found", tc.board, tc.user, tc.name, err, fault.KindOf(err))
			}
		}
		for _, tc := range []struct {
			guild string
			board Board
			user  int64
		}{{"g", "likes", 1}, {"", Points, 1}, {"g", Points, 0}} {
			if _, _, err := s.Rank(ctx, tc.guild, tc.board, tc.user); !fault.Is(err, fault.Invalid) {
				t.Errorf("Rank(%q, %q, %d) = %v (kind %v), want invalid", tc.guild, tc.board, tc.user, err, fault.KindOf(err))
			}
		}
	})
}

func TestLeaderboardEmbedded(t *testing.T) {
	runLeaderboardSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}

// TestLeaderboardEmbeddedFailure checks that DynamoDB failing surfaces as
// Transient.
func TestLeaderboardEmbeddedFailure(t *testing.T) {
	s, srv := newEmbedded(t)
	seedBoards(t, s)
	srv.EmulateFailure(miniserver.FailureConditionInternalServerError)
	defer srv.EmulateFailure(miniserver.FailureConditionNone)
	if _, err := s.Top(t.Context(), "g", Points, 10, ""); !fault.Is(err, fault.Transient) {
		t.Errorf("Top during a DynamoDB failure = %v (kind %v), want transient", err, fault.KindOf(err))
	}
	if _, _, err := s.Rank(t.Context(), "g", Points, 1); !fault.Is(err, fault.Transient) {
		t.Errorf("Rank during a DynamoDB failure = %v (kind %v), want transient", err, fault.KindOf(err))
	}
}

// TestLeaderboardUserFromKey checks that a viewer written without its
// userId attribute is still named on the board.
func TestLeaderboardUserFromKey(t *testing.T) {
	s, _ := newEmbedded(t)
	_, err := s.Client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName:        aws.String(s.Table),
		Key:              viewerKey("g", 12).av(),
		UpdateExpression: aws.String("SET guild = :g ADD watchMinutes :w"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":g": &types.AttributeValueMemberS{Value: "g"},
			":w": &types.AttributeValueMemberN{Value: "3"},
		},
	})
	if err != nil {
		t.Fatalf("UpdateItem: %v", err)
	}
	if err := s.BuildBoards(t.Context(), "g", at(1)); err != nil {
		t.Fatalf("BuildBoards: %v", err)
	}
	page, err := s.Top(t.Context(), "g", Watchtime, 10, "")
	if err != nil {
		t.Fatalf("Top: %v", err)
	}
	if got := userIDs(page.Viewers); !slices.Equal(got, []int64{12}) {
		t.Errorf("Top user ids = %v, want [12]", got)
	}
}

// TestCursorFitsACustomID: a Next cursor of the longest guild id at the
// deepest page, behind the leaderboard button's prefix, fits Discord's
// 100-character custom id.
func TestCursorFitsACustomID(t *testing.T) {
	c := encodeCursor(cursor{Guild: "18446744073709551615", Board: boardCode(Watchtime), Offset: MaxTop - 1})
	if id := "lb:watchtime:100:" + c; len(id) > 100 {
		t.Errorf("custom id %q is %d characters, want at most 100", id, len(id))
	}
}

// TestPlaceBelowAFullBoard: a viewer a full board does not list may be
// ranked below it, which Place says; one it lists has its place.
func TestPlaceBelowAFullBoard(t *testing.T) {
	s, _ := newEmbedded(t)
	ctx := t.Context()
	for user := int64(1); user <= MaxTop+1; user++ {
		_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:        aws.String(s.Table),
			Key:              viewerKey("f", user).av(),
			UpdateExpression: aws.String("SET guild = :g, userId = :u, username = :n, pointsMilli = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":g": &types.AttributeValueMemberS{Value: "f"},
				":u": &types.AttributeValueMemberN{Value: strconv.FormatInt(user, 10)},
				":n": &types.AttributeValueMemberS{Value: "v" + strconv.FormatInt(user, 10)},
				":p": &types.AttributeValueMemberN{Value: strconv.FormatInt(user*1000, 10)},
			},
		})
		if err != nil {
			t.Fatalf("seed viewer %d: %v", user, err)
		}
	}
	if err := s.BuildBoards(ctx, "f", at(1)); err != nil {
		t.Fatalf("BuildBoards: %v", err)
	}
	for _, tc := range []struct {
		user       int64
		wantPlace  int64
		wantBeyond bool
	}{
		{MaxTop + 1, 1, false}, // the most points
		{2, MaxTop, false},     // the last one listed
		{1, 0, true},           // below the board
	} {
		place, beyond, err := s.Place(ctx, "f", Points, tc.user)
		if err != nil || place != tc.wantPlace || beyond != tc.wantBeyond {
			t.Errorf("Place(f, points, %d) = %d, %t, %v, want %d, %t, nil", tc.user, place, beyond, err, tc.wantPlace, tc.wantBeyond)
		}
	}
}
