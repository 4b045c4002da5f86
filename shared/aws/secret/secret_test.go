package secret_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/kickbot/kickbot/shared/aws/secret"
	"github.com/kickbot/kickbot/shared/fault"
)

const (
	param     = "/kickbot/prod/kick-client-secret"
	stored    = "894b8190e7d2c4a6f1b3d5e7a9c0b2d4" // what SSM holds
	fromLocal = "local-secret-from-env"
)

// getParameter is a fake SSM client.
type getParameter func(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)

func (f getParameter) GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	return f(ctx, in, optFns...)
}

// ssmHolding is a fake SSM with one SecureString that it gives out only
// decrypted, as the function's role allows. It counts its calls.
func ssmHolding(t *testing.T, calls *int) secret.API {
	return getParameter(func(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
		*calls++
		if got := aws.ToString(in.Name); got != param {
			t.Errorf("GetParameter Name = %q, want %q", got, param)
		}
		if !aws.ToBool(in.WithDecryption) {
			t.Errorf("GetParameter WithDecryption = %v, want true", in.WithDecryption)
			return &ssm.GetParameterOutput{Parameter: &types.Parameter{Name: in.Name, Value: aws.String("AQICAHh-ciphertext")}}, nil
		}
		return &ssm.GetParameterOutput{Parameter: &types.Parameter{
			Name: in.Name, Type: types.ParameterTypeSecureString, Value: aws.String(stored),
		}}, nil
	})
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name       string
		value      string
		parameter  string
		nilClient  bool
		want       string
		wantSSMHit int
	}{
		{"value wins over parameter", fromLocal, param, false, fromLocal, 0},
		{"value alone", fromLocal, "", false, fromLocal, 0},
		{"value with no client", fromLocal, param, true, fromLocal, 0},
		{"parameter read decrypted", "", param, false, stored, 1},
		{"neither: feature off", "", "", false, "", 0},
		{"neither, no client", "", "", true, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			var client secret.API
			if !tt.nilClient {
				client = ssmHolding(t, &calls)
			}
			got, err := secret.Resolve(t.Context(), client, tt.value, tt.parameter)
			if err != nil {
				t.Fatalf("Resolve(%q, %q) error = %v", tt.value, tt.parameter, err)
			}
			if got != tt.want {
				t.Errorf("Resolve(%q, %q) = %q, want %q", tt.value, tt.parameter, got, tt.want)
			}
			if calls != tt.wantSSMHit {
				t.Errorf("GetParameter calls = %d, want %d", calls, tt.wantSSMHit)
			}
		})
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name      string
		value     string // KICK_CLIENT_SECRET
		parameter string // KICK_CLIENT_SECRET_PARAMETER
		want      string
	}{
		{"value in the environment", fromLocal, "", fromLocal},
		{"value wins over parameter", fromLocal, param, fromLocal},
		{"parameter named", "", param, stored},
		{"neither", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("KICK_CLIENT_SECRET", tt.value)
			t.Setenv("KICK_CLIENT_SECRET_PARAMETER", tt.parameter)
			calls := 0
			got, err := secret.FromEnv(t.Context(), ssmHolding(t, &calls), "KICK_CLIENT_SECRET")
			if err != nil {
				t.Fatalf("FromEnv error = %v", err)
			}
			if got != tt.want {
				t.Errorf("FromEnv = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFromEnvNilClient(t *testing.T) {
	t.Setenv("KICK_CLIENT_SECRET", "")
	t.Setenv("KICK_CLIENT_SECRET_PARAMETER", param)
	_, err := secret.FromEnv(t.Context(), nil, "KICK_CLIENT_SECRET")
	if !fault.Is(err, fault.Internal) || !strings.Contains(err.Error(), param) {
		t.Errorf("FromEnv with no client = %v (kind %v), want an internal error naming %s", err, fault.KindOf(err), param)
	}
}

// apiErr is an SSM error as the SDK returns it: the service's error inside
// an HTTP response error inside the operation error.
func apiErr(status int, err error) error {
	resp := &smithyhttp.Response{Response: &http.Response{StatusCode: status}}
	return &smithy.OperationError{
		ServiceID:     "SSM",
		OperationName: "GetParameter",
		Err: &awshttp.ResponseError{
			ResponseError: &smithyhttp.ResponseError{Response: resp, Err: err},
			RequestID:     "4a1c3f0e-9b7d-4e25-8c61-2f0a9d3b7e18",
		},
	}
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		out      *ssm.GetParameterOutput
		wantKind fault.Kind
	}{
		{"throttled", apiErr(400, &types.ThrottlingException{Message: aws.String("Rate exceeded")}), nil, fault.Transient},
		{"throttled, generic code", apiErr(400, &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}), nil, fault.Transient},
		{"internal server error", apiErr(500, &types.InternalServerError{Message: aws.String("boom")}), nil, fault.Transient},
		{"unknown 503", apiErr(503, &smithy.GenericAPIError{Code: "ServiceUnavailable"}), nil, fault.Transient},
		{"network, unwrapped", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}, nil, fault.Transient},
		{"network", &smithy.OperationError{ServiceID: "SSM", OperationName: "GetParameter", Err: &smithyhttp.RequestSendError{Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}}, nil, fault.Transient},
		{"context ended", context.DeadlineExceeded, nil, fault.Transient},
		{"no such parameter", apiErr(400, &types.ParameterNotFound{}), nil, fault.Internal},
		{"access denied", apiErr(400, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform ssm:GetParameter"}), nil, fault.Internal},
		{"KMS key refused", apiErr(400, &types.InvalidKeyId{}), nil, fault.Internal},
		{"no reply (not an SDK response)", errors.New("connection reset"), nil, fault.Transient},
		{"no parameter in output", nil, &ssm.GetParameterOutput{}, fault.Internal},
		{"error with an output", apiErr(500, &types.InternalServerError{}), &ssm.GetParameterOutput{Parameter: &types.Parameter{Value: aws.String(stored)}}, fault.Transient},
		{"empty value", nil, &ssm.GetParameterOutput{Parameter: &types.Parameter{Name: aws.String(param), Value: aws.String("")}}, fault.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := getParameter(func(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
				return tt.out, tt.err
			})
			got, err := secret.Resolve(t.Context(), client, "", param)
			if got != "" {
				t.Errorf("Resolve = %q, want \"\" with an error", got)
			}
			if !fault.Is(err, tt.wantKind) {
				t.Errorf("Resolve error = %v (kind %v), want kind %v", err, fault.KindOf(err), tt.wantKind)
			}
			if err != nil && !strings.Contains(err.Error(), param) {
				t.Errorf("Resolve error = %q, want it to name %s", err, param)
			}
			if err != nil && strings.Contains(err.Error(), stored) {
				t.Errorf("Resolve error = %q, holds the secret value", err)
			}
		})
	}
}

func TestNewClient(t *testing.T) {
	// Keep the machine's own AWS settings out of the test.
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", dir+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/credentials")
	t.Setenv("AWS_REGION", "eu-west-1")
	c, err := secret.NewClient(t.Context())
	if err != nil {
		t.Fatalf("NewClient error = %v", err)
	}
	if got := c.Options().Region; got != "eu-west-1" {
		t.Errorf("NewClient region = %q, want eu-west-1", got)
	}
}
