package dynamotest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/stack"
)

// Units wraps the client a Store uses and records the write units every
// write costs, on the table and on each of the template's indexes, per
// partition key, as DynamoDB bills them:
//
//   - a write costs one unit per started KB of the larger of the item
//     before and after it, at least one, also when its condition fails;
//   - a write changes an index when the item enters it (one put), leaves it
//     (one delete), changes its index key (a delete and a put), or stays
//     with a projected attribute changed (one put); each costs one unit per
//     started KB of the index entry (keys plus projected attributes);
//   - a transaction costs each of its writes twice.
//
// It reads each item before and after each write (with the underlying
// client, uncounted), so writes are serialised; use it for measurements,
// not for concurrency tests.
type Units struct {
	dynamo.API
	table   string
	indexes []index

	mu sync.Mutex
	// Table maps a base-table partition key to the units written to it;
	// Index maps "<index>/<index partition key>" likewise.
	Table, Index map[string]float64
	// Calls counts write calls, Writes the units they cost in all.
	Calls  int
	Writes float64
}

type index struct {
	name        string
	hash, rng   string
	projection  types.ProjectionType
	nonKeyAttrs []string
}

// NewUnits records the writes to table, a table made from the template.
func NewUnits(api dynamo.API, table string) (*Units, error) {
	t, err := stack.Load()
	if err != nil {
		return nil, err
	}
	def, err := t.Table(table)
	if err != nil {
		return nil, err
	}
	u := &Units{API: api, table: table, Table: map[string]float64{}, Index: map[string]float64{}}
	for _, g := range def.GlobalSecondaryIndexes {
		ix := index{name: aws.ToString(g.IndexName), projection: g.Projection.ProjectionType, nonKeyAttrs: g.Projection.NonKeyAttributes}
		for _, k := range g.KeySchema {
			if k.KeyType == types.KeyTypeHash {
				ix.hash = aws.ToString(k.AttributeName)
			} else {
				ix.rng = aws.ToString(k.AttributeName)
			}
		}
		u.indexes = append(u.indexes, ix)
	}
	return u, nil
}

// PutItem records a write.
func (u *Units) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	var out *dynamodb.PutItemOutput
	err := u.record(ctx, keyOf(in.Item), 1, func() (err error) { out, err = u.API.PutItem(ctx, in, o...); return err })
	return out, err
}

// UpdateItem records a write.
func (u *Units) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	var out *dynamodb.UpdateItemOutput
	err := u.record(ctx, in.Key, 1, func() (err error) { out, err = u.API.UpdateItem(ctx, in, o...); return err })
	return out, err
}

// DeleteItem records a write.
func (u *Units) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	var out *dynamodb.DeleteItemOutput
	err := u.record(ctx, in.Key, 1, func() (err error) { out, err = u.API.DeleteItem(ctx, in, o...); return err })
	return out, err
}

// TransactWriteItems records each of its writes, at twice the units.
func (u *Units) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	var keys []map[string]types.AttributeValue
	for _, it := range in.TransactItems {
		switch {
		case it.Put != nil:
			keys = append(keys, keyOf(it.Put.Item))
		case it.Update != nil:
			keys = append(keys, it.Update.Key)
		case it.Delete != nil:
			keys = append(keys, it.Delete.Key)
		case it.ConditionCheck != nil:
			keys = append(keys, it.ConditionCheck.Key)
		}
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	before := make([]map[string]types.AttributeValue, len(keys))
	for i, k := range keys {
		item, err := u.get(ctx, k)
		if err != nil {
			return nil, err
		}
		before[i] = item
	}
	out, err := u.API.TransactWriteItems(ctx, in, o...)
	for i, k := range keys {
		after := before[i]
		if err == nil {
			if after, err = u.get(ctx, k); err != nil {
				return nil, err
			}
		}
		u.add(k, before[i], after, 2)
	}
	return out, err
}

// record runs write, which writes the item at key, and records its units.
func (u *Units) record(ctx context.Context, key map[string]types.AttributeValue, factor float64, write func() error) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	before, err := u.get(ctx, key)
	if err != nil {
		return err
	}
	werr := write()
	after := before
	if werr == nil {
		if after, err = u.get(ctx, key); err != nil {
			return err
		}
	} else if _, ok := errors.AsType[*types.ConditionalCheckFailedException](werr); !ok {
		return werr // never reached the table: no units
	}
	u.add(key, before, after, factor)
	return werr
}

func (u *Units) get(ctx context.Context, key map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	out, err := u.API.GetItem(ctx, &dynamodb.GetItemInput{TableName: &u.table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("units: read the item written: %w", err)
	}
	return out.Item, nil
}

// add books one write of the item at key from before to after (either
// empty when absent); when nothing changed (a failed condition) only the
// table's units count.
func (u *Units) add(key, before, after map[string]types.AttributeValue, factor float64) {
	units := factor * float64(kb(max(ItemSize(before), ItemSize(after))))
	u.Calls++
	u.Writes += units
	u.Table[str(key["pk"])] += units
	for _, ix := range u.indexes {
		b, a := ix.entry(before), ix.entry(after)
		switch {
		case b == nil && a == nil:
		case b == nil:
			u.indexWrite(ix, a, factor)
		case a == nil:
			u.indexWrite(ix, b, factor)
		case str(b[ix.hash]) != str(a[ix.hash]) || (ix.rng != "" && !equalAV(b[ix.rng], a[ix.rng])):
			u.indexWrite(ix, b, factor)
			u.indexWrite(ix, a, factor)
		case !maps.EqualFunc(b, a, equalAV):
			u.indexWrite(ix, a, factor)
		}
	}
}

func (u *Units) indexWrite(ix index, entry map[string]types.AttributeValue, factor float64) {
	units := factor * float64(kb(ItemSize(entry)))
	u.Writes += units
	u.Index[ix.name+"/"+str(entry[ix.hash])] += units
}

// entry is item's entry in the index (its keys and projected attributes),
// nil when the item is not in it.
func (ix index) entry(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	if item == nil || item[ix.hash] == nil || (ix.rng != "" && item[ix.rng] == nil) {
		return nil
	}
	e := map[string]types.AttributeValue{}
	for name, v := range item {
		keep := name == "pk" || name == "sk" || name == ix.hash || name == ix.rng ||
			ix.projection == types.ProjectionTypeAll ||
			(ix.projection == types.ProjectionTypeInclude && slices.Contains(ix.nonKeyAttrs, name))
		if keep {
			e[name] = v
		}
	}
	return e
}

// Busiest returns the key of m with the most units, and its units.
func Busiest(m map[string]float64) (string, float64) {
	var key string
	var most float64
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] > most {
			key, most = k, m[k]
		}
	}
	return key, most
}

// kb is the write units of an item of size bytes: one per started KB, at
// least one.
func kb(size int) int { return max(1, (size+1023)/1024) }

// ItemSize is an item's size as DynamoDB counts it: each attribute's name
// plus its value (strings and binaries their bytes, numbers one byte per two
// significant digits plus one, booleans and nulls one byte, lists and maps
// three bytes plus one per element plus their elements).
func ItemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return numberSize(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range v.Value {
			n += numberSize(s)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	}
	return 0
}

func numberSize(s string) int {
	digits := strings.Trim(strings.TrimLeft(strings.NewReplacer("-", "", ".", "").Replace(s), "0"), "0")
	return (len(digits)+1)/2 + 1
}

func keyOf(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": item["pk"], "sk": item["sk"]}
}

func str(v types.AttributeValue) string {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return v.Value
	}
	return fmt.Sprint(v)
}

func equalAV(a, b types.AttributeValue) bool {
	return fmt.Sprintf("%#v", deref(a)) == fmt.Sprintf("%#v", deref(b))
}

func deref(v types.AttributeValue) any {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return "N" + v.Value
	case *types.AttributeValueMemberBOOL:
		return v.Value
	case *types.AttributeValueMemberB:
		return v.Value
	}
	return v
}

// Cost is what a step cost DynamoDB: its read and write calls, and the
// write units it took by partition key (indexes not included: the table
// keeps none that these steps write).
type Cost struct {
	Reads, Writes int64
	Units         map[string]float64
}

// Measure runs step on a Store over client's table whose calls are
// counted and whose write units are booked, and returns what it cost.
func Measure(tb testing.TB, client dynamo.API, table string, step func(s *dynamo.Store) error) Cost {
	tb.Helper()
	units, err := NewUnits(client, table)
	if err != nil {
		tb.Fatal(err)
	}
	counter := &Counter{API: units}
	if err := step(dynamo.New(counter, table)); err != nil {
		tb.Fatal(err)
	}
	return Cost{Reads: counter.Reads.Load(), Writes: counter.Writes.Load(), Units: units.Table}
}
