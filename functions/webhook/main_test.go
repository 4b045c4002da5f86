package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/ingest"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/local/benchcpu"
)

// The load of the design's budget: 1,000 plain chat messages from 50
// viewers within one minute.
const (
	burstMessages = 1000
	burstViewers  = 50
)

var start = time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)

var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// countingStore is an in-process ingest.Store (the benchmark's fake).
type countingStore struct {
	mu     sync.Mutex
	writes int
}

func (s *countingStore) Guilds(context.Context, int64) ([]string, error) { return []string{"g1"}, nil }

func (s *countingStore) TouchViewer(context.Context, string, audience.Activity) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return nil
}

func (s *countingStore) Delivered(context.Context, string, event.Type) (bool, error) {
	return false, nil
}

func (s *countingStore) MarkDelivered(context.Context, string, event.Type, time.Time, time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return nil
}

func (s *countingStore) KeepUnprocessable(context.Context, ingest.Unprocessable, time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return nil
}

type countingQueue struct{ sends int }

func (q *countingQueue) Enqueue(context.Context, ...job.Job) error { q.sends++; return nil }

// apiEvents signs each delivery and wraps it as API Gateway delivers it:
// lower-case header names, a plain-text JSON body.
func apiEvents(tb testing.TB, ds []kicksim.Delivery) []events.APIGatewayV2HTTPRequest {
	tb.Helper()
	out := make([]events.APIGatewayV2HTTPRequest, len(ds))
	for i, d := range ds {
		signed, err := (&kicksim.Sender{Key: testKey()}).Headers(d)
		if err != nil {
			tb.Fatal(err)
		}
		hs := map[string]string{"content-type": "application/json"}
		for k, v := range signed {
			hs[strings.ToLower(k)] = v[0]
		}
		out[i] = events.APIGatewayV2HTTPRequest{
			RawPath: "/webhooks/kick", Headers: hs, Body: string(d.Body),
			RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/webhooks/kick"}},
		}
	}
	return out
}

func burst(tb testing.TB) []events.APIGatewayV2HTTPRequest {
	return apiEvents(tb, burstDeliveries())
}

func burstDeliveries() []kicksim.Delivery {
	sc := kicksim.Scenario{Broadcaster: 4402117, Viewers: burstViewers, Start: start}
	return sc.ChatBurst(burstMessages)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// BenchmarkWebhookChat is the webhook's CPU per chat message: the whole
// handler from the API Gateway event through verification, parsing and
// ingestion, with the store and queue faked in-process. Compare it with
// BenchmarkRSAVerify, the floor, in the same run.
func BenchmarkWebhookChat(b *testing.B) {
	evs := burst(b)
	store, queue := &countingStore{}, &countingQueue{}
	now := start.Add(time.Minute)
	h := handler(store, queue, &testKey().PublicKey, quiet, func() time.Time { return now })
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	cpu := benchcpu.Start(b)
	for b.Loop() {
		res, err := h(ctx, evs[i%len(evs)])
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("status %d, err %v", res.StatusCode, err)
		}
		i++
	}
	cpu.Stop()
}

// BenchmarkRSAVerify is the floor: one RSA-2048 PKCS#1 v1.5 verification of
// a chat delivery's signature, with nothing else.
func BenchmarkRSAVerify(b *testing.B) {
	e := apiEvents(b, burstDeliveries()[:1])[0] // the burst's first message, signed alone
	sig, err := base64.StdEncoding.DecodeString(e.Headers["kick-event-signature"])
	if err != nil {
		b.Fatal(err)
	}
	sum := sha256.Sum256([]byte(e.Headers["kick-event-message-id"] + "." + e.Headers["kick-event-message-timestamp"] + "." + e.Body))
	pub := &testKey().PublicKey
	b.ReportAllocs()
	cpu := benchcpu.Start(b)
	for b.Loop() {
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
			b.Fatal(err)
		}
	}
	cpu.Stop()
}
