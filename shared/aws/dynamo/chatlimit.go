package dynamo

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/reply"
)

// What the bot says in a Kick channel's chat is guarded by items in the
// broadcaster's partition, beside its connections and credentials:
//
//	item              pk                   sk                  other attributes
//	chat rate window  KICK#<broadcaster>   CHATLIMIT           broadcaster N, windowStart N(ms),
//	                                                           sent N, expiresAt N(s, TTL)
//	chat claim        KICK#<broadcaster>   CHAT#<cause>        broadcaster N, expiresAt N(s, TTL)
//
// Access patterns: each message the worker says reads the window
// consistently and writes the next one (reply.Allow) conditioned on the
// window read, so concurrent Lambdas never both take the last slot; a
// reply first claims its cause (the chat message it answers) with a
// conditional put, and a failed send deletes the claim. Neither item
// carries an index key, and Guilds, which reads the partition's GUILD#
// items, never sees them. The window expires one window after it ends,
// the claim when the sender says.

const (
	chatLimitSK     = "CHATLIMIT"
	chatClaimPrefix = "CHAT#"
)

var _ chat.Store = (*Store)(nil)

type chatWindowRecord struct {
	WindowStart int64 `dynamodbav:"windowStart"`
	Sent        int   `dynamodbav:"sent"`
}

type chatClaimRecord struct {
	itemKey
	Broadcaster int64 `dynamodbav:"broadcaster"`
	ExpiresAt   int64 `dynamodbav:"expiresAt,omitempty"`
}

func chatLimitKey(broadcaster int64) itemKey {
	return itemKey{PK: kickPrefix + strconv.FormatInt(broadcaster, 10), SK: chatLimitSK}
}

func chatClaimKey(broadcaster int64, cause string) itemKey {
	return itemKey{PK: kickPrefix + strconv.FormatInt(broadcaster, 10), SK: chatClaimPrefix + cause}
}

// TakeChatSlot counts one message against broadcaster's chat rate window
// under l at now and reports whether it may go out; a full window is
// false and changes nothing. It reads the window, decides with
// reply.Allow, and writes the next window only if the stored one is still
// the one read; when another writer got there first it reads and decides
// again. Every lost race means a slot (or a new window) went to someone
// else, so a call decides within l.Max+2 rounds unless the clocks of the
// writers straddle windows; past that it gives up with fault.Transient.
func (s *Store) TakeChatSlot(ctx context.Context, broadcaster int64, now time.Time, l reply.Limit) (bool, error) {
	if broadcaster <= 0 || now.IsZero() {
		return false, fault.E(fault.Invalid, "a chat rate window needs a broadcaster and a time")
	}
	k := chatLimitKey(broadcaster)
	start, sent := expression.Name("windowStart"), expression.Name("sent")
	for range max(l.Max, 0) + 3 {
		item, found, err := s.getItem(ctx, k, "load chat rate window")
		if err != nil {
			return false, err
		}
		var r chatWindowRecord
		if found {
			if err := attributevalue.UnmarshalMap(item, &r); err != nil {
				return false, fault.Wrap(fault.Internal, err, "decode chat rate window")
			}
		}
		w := reply.Window{Start: fromMillis(r.WindowStart), Count: r.Sent}
		next, ok := reply.Allow(w, now, l)
		if !ok {
			return false, nil
		}
		cond := expression.AttributeNotExists(start)
		if _, has := item["windowStart"]; has {
			cond = start.Equal(expression.Value(r.WindowStart)).And(sent.Equal(expression.Value(r.Sent)))
		}
		u := expression.
			Set(expression.Name("broadcaster"), expression.Value(broadcaster)).
			Set(start, expression.Value(millis(next.Start))).
			Set(sent, expression.Value(next.Count)).
			Set(expression.Name("expiresAt"), expression.Value(ttlSeconds(next.End(l).Add(l.Per))))
		err = s.updateIf(ctx, k, u, cond, "", "take a chat rate slot")
		if fault.Is(err, fault.Conflict) {
			continue // another message took a slot meanwhile: decide again
		}
		if err != nil {
			return false, err
		}
		return true, nil
	}
	return false, fault.E(fault.Transient, "the chat rate window of broadcaster %d is too busy to update; try again", broadcaster)
}

// ClaimChat records that the message with cause is being said in
// broadcaster's chat, until expires, and reports whether this call was
// the first to claim it.
func (s *Store) ClaimChat(ctx context.Context, broadcaster int64, cause string, expires time.Time) (bool, error) {
	if broadcaster <= 0 || cause == "" || len(cause) > chat.MaxCauseLen {
		return false, fault.E(fault.Invalid, "a chat claim needs a broadcaster and a cause of at most %d bytes", chat.MaxCauseLen)
	}
	item, err := attributevalue.MarshalMap(chatClaimRecord{
		itemKey:     chatClaimKey(broadcaster, cause),
		Broadcaster: broadcaster,
		ExpiresAt:   ttlSeconds(expires),
	})
	if err != nil {
		return false, fault.Wrap(fault.Internal, err, "encode chat claim")
	}
	return s.claimOwned(ctx, chatClaimKey(broadcaster, cause), item, "claim chat message")
}

// ReleaseChat deletes the claim on cause in broadcaster's chat, if any.
func (s *Store) ReleaseChat(ctx context.Context, broadcaster int64, cause string) error {
	if broadcaster <= 0 || cause == "" {
		return fault.E(fault.Invalid, "a chat claim needs a broadcaster and a cause")
	}
	_, err := s.deleteItem(ctx, chatClaimKey(broadcaster, cause), nil, "release chat message claim")
	return err
}
