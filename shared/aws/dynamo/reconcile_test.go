package dynamo

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/stream"
)

// piecemeal answers each BatchGetItem for at most serve keys, leaving the
// rest in UnprocessedKeys, as DynamoDB does under load or past 16 MB; with
// serve 0 it answers nothing at all. It counts calls and keys asked.
type piecemeal struct {
	API
	serve       int
	calls, keys int
}

func (p *piecemeal) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	p.calls++
	now := map[string]types.KeysAndAttributes{}
	later := map[string]types.KeysAndAttributes{}
	for table, ka := range in.RequestItems {
		p.keys += len(ka.Keys)
		n := min(p.serve, len(ka.Keys))
		if n > 0 {
			served := ka
			served.Keys = ka.Keys[:n]
			now[table] = served
		}
		if n < len(ka.Keys) {
			rest := ka
			rest.Keys = ka.Keys[n:]
			later[table] = rest
		}
	}
	out := &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{}}
	if len(now) > 0 {
		got, err := p.API.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: now}, o...)
		if err != nil {
			return nil, err
		}
		out.Responses = got.Responses
	}
	out.UnprocessedKeys = later
	return out, nil
}

func TestStreamStates(t *testing.T) {
	s, _ := newEmbedded(t)
	ctx := t.Context()
	at := time.Date(2026, 3, 14, 20, 0, 0, 0, time.UTC)
	check(t, "SetStreamStatus", s.SetStreamStatus(ctx, "live", at, event.Status{Live: true, Title: "hi"}))
	check(t, "SetStreamStatus", s.SetStreamStatus(ctx, "offline", at, event.Status{}))
	check(t, "MarkChecked", s.MarkChecked(ctx, "offline", at, at.Add(time.Hour)))
	guilds := []string{"live", "offline", "never"}
	for i := range 150 {
		guilds = append(guilds, fmt.Sprint("more", i))
	}
	p := &piecemeal{API: s.Client, serve: 60}
	split := *s
	split.Client = p
	got, err := split.StreamStates(ctx, append(guilds, "live")) // a repeat is read once
	check(t, "StreamStates", err)
	if len(got) != len(guilds) {
		t.Errorf("StreamStates returned %d states, want %d", len(got), len(guilds))
	}
	want := map[string]stream.State{
		"live":    {Guild: "live", Live: true, StatusAt: at},
		"offline": {Guild: "offline", StatusAt: at, CheckedAt: at.Add(time.Hour)},
		"never":   {Guild: "never"},
		"more7":   {Guild: "more7"},
	}
	for g, w := range want {
		if diff := cmp.Diff(w, got[g]); diff != "" {
			t.Errorf("StreamStates[%s] (-want +got):\n%s", g, diff)
		}
	}
	// 153 keys: a call of 100, of which 60 are served and 40 asked again
	// in a second call, then a call of 53, all served.
	if p.calls != 3 || p.keys != 100+40+53 {
		t.Errorf("StreamStates made %d calls for %d keys, want 3 calls for 193 (100, the 40 left over, 53)", p.calls, p.keys)
	}
	wantKind(t, "StreamStates with an empty guild", func() error { _, err := s.StreamStates(ctx, []string{""}); return err }(), fault.Invalid)

	stuck := *s
	stuck.Client = &piecemeal{API: s.Client}
	_, err = stuck.StreamStates(ctx, []string{"live"})
	wantKind(t, "StreamStates while DynamoDB processes nothing", err, fault.Transient)
}

func TestMarkChecked(t *testing.T) {
	s, _ := newEmbedded(t)
	ctx := t.Context()
	at := time.Date(2026, 3, 14, 20, 0, 0, 0, time.UTC)
	check(t, "SetStreamStatus", s.SetStreamStatus(ctx, "g", at, event.Status{Live: true}))
	checkedAt := func(g string) time.Time {
		t.Helper()
		st, err := s.StreamStates(ctx, []string{g})
		check(t, "StreamStates", err)
		return st[g].CheckedAt
	}
	for _, tt := range []struct {
		name         string
		guild        string
		statusAt, at time.Time
		want         time.Time
	}{
		{"confirms the status read", "g", at, at.Add(10 * time.Minute), at.Add(10 * time.Minute)},
		{"an older check changes nothing", "g", at, at.Add(5 * time.Minute), at.Add(10 * time.Minute)},
		{"a status changed since the read is not marked", "g", at.Add(-time.Hour), at.Add(20 * time.Minute), at.Add(10 * time.Minute)},
		{"a guild without a status", "new", time.Time{}, at, at},
	} {
		t.Run(tt.name, func(t *testing.T) {
			check(t, "MarkChecked", s.MarkChecked(ctx, tt.guild, tt.statusAt, tt.at))
			if got := checkedAt(tt.guild); !got.Equal(tt.want) {
				t.Errorf("checkedAt = %v, want %v", got, tt.want)
			}
		})
	}
	st, err := s.Stream(ctx, "g")
	check(t, "Stream", err)
	if !st.Live || !st.StatusAt.Equal(at) {
		t.Errorf("Stream after checks = %+v, want the status unchanged", st)
	}
	wantKind(t, "MarkChecked without a guild", s.MarkChecked(ctx, "", at, at), fault.Invalid)
}
