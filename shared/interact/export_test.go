package interact_test

import (
	"context"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

// fakeExport serves viewers users 1..n, user u with u minutes.
type fakeExport struct {
	n       int64
	members map[int64]string
	period  string
	tickets map[int64]int64
}

func (e *fakeExport) EachViewer(_ context.Context, _ string, fn func(audience.Viewer) error) error {
	for u := int64(1); u <= e.n; u++ {
		if err := fn(audience.Viewer{UserID: u, Username: "v" + string(rune('a'+u%26)), WatchMinutes: u, PointsMilli: u*1000 + 5}); err != nil {
			return err
		}
	}
	return nil
}

func (e *fakeExport) LinkedMembers(context.Context, string) (map[int64]string, error) {
	return e.members, nil
}

func (e *fakeExport) OpenRaffleTickets(context.Context, string, time.Time) (string, map[int64]int64, error) {
	return e.period, e.tickets, nil
}

func TestExport(t *testing.T) {
	tests := []struct {
		name     string
		export   *fakeExport
		wantKind fault.Kind
		wantCSV  string
	}{
		{"viewers, links and tickets", &fakeExport{n: 2, members: map[int64]string{1: "m1"}, period: "p1", tickets: map[int64]int64{2: 7}}, noError,
			"kick_user_id,kick_username,watch_minutes,points,raffle_tickets,discord_member\n2,vc,2,2.005,7,\n1,vb,1,1.005,,m1\n"},
		{"no raffle", &fakeExport{n: 1}, noError,
			"kick_user_id,kick_username,watch_minutes,points,raffle_tickets,discord_member\n1,vb,1,1.005,,\n"},
		{"no viewers", &fakeExport{}, fault.NotFound, ""},
		{"too many viewers", &fakeExport{n: interact.MaxExportViewers + 1}, fault.Invalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &interact.Handler{Store: newFakeStore(), Export: tt.export}
			resp, err := h.Handle(context.Background(), admin("export", ""))
			if tt.wantKind != noError {
				if fault.KindOf(err) != tt.wantKind {
					t.Errorf("/export = %v, want %v", err, tt.wantKind)
				}
				return
			}
			if err != nil || len(resp.Files) != 1 || !resp.Ephemeral {
				t.Fatalf("/export = %+v, %v; want one file, for the admin alone", resp, err)
			}
			f := resp.Files[0]
			if got := string(f.Data); got != tt.wantCSV || f.ContentType != "text/csv" {
				t.Errorf("/export file %s (%s) =\n%s\nwant\n%s", f.Name, f.ContentType, got, tt.wantCSV)
			}
		})
	}
}

func TestExportNeedsSetupAndAdmin(t *testing.T) {
	h := &interact.Handler{Store: newFakeStore()}
	if _, err := h.Handle(context.Background(), admin("export", "")); fault.KindOf(err) != fault.NotFound {
		t.Errorf("/export without Export = %v, want NotFound", err)
	}
	h.Export = &fakeExport{n: 1}
	if _, err := h.Handle(context.Background(), member("export", "")); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("/export by a member = %v, want Forbidden", err)
	}
	if r := admin("export", ""); !interact.Deferred(r) || !interact.Private(r) {
		t.Errorf("/export: Deferred %v, Private %v; want the worker's, for the admin alone", interact.Deferred(r), interact.Private(r))
	}
}
