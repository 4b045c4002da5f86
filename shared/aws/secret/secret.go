// Package secret reads the bot's secrets once per cold start. A deployed
// function names an SSM Parameter Store parameter (a SecureString) in its
// environment, so no secret sits in the template's parameters or the
// function's configuration; a local run passes the secret itself.
//
// The convention for a secret NAME: the variable NAME holds the value, or
// NAME_PARAMETER names the parameter that holds it, e.g. KICK_CLIENT_SECRET
// or KICK_CLIENT_SECRET_PARAMETER=/kickbot/prod/kick-client-secret.
package secret

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/kickbot/kickbot/shared/aws/awsfault"
	"github.com/kickbot/kickbot/shared/fault"
)

// API is the part of the SSM client this package uses; *ssm.Client has it.
type API interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

var _ API = (*ssm.Client)(nil)

// NewClient returns an SSM client with the default AWS configuration (in
// Lambda: the function's role and region).
func NewClient(ctx context.Context) (*ssm.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	return ssm.NewFromConfig(cfg), nil
}

// FromEnv resolves the secret name by the package's convention: the
// variable name itself, else the SSM parameter named by name+"_PARAMETER".
func FromEnv(ctx context.Context, client API, name string) (string, error) {
	return Resolve(ctx, client, os.Getenv(name), os.Getenv(name+"_PARAMETER"))
}

// Resolve returns value if it is set; else the decrypted value of the SSM
// parameter named parameter, read with client; else "" (the feature that
// needs the secret is off). A parameter set with a nil client is
// fault.Internal. Errors name the parameter, never a value: fault.Transient
// when SSM throttles, fails or cannot be reached, fault.Internal otherwise
// (no such parameter, no permission, key unusable).
func Resolve(ctx context.Context, client API, value, parameter string) (string, error) {
	switch {
	case value != "":
		return value, nil
	case parameter == "":
		return "", nil
	case client == nil:
		return "", fault.E(fault.Internal, "read SSM parameter %s: no SSM client", parameter)
	}
	out, err := client.GetParameter(ctx, &ssm.GetParameterInput{
		Name:           aws.String(parameter),
		WithDecryption: aws.Bool(true),
	})
	what := "read SSM parameter " + parameter
	if err != nil {
		return "", awsfault.Wrap(err, what)
	}
	if out == nil || out.Parameter == nil || out.Parameter.Value == nil || *out.Parameter.Value == "" {
		// An empty secret would switch a feature off without a word.
		return "", fault.E(fault.Internal, "%s: it has no value", what)
	}
	return *out.Parameter.Value, nil
}
