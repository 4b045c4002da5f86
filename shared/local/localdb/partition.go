package localdb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// minidyn walks a whole table for every operation, so its time per call
// grows with the table: a sweep of 100,000 viewers would take hours. A
// partitioned server keeps each table as parts separate minidyn tables,
// an item's part chosen by a hash of its whole key, so each single-item
// call walks one part, about 1/parts of the table.
//
// It serves what the sweep, the webhook and their measurements use: table
// management, single-item reads and writes, batch reads (split by part),
// transactions (split by part;
// minidyn runs one over several tables), and Queries, run on every part
// and merged in key order, with Limit and ExclusiveStartKey applied to the
// merged result on the table (an index Query takes neither). Anything else
// is refused, so a test cannot silently get an answer that ignores the
// parts. Tests of the emulator's fidelity use Start; this is for
// measurements at scale.

// StartPartitioned serves an emulator like Start whose tables are split
// into parts parts.
func StartPartitioned(ctx context.Context, addr string, parts int) (*Server, error) {
	return startPartitioned(ctx, addr, parts, false)
}

// StartPartitionedByKey is StartPartitioned with each item's part chosen
// by its partition key alone, so that a Query of the table walks the one
// part that holds its key instead of every part. That suits many guilds
// of modest size (the load test), where each Query would otherwise walk
// the whole table; one guild of 100,000 viewers would crowd its 16 keys'
// parts, and there StartPartitioned's whole-key hash fits better.
func StartPartitionedByKey(ctx context.Context, addr string, parts int) (*Server, error) {
	return startPartitioned(ctx, addr, parts, true)
}

func startPartitioned(ctx context.Context, addr string, parts int, byKey bool) (*Server, error) {
	if parts < 1 {
		return nil, fmt.Errorf("partitioned emulator needs at least one part, got %d", parts)
	}
	return start(ctx, addr, func(h http.Handler) http.Handler {
		return &partitioner{next: h, parts: parts, byKey: byKey, tables: map[string]partDef{}}
	})
}

type partitioner struct {
	next  http.Handler
	parts int
	// stores, when set, serve the parts instead of next: part i is kept
	// by stores[i%len(stores)], an emulator in another process (Cluster).
	stores []http.Handler
	// byKey chooses an item's part by its partition key alone
	// (StartPartitionedByKey).
	byKey bool

	mu     sync.Mutex
	tables map[string]partDef
}

// partDef is what the partitioner needs of a table: its partition key and
// each index's sort key, by index name ("" for none).
type partDef struct {
	hash, sort string
	indexHash  map[string]string
	indexSort  map[string]string
	types      map[string]string
}

func (p *partitioner) partTable(table string, part int) string {
	return fmt.Sprintf("%s.part%03d", table, part)
}

// partOf returns the part of an item key (the JSON encodings of its
// partition and sort key values).
func (p *partitioner) partOf(d partDef, key map[string]json.RawMessage) int {
	h := fnv.New64a()
	h.Write(key[d.hash])
	if !p.byKey {
		h.Write([]byte{0})
		h.Write(key[d.sort])
	}
	return int(h.Sum64() % uint64(p.parts))
}

// queryParts returns the parts a Query must walk: with byKey, a Query of
// the table whose key condition names its partition key walks that key's
// part; anything else walks every part.
func (p *partitioner) queryParts(d partDef, req map[string]json.RawMessage) []int {
	all := make([]int, p.parts)
	for i := range all {
		all[i] = i
	}
	if !p.byKey || len(req["IndexName"]) > 0 {
		return all
	}
	var cond string
	var names map[string]string
	var values map[string]json.RawMessage
	if json.Unmarshal(req["KeyConditionExpression"], &cond) != nil {
		return all
	}
	_ = json.Unmarshal(req["ExpressionAttributeNames"], &names)
	_ = json.Unmarshal(req["ExpressionAttributeValues"], &values)
	refs := []string{d.hash}
	for ref, name := range names {
		if name == d.hash {
			refs = append(refs, ref)
		}
	}
	for _, ref := range refs {
		m := regexp.MustCompile(`(?:^|[\s(])` + regexp.QuoteMeta(ref) + `\s*=\s*(:[A-Za-z0-9_]+)`).FindStringSubmatch(cond)
		if m == nil {
			continue
		}
		if v, ok := values[m[1]]; ok {
			return []int{p.partOf(d, map[string]json.RawMessage{d.hash: v})}
		}
	}
	return all
}

func (p *partitioner) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndex(target, ".")+1:]
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read request: "+err.Error(), http.StatusBadRequest)
		return
	}
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil {
		writeValidationError(w, "partitioned emulator: malformed request")
		return
	}
	var table string
	_ = json.Unmarshal(req["TableName"], &table)
	switch op {
	case "CreateTable", "DeleteTable", "UpdateTimeToLive", "DescribeTable", "DescribeTimeToLive":
		p.everyPart(w, r, op, req, table)
	case "PutItem":
		p.onePart(w, r, op, req, table, "Item")
	case "GetItem", "UpdateItem", "DeleteItem":
		p.onePart(w, r, op, req, table, "Key")
	case "BatchGetItem":
		p.batchGet(w, r, req)
	case "Query":
		p.query(w, r, req, table)
	case "TransactWriteItems":
		p.transact(w, r, req)
	default:
		writeValidationError(w, "partitioned emulator: "+op+" is not supported")
	}
}

// call runs op with req on the server that keeps part, as one request.
func (p *partitioner) call(r *http.Request, part int, op string, req map[string]json.RawMessage) *reply {
	return call(p.store(part), r, op, mustJSON(req))
}

func (p *partitioner) store(part int) http.Handler {
	if len(p.stores) == 0 {
		return p.next
	}
	return p.stores[part%len(p.stores)]
}

// everyPart runs a table-management request on every part and answers
// with the first part's reply, named as the table.
func (p *partitioner) everyPart(w http.ResponseWriter, r *http.Request, op string, req map[string]json.RawMessage, table string) {
	if op == "CreateTable" {
		p.remember(table, req)
	}
	var first *reply
	for part := range p.parts {
		rq := clone(req)
		rq["TableName"] = mustJSON(p.partTable(table, part))
		rep := p.call(r, part, op, rq)
		if !rep.ok() {
			rep.writeTo(w)
			return
		}
		if first == nil {
			first = rep
		}
	}
	first.body = bytes.ReplaceAll(first.body, []byte(p.partTable(table, 0)), []byte(table))
	first.writeTo(w)
}

func (p *partitioner) remember(table string, req map[string]json.RawMessage) {
	var def struct {
		KeySchema              []struct{ AttributeName, KeyType string }
		AttributeDefinitions   []struct{ AttributeName, AttributeType string }
		GlobalSecondaryIndexes []struct {
			IndexName string
			KeySchema []struct{ AttributeName, KeyType string }
		}
	}
	if json.Unmarshal(mustJSON(req), &def) != nil {
		return
	}
	d := partDef{indexHash: map[string]string{}, indexSort: map[string]string{}, types: map[string]string{}}
	for _, k := range def.KeySchema {
		if k.KeyType == "HASH" {
			d.hash = k.AttributeName
		} else {
			d.sort = k.AttributeName
		}
	}
	for _, a := range def.AttributeDefinitions {
		d.types[a.AttributeName] = a.AttributeType
	}
	for _, g := range def.GlobalSecondaryIndexes {
		for _, k := range g.KeySchema {
			if k.KeyType == "RANGE" {
				d.indexSort[g.IndexName] = k.AttributeName
			} else {
				d.indexHash[g.IndexName] = k.AttributeName
			}
		}
	}
	p.mu.Lock()
	p.tables[table] = d
	p.mu.Unlock()
}

func (p *partitioner) def(table string) (partDef, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, ok := p.tables[table]
	return d, ok
}

// onePart runs a single-item request on the part of its key.
func (p *partitioner) onePart(w http.ResponseWriter, r *http.Request, op string, req map[string]json.RawMessage, table, field string) {
	d, ok := p.def(table)
	var key map[string]json.RawMessage
	if !ok || json.Unmarshal(req[field], &key) != nil || key[d.hash] == nil {
		writeValidationError(w, "partitioned emulator: no partition key in "+field)
		return
	}
	part := p.partOf(d, key)
	rq := clone(req)
	rq["TableName"] = mustJSON(p.partTable(table, part))
	p.call(r, part, op, rq).writeTo(w)
}

func (p *partitioner) query(w http.ResponseWriter, r *http.Request, req map[string]json.RawMessage, table string) {
	d, ok := p.def(table)
	if !ok {
		writeValidationError(w, "partitioned emulator: unknown table "+table)
		return
	}
	var in struct {
		IndexName                string
		ProjectionExpression     string
		ExpressionAttributeNames map[string]string
		ExclusiveStartKey        map[string]json.RawMessage
		ScanIndexForward         *bool
		Limit                    *int64
		Select                   string
	}
	if json.Unmarshal(mustJSON(req), &in) != nil {
		writeValidationError(w, "partitioned emulator: malformed Query")
		return
	}
	sortKey, indexHash := d.sort, d.hash
	if in.IndexName != "" {
		sortKey, indexHash = d.indexSort[in.IndexName], d.indexHash[in.IndexName]
	}
	// Every part, whole: the order, the start and the limit are applied
	// to the merged items, which therefore carry the table's keys.
	rq := clone(req)
	delete(rq, "Limit")
	delete(rq, "ExclusiveStartKey")
	delete(rq, "Select")
	added := in.ProjectionExpression != ""
	if added {
		names := maps.Clone(in.ExpressionAttributeNames)
		if names == nil {
			names = map[string]string{}
		}
		names["#partpk"], names["#partsk"], names["#partix"], names["#partih"] = d.hash, d.sort, sortKey, indexHash
		rq["ExpressionAttributeNames"] = mustJSON(names)
		rq["ProjectionExpression"] = mustJSON(in.ProjectionExpression + ", #partpk, #partsk, #partix, #partih")
	}
	var items []map[string]json.RawMessage
	for _, part := range p.queryParts(d, req) {
		rq["TableName"] = mustJSON(p.partTable(table, part))
		for {
			rep := p.call(r, part, "Query", rq)
			var out struct {
				Items            []map[string]json.RawMessage
				LastEvaluatedKey json.RawMessage
			}
			if !rep.ok() || json.Unmarshal(rep.body, &out) != nil {
				rep.writeTo(w)
				return
			}
			items = append(items, out.Items...)
			if len(out.LastEvaluatedKey) == 0 {
				break
			}
			rq["ExclusiveStartKey"] = out.LastEvaluatedKey
		}
		delete(rq, "ExclusiveStartKey")
	}
	numeric := d.types[sortKey] == "N"
	backward := in.ScanIndexForward != nil && !*in.ScanIndexForward
	order := func(a, b map[string]json.RawMessage) int {
		c := compareWire(a[sortKey], b[sortKey], numeric)
		if c == 0 {
			c = compareWire(a[d.sort], b[d.sort], false)
		}
		if c == 0 {
			c = compareWire(a[d.hash], b[d.hash], false)
		}
		if backward {
			return -c
		}
		return c
	}
	slices.SortStableFunc(items, order)
	if len(in.ExclusiveStartKey) > 0 {
		i := 0
		for i < len(items) && order(items[i], in.ExclusiveStartKey) <= 0 {
			i++
		}
		items = items[i:]
	}
	out := map[string]any{}
	if in.Limit != nil && int64(len(items)) >= *in.Limit {
		items = items[:*in.Limit]
		last := items[len(items)-1]
		lek := map[string]json.RawMessage{d.hash: last[d.hash], d.sort: last[d.sort]}
		if in.IndexName != "" {
			lek[indexHash], lek[sortKey] = last[indexHash], last[sortKey]
		}
		out["LastEvaluatedKey"] = lek
	}
	if added {
		asked := map[string]bool{}
		for _, name := range strings.Split(in.ProjectionExpression, ",") {
			name = strings.TrimSpace(name)
			if n, ok := in.ExpressionAttributeNames[name]; ok {
				name = n
			}
			asked[name] = true
		}
		for i, item := range items {
			item = clone(item)
			for _, k := range []string{d.hash, d.sort, sortKey, indexHash} {
				if !asked[k] {
					delete(item, k)
				}
			}
			items[i] = item
		}
	}
	out["Count"], out["ScannedCount"] = len(items), len(items)
	if in.Select != "COUNT" {
		out["Items"] = items
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_, _ = w.Write(mustJSON(out))
}

// batchGet splits a BatchGetItem by part, one request per part, and
// merges the parts' answers under the tables' own names.
func (p *partitioner) batchGet(w http.ResponseWriter, r *http.Request, req map[string]json.RawMessage) {
	var tables map[string]map[string]json.RawMessage
	if json.Unmarshal(req["RequestItems"], &tables) != nil {
		writeValidationError(w, "partitioned emulator: malformed RequestItems")
		return
	}
	type partReq = map[string]map[string]json.RawMessage // part table → its request
	byPart := map[int]partReq{}
	partOfTable := map[string]string{} // part table → table
	for table, tr := range tables {
		d, ok := p.def(table)
		var keys []map[string]json.RawMessage
		if !ok || json.Unmarshal(tr["Keys"], &keys) != nil {
			writeValidationError(w, "partitioned emulator: malformed Keys of "+table)
			return
		}
		split := map[int][]map[string]json.RawMessage{}
		for _, k := range keys {
			if k[d.hash] == nil {
				writeValidationError(w, "partitioned emulator: no partition key in a BatchGetItem key")
				return
			}
			part := p.partOf(d, k)
			split[part] = append(split[part], k)
		}
		for part, ks := range split {
			pt := p.partTable(table, part)
			partOfTable[pt] = table
			one := clone(tr)
			one["Keys"] = mustJSON(ks)
			if byPart[part] == nil {
				byPart[part] = partReq{}
			}
			byPart[part][pt] = one
		}
	}
	responses := map[string][]json.RawMessage{}
	leftover := map[string][]json.RawMessage{} // table → keys not read
	for _, part := range slices.Sorted(maps.Keys(byPart)) {
		rep := p.call(r, part, "BatchGetItem", map[string]json.RawMessage{"RequestItems": mustJSON(byPart[part])})
		var out struct {
			Responses       map[string][]json.RawMessage
			UnprocessedKeys map[string]map[string]json.RawMessage
		}
		if !rep.ok() || json.Unmarshal(rep.body, &out) != nil {
			rep.writeTo(w)
			return
		}
		for pt, items := range out.Responses {
			responses[partOfTable[pt]] = append(responses[partOfTable[pt]], items...)
		}
		for pt, u := range out.UnprocessedKeys {
			var keys []json.RawMessage
			_ = json.Unmarshal(u["Keys"], &keys)
			leftover[partOfTable[pt]] = append(leftover[partOfTable[pt]], keys...)
		}
	}
	unprocessed := map[string]map[string]json.RawMessage{}
	for table, keys := range leftover {
		u := clone(tables[table])
		u["Keys"] = mustJSON(keys)
		unprocessed[table] = u
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_, _ = w.Write(mustJSON(map[string]any{"Responses": responses, "UnprocessedKeys": unprocessed}))
}

// compareWire orders two encoded attribute values of a sort key.
func compareWire(a, b json.RawMessage, numeric bool) int {
	var x, y map[string]string
	_ = json.Unmarshal(a, &x)
	_ = json.Unmarshal(b, &y)
	if numeric {
		var fx, fy float64
		fmt.Sscan(x["N"], &fx)
		fmt.Sscan(y["N"], &fy)
		switch {
		case fx < fy:
			return -1
		case fx > fy:
			return 1
		}
		return 0
	}
	return strings.Compare(x["S"], y["S"])
}

// transact renames each item's table to its key's part; minidyn runs a
// transaction over several tables as one, so a cluster refuses one whose
// parts are kept by different processes.
func (p *partitioner) transact(w http.ResponseWriter, r *http.Request, req map[string]json.RawMessage) {
	var items []map[string]map[string]json.RawMessage
	if json.Unmarshal(req["TransactItems"], &items) != nil {
		writeValidationError(w, "partitioned emulator: malformed TransactItems")
		return
	}
	store := -1
	for _, it := range items {
		for action, a := range it {
			var table string
			_ = json.Unmarshal(a["TableName"], &table)
			d, ok := p.def(table)
			field := "Key"
			if action == "Put" {
				field = "Item"
			}
			var key map[string]json.RawMessage
			if !ok || json.Unmarshal(a[field], &key) != nil || key[d.hash] == nil {
				writeValidationError(w, "partitioned emulator: no partition key in a transaction's "+action)
				return
			}
			part := p.partOf(d, key)
			a["TableName"] = mustJSON(p.partTable(table, part))
			if len(p.stores) > 0 {
				s := part % len(p.stores)
				if store >= 0 && s != store {
					writeValidationError(w, "partitioned emulator: a transaction across the cluster's processes is not supported")
					return
				}
				store = s
			}
		}
	}
	rq := clone(req)
	rq["TransactItems"] = mustJSON(items)
	p.call(r, max(store, 0), "TransactWriteItems", rq).writeTo(w)
}

func clone(m map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
