package discord_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
)

// jobQueue keeps what Bridge queued.
type jobQueue struct {
	mu   sync.Mutex
	jobs []job.Job
	err  error
}

func (q *jobQueue) Enqueue(_ context.Context, jobs ...job.Job) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return q.err
	}
	q.jobs = append(q.jobs, jobs...)
	return nil
}

// fixtureToken is the interaction token in application_command.json.
func fixtureToken(t *testing.T) string {
	t.Helper()
	var i struct{ Token string }
	if err := json.Unmarshal(fixture(t, "application_command"), &i); err != nil || i.Token == "" {
		t.Fatalf("fixture token: %v", err)
	}
	return i.Token
}

func serveBridge(t *testing.T, b discord.Bridge, body []byte) bridgeResponse {
	t.Helper()
	pub, priv := newKey(t)
	w := httptest.NewRecorder()
	discord.NewHTTPHandler(discord.Verifier{Key: pub}, b, nil, nowFunc).ServeHTTP(w, signedRequest(priv, sentAt, body))
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200: %s", w.Code, w.Body)
	}
	var got bridgeResponse
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("response %s is not JSON: %v", w.Body, err)
	}
	return got
}

func TestBridgeDefersRank(t *testing.T) {
	q := &jobQueue{}
	b := discord.Bridge{Handler: &interact.Handler{Store: newBridgeStore()}, Now: nowFunc, Later: q}
	body := edited(t, "application_command", command("rank", option("user", 3, "mossyrock")))

	got := serveBridge(t, b, body)
	if got.Type != 5 || got.Data != nil {
		t.Errorf("response = type %d, data %v; want a public deferred response (type 5, no data)", got.Type, got.Data)
	}
	if len(q.jobs) != 1 {
		t.Fatalf("queued %d jobs, want 1", len(q.jobs))
	}
	j := q.jobs[0]
	if err := j.Validate(); err != nil {
		t.Fatalf("queued job: %v", err)
	}
	want := interact.Request{
		ID: "1482453932679757825", Guild: guildID, UserID: "569802374110117888",
		Command: "rank", Options: map[string]string{"user": "mossyrock"}, At: now,
	}
	if diff := gocmp.Diff(j.Interaction.Request, want); diff != "" {
		t.Errorf("queued request (-got +want):\n%s", diff)
	}
	if j.Interaction.Token != fixtureToken(t) || j.Kind != job.KindInteraction || j.Guild != guildID {
		t.Errorf("queued %s with token %.12q…, want the interaction's token", j, j.Interaction.Token)
	}

	// Discord does not retry, but a replayed request queues the same job
	// id, which the FIFO queue drops.
	serveBridge(t, b, body)
	if q.jobs[1].ID != j.ID {
		t.Errorf("second job id = %q, want %q", q.jobs[1].ID, j.ID)
	}
}

func TestBridgeDeferQueueFails(t *testing.T) {
	q := &jobQueue{err: fault.E(fault.Transient, "queue down")}
	b := discord.Bridge{Handler: &interact.Handler{Store: newBridgeStore()}, Now: nowFunc, Later: q}
	got := serveBridge(t, b, edited(t, "application_command", command("rank")))
	if got.Type != 4 || got.Data == nil || got.Data.Flags != 64 || got.Data.Content != discord.FailureMessage {
		t.Errorf("response = %+v, want the ephemeral failure message", got)
	}
}

func TestBridgeInlineCommandsAreNotQueued(t *testing.T) {
	q := &jobQueue{}
	b := discord.Bridge{Handler: &interact.Handler{Store: newBridgeStore()}, Now: nowFunc, Later: q}
	got := serveBridge(t, b, edited(t, "application_command", command("leaderboard")))
	if got.Type != 4 || len(q.jobs) != 0 {
		t.Errorf("leaderboard answered with type %d and %d jobs queued, want type 4 and none", got.Type, len(q.jobs))
	}
}

func TestRepliesFinish(t *testing.T) {
	fake, rest := fakeDiscord(t)
	resp := interact.Response{
		Embeds:  []interact.Embed{{Title: "Rank", Description: "#2 mossyrock", Color: 0x53FC18}},
		Content: "@everyone look",
	}
	if err := (discord.Replies{REST: rest}).Finish(context.Background(), "tok-A", resp); err != nil {
		t.Fatal(err)
	}
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("fake got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPatch || r.Path != api+"/webhooks/"+appID+"/tok-A/messages/@original" {
		t.Errorf("request = %s %s, want PATCH of the original response", r.Method, r.Path)
	}
	body, _ := r.Body.(map[string]any)
	want := map[string]any{
		"content":          "@everyone look",
		"embeds":           []any{map[string]any{"title": "Rank", "description": "#2 mossyrock", "color": float64(0x53FC18)}},
		"components":       []any{},
		"allowed_mentions": map[string]any{"parse": []any{}, "replied_user": false},
	}
	if diff := gocmp.Diff(body, want); diff != "" {
		t.Errorf("PATCH body (-got +want):\n%s", diff)
	}
}

func TestRepliesRefuse(t *testing.T) {
	for _, deletedBefore := range []bool{false, true} {
		fake, rest := fakeDiscord(t)
		p := discord.Replies{REST: rest}
		if deletedBefore { // a retry after the delete went through
			if err := rest.DeleteOriginal(context.Background(), "tok-B"); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Refuse(context.Background(), "tok-B", "no viewer named x"); err != nil {
			t.Fatalf("Refuse (deleted before: %v) = %v", deletedBefore, err)
		}
		reqs := fake.Requests()
		last := reqs[len(reqs)-2:]
		if last[0].Method != http.MethodDelete || last[0].Path != api+"/webhooks/"+appID+"/tok-B/messages/@original" {
			t.Errorf("first = %s %s, want DELETE of the original", last[0].Method, last[0].Path)
		}
		body, _ := last[1].Body.(map[string]any)
		if last[1].Method != http.MethodPost || last[1].Path != api+"/webhooks/"+appID+"/tok-B" ||
			body["content"] != "no viewer named x" || body["flags"] != float64(64) {
			t.Errorf("then %s %s %v, want an ephemeral followup", last[1].Method, last[1].Path, body)
		}
	}
}

func TestRepliesFinishAttachesFiles(t *testing.T) {
	fake, rest := fakeDiscord(t)
	csv := []byte("viewer,tickets\nmossyrock,12\n")
	resp := interact.Response{
		Content: "Ticket table attached.",
		Files:   []interact.File{{Name: "tickets.csv", ContentType: "text/csv", Data: csv}},
	}
	p := discord.Replies{REST: rest}
	for try := range 2 { // a retried job edits again
		if err := p.Finish(context.Background(), "tok-F", resp); err != nil {
			t.Fatalf("Finish (try %d) = %v", try, err)
		}
	}
	reqs := fake.Requests()
	if len(reqs) != 2 {
		t.Fatalf("fake got %d requests, want 2", len(reqs))
	}
	for _, r := range reqs {
		if r.Method != http.MethodPatch || r.Path != api+"/webhooks/"+appID+"/tok-F/messages/@original" {
			t.Errorf("request = %s %s, want PATCH of the original response", r.Method, r.Path)
		}
		wantFiles := []discord.Upload{{Field: "files[0]", Name: "tickets.csv", ContentType: "text/csv", Data: csv}}
		if diff := gocmp.Diff(r.Files, wantFiles); diff != "" {
			t.Errorf("files (-got +want):\n%s", diff)
		}
		body, _ := r.Body.(map[string]any)
		// The attachment list names the one file: a retry replaces it.
		list, _ := body["attachments"].([]any)
		a, _ := func() (map[string]any, bool) {
			if len(list) != 1 {
				return nil, false
			}
			m, ok := list[0].(map[string]any)
			return m, ok
		}()
		if a["id"] != "0" || a["filename"] != "tickets.csv" {
			t.Errorf("payload_json attachments = %v, want one: id 0, tickets.csv", body["attachments"])
		}
		if body["content"] != "Ticket table attached." {
			t.Errorf("payload_json content = %v, want the message", body["content"])
		}
	}
}

func TestRepliesFinishRefusesOversizedFiles(t *testing.T) {
	tests := []struct {
		name  string
		files []interact.File
	}{
		{"too large", []interact.File{{Name: "big.csv", Data: make([]byte, interact.MaxAttachmentBytes+1)}}},
		{"too many", make([]interact.File, interact.MaxFiles+1)},
		{"no name", []interact.File{{Data: []byte("x")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, rest := fakeDiscord(t)
			for i := range tt.files {
				if tt.files[i].Name == "" && tt.name != "no name" {
					tt.files[i].Name = "f.csv"
				}
			}
			err := discord.Replies{REST: rest}.Finish(context.Background(), "tok-G", interact.Response{Content: "x", Files: tt.files})
			if fault.KindOf(err) != fault.Invalid {
				t.Errorf("Finish = %v, want fault.Invalid", err)
			}
			if n := len(fake.Requests()); n != 0 {
				t.Errorf("sent %d requests, want none", n)
			}
		})
	}
}
