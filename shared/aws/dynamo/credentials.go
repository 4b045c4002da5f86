package dynamo

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/fault"
)

// A broadcaster's Kick user token is one item in a partition of its own,
// so that IAM can keep it from the functions that do not use it:
//
//	pk LOGIN#<broadcaster>   sk CREDENTIALS
//	broadcaster N, accessToken S, refreshToken S, accessExpiry N(ms),
//	scope S (space-separated, as Kick writes it; absent when none),
//	version N, leaseUntil N(ms, only while leased), needsReauth BOOL
//
// Access patterns: the worker reads it by broadcaster (Load, consistent)
// before each call to Kick that needs the user token; a refresh leases it
// and saves it with conditions on version (see credential.Source); the
// OAuth callback writes it (PutCredentials) and a disconnect deletes it.
// It carries no index key. The template's roles allow the LOGIN# prefix
// (a dynamodb:LeadingKeys condition) only to the functions that call Kick
// with it (worker, upkeep, oauth); the public webhook and interactions
// functions cannot read it. The token's expiry is accessExpiry: expiresAt
// would make DynamoDB delete the item when the access token expires.
//
// Tables written before the move keep the item beside the connections
// (pk KICK#<broadcaster>, where the webhook reads): Load moves it on first
// read, and PutCredentials and DeleteCredentials remove it.

const credentialsSK = "CREDENTIALS"

var _ credential.Store = (*Store)(nil)

type credentialRecord struct {
	AccessToken  string `dynamodbav:"accessToken"`
	RefreshToken string `dynamodbav:"refreshToken"`
	AccessExpiry int64  `dynamodbav:"accessExpiry"`
	Scope        string `dynamodbav:"scope"`
	Version      int64  `dynamodbav:"version"`
	LeaseUntil   int64  `dynamodbav:"leaseUntil"`
	NeedsReauth  bool   `dynamodbav:"needsReauth"`
}

func credentialsKey(broadcaster int64) itemKey {
	return itemKey{PK: LoginPrefix + strconv.FormatInt(broadcaster, 10), SK: credentialsSK}
}

// legacyCredentialsKey is where the credentials were before they had a
// partition of their own.
func legacyCredentialsKey(broadcaster int64) itemKey {
	return itemKey{PK: kickPrefix + strconv.FormatInt(broadcaster, 10), SK: credentialsSK}
}

// Messages of the conflicts a credential.Source reads again after.
const (
	credentialsChanged = "the Kick credentials changed meanwhile"
	credentialsLeased  = "the Kick credentials changed or are being refreshed"
)

// Load returns broadcaster's Kick credentials, or fault.NotFound when the
// channel is not connected.
func (s *Store) Load(ctx context.Context, broadcaster int64) (credential.Record, error) {
	item, ok, err := s.getItem(ctx, credentialsKey(broadcaster), "load Kick credentials")
	if err == nil && !ok {
		item, ok, err = s.moveLegacyCredentials(ctx, broadcaster)
	}
	if err != nil {
		return credential.Record{}, err
	}
	if !ok {
		return credential.Record{}, fault.E(fault.NotFound, "the Kick channel is not connected")
	}
	var r credentialRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return credential.Record{}, fault.E(fault.Internal, "decode Kick credentials")
	}
	return credential.Record{
		Token: credential.Token{
			Access:  r.AccessToken,
			Refresh: r.RefreshToken,
			Expiry:  fromMillis(r.AccessExpiry),
			Scopes:  splitScope(r.Scope),
		},
		Version:     r.Version,
		LeaseUntil:  fromMillis(r.LeaseUntil),
		NeedsReauth: r.NeedsReauth,
	}, nil
}

// moveLegacyCredentials moves broadcaster's credentials from their old
// key to credentialsKey, in one transaction (the put only where nothing
// is stored yet, the delete only of the version read), and returns them;
// false when there are none. A concurrent move or write wins, and the
// credentials are read again from their key.
func (s *Store) moveLegacyCredentials(ctx context.Context, broadcaster int64) (map[string]types.AttributeValue, bool, error) {
	old := legacyCredentialsKey(broadcaster)
	item, ok, err := s.getItem(ctx, old, "load Kick credentials")
	if err != nil {
		return nil, false, err
	}
	if !ok { // none, or a concurrent Load moved them after ours missed them
		return s.getItem(ctx, credentialsKey(broadcaster), "load Kick credentials")
	}
	moved := maps.Clone(item)
	maps.Copy(moved, credentialsKey(broadcaster).av())
	put, err := s.txPut(moved, expression.AttributeNotExists(expression.Name("pk")))
	if err != nil {
		return nil, false, err
	}
	version := expression.AttributeNotExists(expression.Name("version"))
	if v, ok := item["version"]; ok {
		version = expression.Name("version").Equal(expression.Value(v))
	}
	del, err := s.txDelete(old, version)
	if err != nil {
		return nil, false, err
	}
	done, err := s.transact(ctx, []types.TransactWriteItem{put, del}, "move Kick credentials")
	if err != nil || done {
		return moved, err == nil, err
	}
	return s.getItem(ctx, credentialsKey(broadcaster), "load Kick credentials")
}

// Lease marks broadcaster's credentials as being refreshed until until,
// if they are still at version and no lease is live at now; otherwise it
// returns fault.Conflict.
func (s *Store) Lease(ctx context.Context, broadcaster, version int64, now, until time.Time) error {
	if !until.After(now) {
		return fault.E(fault.Invalid, "a lease must end after it starts")
	}
	lease := expression.Name("leaseUntil")
	cond := expression.Name("version").Equal(expression.Value(version)).
		And(expression.AttributeNotExists(lease).Or(lease.LessThanEqual(expression.Value(millis(now)))))
	return s.updateIf(ctx, credentialsKey(broadcaster),
		expression.Set(lease, expression.Value(millis(until))), cond, credentialsLeased, "lease Kick credentials")
}

// Release ends the lease until of broadcaster's credentials at version,
// if it is still there; otherwise it changes nothing.
func (s *Store) Release(ctx context.Context, broadcaster, version int64, until time.Time) error {
	lease := expression.Name("leaseUntil")
	cond := expression.Name("version").Equal(expression.Value(version)).
		And(lease.Equal(expression.Value(millis(until))))
	err := s.updateIf(ctx, credentialsKey(broadcaster), expression.Remove(lease), cond, "", "release Kick credentials")
	if fault.Is(err, fault.Conflict) {
		return nil
	}
	return err
}

// Save stores t as broadcaster's credentials at version+1 and ends the
// lease, if they are still at version; otherwise it returns
// fault.Conflict.
func (s *Store) Save(ctx context.Context, broadcaster, version int64, t credential.Token) error {
	if t.Access == "" || t.Refresh == "" {
		return fault.E(fault.Invalid, "Kick credentials need an access and a refresh token")
	}
	u := setToken(t).
		Set(expression.Name("version"), expression.Value(version+1)).
		Remove(expression.Name("leaseUntil"))
	return s.updateIf(ctx, credentialsKey(broadcaster), u,
		expression.Name("version").Equal(expression.Value(version)), credentialsChanged, "save Kick credentials")
}

// splitScope splits a stored scope attribute; nil when there is none.
func splitScope(scope string) []string {
	if scope == "" {
		return nil
	}
	return strings.Fields(scope)
}

// setToken sets t's fields, clears needsReauth, and drops an expiry or
// scopes that t does not have.
func setToken(t credential.Token) expression.UpdateBuilder {
	u := expression.
		Set(expression.Name("accessToken"), expression.Value(t.Access)).
		Set(expression.Name("refreshToken"), expression.Value(t.Refresh)).
		Set(expression.Name("needsReauth"), expression.Value(false))
	if scope := strings.Join(t.Scopes, " "); scope != "" {
		u = u.Set(expression.Name("scope"), expression.Value(scope))
	} else {
		u = u.Remove(expression.Name("scope"))
	}
	if t.Expiry.IsZero() {
		return u.Remove(expression.Name("accessExpiry"))
	}
	return u.Set(expression.Name("accessExpiry"), expression.Value(millis(t.Expiry)))
}

// MarkNeedsReauth records at version+1 that Kick refused broadcaster's
// refresh token, dropping the tokens and the lease, if the credentials
// are still at version; otherwise it returns fault.Conflict.
func (s *Store) MarkNeedsReauth(ctx context.Context, broadcaster, version int64) error {
	u := expression.
		Set(expression.Name("needsReauth"), expression.Value(true)).
		Set(expression.Name("version"), expression.Value(version+1)).
		Remove(expression.Name("leaseUntil")).
		Remove(expression.Name("accessToken")).
		Remove(expression.Name("refreshToken")).
		Remove(expression.Name("accessExpiry")).
		Remove(expression.Name("scope"))
	return s.updateIf(ctx, credentialsKey(broadcaster), u,
		expression.Name("version").Equal(expression.Value(version)), credentialsChanged, "mark Kick credentials for reconnection")
}

// PutCredentials stores the token pair a streamer just granted as
// broadcaster's credentials; scopes, when not nil, are the granted scopes
// and replace t.Scopes.
//
// A new authorisation is newer than anything stored, so it replaces
// whatever is there, healthy, refused or absent, but always as the next
// version (version 1 for a first connection): it is the version path done
// in one write (UpdateItem with ADD version 1). It ends any lease and
// clears needsReauth, and a refresh running meanwhile loses its Save
// (fault.Conflict) and reads this token instead.
func (s *Store) PutCredentials(ctx context.Context, broadcaster int64, t credential.Token, scopes []string) error {
	if broadcaster <= 0 {
		return fault.E(fault.Invalid, "Kick credentials need a broadcaster id")
	}
	if t.Access == "" || t.Refresh == "" {
		return fault.E(fault.Invalid, "Kick credentials need an access and a refresh token")
	}
	if scopes != nil {
		t.Scopes = scopes
	}
	u := setToken(t).
		Set(expression.Name("broadcaster"), expression.Value(broadcaster)).
		Add(expression.Name("version"), expression.Value(1)).
		Remove(expression.Name("leaseUntil"))
	expr, err := expression.NewBuilder().WithUpdate(u).Build()
	if err != nil {
		return fault.Wrap(fault.Internal, err, "build credentials update")
	}
	if err := s.update(ctx, credentialsKey(broadcaster), expr, "save Kick credentials"); err != nil {
		return err
	}
	_, err = s.deleteItem(ctx, legacyCredentialsKey(broadcaster), nil, "delete old Kick credentials")
	return err
}

// DeleteCredentials forgets broadcaster's credentials (when the channel
// is disconnected); deleting none is no error. A refresh running
// meanwhile fails to save and then finds the channel not connected.
func (s *Store) DeleteCredentials(ctx context.Context, broadcaster int64) error {
	if _, err := s.deleteItem(ctx, legacyCredentialsKey(broadcaster), nil, "delete old Kick credentials"); err != nil {
		return err
	}
	_, err := s.deleteItem(ctx, credentialsKey(broadcaster), nil, "delete Kick credentials")
	return err
}
