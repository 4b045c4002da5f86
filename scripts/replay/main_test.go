package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
)

func TestCommandOptions(t *testing.T) {
	role := discordsim.Role("role", "973524801945731072")
	channel := discordsim.Channel("announce_channel", "883082588674195459")
	tests := []struct {
		name    string
		command string
		words   []string
		want    []discordsim.Option
	}{
		{"none", "watchtime", nil, nil},
		{"string choice", "leaderboard", []string{"board:points"}, []discordsim.Option{discordsim.String("board", "points")}},
		{"subcommand with string, integer and text", "points", []string{"add", "user:alice", "amount:50", "reason:quiz night"},
			[]discordsim.Option{discordsim.Sub("add",
				discordsim.String("user", "alice"), discordsim.Int("amount", 50), discordsim.String("reason", "quiz night"))}},
		{"boolean and integer", "settings", []string{"set", "track_offline:true", "activity_window:10"},
			[]discordsim.Option{discordsim.Sub("set", discordsim.Bool("track_offline", true), discordsim.Int("activity_window", 10))}},
		{"subcommand alone", "points", []string{"show"}, []discordsim.Option{discordsim.Sub("show")}},
		{"digits in a string option stay a string", "points", []string{"show", "user:1"},
			[]discordsim.Option{discordsim.Sub("show", discordsim.String("user", "1"))}},
		{"a role is its id as a string", "roles", []string{"add", "role:973524801945731072", "minutes:1"},
			[]discordsim.Option{discordsim.Sub("add", role, discordsim.Int("minutes", 1))}},
		{"a channel is its id as a string", "settings", []string{"set", "announce_channel:883082588674195459"},
			[]discordsim.Option{discordsim.Sub("set", channel)}},
		{"an undeclared option goes as a string", "settings", []string{"set", "volume:11"},
			[]discordsim.Option{discordsim.Sub("set", discordsim.String("volume", "11"))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := commandOptions(tt.command, tt.words)
			if err != nil {
				t.Fatalf("commandOptions(%q, %q) = %v", tt.command, tt.words, err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("commandOptions(%q, %q) (-got +want):\n%s", tt.command, tt.words, diff)
			}
		})
	}
	// The wire form: the id as a JSON string, all 18 digits of it.
	opts, _ := commandOptions("roles", []string{"add", "role:973524801945731072", "minutes:1"})
	body := discordsim.Caller{Guild: "1", UserID: "2"}.Command("3", "roles", opts...)
	if !bytes.Contains(body, []byte(`"value":"973524801945731072"`)) || !bytes.Contains(body, []byte(`"value":1`)) {
		t.Errorf("body %s does not send the role as a string and minutes as a number", body)
	}
	for _, bad := range [][]string{{"add", "amount:lots"}, {"add", "alice"}} {
		if _, err := commandOptions("points", bad); err == nil {
			t.Errorf("commandOptions(points, %q) = nil error, want one", bad)
		}
	}
}

func TestHelpAndUsageErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string // in what it prints
	}{
		{"-h lists every mode", []string{"-h"}, 0, []string{"replay fixtures", "replay scenario", "replay show", "replay command", "replay click", "replay bonushunt", "replay subtrain", "replay fullstream"}},
		{"help", []string{"help"}, 0, []string{"replay click"}},
		{"no mode", nil, 2, []string{"replay scenario"}},
		{"unknown mode", []string{"scenery"}, 2, []string{"replay scenario"}},
		{"a mode's -h lists its flags", []string{"scenario", "-h"}, 0, []string{"usage: replay scenario", "-viewers", "-url"}},
		{"show -h", []string{"show", "-h"}, 0, []string{"usage: replay show", "-endpoint", "-guild"}},
		{"command -h", []string{"command", "-h"}, 0, []string{"usage: replay command", "-admin"}},
		{"click -h", []string{"click", "-h"}, 0, []string{"usage: replay click", "-guild"}},
		{"fixtures -h", []string{"fixtures", "-h"}, 0, []string{"usage: replay fixtures", "-dir"}},
		{"bonushunt -h", []string{"bonushunt", "-h"}, 0, []string{"usage: replay bonushunt", "-guild", "-channel"}},
		{"bonushunt without a guild", []string{"bonushunt", "-key", "x"}, 2, []string{"usage: replay bonushunt"}},
		{"subtrain -h", []string{"subtrain", "-h"}, 0, []string{"usage: replay subtrain", "-guild", "-channel", "-wait"}},
		{"subtrain without a guild", []string{"subtrain", "-key", "x"}, 2, []string{"usage: replay subtrain"}},
		{"subtrain waiting less than nothing", []string{"subtrain", "-key", "x", "-guild", "1", "-wait", "-1h"}, 2, []string{"-wait"}},
		{"fullstream -h", []string{"fullstream", "-h"}, 0, []string{"usage: replay fullstream", "-guild", "-channel", "-role"}},
		{"fullstream without a guild", []string{"fullstream", "-key", "x"}, 2, []string{"usage: replay fullstream"}},
		{"a flag of another mode", []string{"show", "-viewers", "3"}, 2, []string{"-viewers"}},
		{"command without a guild", []string{"command", "-key", "x", "watchtime"}, 2, []string{"usage: replay command"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, &out, &errOut)
			if got := exitCode(err); got != tt.wantCode {
				t.Errorf("run(%q) = %v: exit code %d, want %d", tt.args, err, got, tt.wantCode)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("run(%q) printed %q, want it to hold %q", tt.args, errOut.String(), w)
				}
			}
		})
	}
	if got := exitCode(errors.New("3 of 9 deliveries were rejected")); got != 1 {
		t.Errorf("exitCode(rejected) = %d, want 1", got)
	}
	if got := exitCode(flag.ErrHelp); got != 0 {
		t.Errorf("exitCode(flag.ErrHelp) = %d, want 0", got)
	}
}

// TestRejectedIsAFailure runs each sending mode against an endpoint that
// answers status, with the keys where a runner on its port keeps them.
func TestRejectedIsAFailure(t *testing.T) {
	noWaiting(t)
	for _, status := range []int{http.StatusOK, http.StatusUnauthorized, http.StatusServiceUnavailable} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"type":4,"data":{"content":"ok"}}`))
		}))
		defer srv.Close()
		runnerKeys(t, srv.URL)
		for _, args := range [][]string{
			{"fixtures", "-url", srv.URL + "/webhooks/kick", "-dir", "../../testdata/kick"},
			{"scenario", "-url", srv.URL + "/webhooks/kick", "-viewers", "2", "-minutes", "1"},
			{"command", "-url", srv.URL + "/interactions", "-guild", "1", "watchtime"},
			{"click", "-url", srv.URL + "/interactions", "-guild", "1", "lb:points:2:2"},
			{"engine", "-url", srv.URL + "/webhooks/kick", "-guild", "1", "-minutes", "1"},
			{"bonushunt", "-url", srv.URL + "/webhooks/kick", "-guild", "1"},
			{"subtrain", "-url", srv.URL + "/webhooks/kick", "-guild", "1"},
			{"fullstream", "-url", srv.URL + "/webhooks/kick", "-guild", "1"},
		} {
			t.Run(http.StatusText(status)+"/"+args[0], func(t *testing.T) {
				var out, errOut bytes.Buffer
				err := run(context.Background(), args, &out, &errOut)
				want := 0
				if status != http.StatusOK {
					want = 1
				}
				if got := exitCode(err); got != want {
					t.Errorf("run(%q) against HTTP %d = %v: exit code %d, want %d\n%s", args, status, err, got, want, out.String())
				}
			})
		}
	}
}

// noWaiting makes the engine mode send at once instead of at each
// message's time.
func noWaiting(t *testing.T) {
	saved := sleepUntil
	sleepUntil = func(context.Context, time.Time) error { return nil }
	t.Cleanup(func() { sleepUntil = saved })
}

// TestEngineSends: the engine mode sends the scenario's slash commands to
// the interactions endpoint beside -url, then each minute's chat to -url,
// in order, signed.
func TestEngineSends(t *testing.T) {
	noWaiting(t)
	srvURL, requests := recordReplay(t)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"engine", "-url", srvURL + "/webhooks/kick", "-guild", "1", "-minutes", "2"}, &out, &errOut); err != nil {
		t.Fatalf("run engine: %v\n%s", err, errOut.String())
	}
	want := []string{"/command add", "/command add", "/command add", "/timer add", "/timer add",
		"hi chat", "!hype", "!h", "gg", "!so viewer002", "!so viewer002", "!HypeTrain", "lets gooo"}
	if diff := cmp.Diff(want, labels(requests())); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// runnerKeys writes signing keys where the replayer looks for those of a
// runner at base, as the runner does.
func runnerKeys(t *testing.T, base string) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("LOCAL_DIR", dir)
	u, _ := url.Parse(base)
	keys := kicksim.KeyDir(dir, u.Host)
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	if err := kicksim.WritePrivateKey(filepath.Join(keys, "kick-private.pem"), rk); err != nil {
		t.Fatal(err)
	}
	_, dk, _ := ed25519.GenerateKey(rand.Reader)
	if err := discordsim.WritePrivateKey(filepath.Join(keys, "discord-private.key"), dk); err != nil {
		t.Fatal(err)
	}
}

// TestBonusHuntSends: the bonushunt mode sends the scenario's steps in
// order of time, slash commands to the interactions endpoint beside -url
// with their subcommands, deliveries to -url, all signed.
func TestBonusHuntSends(t *testing.T) {
	var waits []time.Time
	saved := sleepUntil
	sleepUntil = func(_ context.Context, at time.Time) error { waits = append(waits, at); return nil }
	t.Cleanup(func() { sleepUntil = saved })
	srvURL, requests := recordReplay(t)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"bonushunt", "-url", srvURL + "/webhooks/kick", "-guild", "1"}, &out, &errOut); err != nil {
		t.Fatalf("run bonushunt: %v\n%s", err, errOut.String())
	}
	want := []string{"livestream.status.updated", "/calls channel", "/calls open"}
	want = append(want, kicksim.HuntCalls...)
	want = append(want, "!call Bonanza", "!sr Deadwood", "!current", "/calls close", "!call Big Bamboo", "/hunt start")
	for range 5 {
		want = append(want, "/calls pick", "/hunt add")
	}
	want = append(want, "!current")
	for range 5 {
		want = append(want, "/hunt payout")
	}
	want = append(want, "!hunt", "/hunt finish", "/gtb open",
		"!gtb 700", "!gtb $650.50", "!gtb 0.5k", "!gtb 0", "!gtb 1,000", "!gtb 691", "!gtb 12.345", "!gtb 690", "!gtb 680", "!gtb 690",
		"/gtb close", "!gtb 691.83", "/gtb result", "!hunt")
	if diff := cmp.Diff(want, labels(requests())); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if len(waits) != len(want) || !slices.IsSortedFunc(waits, func(a, b time.Time) int { return a.Compare(b) }) {
		t.Errorf("waited for %d times, in order %v; want %d, in order", len(waits), slices.IsSortedFunc(waits, func(a, b time.Time) int { return a.Compare(b) }), len(want))
	}
	if !strings.Contains(out.String(), "sent 23 slash commands and 49 deliveries") {
		t.Errorf("output %q, want the counts", out.String())
	}
}

// TestSubTrainSends: the subtrain mode sends the sub train's steps in
// order of time, Kick's re-sends with their first message id, the void
// naming the eighth gift's message id, and the draw -wait after the
// train.
func TestSubTrainSends(t *testing.T) {
	var waits []time.Time
	saved := sleepUntil
	sleepUntil = func(_ context.Context, at time.Time) error { waits = append(waits, at); return nil }
	t.Cleanup(func() { sleepUntil = saved })
	srvURL, requests := recordReplay(t)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"subtrain", "-url", srvURL + "/webhooks/kick", "-guild", "1", "-wait", "25h"}, &out, &errOut); err != nil {
		t.Fatalf("run subtrain: %v\n%s", err, errOut.String())
	}
	want := []string{"/raffle start"}
	var distinct []string // the gifts' message ids, a re-send's as its first
	for i := range kicksim.TrainGifts {
		want = append(want, "channel.subscription.gifts")
		if kicksim.TrainResent(i) {
			want = append(want, "channel.subscription.gifts")
		}
	}
	want = append(want, "!tickets", "/raffle tickets", "channel.subscription.renewal", "channel.subscription.renewal",
		"channel.subscription.renewal", "kicks.gifted", "kicks.gifted", "!raffle", "!tickets",
		"!tickets", "/raffle draw", "!raffle")
	if diff := cmp.Diff(want, labels(requests())); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	var giftIDs []string
	voided := ""
	for _, r := range requests() {
		if r.eventType == "channel.subscription.gifts" {
			giftIDs = append(giftIDs, r.messageID)
		}
		if gift, ok := r.options["gift"].(string); ok {
			voided = gift
		}
	}
	for i, id := range giftIDs {
		if i == 0 || id != giftIDs[i-1] {
			distinct = append(distinct, id)
		}
	}
	if len(distinct) != kicksim.TrainGifts || voided != distinct[kicksim.TrainVoided] {
		t.Errorf("%d distinct gift ids, void of %q; want %d, the void of gift %d's id", len(distinct), voided, kicksim.TrainGifts, kicksim.TrainVoided+1)
	}
	if len(waits) != len(want) || !slices.IsSortedFunc(waits, func(a, b time.Time) int { return a.Compare(b) }) {
		t.Fatalf("waited for %d times, in order %v; want %d, in order", len(waits), slices.IsSortedFunc(waits, func(a, b time.Time) int { return a.Compare(b) }), len(want))
	}
	if gap := waits[len(waits)-3].Sub(waits[len(waits)-4]); gap != 25*time.Hour {
		t.Errorf("the train's last step to the !tickets after it: %s, want -wait's 25h", gap)
	}
	if !strings.Contains(out.String(), "sent 3 slash commands and 35 deliveries") {
		t.Errorf("output %q, want the counts", out.String())
	}
}

// TestFullStreamSends: the fullstream mode sends the full stream's steps
// in order of time: the setup's slash commands, the status event three
// times (once re-sent), the chat with the follows, subs, gifts, KICKs,
// redemption and !clips between its lines, and the offline.
func TestFullStreamSends(t *testing.T) {
	var waits []time.Time
	saved := sleepUntil
	sleepUntil = func(_ context.Context, at time.Time) error { waits = append(waits, at); return nil }
	t.Cleanup(func() { sleepUntil = saved })
	srvURL, requests := recordReplay(t)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"fullstream", "-url", srvURL + "/webhooks/kick", "-guild", "1"}, &out, &errOut); err != nil {
		t.Fatalf("run fullstream: %v\n%s", err, errOut.String())
	}
	var got []string // all but the plain chat lines
	chat := 0
	for _, l := range labels(requests()) {
		if strings.HasPrefix(l, "/") || strings.HasPrefix(l, "!") || strings.Contains(l, ".") {
			got = append(got, l)
		} else {
			chat++
		}
	}
	var want []string
	for range 8 {
		want = append(want, "/announce set")
	}
	const status, follow = "livestream.status.updated", "channel.followed"
	want = append(want, "/rewards points", "/rewards thanks", "/rewards thanks", "/rewards thanks",
		status, status, status, follow, follow, follow, "!clip Big play", follow, "!clip again", follow,
		"channel.subscription.new", "channel.subscription.renewal", "channel.subscription.gifts", "kicks.gifted",
		"!clip Clutch", "channel.reward.redemption.updated", status)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests but chat (-want +got):\n%s", diff)
	}
	wantChat := 0
	for i := range kicksim.FullMinutes {
		for v := range kicksim.FullChatters {
			if kicksim.FullChats(v, i) {
				wantChat++
			}
		}
	}
	if chat != wantChat {
		t.Errorf("sent %d chat lines, want %d", chat, wantChat)
	}
	if len(waits) != len(want)+chat || !slices.IsSortedFunc(waits, func(a, b time.Time) int { return a.Compare(b) }) {
		t.Errorf("waited for %d times, in order %v; want %d, in order", len(waits), slices.IsSortedFunc(waits, func(a, b time.Time) int { return a.Compare(b) }), len(want)+chat)
	}
	if w := fmt.Sprintf("sent 12 slash commands and %d deliveries", len(want)-12+chat); !strings.Contains(out.String(), w) {
		t.Errorf("output %q, want %q", out.String(), w)
	}
}

// sent is one request a replay made to recordReplay's fake runner.
type sent struct {
	// label is "/command sub" for an interaction; for a delivery its chat
	// content, else its event type.
	label string
	// options are an interaction's subcommand options by name.
	options              map[string]any
	eventType, messageID string
}

func labels(rs []sent) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.label
	}
	return out
}

// recordReplay starts a fake runner for the replayer, with the signing
// keys a runner at its address would write: it answers every interaction
// and delivery, fails t for one that is unsigned or an interaction that is
// not one subcommand, and returns its URL and what it was sent so far.
func recordReplay(t *testing.T) (string, func() []sent) {
	t.Helper()
	var (
		mu  sync.Mutex
		all []sent
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		switch r.URL.Path {
		case "/interactions":
			var i struct {
				Data struct {
					Name    string
					Options []struct {
						Name    string
						Options []struct {
							Name  string
							Value any
						}
					}
				}
			}
			_ = json.Unmarshal(body, &i)
			if r.Header.Get("X-Signature-Ed25519") == "" || len(i.Data.Options) != 1 {
				t.Errorf("interaction %s: unsigned, or not one subcommand", body)
				return
			}
			s := sent{label: "/" + i.Data.Name + " " + i.Data.Options[0].Name, options: map[string]any{}}
			for _, o := range i.Data.Options[0].Options {
				s.options[o.Name] = o.Value
			}
			all = append(all, s)
			_, _ = w.Write([]byte(`{"type":4,"data":{"content":"ok"}}`))
		case "/webhooks/kick":
			var c struct{ Content string }
			_ = json.Unmarshal(body, &c)
			if r.Header.Get("Kick-Event-Signature") == "" {
				t.Errorf("delivery without a signature")
			}
			s := sent{label: c.Content, eventType: r.Header.Get("Kick-Event-Type"), messageID: r.Header.Get("Kick-Event-Message-Id")}
			if s.label == "" {
				s.label = s.eventType
			}
			all = append(all, s)
		}
	}))
	t.Cleanup(srv.Close)
	runnerKeys(t, srv.URL)
	return srv.URL, func() []sent {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(all)
	}
}
