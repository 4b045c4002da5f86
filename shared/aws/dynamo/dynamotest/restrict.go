package dynamotest

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/aws/access"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
)

// Restrict wraps the client a function's Store uses and checks every call
// against the function's grant in access.Functions, as IAM checks its role:
// an action the grant lacks, a partition key outside its prefixes (each
// item of a batch or transaction) or an index it does not name fails the
// call and the test. A function's tests run its handler's store through
// it, so a code path that needs more than the template grants fails here
// rather than in AWS.
func Restrict(tb testing.TB, api dynamo.API, function string) dynamo.API {
	tb.Helper()
	g, ok := access.Functions[function]
	if !ok {
		tb.Fatalf("access.Functions has no %s", function)
	}
	return &restricted{API: api, tb: tb, fn: function, g: g}
}

type restricted struct {
	dynamo.API
	tb testing.TB
	fn string
	g  access.Grant
}

// deny reports a refused call to the test and returns the error IAM's
// AccessDenied would become.
func (r *restricted) deny(what string) error {
	r.tb.Errorf("%s may not %s (access.Functions and template.yaml)", r.fn, what)
	return fmt.Errorf("AccessDenied: %s may not %s", r.fn, what)
}

func (r *restricted) item(action string, key map[string]types.AttributeValue) error {
	pk := str(key["pk"])
	if !r.g.Item(action, pk) {
		return r.deny(fmt.Sprintf("%s %s", action, pk))
	}
	return nil
}

// GetItem checks the key.
func (r *restricted) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if err := r.item(access.GetItem, in.Key); err != nil {
		return nil, err
	}
	return r.API.GetItem(ctx, in, o...)
}

// PutItem checks the item's key.
func (r *restricted) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if err := r.item(access.PutItem, in.Item); err != nil {
		return nil, err
	}
	return r.API.PutItem(ctx, in, o...)
}

// UpdateItem checks the key.
func (r *restricted) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if err := r.item(access.UpdateItem, in.Key); err != nil {
		return nil, err
	}
	return r.API.UpdateItem(ctx, in, o...)
}

// DeleteItem checks the key.
func (r *restricted) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	if err := r.item(access.DeleteItem, in.Key); err != nil {
		return nil, err
	}
	return r.API.DeleteItem(ctx, in, o...)
}

// keyEquals finds the partition key's value in a key condition the
// expression builder wrote: "#0 = :0", possibly in parentheses.
var keyEquals = regexp.MustCompile(`(#\w+) = (:\w+)`)

// Query checks the index, or on the table the partition key.
func (r *restricted) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if ix := aws.ToString(in.IndexName); ix != "" {
		if !r.g.Index(ix) {
			return nil, r.deny("query index " + ix)
		}
		return r.API.Query(ctx, in, o...)
	}
	pk := ""
	for _, m := range keyEquals.FindAllStringSubmatch(aws.ToString(in.KeyConditionExpression), -1) {
		if in.ExpressionAttributeNames[m[1]] == "pk" {
			pk = str(in.ExpressionAttributeValues[m[2]])
		}
	}
	if !r.g.Item(access.Query, pk) {
		return nil, r.deny(fmt.Sprintf("%s %q (key condition %q)", access.Query, pk, aws.ToString(in.KeyConditionExpression)))
	}
	return r.API.Query(ctx, in, o...)
}

// BatchGetItem checks every key.
func (r *restricted) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	for _, ka := range in.RequestItems {
		for _, k := range ka.Keys {
			if err := r.item(access.BatchGetItem, k); err != nil {
				return nil, err
			}
		}
	}
	return r.API.BatchGetItem(ctx, in, o...)
}

// TransactWriteItems checks each item as the action IAM authorises it
// as.
func (r *restricted) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	for _, it := range in.TransactItems {
		var err error
		switch {
		case it.Put != nil:
			err = r.item(access.PutItem, it.Put.Item)
		case it.Update != nil:
			err = r.item(access.UpdateItem, it.Update.Key)
		case it.Delete != nil:
			err = r.item(access.DeleteItem, it.Delete.Key)
		case it.ConditionCheck != nil:
			err = r.item("dynamodb:ConditionCheckItem", it.ConditionCheck.Key)
		}
		if err != nil {
			return nil, err
		}
	}
	return r.API.TransactWriteItems(ctx, in, o...)
}
