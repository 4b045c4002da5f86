package dynamo

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"testing"

	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// TestExportViewers runs /export on a guild of a few thousand viewers, a
// page of 100 at a time: every viewer is a row with its own figures,
// tickets and link.
func TestExportViewers(t *testing.T) {
	const viewers = 2000
	s, _ := newEmbedded(t)
	s.pageSize = 100
	ctx := t.Context()
	check(t, "Connect", s.Connect(ctx, "g", 100, at(0)))
	for u := int64(1); u <= viewers; u++ {
		// Viewer u watched minutes 1..u%3+1.
		for m := range u%3 + 1 {
			_, err := s.Credit(ctx, "g", watchtime.Credit{UserID: u, Username: fmt.Sprint("viewer", u), Minute: watchtime.Minute(m + 1)})
			check(t, "Credit", err)
		}
	}
	_, err := s.AdjustPoints(ctx, "g", 5, change("bonus", points.Add, 12, 0))
	check(t, "AdjustPoints", err)
	check(t, "Link", s.Link(ctx, "g", "member5", 5, "viewer5"))
	p, _ := startTestRaffle(t, s, "g")
	sub, _ := p.Settings.SubEntry("sub-5", at(1))
	_, _, err = s.AddTickets(ctx, "g", p.ID, 5, "viewer5", sub)
	check(t, "AddTickets", err)

	h := &interact.Handler{Store: s, Export: s}
	resp, err := h.Handle(ctx, interact.Request{ID: "i1", Guild: "g", UserID: "admin", CanManage: true, Command: "export", At: at(10)})
	check(t, "/export", err)
	if len(resp.Files) != 1 {
		t.Fatalf("/export = %+v, want one file", resp)
	}
	rows, err := csv.NewReader(bytes.NewReader(resp.Files[0].Data)).ReadAll()
	check(t, "read the CSV", err)
	if len(rows) != viewers+1 {
		t.Fatalf("the CSV has %d lines, want the header and %d viewers", len(rows), viewers)
	}
	seen := map[string]bool{}
	for _, row := range rows[1:] {
		u, _ := strconv.ParseInt(row[0], 10, 64)
		want := []string{row[0], fmt.Sprint("viewer", u), strconv.FormatInt(u%3+1, 10), "0.000", "", ""}
		if u == 5 {
			want[3], want[4], want[5] = "12.000", "5", "member5"
		}
		if fmt.Sprint(row) != fmt.Sprint(want) {
			t.Errorf("row of viewer %d = %q, want %q", u, row, want)
		}
		seen[row[0]] = true
	}
	if len(seen) != viewers {
		t.Errorf("the CSV names %d viewers, want %d", len(seen), viewers)
	}
	if rows[1][2] != "3" {
		t.Errorf("first row = %q, want the most watchtime (3) first", rows[1])
	}
}
