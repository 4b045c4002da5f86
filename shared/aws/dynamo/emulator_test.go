package dynamo

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/aws/stack"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/local/localdb"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// TestUpdateFix checks the emulator's UpdateItem where minidyn alone gets
// it wrong: REMOVE, index upkeep, and what the call returns.
func TestUpdateFix(t *testing.T) {
	s, _ := newEmbedded(t)
	ddb := s.Client.(*dynamodb.Client)
	ctx := t.Context()
	k := streamKey("g").av()
	update := func(expr string, names map[string]string, values map[string]types.AttributeValue, rv types.ReturnValue) (map[string]types.AttributeValue, error) {
		t.Helper()
		out, err := ddb.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.Table), Key: k, UpdateExpression: aws.String(expr),
			ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValues: rv,
		})
		if err != nil {
			return nil, err
		}
		return out.Attributes, nil
	}
	str := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	attrs := func(m map[string]types.AttributeValue) []string { return slices.Sorted(maps.Keys(m)) }

	got, err := update("SET guild = :g, liveIndex = :l, title = :t", nil,
		map[string]types.AttributeValue{":g": str("g"), ":l": str("live"), ":t": str("x")}, types.ReturnValueAllNew)
	if err != nil {
		t.Fatalf("UpdateItem: %v", err)
	}
	if diff := cmp.Diff([]string{"guild", "liveIndex", "pk", "sk", "title"}, attrs(got)); diff != "" {
		t.Errorf("ALL_NEW attributes (-want +got):\n%s", diff)
	}
	if live, err := s.LiveGuilds(ctx); err != nil || !slices.Equal(live, []string{"g"}) {
		t.Errorf("LiveGuilds = %v, %v; want [g]", live, err)
	}

	got, err = update("REMOVE #l SET title = :t", map[string]string{"#l": "liveIndex"},
		map[string]types.AttributeValue{":t": str("y")}, types.ReturnValueUpdatedNew)
	if err != nil {
		t.Fatalf("UpdateItem: %v", err)
	}
	if diff := cmp.Diff([]string{"title"}, attrs(got)); diff != "" {
		t.Errorf("UPDATED_NEW attributes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"guild", "pk", "sk", "title"}, attrs(rawItem(t, s, streamKey("g")))); diff != "" {
		t.Errorf("stored attributes after REMOVE (-want +got):\n%s", diff)
	}
	if live, err := s.LiveGuilds(ctx); err != nil || len(live) != 0 {
		t.Errorf("LiveGuilds after REMOVE = %v, %v; want none", live, err)
	}

	got, err = update("SET title = :t", nil, map[string]types.AttributeValue{":t": str("z")}, types.ReturnValueAllOld)
	if err != nil {
		t.Fatalf("UpdateItem: %v", err)
	}
	if v, _ := got["title"].(*types.AttributeValueMemberS); v == nil || v.Value != "y" {
		t.Errorf("ALL_OLD title = %#v, want y", got["title"])
	}

	// A failed condition changes nothing and names the real table.
	_, err = ddb.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Table), Key: k,
		UpdateExpression:    aws.String("REMOVE title"),
		ConditionExpression: aws.String("attribute_not_exists(title)"),
	})
	if !conditionFailed(err) {
		t.Fatalf("UpdateItem with a false condition = %v, want a conditional check failure", err)
	}
	if strings.Contains(err.Error(), localdb.TwinSuffix) {
		t.Errorf("error %q names the twin table", err)
	}
	if v, _ := rawItem(t, s, streamKey("g"))["title"].(*types.AttributeValueMemberS); v == nil || v.Value != "z" {
		t.Errorf("title after a failed update = %#v, want z", v)
	}

	// Many items moving into, within and out of an index.
	for i := range 20 {
		_, err := ddb.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.Table), Key: viewerKey("g", int64(i+1)).av(),
			UpdateExpression: aws.String("SET liveIndex = :l, userId = :u, guild = :t"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":l": str("test"),
				":u": &types.AttributeValueMemberN{Value: fmt.Sprint(i + 1)},
				":t": str(fmt.Sprint(9000 - i)),
			},
		})
		if err != nil {
			t.Fatalf("UpdateItem: %v", err)
		}
	}
	for i := range 10 { // even ids move later, odd ids leave the index
		expr := "SET guild = :t"
		values := map[string]types.AttributeValue{":t": str(fmt.Sprint(9500 + i))}
		if i%2 == 1 {
			expr, values = "REMOVE liveIndex", nil
		}
		_, err := ddb.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.Table), Key: viewerKey("g", int64(i+1)).av(),
			UpdateExpression: aws.String(expr), ExpressionAttributeValues: values,
		})
		if err != nil {
			t.Fatalf("UpdateItem: %v", err)
		}
	}
	items, err := s.queryWhere(ctx, where{
		index: liveIndex,
		key:   expression.Key("liveIndex").Equal(expression.Value("test")).And(expression.Key("guild").GreaterThanEqual(expression.Value("1"))),
	}, 0, "test")
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	var ids []int64
	for _, item := range items {
		var k itemKey // the index projects keys only
		if err := attributevalue.UnmarshalMap(item, &k); err != nil {
			t.Fatal(err)
		}
		id, _ := strconv.ParseInt(strings.TrimPrefix(k.SK, viewerPrefix), 10, 64)
		ids = append(ids, id)
	}
	want := []int64{20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 1, 3, 5, 7, 9}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("live index order (-want +got):\n%s", diff)
	}

	// Dropping a table drops its twin, so the name can be used again.
	if _, err := ddb.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(s.Table)}); err != nil {
		t.Fatalf("DeleteTable: %v", err)
	}
	if err := stack.CreateTable(ctx, ddb, s.Table); err != nil {
		t.Fatalf("CreateTable after delete: %v", err)
	}
	if _, err := s.Viewer(ctx, "g", 1); !fault.Is(err, fault.NotFound) {
		t.Errorf("Viewer(1) on the new table: err = %v, want not found", err)
	}
	if err := s.TouchViewer(ctx, "g", audience.Activity{UserID: 1, Username: "a", At: at(0)}); err != nil {
		t.Errorf("TouchViewer on the new table: %v", err)
	}
	if acts, err := s.Activity(ctx, "g", watchtime.MinuteOf(at(0)), watchtime.MinuteOf(at(0))); err != nil || len(acts) != 1 {
		t.Errorf("Activity on the new table = %v, %v; want one viewer", acts, err)
	}
}
