package localdb

import (
	"errors"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	miniserver "github.com/truora/minidyn/server"
)

const (
	scores     = "scores"
	scoreIndex = "byScore"
)

// score is an item of the scores table: guild g's member id has score n
// ("" for none, which keeps the item out of the index).
type score struct{ g, id, n string }

// The scores of guild g have different lengths, which string order gets
// wrong; u3 and u7 tie.
var guildScores = []score{
	{"g", "u1", "9"}, {"g", "u2", "10"}, {"g", "u3", "95"}, {"g", "u4", "100"},
	{"g", "u5", "981"}, {"g", "u6", "9500"}, {"g", "u7", "95"}, {"g", "u8", ""},
	{"h", "u1", "50"},
	{"big", "b1", "9007199254740993"}, {"big", "b2", "9007199254740992"}, {"big", "b3", "-5"},
	{"big", "b4", "0.25"}, {"big", "b5", "12.5"}, {"big", "b6", "1e3"},
	{"big", "b7", "99999999999999999999999999999999999999"},
}

// Guild g's ids in numeric order of their scores, ties by primary key.
var (
	ascending  = []string{"u1", "u2", "u3", "u7", "u4", "u5", "u6"}
	descending = []string{"u6", "u5", "u4", "u7", "u3", "u2", "u1"}
)

func newClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(endpoint),
		Retryer:      aws.NopRetryer{},
	})
}

// newScores returns clients of minidyn alone and of minidyn behind the
// fixer, each with the scores table holding guildScores.
func newScores(t *testing.T) (alone, fixed *dynamodb.Client) {
	t.Helper()
	raw := httptest.NewServer(miniserver.NewServer())
	t.Cleanup(raw.Close)
	srv, err := Start(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(srv.Close)
	alone, fixed = newClient(raw.URL), newClient(srv.Endpoint)
	for _, c := range []*dynamodb.Client{alone, fixed} {
		_, err := c.CreateTable(t.Context(), &dynamodb.CreateTableInput{
			TableName:   aws.String(scores),
			BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{
				{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("n"), AttributeType: types.ScalarAttributeTypeN},
			},
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
			},
			GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
				IndexName: aws.String(scoreIndex),
				KeySchema: []types.KeySchemaElement{
					{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash},
					{AttributeName: aws.String("n"), KeyType: types.KeyTypeRange},
				},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"name"}},
			}},
		})
		if err != nil {
			t.Fatalf("CreateTable: %v", err)
		}
		for _, s := range guildScores {
			item := map[string]types.AttributeValue{
				"pk":   str("G#" + s.g),
				"sk":   str("U#" + s.id),
				"g":    str(s.g),
				"name": str("name-" + s.id),
			}
			if s.n != "" {
				item["n"] = num(s.n)
			}
			if _, err := c.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(scores), Item: item}); err != nil {
				t.Fatalf("PutItem: %v", err)
			}
		}
	}
	return alone, fixed
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func num(n string) types.AttributeValue { return &types.AttributeValueMemberN{Value: n} }

// scoreQuery returns a Query of guild g's scores with condition cond on n
// (for example "AND n > :v"), whose values are extra.
func scoreQuery(g, cond string, forward bool, extra map[string]types.AttributeValue) *dynamodb.QueryInput {
	values := map[string]types.AttributeValue{":g": str(g)}
	for k, v := range extra {
		values[k] = v
	}
	return &dynamodb.QueryInput{
		TableName:                 aws.String(scores),
		IndexName:                 aws.String(scoreIndex),
		KeyConditionExpression:    aws.String("g = :g " + cond),
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(forward),
	}
}

// ids returns the items' member ids, in order.
func ids(t *testing.T, items []map[string]types.AttributeValue) []string {
	t.Helper()
	out := []string{}
	for _, item := range items {
		sk, ok := item["sk"].(*types.AttributeValueMemberS)
		if !ok {
			t.Fatalf("item %v has no sk", item)
		}
		out = append(out, sk.Value[len("U#"):])
	}
	return out
}

func query(t *testing.T, c *dynamodb.Client, in *dynamodb.QueryInput) *dynamodb.QueryOutput {
	t.Helper()
	out, err := c.Query(t.Context(), in)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	return out
}

// TestQueryOrdersNumbers shows minidyn alone ordering a numeric index key
// as a string, and the fixer ordering it as a number.
func TestQueryOrdersNumbers(t *testing.T) {
	alone, fixed := newScores(t)
	for _, forward := range []bool{true, false} {
		want := ascending
		if !forward {
			want = descending
		}
		if got := ids(t, query(t, alone, scoreQuery("g", "", forward, nil)).Items); slices.Equal(got, want) {
			t.Errorf("minidyn alone, forward %v: %v, in numeric order; is the fixer's query still needed?", forward, got)
		}
		out := query(t, fixed, scoreQuery("g", "", forward, nil))
		if diff := cmp.Diff(want, ids(t, out.Items)); diff != "" {
			t.Errorf("fixed, forward %v (-want +got):\n%s", forward, diff)
		}
		if out.Count != 7 || out.ScannedCount != 7 || out.LastEvaluatedKey != nil {
			t.Errorf("fixed, forward %v: Count %d, ScannedCount %d, LastEvaluatedKey %v; want 7, 7, none",
				forward, out.Count, out.ScannedCount, out.LastEvaluatedKey)
		}
	}
	// Projected as the index says: keys and name.
	item := query(t, fixed, scoreQuery("g", "", false, nil)).Items[0]
	want := map[string]types.AttributeValue{"pk": str("G#g"), "sk": str("U#u6"), "g": str("g"), "n": num("9500"), "name": str("name-u6")}
	if diff := cmp.Diff(want, item, cmp.AllowUnexported(types.AttributeValueMemberS{}, types.AttributeValueMemberN{})); diff != "" {
		t.Errorf("first item (-want +got):\n%s", diff)
	}

	// Exactly, beyond float64 and with fractions and exponents.
	got := ids(t, query(t, fixed, scoreQuery("big", "", true, nil)).Items)
	if diff := cmp.Diff([]string{"b3", "b4", "b5", "b6", "b2", "b1", "b7"}, got); diff != "" {
		t.Errorf("large and fractional numbers (-want +got):\n%s", diff)
	}
}

// TestMinidynKeyConditionsAreNumeric checks that minidyn alone compares
// numbers in key conditions as numbers ("100" > "95"), so the fixer leaves
// the condition to it.
func TestMinidynKeyConditionsAreNumeric(t *testing.T) {
	alone, fixed := newScores(t)
	for _, tc := range []struct {
		cond   string
		values map[string]types.AttributeValue
		want   []string // ascending
	}{
		{"AND n > :v", map[string]types.AttributeValue{":v": num("95")}, []string{"u4", "u5", "u6"}},
		{"AND n >= :v", map[string]types.AttributeValue{":v": num("100")}, []string{"u4", "u5", "u6"}},
		{"AND n < :v", map[string]types.AttributeValue{":v": num("95")}, []string{"u1", "u2"}},
		{"AND n BETWEEN :a AND :b", map[string]types.AttributeValue{":a": num("10"), ":b": num("100")}, []string{"u2", "u3", "u7", "u4"}},
	} {
		got := ids(t, query(t, alone, scoreQuery("g", tc.cond, true, tc.values)).Items)
		if diff := cmp.Diff(tc.want, got, cmp.Transformer("sort", func(s []string) []string { return slices.Sorted(slices.Values(s)) })); diff != "" {
			t.Errorf("minidyn alone, g = :g %s: items (-want +got):\n%s", tc.cond, diff)
		}
		got = ids(t, query(t, fixed, scoreQuery("g", tc.cond, true, tc.values)).Items)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("fixed, g = :g %s (-want +got):\n%s", tc.cond, diff)
		}
	}
}

// pages runs in page by page and returns the ids of every page.
func pages(t *testing.T, c *dynamodb.Client, in *dynamodb.QueryInput) [][]string {
	t.Helper()
	var all [][]string
	for range 20 {
		out := query(t, c, in)
		if out.LastEvaluatedKey != nil {
			want := []string{"g", "n", "pk", "sk"}
			if got := slices.Sorted(func(yield func(string) bool) {
				for k := range out.LastEvaluatedKey {
					yield(k)
				}
			}); !slices.Equal(got, want) {
				t.Errorf("LastEvaluatedKey attributes = %v, want %v", got, want)
			}
		}
		all = append(all, ids(t, out.Items))
		if out.LastEvaluatedKey == nil {
			return all
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	t.Fatalf("Query did not end after 20 pages: %v", all)
	return nil
}

func TestQueryPages(t *testing.T) {
	_, fixed := newScores(t)
	for _, tc := range []struct {
		name    string
		forward bool
		limit   int32
		want    [][]string
	}{
		{"descending by 2", false, 2, [][]string{{"u6", "u5"}, {"u4", "u7"}, {"u3", "u2"}, {"u1"}}},
		{"ascending by 2", true, 2, [][]string{{"u1", "u2"}, {"u3", "u7"}, {"u4", "u5"}, {"u6"}}},
		{"descending by 3", false, 3, [][]string{{"u6", "u5", "u4"}, {"u7", "u3", "u2"}, {"u1"}}},
		// As in DynamoDB, a page that reaches the limit has a next key.
		{"all in one", false, 7, [][]string{descending, {}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := scoreQuery("g", "", tc.forward, nil)
			in.Limit = aws.Int32(tc.limit)
			if diff := cmp.Diff(tc.want, pages(t, fixed, in)); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("from a key no item has", func(t *testing.T) {
		in := scoreQuery("g", "", false, nil)
		in.ExclusiveStartKey = map[string]types.AttributeValue{
			"pk": str("G#g"), "sk": str("U#u0"), "g": str("g"), "n": num("96"),
		}
		if diff := cmp.Diff([]string{"u7", "u3", "u2", "u1"}, ids(t, query(t, fixed, in).Items)); diff != "" {
			t.Errorf("items after n = 96 (-want +got):\n%s", diff)
		}
	})

	t.Run("with a condition", func(t *testing.T) {
		in := scoreQuery("g", "AND n > :v", false, map[string]types.AttributeValue{":v": num("10")})
		in.Limit = aws.Int32(2)
		want := [][]string{{"u6", "u5"}, {"u4", "u7"}, {"u3"}}
		if diff := cmp.Diff(want, pages(t, fixed, in)); diff != "" {
			t.Errorf("pages of n > 10 (-want +got):\n%s", diff)
		}
	})
}

func TestQueryCount(t *testing.T) {
	_, fixed := newScores(t)
	for _, tc := range []struct {
		name   string
		cond   string
		values map[string]types.AttributeValue
		limit  int32
		want   int32
	}{
		{"all", "", nil, 0, 7},
		{"n > 95", "AND n > :v", map[string]types.AttributeValue{":v": num("95")}, 0, 3},
		{"n > 95 by 2", "AND n > :v", map[string]types.AttributeValue{":v": num("95")}, 2, 3},
		{"n > 9 by 4", "AND n > :v", map[string]types.AttributeValue{":v": num("9")}, 4, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := scoreQuery("g", tc.cond, false, tc.values)
			in.Select = types.SelectCount
			if tc.limit > 0 {
				in.Limit = aws.Int32(tc.limit)
			}
			var total int32
			for range 20 {
				out := query(t, fixed, in)
				if out.Items != nil {
					t.Errorf("COUNT returned items %v", out.Items)
				}
				if tc.limit > 0 && out.Count > tc.limit {
					t.Errorf("page Count = %d, over the limit %d", out.Count, tc.limit)
				}
				total += out.Count
				if out.LastEvaluatedKey == nil {
					break
				}
				in.ExclusiveStartKey = out.LastEvaluatedKey
			}
			if total != tc.want {
				t.Errorf("Count = %d, want %d", total, tc.want)
			}
		})
	}
}

// TestQueryFilterAndProjection checks that Limit counts items before the
// filter, as in DynamoDB, and that a projection keeps only what it names.
func TestQueryFilterAndProjection(t *testing.T) {
	_, fixed := newScores(t)
	in := scoreQuery("g", "", false, map[string]types.AttributeValue{":x": str("name-u4")})
	in.FilterExpression = aws.String("#nm <> :x")
	in.ExpressionAttributeNames = map[string]string{"#nm": "name"}
	in.Limit = aws.Int32(3)
	out := query(t, fixed, in)
	if diff := cmp.Diff([]string{"u6", "u5"}, ids(t, out.Items)); diff != "" {
		t.Errorf("filtered page (-want +got):\n%s", diff)
	}
	if out.Count != 2 || out.ScannedCount != 3 {
		t.Errorf("Count, ScannedCount = %d, %d; want 2, 3", out.Count, out.ScannedCount)
	}
	in.ExclusiveStartKey = out.LastEvaluatedKey
	if diff := cmp.Diff([]string{"u7", "u3", "u2"}, ids(t, query(t, fixed, in).Items)); diff != "" {
		t.Errorf("next filtered page (-want +got):\n%s", diff)
	}

	in = scoreQuery("g", "", false, nil)
	in.ProjectionExpression = aws.String("#nm")
	in.ExpressionAttributeNames = map[string]string{"#nm": "name"}
	in.Limit = aws.Int32(2)
	out = query(t, fixed, in)
	var names []string
	for _, item := range out.Items {
		if len(item) != 1 {
			t.Errorf("projected item %v, want only name", item)
		}
		if v, ok := item["name"].(*types.AttributeValueMemberS); ok {
			names = append(names, v.Value)
		}
	}
	if diff := cmp.Diff([]string{"name-u6", "name-u5"}, names); diff != "" {
		t.Errorf("projected page (-want +got):\n%s", diff)
	}
	if len(out.LastEvaluatedKey) != 4 {
		t.Errorf("LastEvaluatedKey = %v, want the four key attributes", out.LastEvaluatedKey)
	}
}

func TestQueryInvalid(t *testing.T) {
	_, fixed := newScores(t)
	for _, tc := range []struct {
		name string
		edit func(*dynamodb.QueryInput)
	}{
		{"limit 0", func(in *dynamodb.QueryInput) { in.Limit = aws.Int32(0) }},
		{"start key without the sort key", func(in *dynamodb.QueryInput) {
			in.ExclusiveStartKey = map[string]types.AttributeValue{"pk": str("G#g"), "sk": str("U#u1"), "g": str("g")}
		}},
		{"start key with a string sort key", func(in *dynamodb.QueryInput) {
			in.ExclusiveStartKey = map[string]types.AttributeValue{"pk": str("G#g"), "sk": str("U#u1"), "g": str("g"), "n": str("9")}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := scoreQuery("g", "", true, nil)
			tc.edit(in)
			_, err := fixed.Query(t.Context(), in)
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ValidationException" {
				t.Errorf("Query = %v, want a ValidationException", err)
			}
		})
	}
}

// TestQueryTableSortKey checks a Query on a table (no index) whose sort
// key is a number.
func TestQueryTableSortKey(t *testing.T) {
	srv, err := Start(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer srv.Close()
	c := newClient(srv.Endpoint)
	_, err = c.CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName:   aws.String("log"),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("at"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("at"), KeyType: types.KeyTypeRange},
		},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	for _, n := range []string{"100", "9", "10"} {
		item := map[string]types.AttributeValue{"pk": str("p"), "at": num(n)}
		if _, err := c.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String("log"), Item: item}); err != nil {
			t.Fatalf("PutItem: %v", err)
		}
	}
	out := query(t, c, &dynamodb.QueryInput{
		TableName:                 aws.String("log"),
		KeyConditionExpression:    aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": str("p")},
	})
	var got []string
	for _, item := range out.Items {
		got = append(got, item["at"].(*types.AttributeValueMemberN).Value)
	}
	if diff := cmp.Diff([]string{"9", "10", "100"}, got); diff != "" {
		t.Errorf("table order (-want +got):\n%s", diff)
	}
}
