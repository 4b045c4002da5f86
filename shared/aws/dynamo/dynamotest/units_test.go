package dynamotest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// TestUnits checks the write units booked for writes whose cost is known:
// item size, index entries entering, moving and leaving, a failed
// condition and a transaction.
func TestUnits(t *testing.T) {
	ctx := context.Background()
	client := dynamotest.Table(t, "units")
	u, err := dynamotest.NewUnits(client, "units")
	if err != nil {
		t.Fatal(err)
	}
	key := map[string]types.AttributeValue{"pk": s("P"), "sk": s("S")}
	steps := []struct {
		name              string
		write             func() error
		wantTable         float64 // units on pk "P" after the step
		wantIndex         float64 // units on index key "byName/a" after the step
		wantIndexB        float64 // units on index key "byName/b" after the step
		wantCalls         int
		wantConditionFail bool
	}{
		{name: "a small new item in no index: one unit", write: func() error {
			_, err := u.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("units"), Item: map[string]types.AttributeValue{"pk": s("P"), "sk": s("S"), "x": s("1")}})
			return err
		}, wantTable: 1, wantCalls: 1},
		{name: "growing it past 1 KB: two units", write: func() error {
			_, err := u.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("units"), Key: key,
				UpdateExpression: aws.String("SET big = :b"), ExpressionAttributeValues: map[string]types.AttributeValue{":b": s(strings.Repeat("x", 1500))}})
			return err
		}, wantTable: 3, wantCalls: 2},
		{name: "entering the byName index: one index write", write: func() error {
			_, err := u.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("units"), Key: key,
				UpdateExpression: aws.String("SET nameKey = :n REMOVE big"), ExpressionAttributeValues: map[string]types.AttributeValue{":n": s("a")}})
			return err
		}, wantTable: 5, wantIndex: 1, wantCalls: 3},
		{name: "an unchanged index key: no index write", write: func() error {
			_, err := u.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("units"), Key: key,
				UpdateExpression: aws.String("SET x = :x"), ExpressionAttributeValues: map[string]types.AttributeValue{":x": s("2")}})
			return err
		}, wantTable: 6, wantIndex: 1, wantCalls: 4},
		{name: "a failed condition: the table's unit, nothing else", write: func() error {
			_, err := u.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("units"), Key: key,
				UpdateExpression: aws.String("SET nameKey = :n"), ConditionExpression: aws.String("attribute_not_exists(pk)"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":n": s("b")}})
			return err
		}, wantTable: 7, wantIndex: 1, wantCalls: 5, wantConditionFail: true},
		{name: "moving in the index: a delete and a put", write: func() error {
			_, err := u.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("units"), Key: key,
				UpdateExpression: aws.String("SET nameKey = :n"), ExpressionAttributeValues: map[string]types.AttributeValue{":n": s("b")}})
			return err
		}, wantTable: 8, wantIndex: 2, wantIndexB: 1, wantCalls: 6},
		{name: "a transaction: twice the units", write: func() error {
			_, err := u.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{
				Update: &types.Update{TableName: aws.String("units"), Key: key, UpdateExpression: aws.String("SET x = :x"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":x": s("3")}},
			}}})
			return err
		}, wantTable: 10, wantIndex: 2, wantIndexB: 1, wantCalls: 7},
		{name: "deleting it: a table unit and the index entry's delete", write: func() error {
			_, err := u.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("units"), Key: key})
			return err
		}, wantTable: 11, wantIndex: 2, wantIndexB: 2, wantCalls: 8},
	}
	for _, st := range steps {
		err := st.write()
		if failed := err != nil && strings.Contains(err.Error(), "ConditionalCheckFailed"); failed != st.wantConditionFail || (err != nil && !failed) {
			t.Fatalf("%s: %v", st.name, err)
		}
		if u.Table["P"] != st.wantTable || u.Index["byName/a"] != st.wantIndex || u.Index["byName/b"] != st.wantIndexB || u.Calls != st.wantCalls {
			t.Errorf("%s: table %v, byName/a %v, byName/b %v, calls %d; want %v, %v, %v, %d", st.name,
				u.Table["P"], u.Index["byName/a"], u.Index["byName/b"], u.Calls, st.wantTable, st.wantIndex, st.wantIndexB, st.wantCalls)
		}
	}
}

func TestItemSize(t *testing.T) {
	for _, tc := range []struct {
		item map[string]types.AttributeValue
		want int
	}{
		{map[string]types.AttributeValue{"pk": s("abc")}, 5},
		{map[string]types.AttributeValue{"n": &types.AttributeValueMemberN{Value: "12345"}}, 1 + 3 + 1},
		{map[string]types.AttributeValue{"b": &types.AttributeValueMemberBOOL{Value: true}}, 2},
		{map[string]types.AttributeValue{"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("ab")}}}, 1 + 3 + 1 + 2},
	} {
		if got := dynamotest.ItemSize(tc.item); got != tc.want {
			t.Errorf("ItemSize(%v) = %d, want %d", tc.item, got, tc.want)
		}
	}
}
