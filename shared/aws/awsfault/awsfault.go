// Package awsfault gives AWS SDK errors their fault kind, the same way for
// every AWS service the bot calls: a failure a retry may fix (throttling,
// a server error, no answer at all, an ended context) is Transient; a
// request the service refuses is Internal, since it is a bug or a
// configuration to fix, not something to retry.
package awsfault

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/kickbot/kickbot/shared/fault"
)

// Kind classifies err, an error from an AWS SDK call.
func Kind(err error) fault.Kind {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fault.Transient
	}
	if apiErr, ok := errors.AsType[smithy.APIError](err); ok {
		code := apiErr.ErrorCode()
		if _, ok := retry.DefaultThrottleErrorCodes[code]; ok {
			return fault.Transient
		}
		if _, ok := retry.DefaultRetryableErrorCodes[code]; ok {
			return fault.Transient
		}
		if apiErr.ErrorFault() == smithy.FaultServer {
			return fault.Transient
		}
	}
	if resp, ok := errors.AsType[*awshttp.ResponseError](err); ok {
		switch code := resp.HTTPStatusCode(); {
		case code == 429 || code >= 500:
			return fault.Transient
		case code >= 400:
			return fault.Internal
		}
		// A success status with a reply that could not be read: it was
		// probably cut short, and a retry may get a whole one.
		return fault.Transient
	}
	if _, ok := errors.AsType[*smithy.SerializationError](err); ok {
		return fault.Internal
	}
	// The SDK checked the input before sending it.
	if _, ok := errors.AsType[smithy.InvalidParamsError](err); ok {
		return fault.Internal
	}
	// No reply at all: the network or the endpoint failed.
	return fault.Transient
}

// Wrap gives err its kind and the message what; nil stays nil.
func Wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	return fault.Wrap(Kind(err), err, what)
}
