package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/calls"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

// A guild's slot calls (package calls) are these items:
//
//	calls state   GUILD#<guild>              CALLS           state S (JSON calls.State: the round, its
//	                                                         committed seed, blacklists, channel, current
//	                                                         slot, last pick), version N
//	call          CALLS#<guild>#<round>#<nn> CALL#<msg id>   number N, userId N, username S, slot S,
//	                                                         at N(ms), picked BOOL, posted BOOL, expiresAt
//	viewer count  CALLS#<guild>#<round>#<nn> USER#<user>     n N (the viewer's calls), expiresAt
//	slot taken    CALLS#<guild>#<round>#<ss> SLOT#<key>      call S (its message id), expiresAt
//	round number  CALLS#<guild>#<round>      SEQ             n N (calls accepted), expiresAt
//
// <nn> is the caller's shard (shardOf, 00-15) and <ss> the slot key's:
// the per-viewer writes of a round spread over sixteen partitions. The
// state item is written only by /calls commands and read once per !call.
// An accepted call is one transaction of the call, the viewer count (when
// the round has a limit), the slot marker (when duplicates are blocked)
// and the round number, each conditioned: the count below the limit, the
// marker and the call new, the number where it was read. The number item
// takes one write per accepted call: with the limit and the 30-second
// per-viewer cooldown, reaching half a partition's 1,000 writes a second
// would take 15,000 viewers calling within one cooldown.
const (
	callsSK = "CALLS"
	// callRoundSK names, in the guild's partition, each round that took a
	// call, so that a purge finds the rounds before the current one.
	callRoundSK    = "CALLROUND#"
	callsPrefix    = "CALLS#"
	callPrefix     = "CALL#"
	callUserPrefix = "USER#"
	callSlotPrefix = "SLOT#"
	callSeqSK      = "SEQ"
	// callRetries bounds AddCall's rounds when concurrent calls move the
	// round's number between its read and its write.
	callRetries = 60
)

var (
	_ calls.Store          = (*Store)(nil)
	_ calls.AdminStore     = (*Store)(nil)
	_ interact.PickedCalls = (*Store)(nil)
)

type callStateRecord struct {
	itemKey
	State   string `dynamodbav:"state"`
	Version int64  `dynamodbav:"version"`
}

type callRecord struct {
	itemKey
	Number    int64  `dynamodbav:"number"`
	UserID    int64  `dynamodbav:"userId"`
	Username  string `dynamodbav:"username"`
	Slot      string `dynamodbav:"slot"`
	At        int64  `dynamodbav:"at"`
	Picked    bool   `dynamodbav:"picked"`
	Posted    bool   `dynamodbav:"posted"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

func callStateKey(guild string) itemKey { return itemKey{PK: guildPrefix + guild, SK: callsSK} }

func callRoundPK(guild, round string, shard int) string {
	return fmt.Sprintf("%s%s#%s#%02d", callsPrefix, guild, round, shard)
}

func callKey(guild, round string, user int64, id string) itemKey {
	return itemKey{PK: callRoundPK(guild, round, shardOf(user)), SK: callPrefix + id}
}

func callUserKey(guild, round string, user int64) itemKey {
	return itemKey{PK: callRoundPK(guild, round, shardOf(user)), SK: callUserPrefix + strconv.FormatInt(user, 10)}
}

func callSlotKey(guild, round, key string) itemKey {
	h := fnv.New64a()
	h.Write([]byte(key))
	return itemKey{PK: callRoundPK(guild, round, shardOf(int64(h.Sum64()))), SK: callSlotPrefix + key}
}

func callSeqKey(guild, round string) itemKey {
	return itemKey{PK: callsPrefix + guild + "#" + round, SK: callSeqSK}
}

func (r callRecord) call(round, id string) calls.Call {
	return calls.Call{Round: round, ID: id, Number: int(r.Number), UserID: r.UserID, Username: r.Username, Slot: r.Slot,
		At: fromMillis(r.At), Picked: r.Picked, Posted: r.Posted}
}

// CallState returns guild's calls state, the zero State when it has none.
func (s *Store) CallState(ctx context.Context, guild string) (calls.State, error) {
	if guild == "" {
		return calls.State{}, fault.E(fault.Invalid, "calls need a guild")
	}
	item, ok, err := s.getItem(ctx, callStateKey(guild), "load calls state")
	if err != nil || !ok {
		return calls.State{}, err
	}
	var rec callStateRecord
	if err := attributevalue.UnmarshalMap(item, &rec); err != nil {
		return calls.State{}, fault.Wrap(fault.Internal, err, "decode calls state")
	}
	var st calls.State
	if err := json.Unmarshal([]byte(rec.State), &st); err != nil {
		return calls.State{}, fault.Wrap(fault.Internal, err, "decode calls state")
	}
	st.Version = rec.Version
	return st, nil
}

// PickedCall returns guild's current picked call (calls.State's
// Current), for /hunt add without a slot: the read of CallState. false
// when no call was ever picked.
func (s *Store) PickedCall(ctx context.Context, guild string) (interact.PickedCall, bool, error) {
	st, err := s.CallState(ctx, guild)
	if err != nil || st.Current == nil {
		return interact.PickedCall{}, false, err
	}
	return interact.PickedCall{Slot: st.Current.Slot, By: st.Current.By, Number: st.Current.Number}, true, nil
}

// statePut is the put of st as version st.Version+1, conditioned on the
// stored state being at st.Version.
func (s *Store) statePut(guild string, st calls.State) (types.TransactWriteItem, error) {
	body, err := json.Marshal(st)
	if err != nil {
		return types.TransactWriteItem{}, fault.Wrap(fault.Internal, err, "encode calls state")
	}
	item, err := attributevalue.MarshalMap(callStateRecord{itemKey: callStateKey(guild), State: string(body), Version: st.Version + 1})
	if err != nil {
		return types.TransactWriteItem{}, fault.Wrap(fault.Internal, err, "encode calls state")
	}
	cond := expression.Name("version").Equal(expression.Value(st.Version))
	if st.Version == 0 {
		cond = expression.AttributeNotExists(expression.Name("pk"))
	}
	return s.txPut(item, cond)
}

// SaveCallState writes st if the stored state is still at st.Version,
// once per cause: interact.ErrApplied when c took effect before,
// fault.Conflict when the state changed meanwhile.
func (s *Store) SaveCallState(ctx context.Context, guild string, st calls.State, c interact.Cause) error {
	if guild == "" {
		return fault.E(fault.Invalid, "calls need a guild")
	}
	put, err := s.statePut(guild, st)
	if err != nil {
		return err
	}
	done, err := s.once(ctx, guild, c, []types.TransactWriteItem{put}, "save calls state")
	if err != nil || done {
		return err
	}
	return fault.E(fault.Conflict, "the calls changed meanwhile; try again")
}

// PickCall saves st, the state after its pick st.Last, and marks the
// picked call, both or neither; fault.Conflict when the state changed
// meanwhile or the call is gone or picked.
func (s *Store) PickCall(ctx context.Context, guild string, st calls.State) error {
	if guild == "" || st.Last == nil {
		return fault.E(fault.Invalid, "a pick needs a guild and the pick")
	}
	put, err := s.statePut(guild, st)
	if err != nil {
		return err
	}
	c := st.Last.Call
	cond := expression.AttributeExists(expression.Name("pk")).And(expression.Name("picked").Equal(expression.Value(false)))
	mark, err := s.txUpdate(callKey(guild, st.Last.Round, c.UserID, c.ID), expression.Set(expression.Name("picked"), expression.Value(true)), &cond)
	if err != nil {
		return err
	}
	done, err := s.transact(ctx, []types.TransactWriteItem{put, mark}, "pick a call")
	if err != nil || done {
		return err
	}
	return fault.E(fault.Conflict, "the calls changed meanwhile; try again")
}

// Calls returns round's calls, by number: one query of each of the
// round's sixteen partitions.
func (s *Store) Calls(ctx context.Context, guild, round string) ([]calls.Call, error) {
	if guild == "" || round == "" {
		return nil, fault.E(fault.Invalid, "calls need a guild and a round")
	}
	var out []calls.Call
	for shard := range ViewerShards {
		items, err := s.queryWhere(ctx, where{
			key: expression.Key("pk").Equal(expression.Value(callRoundPK(guild, round, shard))).
				And(expression.Key("sk").BeginsWith(callPrefix)),
			consistent: true,
		}, 0, "list calls")
		if err != nil {
			return nil, err
		}
		for _, item := range items {
			var rec callRecord
			if err := attributevalue.UnmarshalMap(item, &rec); err != nil {
				return nil, fault.Wrap(fault.Internal, err, "decode call")
			}
			out = append(out, rec.call(round, rec.SK[len(callPrefix):]))
		}
	}
	slices.SortFunc(out, func(a, b calls.Call) int { return a.Number - b.Number })
	return out, nil
}

// MarkCallPosted records that c's embed was posted.
func (s *Store) MarkCallPosted(ctx context.Context, guild string, c calls.Call) error {
	if guild == "" || c.Round == "" || c.ID == "" {
		return fault.E(fault.Invalid, "a call needs a guild, a round and an id")
	}
	err := s.updateIf(ctx, callKey(guild, c.Round, c.UserID, c.ID), expression.Set(expression.Name("posted"), expression.Value(true)),
		expression.AttributeExists(expression.Name("pk")), "", "mark call posted")
	if fault.Is(err, fault.Conflict) {
		return nil // the call is gone (its round cleared and expired)
	}
	return err
}

// AddCall stores c as a call of round r once per c.ID, under r's limit
// per viewer and, unless r allows duplicates, one call per slot key,
// numbered in the order accepted (see the item table above). Each round
// reads the call, the viewer's count, the slot marker and the round
// number in one consistent batch, refuses without a write when the rules
// do, and else writes the transaction; one that concurrent calls cancel
// is tried again.
func (s *Store) AddCall(ctx context.Context, guild string, r calls.Round, c calls.Call) (calls.Call, calls.Outcome, error) {
	if guild == "" || r.ID == "" || c.ID == "" || len(c.ID) > maxUseID || c.UserID <= 0 || c.Slot == "" || c.At.IsZero() {
		return calls.Call{}, 0, fault.E(fault.Invalid, "a call needs a guild, a round, a message id, a viewer, a slot and a time")
	}
	key := calls.Key(c.Slot)
	ck, uk, sk, nk := callKey(guild, r.ID, c.UserID, c.ID), callUserKey(guild, r.ID, c.UserID), callSlotKey(guild, r.ID, key), callSeqKey(guild, r.ID)
	expires := ttlSeconds(c.At.Add(calls.CallLife))
	for round := range callRetries {
		if err := callBackOff(ctx, c.ID, round); err != nil {
			return calls.Call{}, 0, err
		}
		got, err := s.consistentGet(ctx, []itemKey{ck, uk, sk, nk}, "load call limits")
		if err != nil {
			return calls.Call{}, 0, err
		}
		if item, ok := got[ck]; ok {
			var rec callRecord
			if err := attributevalue.UnmarshalMap(item, &rec); err != nil {
				return calls.Call{}, 0, fault.Wrap(fault.Internal, err, "decode call")
			}
			return rec.call(r.ID, c.ID), calls.Again, nil
		}
		if r.Limit > 0 && numberOf(got[uk], "n") >= int64(r.Limit) {
			return calls.Call{}, calls.AtLimit, nil
		}
		if _, taken := got[sk]; taken && !r.AllowDuplicates {
			return calls.Call{}, calls.Duplicate, nil
		}
		seq := numberOf(got[nk], "n")
		c.Number = int(seq + 1)
		items, err := s.callWrites(guild, c, r, ck, uk, sk, nk, seq, expires)
		if err != nil {
			return calls.Call{}, 0, err
		}
		done, err := s.transact(ctx, items, "add call")
		if err != nil {
			return calls.Call{}, 0, err
		}
		if done {
			return c, calls.Accepted, nil
		}
	}
	return calls.Call{}, 0, fault.E(fault.Transient, "calls are too busy right now; try again")
}

// callWrites are the transaction of an accepted call numbered seq+1.
func (s *Store) callWrites(guild string, c calls.Call, r calls.Round, ck, uk, sk, nk itemKey, seq, expires int64) ([]types.TransactWriteItem, error) {
	item, err := attributevalue.MarshalMap(callRecord{itemKey: ck, Number: seq + 1, UserID: c.UserID, Username: c.Username, Slot: c.Slot,
		At: millis(c.At), ExpiresAt: expires})
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "encode call")
	}
	put, err := s.txPut(item, expression.AttributeNotExists(expression.Name("pk")))
	if err != nil {
		return nil, err
	}
	n := expression.Name("n")
	seqCond := n.Equal(expression.Value(seq))
	if seq == 0 {
		seqCond = expression.AttributeNotExists(n)
	}
	number, err := s.txUpdate(nk, expression.Set(n, expression.Value(seq+1)).Set(expression.Name("expiresAt"), expression.Value(expires)), &seqCond)
	if err != nil {
		return nil, err
	}
	items := []types.TransactWriteItem{put, number}
	if seq == 0 {
		// The round's first call lists the round for PurgeGuild; twice
		// the calls' life, since a round's later calls expire later.
		listed, err := s.txUpdate(itemKey{PK: guildPrefix + guild, SK: callRoundSK + r.ID},
			expression.Set(expression.Name("expiresAt"), expression.Value(expires+int64(calls.CallLife/time.Second))), nil)
		if err != nil {
			return nil, err
		}
		items = append(items, listed)
	}
	if r.Limit > 0 {
		cond := expression.AttributeNotExists(n).Or(n.LessThan(expression.Value(r.Limit)))
		count, err := s.txUpdate(uk, expression.Add(n, expression.Value(1)).Set(expression.Name("expiresAt"), expression.Value(expires)), &cond)
		if err != nil {
			return nil, err
		}
		items = append(items, count)
	}
	if !r.AllowDuplicates {
		marker, err := attributevalue.MarshalMap(struct {
			itemKey
			Call      string `dynamodbav:"call"`
			ExpiresAt int64  `dynamodbav:"expiresAt"`
		}{sk, c.ID, expires})
		if err != nil {
			return nil, fault.Wrap(fault.Internal, err, "encode slot marker")
		}
		p, err := s.txPut(marker, expression.AttributeNotExists(expression.Name("pk")))
		if err != nil {
			return nil, err
		}
		items = append(items, p)
	}
	return items, nil
}

// callBackOff waits before round (from 0) of AddCall: not before the
// first, then a few milliseconds to 40, spread by the call's id so that
// calls cancelled together do not all come back together.
func callBackOff(ctx context.Context, id string, round int) error {
	if round == 0 {
		return nil
	}
	h := fnv.New32a()
	h.Write([]byte(id + "#" + strconv.Itoa(round)))
	wait := time.Duration(1+h.Sum32()%uint32(min(40, 2<<min(round, 5)))) * time.Millisecond
	if err := pause(ctx, wait); err != nil {
		return fault.Wrap(fault.Transient, err, "wait to retry")
	}
	return nil
}

// numberOf is the number attribute name of item, 0 when either is absent.
func numberOf(item map[string]types.AttributeValue, name string) int64 {
	n, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0
	}
	v, _ := strconv.ParseInt(n.Value, 10, 64)
	return v
}

// consistentGet reads the items at keys (at most 100) with strongly
// consistent reads, in one BatchGetItem call unless DynamoDB leaves keys
// unprocessed; keys without an item are absent from the map.
func (s *Store) consistentGet(ctx context.Context, keys []itemKey, what string) (map[itemKey]map[string]types.AttributeValue, error) {
	avs := make([]map[string]types.AttributeValue, len(keys))
	for i, k := range keys {
		avs[i] = k.av()
	}
	req := map[string]types.KeysAndAttributes{s.Table: {Keys: avs, ConsistentRead: aws.Bool(true)}}
	out := map[itemKey]map[string]types.AttributeValue{}
	for stalls := 0; len(req) > 0; {
		res, err := s.Client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return nil, classify(err, what)
		}
		got := res.Responses[s.Table]
		for _, item := range got {
			pk, _ := item["pk"].(*types.AttributeValueMemberS)
			sk, _ := item["sk"].(*types.AttributeValueMemberS)
			if pk != nil && sk != nil {
				out[itemKey{PK: pk.Value, SK: sk.Value}] = item
			}
		}
		req = res.UnprocessedKeys
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
	return out, nil
}
