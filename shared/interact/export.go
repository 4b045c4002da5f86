package interact

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/points"
)

// Export is what /export reads.
type Export interface {
	// EachViewer calls fn with every viewer of guild, in no set order; an
	// error of fn stops it and is returned.
	EachViewer(ctx context.Context, guild string, fn func(audience.Viewer) error) error
	// LinkedMembers maps the Kick user ids of guild's linked accounts to
	// their Discord members.
	LinkedMembers(ctx context.Context, guild string) (map[int64]string, error)
	// OpenRaffleTickets returns the open raffle period's id and each
	// viewer's tickets that count at now; "" and nil when none is open.
	OpenRaffleTickets(ctx context.Context, guild string, now time.Time) (period string, tickets map[int64]int64, err error)
}

// MaxExportViewers bounds /export: a row takes at most about 90 bytes
// (an id, a 25-byte name, four numbers, a Discord id), so 100,000 rows
// stay under Discord's 10 MiB attachment (MaxAttachmentBytes), and the
// rows in memory under 20 MB. A larger guild is told so instead.
const MaxExportViewers = 100_000

// ExportHeader is the first line of /export's CSV.
var ExportHeader = []string{"kick_user_id", "kick_username", "watch_minutes", "points", "raffle_tickets", "discord_member"}

type exportRow struct {
	v       audience.Viewer
	tickets int64
	member  string
}

// export answers /export, in the worker: a CSV of every viewer of the
// guild, most watchtime first.
func (h *Handler) export(ctx context.Context, r Request) (Response, error) {
	if h.Export == nil {
		return Response{}, fault.E(fault.NotFound, "exports are not set up on this bot")
	}
	members, err := h.Export.LinkedMembers(ctx, r.Guild)
	if err != nil {
		return Response{}, err
	}
	period, tickets, err := h.Export.OpenRaffleTickets(ctx, r.Guild, r.At)
	if err != nil {
		return Response{}, err
	}
	var rows []exportRow
	err = h.Export.EachViewer(ctx, r.Guild, func(v audience.Viewer) error {
		if len(rows) == MaxExportViewers {
			return fault.E(fault.Invalid, "this server has more than %d viewers, more than one Discord attachment holds", MaxExportViewers)
		}
		rows = append(rows, exportRow{v: v, tickets: tickets[v.UserID], member: members[v.UserID]})
		return nil
	})
	if err != nil {
		return Response{}, err
	}
	if len(rows) == 0 {
		return Response{}, h.notConnected(ctx, r.Guild, fault.E(fault.NotFound, "no viewers to export yet"))
	}
	slices.SortFunc(rows, func(a, b exportRow) int {
		return cmp.Or(cmp.Compare(b.v.WatchMinutes, a.v.WatchMinutes), cmp.Compare(a.v.UserID, b.v.UserID))
	})
	data, err := exportCSV(rows)
	if err != nil {
		return Response{}, err
	}
	if len(data) > MaxAttachmentBytes {
		return Response{}, fault.E(fault.Invalid, "the export takes %d bytes, more than one Discord attachment holds", len(data))
	}
	raffle := "No raffle period is open: the tickets column is empty."
	if period != "" {
		raffle = fmt.Sprintf("Tickets are those of raffle period `%s` that count now.", period)
	}
	return Response{
		Ephemeral: true,
		Content: fmt.Sprintf("The %d viewers of this server as of <t:%d:f>, most watchtime first. %s Points have three decimals.",
			len(rows), r.At.Unix(), raffle),
		Files: []File{{Name: fmt.Sprintf("viewers-%s-%s.csv", r.Guild, r.At.UTC().Format("20060102-1504")), ContentType: "text/csv", Data: data}},
	}, nil
}

func exportCSV(rows []exportRow) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(ExportHeader); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "write the export")
	}
	for _, r := range rows {
		tickets := ""
		if r.tickets > 0 {
			tickets = strconv.FormatInt(r.tickets, 10)
		}
		if err := w.Write([]string{
			strconv.FormatInt(r.v.UserID, 10), r.v.Username, strconv.FormatInt(r.v.WatchMinutes, 10),
			milli(r.v.PointsMilli), tickets, r.member,
		}); err != nil {
			return nil, fault.Wrap(fault.Internal, err, "write the export")
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "write the export")
	}
	return b.Bytes(), nil
}

// milli writes thousandths as a decimal with three places: 12345 is
// "12.345".
func milli(n int64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return fmt.Sprintf("%s%d.%03d", sign, points.Whole(n), n%points.Milli)
}
