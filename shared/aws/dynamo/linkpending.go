package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kickbot/kickbot/shared/fault"
)

// A pending link is a Kick sign-in for /link that waits for the member who
// asked to confirm it in Discord:
//
//	pk GUILD#<guild>   sk LINKPENDING#<discord user>   kickUser N, kickName S, until N(ms),
//	                                                   expiresAt N(s, TTL)
//
// One per member, replaced by their next sign-in, deleted when confirmed
// and left to the TTL otherwise. It carries no index key.

const linkPendingPrefix = "LINKPENDING#"

type pendingLinkRecord struct {
	itemKey
	KickUser  int64  `dynamodbav:"kickUser"`
	KickName  string `dynamodbav:"kickName"`
	Until     int64  `dynamodbav:"until"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

func pendingLinkKey(guild, discordUser string) itemKey {
	return itemKey{PK: guildPrefix + guild, SK: linkPendingPrefix + discordUser}
}

// PendLink records that the Kick account kickUser (named kickName) signed
// in for guild's member discordUser, pending their confirmation until
// until; it replaces the member's earlier pending sign-in.
func (s *Store) PendLink(ctx context.Context, guild, discordUser string, kickUser int64, kickName string, until time.Time) error {
	if guild == "" || discordUser == "" || kickUser <= 0 || until.IsZero() {
		return fault.E(fault.Invalid, "a pending link needs a guild, a Discord member, a Kick account and an expiry")
	}
	item, err := attributevalue.MarshalMap(pendingLinkRecord{
		itemKey:  pendingLinkKey(guild, discordUser),
		KickUser: kickUser, KickName: kickName, Until: millis(until), ExpiresAt: ttlSeconds(until),
	})
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode pending link")
	}
	_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item})
	return classify(err, "save pending link")
}

// ConfirmLink links guild's member discordUser to the Kick account that
// signed in for them (PendLink), if that sign-in has not expired at now,
// and forgets the sign-in. It returns the account; fault.NotFound when no
// sign-in waits for this member (none, expired, or another member's: the
// key is the confirming member's own id), fault.Conflict when the account
// is linked to another member (with the account, to name it). Confirming again after a crash between the
// link and the delete links the same pair again, which changes nothing.
func (s *Store) ConfirmLink(ctx context.Context, guild, discordUser string, now time.Time) (int64, string, error) {
	if guild == "" || discordUser == "" {
		return 0, "", fault.E(fault.Invalid, "confirming a link needs a guild and a Discord member")
	}
	k := pendingLinkKey(guild, discordUser)
	item, ok, err := s.getItem(ctx, k, "load pending link")
	if err != nil {
		return 0, "", err
	}
	var r pendingLinkRecord
	if ok {
		if err := attributevalue.UnmarshalMap(item, &r); err != nil {
			return 0, "", fault.Wrap(fault.Internal, err, "decode pending link")
		}
	}
	// The TTL deletes late: the time decides.
	if !ok || !now.Before(fromMillis(r.Until)) {
		return 0, "", fault.E(fault.NotFound, "no Kick sign-in is waiting for your confirmation")
	}
	if err := s.Link(ctx, guild, discordUser, r.KickUser, r.KickName); err != nil {
		return r.KickUser, r.KickName, err // the account, for the caller's message
	}
	// Only the sign-in confirmed: a newer one stays for its own confirmation.
	expr, err := expression.NewBuilder().WithCondition(expression.Name("kickUser").Equal(expression.Value(r.KickUser)).
		And(expression.Name("until").Equal(expression.Value(r.Until)))).Build()
	if err != nil {
		return 0, "", fault.Wrap(fault.Internal, err, "build pending link delete")
	}
	_, err = s.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: &s.Table, Key: k.av(),
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	if err != nil && !conditionFailed(err) {
		return 0, "", classify(err, "forget pending link")
	}
	return r.KickUser, r.KickName, nil
}
