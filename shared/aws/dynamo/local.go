package dynamo

import (
	"context"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Local endpoints (the embedded emulator, moto) accept any credentials;
// fixed ones keep a developer's real AWS credentials out of local runs.
const (
	localRegion = "us-east-1"
	localKeyID  = "test"
	localSecret = "test"
)

// NewClient returns a DynamoDB client for endpoint, a URL such as a local
// emulator's (with fixed dummy credentials and region us-east-1), or for
// AWS itself when endpoint is "" (with the default configuration chain:
// environment, shared files, the Lambda role).
func NewClient(ctx context.Context, endpoint string, optFns ...func(*dynamodb.Options)) (*dynamodb.Client, error) {
	if endpoint == "" {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("load AWS config: %w", err)
		}
		return dynamodb.NewFromConfig(cfg, optFns...), nil
	}
	if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("dynamodb endpoint %q is not an http(s) URL", endpoint)
	}
	return dynamodb.New(dynamodb.Options{
		Region:       localRegion,
		Credentials:  credentials.NewStaticCredentialsProvider(localKeyID, localSecret, ""),
		BaseEndpoint: aws.String(endpoint),
	}, optFns...), nil
}
