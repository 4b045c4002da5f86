package interact

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/wording"
)

// Leaderboard buttons carry "lb:<board>:<page>:<cursor>" (the cursor is
// base64url, so it holds no ":"); the page numbers the ranks on it.
const (
	leaderboardPrefix = "lb"
	// MaxCustomID is the longest custom id Discord accepts on a button.
	MaxCustomID = 100
	// maxPage bounds the page number a button may carry.
	maxPage = 1_000_000
)

// username returns the Kick username r's "user" option names, normalized.
func username(r Request) (string, error) {
	name := settings.NormalizeName(strings.TrimPrefix(strings.TrimSpace(r.Options["user"]), "@"))
	if name == "" {
		return "", fault.E(fault.Invalid,
			"name a Kick user: /%s user:<kick name> (linking Discord accounts to Kick comes later)", commandPath(r.Command, r.Sub))
	}
	if !isUsername(name) {
		// Not echoed: it may be long or hold anything.
		return "", fault.E(fault.Invalid, "that is not a Kick username")
	}
	return name, nil
}

// isUsername reports whether name can be a Kick username: short, one word,
// printable.
func isUsername(name string) bool {
	if name == "" || len(name) > maxUsername || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// viewer returns the viewer r's "user" option names or, without one, the
// caller's linked Kick account.
func (h *Handler) viewer(ctx context.Context, r Request) (audience.Viewer, error) {
	if strings.TrimSpace(r.Options["user"]) == "" && h.Links != nil {
		return h.linkedViewer(ctx, r)
	}
	name, err := username(r)
	if err != nil {
		return audience.Viewer{}, err
	}
	return h.viewerNamed(ctx, r.Guild, name)
}

// linkedViewer returns the viewer of the caller's linked Kick account.
func (h *Handler) linkedViewer(ctx context.Context, r Request) (audience.Viewer, error) {
	id, name, err := h.Links.LinkedKick(ctx, r.Guild, r.UserID)
	if fault.Is(err, fault.NotFound) {
		return audience.Viewer{}, fault.Wrap(fault.NotFound, err,
			fmt.Sprintf("name a Kick user (/%s user:<kick name>), or link your Kick account with /link", commandPath(r.Command, r.Sub)))
	}
	if err != nil {
		return audience.Viewer{}, err
	}
	v, err := h.Links.Viewer(ctx, r.Guild, id)
	if fault.Is(err, fault.NotFound) {
		return audience.Viewer{}, h.notConnected(ctx, r.Guild, fault.Wrap(fault.NotFound, err,
			fmt.Sprintf("your Kick account %s has not been seen in this server's Kick chat yet", escape(name))))
	}
	if err != nil {
		return audience.Viewer{}, err
	}
	if v.Username == "" {
		v.Username = name
	}
	return v, nil
}

func (h *Handler) viewerNamed(ctx context.Context, guild, name string) (audience.Viewer, error) {
	v, err := h.Store.ViewerByName(ctx, guild, name)
	if fault.Is(err, fault.NotFound) {
		return audience.Viewer{}, h.notConnected(ctx, guild, noViewer(name, err))
	}
	if err != nil {
		return audience.Viewer{}, err
	}
	if v.Username == "" {
		v.Username = name
	}
	return v, nil
}

func noViewer(name string, err error) error {
	return fault.Wrap(fault.NotFound, err, fmt.Sprintf("no viewer named %s has been seen in this server's Kick chat", escape(name)))
}

func (h *Handler) watchtime(ctx context.Context, r Request) (Response, error) {
	v, err := h.viewer(ctx, r)
	if err != nil {
		return Response{}, err
	}
	resp := reply(Embed{
		Title:       "Watchtime",
		Description: fmt.Sprintf("**%s** has watched for **%s**.", escape(v.Username), wording.Minutes(v.WatchMinutes)),
	})
	// An admin also sees a ban in force, in an answer for them alone.
	if f, ok := banField(v, r.At); ok && r.CanManage {
		resp.Embeds[0].Fields = append(resp.Embeds[0].Fields, f)
		resp.Ephemeral = true
	}
	return resp, nil
}

func (h *Handler) pointsShow(ctx context.Context, r Request) (Response, error) {
	v, err := h.viewer(ctx, r)
	if err != nil {
		return Response{}, err
	}
	return reply(Embed{
		Title:       "Points",
		Description: fmt.Sprintf("**%s** has %s.", escape(v.Username), boldPoints(v.Points())),
	}), nil
}

func (h *Handler) rank(ctx context.Context, r Request) (Response, error) {
	board, err := boardOf(r)
	if err != nil {
		return Response{}, err
	}
	v, err := h.viewer(ctx, r)
	if err != nil {
		return Response{}, err
	}
	pos, ranked, err := h.Store.Rank(ctx, r.Guild, board, v.UserID)
	if fault.Is(err, fault.NotFound) {
		return Response{}, fault.Wrap(fault.NotFound, err,
			fmt.Sprintf("%s is not on the %s leaderboard yet", escape(v.Username), board))
	}
	if err != nil {
		return Response{}, err
	}
	if ranked.Username == "" {
		ranked.Username = v.Username
	}
	return reply(Embed{
		Title: "Rank",
		Description: fmt.Sprintf("**%s** is **#%s** on the %s leaderboard with %s.",
			escape(ranked.Username), wording.Thousands(pos), board, standing(board, ranked)),
	}), nil
}

// boardOf returns the board r's "board" option names, watchtime by default.
func boardOf(r Request) (Board, error) {
	s := r.Options["board"]
	if s == "" {
		return WatchtimeBoard, nil
	}
	b, ok := parseBoard(s)
	if !ok {
		return "", fault.E(fault.Invalid, "board must be watchtime or points")
	}
	return b, nil
}

func parseBoard(s string) (Board, bool) {
	switch b := Board(s); b {
	case WatchtimeBoard, PointsBoard:
		return b, true
	}
	return "", false
}

// standing is what puts v on board, in bold.
func standing(board Board, v audience.Viewer) string {
	if board == PointsBoard {
		return boldPoints(v.Points())
	}
	return "**" + wording.Minutes(v.WatchMinutes) + "** watched"
}

func (h *Handler) leaderboard(ctx context.Context, r Request) (Response, error) {
	board, err := boardOf(r)
	if err != nil {
		return Response{}, err
	}
	return h.page(ctx, r.Guild, board, 1, "")
}

// leaderboardPage answers a click on a leaderboard's button by replacing
// the page shown.
func (h *Handler) leaderboardPage(ctx context.Context, r Request) (Response, error) {
	board, page, cursor, ok := parseLeaderboardID(r.Component)
	if !ok {
		return Response{}, fault.E(fault.Invalid, "this button no longer works; run /leaderboard again")
	}
	resp, err := h.page(ctx, r.Guild, board, page, cursor)
	if fault.Is(err, fault.Invalid) {
		return Response{}, fault.Wrap(fault.Invalid, err, "this leaderboard is out of date; run /leaderboard again")
	}
	resp.Update = true
	return resp, err
}

// page returns page number n of guild's board, which starts after cursor.
func (h *Handler) page(ctx context.Context, guild string, board Board, n int, cursor string) (Response, error) {
	size := h.pageSize()
	p, err := h.Store.Top(ctx, guild, board, size, cursor)
	if err != nil {
		return Response{}, err
	}
	var b strings.Builder
	for i, v := range p.Viewers {
		fmt.Fprintf(&b, "%d. **%s** — %s\n", (n-1)*size+i+1, escape(v.Username), score(board, v))
	}
	desc := strings.TrimSuffix(b.String(), "\n")
	if desc == "" {
		if cursor == "" {
			if err := h.notConnected(ctx, guild, nil); err != nil {
				return Response{}, err
			}
			desc = "Nobody is on this leaderboard yet: it is updated every few minutes while the stream is live."
		} else {
			desc = "Nobody further down."
		}
	}
	if !p.At.IsZero() {
		// Boards are built every few minutes, not per credit: say when.
		desc += fmt.Sprintf("\n\nStandings as of <t:%d:R>.", p.At.Unix())
	}
	return Response{
		Embeds: []Embed{{
			Title:       boardTitle(board) + " leaderboard",
			Description: desc,
			Footer:      "Page " + strconv.Itoa(n),
			Color:       Accent,
		}},
		Buttons: pageButtons(board, n, p.Next),
	}, nil
}

// score is v's value on board, as a leaderboard line shows it.
func score(board Board, v audience.Viewer) string {
	if board == PointsBoard {
		return wording.Thousands(v.Points()) + " " + wording.Plural(v.Points(), "point")
	}
	return wording.Minutes(v.WatchMinutes)
}

func boardTitle(b Board) string {
	if b == PointsBoard {
		return "Points"
	}
	return "Watchtime"
}

// pageButtons returns the buttons under page n of board: none when the
// board fits on one page, else First and Next, each disabled where it
// leads nowhere.
func pageButtons(board Board, n int, next string) []Button {
	if n == 1 && next == "" {
		return nil
	}
	first := Button{Label: "First", ID: leaderboardID(board, 1, ""), Disabled: n == 1}
	more := Button{Label: "Next", ID: leaderboardID(board, n+1, next)}
	if next == "" || len(more.ID) > MaxCustomID {
		// Discord wants distinct ids even on disabled buttons. A cursor
		// too long for an id (not seen from our store) ends the paging
		// rather than making Discord reject the whole message.
		more = Button{Label: "Next", ID: leaderboardPrefix + ":" + string(board) + ":end", Disabled: true}
	}
	return []Button{first, more}
}

func leaderboardID(board Board, page int, cursor string) string {
	return leaderboardPrefix + ":" + string(board) + ":" + strconv.Itoa(page) + ":" + cursor
}

// parseLeaderboardID parses a custom id leaderboardID made; page 1 and
// only page 1 has no cursor.
func parseLeaderboardID(id string) (board Board, page int, cursor string, ok bool) {
	parts := strings.SplitN(id, ":", 4)
	if len(parts) != 4 || parts[0] != leaderboardPrefix {
		return "", 0, "", false
	}
	board, ok = parseBoard(parts[1])
	page, err := strconv.Atoi(parts[2])
	if !ok || err != nil || page < 1 || page > maxPage || (page == 1) != (parts[3] == "") {
		return "", 0, "", false
	}
	return board, page, parts[3], true
}

// reply is a message everyone sees, holding e in the bot's colour.
func reply(e Embed) Response {
	e.Color = Accent
	return Response{Embeds: []Embed{e}}
}
