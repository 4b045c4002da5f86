package dynamo

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/fault"
)

// maxBatchGet is the most keys one BatchGetItem may ask for.
const maxBatchGet = 100

// batchGetStalls is how many BatchGetItem answers in a row may return
// nothing but UnprocessedKeys (throttling) before batchGet gives up.
const batchGetStalls = 5

// batchGet reads the items at keys, eventually consistent, with only the
// attributes project (and the key), maxBatchGet keys a call. It asks again
// for every UnprocessedKeys DynamoDB leaves (after a backoff when a call
// returned nothing), so every item that exists is returned, in no
// particular order; keys without an item are absent.
func (s *Store) batchGet(ctx context.Context, keys []itemKey, project []string, what string) ([]map[string]types.AttributeValue, error) {
	names := []expression.NameBuilder{expression.Name("pk"), expression.Name("sk")}
	for _, n := range project {
		names = append(names, expression.Name(n))
	}
	expr, err := expression.NewBuilder().WithProjection(expression.NamesList(names[0], names[1:]...)).Build()
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "build batch read to "+what)
	}
	var items []map[string]types.AttributeValue
	for chunk := range slices.Chunk(keys, maxBatchGet) {
		avs := make([]map[string]types.AttributeValue, len(chunk))
		for i, k := range chunk {
			avs[i] = k.av()
		}
		req := map[string]types.KeysAndAttributes{s.Table: {
			Keys:                     avs,
			ProjectionExpression:     expr.Projection(),
			ExpressionAttributeNames: expr.Names(),
		}}
		for stalls := 0; len(req) > 0; {
			out, err := s.Client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, classify(err, what)
			}
			got := out.Responses[s.Table]
			items = append(items, got...)
			req = out.UnprocessedKeys
			if len(req) == 0 || len(got) > 0 {
				stalls = 0
				continue
			}
			if stalls++; stalls == batchGetStalls {
				return nil, fault.E(fault.Transient, "%s: DynamoDB left keys unprocessed %d times in a row", what, stalls)
			}
			if err := pause(ctx, time.Duration(25<<stalls)*time.Millisecond); err != nil {
				return nil, fault.Wrap(fault.Transient, err, what)
			}
		}
	}
	return items, nil
}

// pause waits d, or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
