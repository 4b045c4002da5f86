package localdb

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// minidyn keeps a table's and each index's entries as key strings sorted
// as strings, so on a numeric sort key a Query returns "10" before "9" and
// pages in that order. query serves those Queries itself: minidyn finds
// every item the key condition (and filter) matches, and the fixer orders
// them by the sort key's exact value and applies ExclusiveStartKey, Limit
// and Select=COUNT as DynamoDB would.
//
// minidyn evaluates the key condition itself. Its comparisons (=, <, <=,
// >, >=, BETWEEN) on numbers convert them to float64, which is numeric
// (TestMinidynKeyConditionsAreNumeric) and exact for integers up to 2^53;
// beyond that, numbers a few units apart may compare equal.

// queryRequest is the part of a Query request that the ordering reads.
type queryRequest struct {
	IndexName                 string            `json:"IndexName"`
	KeyConditionExpression    string            `json:"KeyConditionExpression"`
	FilterExpression          string            `json:"FilterExpression"`
	ProjectionExpression      string            `json:"ProjectionExpression"`
	ExpressionAttributeNames  map[string]string `json:"ExpressionAttributeNames"`
	ExpressionAttributeValues wireItem          `json:"ExpressionAttributeValues"`
	ExclusiveStartKey         wireItem          `json:"ExclusiveStartKey"`
	Limit                     *int64            `json:"Limit"`
	ScanIndexForward          *bool             `json:"ScanIndexForward"`
	Select                    string            `json:"Select"`
}

// query serves a Query whose sort key (the index's, or the table's when no
// index is named) is a number; it passes any other Query on to minidyn.
func (f *fixer) query(w http.ResponseWriter, r *http.Request, table string, body []byte) {
	def, known := f.tables[table]
	var in queryRequest
	var orig wireItem
	if !known || json.Unmarshal(body, &in) != nil || json.Unmarshal(body, &orig) != nil ||
		in.KeyConditionExpression == "" {
		// Legacy KeyConditions, or a request minidyn should refuse.
		f.forward(w, r, body)
		return
	}
	schema, ok := def.schema(in.IndexName)
	if !ok || def.attrType(schema.attr("RANGE")) != "N" {
		f.forward(w, r, body)
		return
	}
	o := newOrder(def, schema, in.ScanIndexForward != nil && !*in.ScanIndexForward)
	// Limit and ExclusiveStartKey are applied here, so check them as
	// DynamoDB does before asking minidyn anything.
	if in.Limit != nil && *in.Limit < 1 {
		writeValidationError(w, "Limit must be greater than or equal to 1")
		return
	}
	var start []any
	if len(in.ExclusiveStartKey) > 0 {
		var err error
		if start, err = o.key(in.ExclusiveStartKey); err != nil {
			writeValidationError(w, "The provided starting key is invalid: "+err.Error())
			return
		}
	}

	// Every item the caller may get: filtered and projected as asked, with
	// the keys this ordering needs added to a projection.
	req := maps.Clone(orig)
	delete(req, "Limit")
	delete(req, "ExclusiveStartKey")
	if in.Select == "COUNT" {
		delete(req, "Select")
	}
	var added []string
	if in.ProjectionExpression != "" {
		added = o.project(req, in)
	}
	matched, rep := f.queryAll(r, req)
	if rep != nil {
		rep.writeTo(w)
		return
	}
	// Limit counts items read before the filter, so a filtered Query pages
	// through the items that match the key condition alone.
	evaluated := matched
	if in.FilterExpression != "" {
		if evaluated, rep = f.queryAll(r, keyConditionOnly(orig, in)); rep != nil {
			rep.writeTo(w)
			return
		}
	}
	sorted, err := o.sort(evaluated)
	if err != nil {
		// Items without a readable key cannot be in a DynamoDB index;
		// leave whatever minidyn makes of them to minidyn.
		f.forward(w, r, body)
		return
	}

	page := sorted
	if start != nil {
		page = sorted[sort.Search(len(sorted), func(i int) bool { return o.compare(sorted[i].key, start) > 0 }):]
	}
	var last wireItem
	// Like DynamoDB, a page that reaches the limit has a next key even when
	// no item follows it.
	if in.Limit != nil && int64(len(page)) >= *in.Limit {
		page = page[:*in.Limit]
		last = o.lastKey(page[len(page)-1].item)
	}
	byID := make(map[string]wireItem, len(matched))
	for _, item := range matched {
		byID[o.identity(item)] = item
	}
	items := []wireItem{}
	for _, e := range page {
		if item, ok := byID[o.identity(e.item)]; ok {
			item = maps.Clone(item)
			for _, a := range added {
				delete(item, a)
			}
			items = append(items, item)
		}
	}

	out := map[string]any{"Count": len(items), "ScannedCount": len(page)}
	if in.Select != "COUNT" {
		out["Items"] = items
	}
	if last != nil {
		out["LastEvaluatedKey"] = last
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_, _ = w.Write(mustJSON(out))
}

// queryAll runs req on minidyn and returns the items of all its pages, or
// minidyn's reply when it fails. Without a Limit minidyn answers in one
// page; following LastEvaluatedKey keeps this right should it not.
func (f *fixer) queryAll(r *http.Request, req wireItem) ([]wireItem, *reply) {
	var items []wireItem
	for {
		rep := f.call(r, "Query", mustJSON(req))
		var out struct {
			Items            []wireItem `json:"Items"`
			LastEvaluatedKey wireItem   `json:"LastEvaluatedKey"`
		}
		if !rep.ok() || json.Unmarshal(rep.body, &out) != nil {
			return nil, rep
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return items, nil
		}
		next := mustJSON(out.LastEvaluatedKey)
		if bytes.Equal(next, req["ExclusiveStartKey"]) {
			return nil, errorReply(http.StatusInternalServerError, "InternalServerError", "minidyn repeated a query page")
		}
		req["ExclusiveStartKey"] = next
	}
}

// placeholder matches an expression attribute name (#n) or value (:v).
var placeholder = regexp.MustCompile(`[#:][A-Za-z0-9_]+`)

// keyConditionOnly returns orig with only its key condition, and only the
// names and values that condition uses: minidyn, like DynamoDB, refuses
// unused ones.
func keyConditionOnly(orig wireItem, in queryRequest) wireItem {
	req := wireItem{}
	for _, k := range []string{"TableName", "IndexName", "KeyConditionExpression"} {
		if v, ok := orig[k]; ok {
			req[k] = v
		}
	}
	used := map[string]bool{}
	for _, p := range placeholder.FindAllString(in.KeyConditionExpression, -1) {
		used[p] = true
	}
	names := map[string]string{}
	for k, v := range in.ExpressionAttributeNames {
		if used[k] {
			names[k] = v
		}
	}
	values := wireItem{}
	for k, v := range in.ExpressionAttributeValues {
		if used[k] {
			values[k] = v
		}
	}
	if len(names) > 0 {
		req["ExpressionAttributeNames"] = mustJSON(names)
	}
	if len(values) > 0 {
		req["ExpressionAttributeValues"] = mustJSON(values)
	}
	return req
}

// order is the order DynamoDB gives a Query's items: by the sort key's
// number, and, for a stable order among equal numbers, by the table's
// primary key; all reversed when descending.
type order struct {
	sortKey string
	// table holds the table's key attributes, which name an item.
	table []string
	// keys holds every key attribute an index entry carries, the table's
	// and the index's: what LastEvaluatedKey holds.
	keys       []string
	types      map[string]string
	descending bool
}

func newOrder(def tableDef, index keySchema, descending bool) order {
	o := order{sortKey: index.attr("RANGE"), types: map[string]string{}, descending: descending}
	for _, e := range def.KeySchema {
		o.table = append(o.table, e.AttributeName)
	}
	o.keys = slices.Clone(o.table)
	for _, e := range index {
		if !slices.Contains(o.keys, e.AttributeName) {
			o.keys = append(o.keys, e.AttributeName)
		}
	}
	for _, k := range o.keys {
		o.types[k] = def.attrType(k)
	}
	return o
}

// entry is an item with its decoded sort key and primary key.
type entry struct {
	item wireItem
	key  []any
}

// key decodes item's sort key and primary key for comparison.
func (o order) key(item wireItem) ([]any, error) {
	attrs := append([]string{o.sortKey}, o.table...)
	key := make([]any, len(attrs))
	for i, a := range attrs {
		raw, ok := item[a]
		if !ok {
			return nil, fmt.Errorf("no %s attribute", a)
		}
		v, err := decodeValue(o.types[a], raw)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", a, err)
		}
		key[i] = v
	}
	return key, nil
}

func (o order) sort(items []wireItem) ([]entry, error) {
	entries := make([]entry, len(items))
	for i, item := range items {
		k, err := o.key(item)
		if err != nil {
			return nil, err
		}
		entries[i] = entry{item: item, key: k}
	}
	slices.SortFunc(entries, func(a, b entry) int { return o.compare(a.key, b.key) })
	return entries, nil
}

// compare orders two decoded keys in the Query's direction.
func (o order) compare(a, b []any) int {
	c := 0
	for i := range a {
		switch x := a[i].(type) {
		case *big.Rat:
			c = x.Cmp(b[i].(*big.Rat))
		case string:
			c = strings.Compare(x, b[i].(string))
		case []byte:
			c = bytes.Compare(x, b[i].([]byte))
		}
		if c != 0 {
			break
		}
	}
	if o.descending {
		return -c
	}
	return c
}

// identity names item by its primary key. Both Queries' items come from
// minidyn's encoder, so equal values are equal bytes.
func (o order) identity(item wireItem) string {
	var b strings.Builder
	for _, a := range o.table {
		b.Write(item[a])
		b.WriteByte(0)
	}
	return b.String()
}

func (o order) lastKey(item wireItem) wireItem {
	key := wireItem{}
	for _, a := range o.keys {
		if v, ok := item[a]; ok {
			key[a] = v
		}
	}
	return key
}

// project adds to req's projection the key attributes the ordering needs
// and that in's projection leaves out, and returns those, which the reply
// must then leave out again.
func (o order) project(req wireItem, in queryRequest) []string {
	asked := map[string]bool{}
	for _, path := range strings.Split(in.ProjectionExpression, ",") {
		path = strings.TrimSpace(path)
		if strings.ContainsAny(path, ".[") {
			continue // a nested path: never a key, which is a scalar
		}
		if name, ok := in.ExpressionAttributeNames[path]; ok {
			path = name
		}
		asked[path] = true
	}
	names := maps.Clone(in.ExpressionAttributeNames)
	if names == nil {
		names = map[string]string{}
	}
	expr := in.ProjectionExpression
	var added []string
	for _, a := range o.keys {
		if asked[a] {
			continue
		}
		alias := fmt.Sprintf("#minidynorder%d", len(added))
		names[alias] = a
		expr += ", " + alias
		added = append(added, a)
	}
	req["ProjectionExpression"] = mustJSON(expr)
	req["ExpressionAttributeNames"] = mustJSON(names)
	return added
}

// number matches DynamoDB's number syntax; the exponent's digits are
// bounded because DynamoDB's range is 1e-130 to 1e126.
var number = regexp.MustCompile(`^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?$`)

// decodeValue decodes a key attribute of type typ: a string, an exact
// number (*big.Rat: up to 38 digits and large exponents, where float64
// would round) or bytes.
func decodeValue(typ string, raw json.RawMessage) (any, error) {
	var v struct{ S, N, B *string }
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	switch {
	case typ == "S" && v.S != nil:
		return *v.S, nil
	case typ == "N" && v.N != nil && number.MatchString(*v.N):
		if n, ok := new(big.Rat).SetString(*v.N); ok {
			return n, nil
		}
	case typ == "B" && v.B != nil:
		return base64.StdEncoding.DecodeString(*v.B)
	}
	return nil, fmt.Errorf("not a value of type %s: %s", typ, raw)
}

// errorReply is a DynamoDB error answer.
func errorReply(status int, typ, msg string) *reply {
	return &reply{
		status: status,
		header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
		body:   mustJSON(map[string]string{"__type": typ, "message": msg}),
	}
}

func writeValidationError(w http.ResponseWriter, msg string) {
	errorReply(http.StatusBadRequest, "ValidationException", msg).writeTo(w)
}
