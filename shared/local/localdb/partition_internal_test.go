package localdb

import (
	"encoding/json"
	"testing"
)

// TestQueryParts: with parts by partition key, a table Query whose key
// condition names the partition key walks that key's part only; an index
// Query, a condition it cannot read, or parts by whole key walk them all.
func TestQueryParts(t *testing.T) {
	d := partDef{hash: "pk", sort: "sk"}
	req := func(fields map[string]any) map[string]json.RawMessage {
		out := map[string]json.RawMessage{}
		for k, v := range fields {
			out[k] = mustJSON(v)
		}
		return out
	}
	key := map[string]json.RawMessage{"pk": mustJSON(map[string]string{"S": "ACT#g#03"})}
	byKey := &partitioner{parts: 8, byKey: true}
	one := byKey.partOf(d, key)
	tests := []struct {
		name string
		p    *partitioner
		req  map[string]json.RawMessage
		want []int
	}{
		{name: "named partition key", p: byKey, req: req(map[string]any{
			"KeyConditionExpression":    "#0 = :0 AND #1 BETWEEN :1 AND :2",
			"ExpressionAttributeNames":  map[string]string{"#0": "pk", "#1": "sk"},
			"ExpressionAttributeValues": map[string]any{":0": map[string]string{"S": "ACT#g#03"}, ":1": map[string]string{"S": "a"}, ":2": map[string]string{"S": "b"}},
		}), want: []int{one}},
		{name: "literal partition key", p: byKey, req: req(map[string]any{
			"KeyConditionExpression":    "pk = :v",
			"ExpressionAttributeValues": map[string]any{":v": map[string]string{"S": "ACT#g#03"}},
		}), want: []int{one}},
		{name: "index", p: byKey, req: req(map[string]any{
			"IndexName": "live", "KeyConditionExpression": "#0 = :0",
			"ExpressionAttributeNames":  map[string]string{"#0": "pk"},
			"ExpressionAttributeValues": map[string]any{":0": map[string]string{"S": "ACT#g#03"}},
		}), want: []int{0, 1, 2, 3, 4, 5, 6, 7}},
		{name: "no value", p: byKey, req: req(map[string]any{"KeyConditionExpression": "#0 = :0",
			"ExpressionAttributeNames": map[string]string{"#0": "pk"}}), want: []int{0, 1, 2, 3, 4, 5, 6, 7}},
		{name: "parts by whole key", p: &partitioner{parts: 8}, req: req(map[string]any{
			"KeyConditionExpression":    "pk = :v",
			"ExpressionAttributeValues": map[string]any{":v": map[string]string{"S": "ACT#g#03"}},
		}), want: []int{0, 1, 2, 3, 4, 5, 6, 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.queryParts(d, tt.req)
			if len(got) != len(tt.want) || (len(got) == 1 && got[0] != tt.want[0]) {
				t.Errorf("queryParts = %v, want %v", got, tt.want)
			}
		})
	}
}
