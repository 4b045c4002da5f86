package dynamo

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/ingest"
)

const (
	unprocessablePrefix   = "UNPROCESSABLE#"
	unprocessableSKPrefix = "TYPE#"
	// maxTypeLen bounds the event type in a key; Kick's longest is 33
	// bytes, and the header is not signed.
	maxTypeLen = 64
	// maxReasonLen bounds the stored reason, which is ours but may quote
	// the payload.
	maxReasonLen = 1024
)

// unprocessableRecord is a kept delivery. It carries no index key, so it
// stays out of every index.
type unprocessableRecord struct {
	itemKey
	Type       string `dynamodbav:"type"`
	At         int64  `dynamodbav:"at"`
	ReceivedAt int64  `dynamodbav:"receivedAt"`
	// Body is binary: a signed body need not be valid UTF-8, which a
	// DynamoDB string must be.
	Body      []byte `dynamodbav:"body"`
	Reason    string `dynamodbav:"reason"`
	ExpiresAt int64  `dynamodbav:"expiresAt,omitempty"`
}

func unprocessableKey(id, typ string) itemKey {
	return itemKey{PK: unprocessablePrefix + id, SK: unprocessableSKPrefix + typ}
}

// KeepUnprocessable stores a verified delivery that could not be handled,
// keyed by its message id and type, until expires. Keeping it again leaves
// the first copy.
func (s *Store) KeepUnprocessable(ctx context.Context, u ingest.Unprocessable, expires time.Time) error {
	if u.MessageID == "" || u.Type == "" || len(u.Type) > maxTypeLen {
		return fault.E(fault.Invalid, "unprocessable delivery needs a message id and a type of at most %d bytes", maxTypeLen)
	}
	reason := u.Reason
	if len(reason) > maxReasonLen {
		reason = strings.ToValidUTF8(reason[:maxReasonLen], "")
	}
	item, err := attributevalue.MarshalMap(unprocessableRecord{
		itemKey:    unprocessableKey(u.MessageID, u.Type),
		Type:       u.Type,
		At:         millis(u.SentAt),
		ReceivedAt: millis(u.ReceivedAt),
		Body:       u.Body,
		Reason:     reason,
		ExpiresAt:  ttlSeconds(expires),
	})
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode unprocessable delivery")
	}
	_, err = s.putFirst(ctx, item, "keep unprocessable delivery")
	return err
}
