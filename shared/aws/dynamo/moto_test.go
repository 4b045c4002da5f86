//go:build moto

package dynamo

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/kickbot/kickbot/shared/aws/stack"
	"github.com/kickbot/kickbot/shared/event"
)

// motoClient returns a client for the moto server at MOTO_ENDPOINT. The
// tier fails rather than skips without one: CI must not pass it silently.
func motoClient(t *testing.T) *dynamodb.Client {
	t.Helper()
	endpoint := os.Getenv("MOTO_ENDPOINT")
	if endpoint == "" {
		t.Fatal("MOTO_ENDPOINT is not set; start moto_server and set it to its URL (e.g. http://127.0.0.1:5000)")
	}
	client, err := NewClient(t.Context(), endpoint, dropRetries)
	if err != nil {
		t.Fatalf("NewClient(%q): %v", endpoint, err)
	}
	return client
}

// dropRetries retries a read only, when the connection to moto was lost
// while its answer was read ("use of closed network connection"), which
// moto's server does now and then under load. A write is never retried:
// it may have landed, and an ADD sent again would count twice. Any other
// error, throttling included, is the test's to see, as with noRetries.
func dropRetries(o *dynamodb.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = 3
		so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 10 * time.Millisecond, nil })
		so.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
			if strings.Contains(err.Error(), "use of closed network connection") && readOnly(err) {
				return aws.TrueTernary
			}
			return aws.FalseTernary
		})}
		so.RateLimiter = ratelimit.None
	})
}

// readOnly reports whether err answers a request that changes nothing,
// by the operation its X-Amz-Target header names.
func readOnly(err error) bool {
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.Response == nil || re.Response.Request == nil {
		return false
	}
	_, op, _ := strings.Cut(re.Response.Request.Header.Get("X-Amz-Target"), ".")
	switch op {
	case "GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable", "DescribeTimeToLive", "ListTables":
		return true
	}
	return false
}

// newMotoTable creates a fresh table from the template and drops it after
// the test.
func newMotoTable(t *testing.T, client *dynamodb.Client) string {
	t.Helper()
	name := tableName(t)
	if err := stack.CreateTable(t.Context(), client, name); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	t.Cleanup(func() {
		// t.Context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			t.Errorf("DeleteTable(%s): %v", name, err)
		}
	})
	return name
}

// newMotoStore is a Store on a fresh moto table whose requests go one at a
// time (see oneAtATime).
func newMotoStore(t *testing.T, client *dynamodb.Client) *Store {
	t.Helper()
	return New(&oneAtATime{next: client}, newMotoTable(t, client))
}

func TestStoreMoto(t *testing.T) {
	client := motoClient(t)
	runStoreSuite(t, func(t *testing.T) *Store { return newMotoStore(t, client) })
}

// TestMotoTimeToLive checks that CreateTable turns on the template's time
// to live, again without error on an existing table, and that items meant
// to expire carry expiresAt in unix seconds, as DynamoDB's TTL requires.
func TestMotoTimeToLive(t *testing.T) {
	client := motoClient(t)
	name := newMotoTable(t, client)
	ctx := t.Context()

	if err := stack.CreateTable(ctx, client, name); err != nil {
		t.Fatalf("CreateTable on an existing table: %v", err)
	}
	out, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeTimeToLive: %v", err)
	}
	d := out.TimeToLiveDescription
	if d == nil || d.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(d.AttributeName) != "expiresAt" {
		t.Fatalf("time to live = %+v, want enabled on expiresAt", d)
	}

	s := New(client, name)
	expires := at(0).Add(48 * time.Hour)
	if err := s.MarkDelivered(ctx, "m1", event.Followed, at(0), expires); err != nil {
		t.Fatalf("MarkDelivered: %v", err)
	}
	ev := event.Event{ID: "m2", Type: event.Followed, SentAt: at(1), Follow: &event.Follow{Follower: event.User{ID: 9}}}
	if err := s.LogEvent(ctx, "g", ev, expires); err != nil {
		t.Fatalf("LogEvent: %v", err)
	}
	wantNumber(t, rawItem(t, s, deliveryKey("m1", event.Followed)), "expiresAt", expires.Unix())
	wantNumber(t, rawItem(t, s, eventKey("g", at(1), "m2", event.Followed)), "expiresAt", expires.Unix())
}

// oneAtATime sends one request at a time. moto (5.x) serves requests on
// threads and its UpdateItem checks the condition, then applies the
// update, with no lock between: concurrent conditional writes to one item
// can both pass, which DynamoDB never allows. Serialising restores
// DynamoDB's per-request atomicity while the goroutines' requests still
// interleave, as the embedded emulator (which serialises too) does.
type oneAtATime struct {
	mu   sync.Mutex
	next API
}

func (a *oneAtATime) GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.next.GetItem(ctx, in, optFns...)
}

func (a *oneAtATime) PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.next.PutItem(ctx, in, optFns...)
}

func (a *oneAtATime) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.next.UpdateItem(ctx, in, optFns...)
}

func (a *oneAtATime) Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.next.Query(ctx, in, optFns...)
}

func (a *oneAtATime) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.next.DeleteItem(ctx, in, optFns...)
}

func (a *oneAtATime) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.next.TransactWriteItems(ctx, in, optFns...)
}

func (a *oneAtATime) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.next.BatchGetItem(ctx, in, optFns...)
}
