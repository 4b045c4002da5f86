package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kickbot/kickbot/shared/fault"
)

// A consent nonce (the single-use part of a signed OAuth state) is
// claimed by creating its item:
//
//	pk NONCE#<nonce>   sk NONCE   expiresAt N(s, TTL)
//
// Its own partition, since the only access is "was it used?" by the
// nonce itself; DynamoDB's TTL removes it some time after the state
// expires, by when the state's signature check refuses it anyway.

const (
	noncePrefix = "NONCE#"
	nonceSK     = "NONCE"
	// maxNonce keeps the key well inside DynamoDB's 2048-byte limit.
	maxNonce = 512
)

type nonceRecord struct {
	itemKey
	ExpiresAt int64 `dynamodbav:"expiresAt"`
}

// ClaimNonce marks nonce as used until expires, once: a second claim,
// however soon, fails with fault.Conflict and changes nothing.
func (s *Store) ClaimNonce(ctx context.Context, nonce string, expires time.Time) error {
	if nonce == "" || len(nonce) > maxNonce {
		return fault.E(fault.Invalid, "the link is malformed; start again")
	}
	if expires.Unix() <= 0 {
		return fault.E(fault.Invalid, "a nonce needs an expiry")
	}
	item, err := attributevalue.MarshalMap(nonceRecord{
		itemKey:   itemKey{PK: noncePrefix + nonce, SK: nonceSK},
		ExpiresAt: ttlSeconds(expires),
	})
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode nonce")
	}
	return s.putIf(ctx, item, expression.AttributeNotExists(expression.Name("pk")),
		"this link was already used; start again", "claim nonce")
}
