package awsfault_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/kickbot/kickbot/shared/aws/awsfault"
	"github.com/kickbot/kickbot/shared/fault"
)

// responseError wraps err as the SDK does when a reply had status code.
func responseError(code int, err error) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code}}, Err: err}}
}

func TestKind(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want fault.Kind
	}{
		{"cancelled", fmt.Errorf("op: %w", context.Canceled), fault.Transient},
		{"deadline", context.DeadlineExceeded, fault.Transient},
		{"throttled by code", &smithy.GenericAPIError{Code: "ThrottlingException"}, fault.Transient},
		{"provisioned throughput", &ddbtypes.ProvisionedThroughputExceededException{}, fault.Transient},
		{"server fault", &ddbtypes.InternalServerError{}, fault.Transient},
		{"429", responseError(429, errors.New("slow down")), fault.Transient},
		{"503", responseError(503, errors.New("unavailable")), fault.Transient},
		{"validation 400", responseError(400, &smithy.GenericAPIError{Code: "ValidationException"}), fault.Internal},
		{"access denied 403", responseError(403, &smithy.GenericAPIError{Code: "AccessDeniedException"}), fault.Internal},
		{"cut-short 200", responseError(200, errors.New("unexpected EOF")), fault.Transient},
		{"serialization", &smithy.SerializationError{Err: errors.New("bad")}, fault.Internal},
		{"invalid params", smithy.InvalidParamsError{Context: "Input"}, fault.Internal},
		{"no reply", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, fault.Transient},
	}
	for _, tt := range tests {
		if got := awsfault.Kind(tt.err); got != tt.want {
			t.Errorf("Kind(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
	if awsfault.Wrap(nil, "x") != nil {
		t.Error("Wrap(nil) is not nil")
	}
}
