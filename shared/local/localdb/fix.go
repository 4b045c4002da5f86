package localdb

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// fixer wraps minidyn's handler (v0.8.2) to correct faults the Store
// depends on: those of UpdateItem (see update) and the string order of
// numeric sort keys in Query (see query). Requests are served one at a
// time, so each correction, though it takes several calls to minidyn, is
// atomic to clients.
//
// UpdateItem has two faults:
//
//   - a top-level REMOVE action is accepted and ignored, so an attribute
//     such as a sparse index key never goes away;
//   - an update that brings an item into a global secondary index
//     overwrites another item's index entry, so queries on the index then
//     miss items (and one that takes an item out of an index leaves it in).
//
// minidyn's GetItem, PutItem and DeleteItem keep indexes right, and its
// UpdateItem evaluates conditions and SET/ADD correctly on a table without
// indexes. So each UpdateItem runs on a copy of the item in an index-free
// twin of its table, and the result replaces the item in the real table
// (DeleteItem, then PutItem). Transactions (TransactWriteItems) with
// Update actions are passed through uncorrected.
type fixer struct {
	next http.Handler

	mu sync.Mutex
	// tables holds, per table created through the handler, the parts of
	// its CreateTable request that describe its keys and its indexes' keys.
	tables map[string]tableDef
	// twins lists the tables whose twin exists.
	twins map[string]bool
}

// tableDef is what a CreateTable request says about keys. Indexes added
// later by UpdateTable are not recorded, so Queries on them go uncorrected.
type tableDef struct {
	KeySchema              keySchema             `json:"KeySchema"`
	AttributeDefinitions   []attributeDefinition `json:"AttributeDefinitions"`
	GlobalSecondaryIndexes []secondaryIndex      `json:"GlobalSecondaryIndexes"`
	LocalSecondaryIndexes  []secondaryIndex      `json:"LocalSecondaryIndexes"`
}

type attributeDefinition struct {
	AttributeName string `json:"AttributeName"`
	AttributeType string `json:"AttributeType"`
}

type keySchema []struct {
	AttributeName string `json:"AttributeName"`
	KeyType       string `json:"KeyType"`
}

type secondaryIndex struct {
	IndexName string    `json:"IndexName"`
	KeySchema keySchema `json:"KeySchema"`
}

// attr returns the attribute of the schema's HASH or RANGE key; "" when
// there is none.
func (ks keySchema) attr(keyType string) string {
	for _, e := range ks {
		if e.KeyType == keyType {
			return e.AttributeName
		}
	}
	return ""
}

// attrType returns the type (S, N or B) declared for a key attribute.
func (d tableDef) attrType(name string) string {
	for _, a := range d.AttributeDefinitions {
		if a.AttributeName == name {
			return a.AttributeType
		}
	}
	return ""
}

// schema returns the key schema of the named index, or the table's for "".
func (d tableDef) schema(index string) (keySchema, bool) {
	if index == "" {
		return d.KeySchema, true
	}
	for _, i := range slices.Concat(d.GlobalSecondaryIndexes, d.LocalSecondaryIndexes) {
		if i.IndexName == index {
			return i.KeySchema, true
		}
	}
	return nil, false
}

// TwinSuffix names a table's twin; dots and dashes are legal in table
// names, and this is unlikely to clash with a real one.
const TwinSuffix = ".minidyn-update-twin"

func newFixer(next http.Handler) *fixer {
	return &fixer{next: next, tables: map[string]tableDef{}, twins: map[string]bool{}}
}

func (f *fixer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndex(target, ".")+1:]
	switch op {
	case "CreateTable", "DeleteTable", "UpdateItem", "Query":
	default:
		f.next.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read request: "+err.Error(), http.StatusBadRequest)
		return
	}
	var in struct {
		TableName string `json:"TableName"`
	}
	if json.Unmarshal(body, &in) != nil {
		// Let minidyn answer the malformed request as it would.
		f.forward(w, r, body)
		return
	}
	switch op {
	case "CreateTable":
		rep := f.call(r, op, body)
		var d tableDef
		if rep.ok() && json.Unmarshal(body, &d) == nil {
			f.tables[in.TableName] = d
		}
		rep.writeTo(w)
	case "DeleteTable":
		rep := f.call(r, op, body)
		if rep.ok() {
			delete(f.tables, in.TableName)
			if f.twins[in.TableName] {
				f.call(r, op, mustJSON(map[string]string{"TableName": in.TableName + TwinSuffix}))
				delete(f.twins, in.TableName)
			}
		}
		rep.writeTo(w)
	case "Query":
		f.query(w, r, in.TableName, body)
	default:
		f.update(w, r, in.TableName, body)
	}
}

// wireItem is an item in DynamoDB's JSON, attribute values left encoded.
type wireItem = map[string]json.RawMessage

// update serves an UpdateItem on the table's twin; see fixer.
func (f *fixer) update(w http.ResponseWriter, r *http.Request, table string, body []byte) {
	def, known := f.tables[table]
	var in struct {
		Key                      wireItem          `json:"Key"`
		UpdateExpression         string            `json:"UpdateExpression"`
		ExpressionAttributeNames map[string]string `json:"ExpressionAttributeNames"`
		ReturnValues             string            `json:"ReturnValues"`
	}
	if !known || json.Unmarshal(body, &in) != nil || in.Key == nil {
		f.forward(w, r, body)
		return
	}
	twin := table + TwinSuffix
	if !f.twins[table] {
		create := map[string]any{
			"TableName":            twin,
			"KeySchema":            def.KeySchema,
			"AttributeDefinitions": def.AttributeDefinitions,
			"BillingMode":          "PAY_PER_REQUEST",
		}
		if rep := f.call(r, "CreateTable", mustJSON(create)); !rep.ok() {
			rep.writeTo(w)
			return
		}
		f.twins[table] = true
	}

	rep := f.call(r, "GetItem", mustJSON(map[string]any{"TableName": table, "Key": in.Key, "ConsistentRead": true}))
	var got struct {
		Item wireItem `json:"Item"`
	}
	if !rep.ok() || json.Unmarshal(rep.body, &got) != nil {
		rep.writeTo(w)
		return
	}
	old := got.Item
	if old != nil {
		rep = f.call(r, "PutItem", mustJSON(map[string]any{"TableName": twin, "Item": old}))
	} else {
		rep = f.call(r, "DeleteItem", mustJSON(map[string]any{"TableName": twin, "Key": in.Key}))
	}
	if !rep.ok() {
		rep.writeTo(w)
		return
	}

	// The caller's request, on the twin, returning the whole new item.
	var req wireItem
	if err := json.Unmarshal(body, &req); err != nil {
		f.forward(w, r, body)
		return
	}
	req["TableName"] = mustJSON(twin)
	req["ReturnValues"] = mustJSON("ALL_NEW")
	rep = f.call(r, "UpdateItem", mustJSON(req))
	if !rep.ok() {
		// Errors (a failed condition, a bad expression) name the table.
		rep.body = bytes.ReplaceAll(rep.body, []byte(twin), []byte(table))
		rep.writeTo(w)
		return
	}
	var updated struct {
		Attributes wireItem `json:"Attributes"`
	}
	if err := json.Unmarshal(rep.body, &updated); err != nil {
		rep.writeTo(w)
		return
	}
	now := updated.Attributes
	for _, name := range removedAttributes(in.UpdateExpression, in.ExpressionAttributeNames) {
		delete(now, name)
	}

	if old != nil {
		if rep := f.call(r, "DeleteItem", mustJSON(map[string]any{"TableName": table, "Key": in.Key})); !rep.ok() {
			rep.writeTo(w)
			return
		}
	}
	if rep := f.call(r, "PutItem", mustJSON(map[string]any{"TableName": table, "Item": now})); !rep.ok() {
		rep.writeTo(w)
		return
	}

	var attrs wireItem
	switch in.ReturnValues {
	case "ALL_NEW":
		attrs = now
	case "ALL_OLD":
		attrs = old
	case "UPDATED_NEW":
		attrs = changed(now, old)
	case "UPDATED_OLD":
		attrs = changed(old, now)
	}
	out := map[string]any{}
	if len(attrs) > 0 {
		out["Attributes"] = attrs
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_, _ = w.Write(mustJSON(out))
}

// changed returns the attributes of a that b lacks or holds with another
// value.
func changed(a, b wireItem) wireItem {
	out := wireItem{}
	for k, v := range a {
		if !bytes.Equal(v, b[k]) {
			out[k] = v
		}
	}
	return out
}

// updateClause finds the clause keywords of an update expression; the
// leading space keeps #set or :add from matching.
var updateClause = regexp.MustCompile(`(?i)(?:^|\s)(SET|REMOVE|ADD|DELETE)\s`)

// removedAttributes returns the top-level attributes that expr's REMOVE
// clause removes, with names resolved. Nested paths (a.b, a[0]) are left
// out: minidyn removes those itself.
func removedAttributes(expr string, names map[string]string) []string {
	var out []string
	clauses := updateClause.FindAllStringSubmatchIndex(expr, -1)
	for i, c := range clauses {
		if !strings.EqualFold(expr[c[2]:c[3]], "REMOVE") {
			continue
		}
		end := len(expr)
		if i+1 < len(clauses) {
			end = clauses[i+1][0]
		}
		for _, path := range strings.Split(expr[c[1]:end], ",") {
			path = strings.TrimSpace(path)
			if path == "" || strings.ContainsAny(path, ".[") {
				continue
			}
			if name, ok := names[path]; ok {
				path = name
			}
			out = append(out, path)
		}
	}
	return out
}

// reply is a response recorded from the wrapped handler.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (rep *reply) Header() http.Header { return rep.header }

func (rep *reply) Write(b []byte) (int, error) {
	rep.body = append(rep.body, b...)
	return len(b), nil
}

func (rep *reply) WriteHeader(status int) { rep.status = status }

func (rep *reply) ok() bool { return rep.status == http.StatusOK }

func (rep *reply) writeTo(w http.ResponseWriter) {
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length") // the body may have been rewritten
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
}

// call sends one operation to the wrapped handler.
func (f *fixer) call(r *http.Request, op string, body []byte) *reply {
	return call(f.next, r, op, body)
}

// call runs op with body on next as one request made within r's context,
// and returns the reply.
func call(next http.Handler, r *http.Request, op string, body []byte) *reply {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, "/", bytes.NewReader(body))
	if err != nil {
		return &reply{status: http.StatusInternalServerError, header: http.Header{}, body: []byte(err.Error())}
	}
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	rep := &reply{status: http.StatusOK, header: http.Header{}}
	next.ServeHTTP(rep, req)
	return rep
}

// forward passes the request on unchanged.
func (f *fixer) forward(w http.ResponseWriter, r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.next.ServeHTTP(w, r)
}

// mustJSON encodes values built here from decoded JSON, which always
// encode.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
