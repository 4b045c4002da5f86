package dynamo

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/fault"
)

// getItem reads the item at k consistently; false when there is none.
func (s *Store) getItem(ctx context.Context, k itemKey, what string) (map[string]types.AttributeValue, bool, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.Table,
		Key:            k.av(),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, false, classify(err, what)
	}
	return out.Item, len(out.Item) > 0, nil
}

// putFirst puts item unless an item with its key exists, and reports
// whether it did: true for the first put of a marker, false for a repeat.
func (s *Store) putFirst(ctx context.Context, item map[string]types.AttributeValue, what string) (bool, error) {
	err := s.putIf(ctx, item, expression.AttributeNotExists(expression.Name("pk")), "", what)
	if fault.Is(err, fault.Conflict) {
		return false, nil
	}
	return err == nil, err
}

// putIf puts item if cond holds. A failed condition is fault.Conflict with
// the message refused; other failures are classified.
func (s *Store) putIf(ctx context.Context, item map[string]types.AttributeValue, cond expression.ConditionBuilder, refused, what string) error {
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return fault.Wrap(fault.Internal, err, "build condition to "+what)
	}
	_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 &s.Table,
		Item:                      item,
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if conditionFailed(err) {
		return fault.Wrap(fault.Conflict, err, refused)
	}
	return classify(err, what)
}

// updateIf applies u to the item at k if cond holds. A failed condition
// is fault.Conflict with the message refused; other failures are
// classified.
func (s *Store) updateIf(ctx context.Context, k itemKey, u expression.UpdateBuilder, cond expression.ConditionBuilder, refused, what string) error {
	expr, err := expression.NewBuilder().WithUpdate(u).WithCondition(cond).Build()
	if err != nil {
		return fault.Wrap(fault.Internal, err, "build "+what)
	}
	_, err = s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Table,
		Key:                       k.av(),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if conditionFailed(err) {
		return fault.Wrap(fault.Conflict, err, refused)
	}
	return classify(err, what)
}

// deleteItem deletes the item at k, if cond (when not nil) holds; it
// reports false, with no error, when cond failed.
func (s *Store) deleteItem(ctx context.Context, k itemKey, cond *expression.ConditionBuilder, what string) (bool, error) {
	in := &dynamodb.DeleteItemInput{TableName: &s.Table, Key: k.av()}
	if cond != nil {
		expr, err := expression.NewBuilder().WithCondition(*cond).Build()
		if err != nil {
			return false, fault.Wrap(fault.Internal, err, "build condition to "+what)
		}
		in.ConditionExpression = expr.Condition()
		in.ExpressionAttributeNames = expr.Names()
		in.ExpressionAttributeValues = expr.Values()
	}
	_, err := s.Client.DeleteItem(ctx, in)
	if conditionFailed(err) {
		return false, nil
	}
	return err == nil, classify(err, what)
}

// txPut is a transaction's put of item, conditioned on cond.
func (s *Store) txPut(item map[string]types.AttributeValue, cond expression.ConditionBuilder) (types.TransactWriteItem, error) {
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return types.TransactWriteItem{}, fault.Wrap(fault.Internal, err, "build transaction put")
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName:                 &s.Table,
		Item:                      item,
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}}, nil
}

// txDelete is a transaction's delete of the item at k, conditioned on
// cond.
func (s *Store) txDelete(k itemKey, cond expression.ConditionBuilder) (types.TransactWriteItem, error) {
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return types.TransactWriteItem{}, fault.Wrap(fault.Internal, err, "build transaction delete")
	}
	return types.TransactWriteItem{Delete: &types.Delete{
		TableName:                 &s.Table,
		Key:                       k.av(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}}, nil
}

// transact writes items all or none. It reports false, with no error,
// when DynamoDB cancelled the transaction because a condition failed or
// another transaction was changing one of the items: what the caller read
// is out of date, and it should read again and decide.
func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem, what string) (bool, error) {
	_, err := s.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return true, nil
	}
	if tce, ok := errors.AsType[*types.TransactionCanceledException](err); ok {
		return false, cancelled(tce, err, what)
	}
	if _, ok := errors.AsType[*types.TransactionConflictException](err); ok {
		return false, nil
	}
	return false, classify(err, what)
}

// cancelled classifies a cancelled transaction by its reasons: nil for a
// failed condition or a conflicting transaction (read again), Transient
// for throttling and the like, Internal for a request DynamoDB refused.
func cancelled(tce *types.TransactionCanceledException, err error, what string) error {
	kind := fault.Transient
	for _, r := range tce.CancellationReasons {
		switch aws.ToString(r.Code) {
		case "ConditionalCheckFailed", "TransactionConflict":
			return nil
		case "ValidationError", "ItemCollectionSizeLimitExceeded":
			kind = fault.Internal
		}
	}
	return fault.Wrap(kind, err, what)
}
