package stack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// CreateTable creates the table that template.yaml defines, named name,
// waits until it is active and turns on its time to live where the
// endpoint supports that (the embedded emulator does not: its items never
// expire). A table that already exists is left as it is, so a local runner
// can call this on every start.
func CreateTable(ctx context.Context, client *dynamodb.Client, name string) error {
	tpl, err := Load()
	if err != nil {
		return err
	}
	in, err := tpl.Table(name)
	if err != nil {
		return err
	}
	if _, err := client.CreateTable(ctx, in); err != nil {
		if _, exists := errors.AsType[*types.ResourceInUseException](err); !exists {
			return fmt.Errorf("create table %s: %w", name, err)
		}
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		// The default (20s minimum) suits AWS; local endpoints are ready
		// at once or within a few polls.
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = 5 * time.Second
		o.Retryable = tableNotReady
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 5*time.Minute); err != nil {
		return fmt.Errorf("wait for table %s: %w", name, err)
	}
	attr, err := tpl.TTLAttribute()
	if err != nil || attr == "" {
		return err
	}
	return enableTTL(ctx, client, name, attr)
}

// tableNotReady is the waiter's test: retry while the table or one of its
// indexes is missing or not yet active. Unlike the SDK's own test it takes a
// missing status for active, because minidyn reports none.
func tableNotReady(_ context.Context, _ *dynamodb.DescribeTableInput, out *dynamodb.DescribeTableOutput, err error) (bool, error) {
	if _, missing := errors.AsType[*types.ResourceNotFoundException](err); missing {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if out.Table == nil {
		return true, nil
	}
	if s := out.Table.TableStatus; s != "" && s != types.TableStatusActive {
		return true, nil
	}
	for _, g := range out.Table.GlobalSecondaryIndexes {
		if s := g.IndexStatus; s != "" && s != types.IndexStatusActive {
			return true, nil
		}
	}
	return false, nil
}

// enableTTL turns on time to live on attr unless it is on already (AWS
// refuses to enable it twice) or the endpoint has no TTL operations.
func enableTTL(ctx context.Context, client *dynamodb.Client, table, attr string) error {
	out, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	if unsupported(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("describe time to live of %s: %w", table, err)
	}
	if d := out.TimeToLiveDescription; d != nil && aws.ToString(d.AttributeName) == attr &&
		(d.TimeToLiveStatus == types.TimeToLiveStatusEnabled || d.TimeToLiveStatus == types.TimeToLiveStatusEnabling) {
		return nil
	}
	_, err = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(attr),
			Enabled:       aws.Bool(true),
		},
	})
	if err != nil && !unsupported(err) {
		return fmt.Errorf("enable time to live on %s: %w", table, err)
	}
	return nil
}

// unsupported reports whether err says the endpoint does not implement
// the operation.
func unsupported(err error) bool {
	if apiErr, ok := errors.AsType[smithy.APIError](err); ok {
		return apiErr.ErrorCode() == "UnknownOperationException"
	}
	// minidyn answers an operation it lacks with a plain-text 400 that
	// the SDK cannot decode as a DynamoDB error.
	resp, ok := errors.AsType[*awshttp.ResponseError](err)
	_, undecodable := errors.AsType[*smithy.DeserializationError](err)
	return ok && undecodable && resp.HTTPStatusCode() >= 400 && resp.HTTPStatusCode() < 500
}
