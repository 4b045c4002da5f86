package jobqueue

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// LocalRegion is the region NewClient uses with an explicit endpoint.
const LocalRegion = "us-east-1"

// NewClient returns an SQS client. With endpoint "" it uses the default AWS
// configuration (in Lambda: the function's role and region). Otherwise it
// talks to endpoint (moto, a local emulator) with dummy static credentials
// in LocalRegion, ignoring the environment's AWS settings, so a local run
// can never reach a real account by accident.
func NewClient(ctx context.Context, endpoint string) (*sqs.Client, error) {
	if endpoint == "" {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("load AWS config: %w", err)
		}
		return sqs.NewFromConfig(cfg), nil
	}
	cfg := aws.Config{
		Region:      LocalRegion,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
	return sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) }), nil
}
