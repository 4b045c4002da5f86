package dynamo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
)

// sdkError wraps err the way the SDK does: an operation error around an
// HTTP response error with status.
func sdkError(status int, err error) error {
	return &smithy.OperationError{
		ServiceID:     "DynamoDB",
		OperationName: "PutItem",
		Err: &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err:      err,
		}},
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want fault.Kind
	}{
		{"throughput", sdkError(400, &types.ProvisionedThroughputExceededException{}), fault.Transient},
		{"request limit", sdkError(400, &types.RequestLimitExceeded{}), fault.Transient},
		{"internal server error", sdkError(500, &types.InternalServerError{}), fault.Transient},
		{"throttling", sdkError(400, &smithy.GenericAPIError{Code: "ThrottlingException"}), fault.Transient},
		{"service unavailable", sdkError(503, &smithy.GenericAPIError{Code: "ServiceUnavailable"}), fault.Transient},
		{"too many requests", sdkError(429, errors.New("slow down")), fault.Transient},
		{"truncated reply", sdkError(200, &smithy.DeserializationError{Err: errors.New("unexpected EOF")}), fault.Transient},
		{"validation", sdkError(400, &smithy.GenericAPIError{Code: "ValidationException"}), fault.Internal},
		{"missing table", sdkError(400, &types.ResourceNotFoundException{}), fault.Internal},
		{"bad input", &smithy.OperationError{Err: smithy.InvalidParamsError{Context: "PutItemInput"}}, fault.Internal},
		{"unserialisable", &smithy.OperationError{Err: &smithy.SerializationError{Err: errors.New("bad")}}, fault.Internal},
		{"cancelled", fmt.Errorf("send: %w", context.Canceled), fault.Transient},
		{"deadline", &smithy.OperationError{Err: context.DeadlineExceeded}, fault.Transient},
		{"connection refused", &smithy.OperationError{Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}, fault.Transient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := classify(tc.err, "save thing")
			if got := fault.KindOf(err); got != tc.want {
				t.Errorf("classify(%v) kind = %v, want %v", tc.err, got, tc.want)
			}
			if got := fault.Message(err); got != "save thing" {
				t.Errorf("classify(%v) message = %q, want %q", tc.err, got, "save thing")
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("classify(%v) lost its cause", tc.err)
			}
		})
	}
	if err := classify(nil, "x"); err != nil {
		t.Errorf("classify(nil) = %v, want nil", err)
	}
}

// fakeAPI answers every write with err, as the SDK unit-testing guide
// suggests: tests fake the few client methods the Store uses.
type fakeAPI struct {
	API // nil: reads panic, they are not used here
	err error
}

func (f fakeAPI) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return nil, f.err
}

func (f fakeAPI) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return nil, f.err
}

func (f fakeAPI) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return nil, f.err
}

// TestConditionalWrites checks that a failed condition is success for the
// conditioned writes: the write was done before, or a newer one was.
func TestConditionalWrites(t *testing.T) {
	ccf := sdkError(400, &types.ConditionalCheckFailedException{})
	throttled := sdkError(400, &types.ProvisionedThroughputExceededException{})
	ev := event.Event{ID: "m1", Type: event.Followed, SentAt: time.Unix(1, 0), Follow: &event.Follow{}}
	for _, tc := range []struct {
		name string
		call func(s *Store) error
	}{
		{"MarkDelivered", func(s *Store) error { return s.MarkDelivered(t.Context(), "m1", event.Followed, at(0), at(1)) }},
		{"TouchViewer", func(s *Store) error { return s.TouchViewer(t.Context(), "g", audience.Activity{UserID: 1, At: at(0)}) }},
		{"SetStreamStatus", func(s *Store) error { return s.SetStreamStatus(t.Context(), "g", at(0), event.Status{}) }},
		{"SetStreamMetadata", func(s *Store) error { return s.SetStreamMetadata(t.Context(), "g", at(0), event.Metadata{}) }},
		{"LogEvent", func(s *Store) error { return s.LogEvent(t.Context(), "g", ev, at(1)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(New(fakeAPI{err: ccf}, "t")); err != nil {
				t.Errorf("%s with its condition failing = %v, want nil", tc.name, err)
			}
			if err := tc.call(New(fakeAPI{err: throttled}, "t")); !fault.Is(err, fault.Transient) {
				t.Errorf("%s throttled = %v (kind %v), want transient", tc.name, err, fault.KindOf(err))
			}
		})
	}
	// Connect's only condition is inside a transaction, which reports it
	// as a cancellation: a bare failed condition would be a bug, not
	// success.
	if err := New(fakeAPI{err: ccf}, "t").Connect(t.Context(), "g", 1, at(0)); !fault.Is(err, fault.Internal) {
		t.Errorf("Connect with a condition failure = %v, want internal", err)
	}
}
