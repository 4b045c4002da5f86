package dynamo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/fault"
)

var firstToken = credential.Token{Access: "a1", Refresh: "r1", Expiry: t0.Add(2 * time.Hour), Scopes: []string{"ignored"}}

// race runs call n times at once and returns how many succeeded and the
// errors of the others; a call that fails transiently is tried up to
// three times.
func race(n int, call func(i int) error) (wins int, errs []error) {
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			err := call(i)
			// A transient failure (moto drops a connection under this load)
			// is retried, as the SDK or the queue would retry it.
			for try := 1; try < 3 && fault.Is(err, fault.Transient); try++ {
				err = call(i)
			}
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				wins++
			} else {
				errs = append(errs, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return wins, errs
}

func wantKind(t *testing.T, what string, err error, k fault.Kind) {
	t.Helper()
	if !fault.Is(err, k) {
		t.Errorf("%s = %v (kind %v), want %v", what, err, fault.KindOf(err), k)
	}
}

func wantRecord(t *testing.T, s *Store, want credential.Record) {
	t.Helper()
	got, err := s.Load(t.Context(), 100)
	check(t, "Load", err)
	opt := cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })
	if diff := cmp.Diff(want, got, opt); diff != "" {
		t.Errorf("Load(100) (-want +got):\n%s", diff)
	}
}

// runCredentialSuite checks the credential.Store methods.
func runCredentialSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("Lifecycle", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()

		_, err := s.Load(ctx, 100)
		wantKind(t, "Load before connecting", err, fault.NotFound)
		wantKind(t, "Lease before connecting", s.Lease(ctx, 100, 0, at(0), at(1)), fault.Conflict)
		wantKind(t, "Save before connecting", s.Save(ctx, 100, 0, firstToken), fault.Conflict)

		check(t, "PutCredentials", s.PutCredentials(ctx, 100, firstToken, []string{"chat:write", "user:read"}))
		v1 := credential.Record{
			Token:   credential.Token{Access: "a1", Refresh: "r1", Expiry: t0.Add(2 * time.Hour), Scopes: []string{"chat:write", "user:read"}},
			Version: 1,
		}
		wantRecord(t, s, v1)
		item := rawItem(t, s, credentialsKey(100))
		if _, ok := item["expiresAt"]; ok {
			t.Error("the credentials item has expiresAt: DynamoDB would delete it")
		}
		wantNumber(t, item, "accessExpiry", t0.Add(2*time.Hour).UnixMilli())
		wantNumber(t, item, "broadcaster", 100)
		// Connected guilds are beside it in the partition, and unaffected.
		check(t, "Connect", s.Connect(ctx, "g", 100, at(0)))
		if got, err := s.Guilds(ctx, 100); err != nil || !slices.Equal(got, []string{"g"}) {
			t.Errorf("Guilds(100) = %v, %v; want [g]", got, err)
		}

		// A lease: only with the version read, and one at a time.
		wantKind(t, "Lease of a stale version", s.Lease(ctx, 100, 0, at(0), at(1)), fault.Conflict)
		wantKind(t, "Lease ending at its start", s.Lease(ctx, 100, 1, at(0), at(0)), fault.Invalid)
		check(t, "Lease", s.Lease(ctx, 100, 1, at(0), at(1)))
		wantKind(t, "Lease while leased", s.Lease(ctx, 100, 1, at(0), at(2)), fault.Conflict)
		v1.LeaseUntil = at(1)
		wantRecord(t, s, v1)
		// Releasing someone else's lease (another end) changes nothing.
		check(t, "Release of another lease", s.Release(ctx, 100, 1, at(2)))
		check(t, "Release at a stale version", s.Release(ctx, 100, 0, at(1)))
		wantRecord(t, s, v1)
		// When the lease has run out, another caller takes over.
		check(t, "Lease after the lease ended", s.Lease(ctx, 100, 1, at(1), at(3)))
		check(t, "Release", s.Release(ctx, 100, 1, at(3)))
		v1.LeaseUntil = time.Time{}
		wantRecord(t, s, v1)
		check(t, "Lease after release", s.Lease(ctx, 100, 1, at(0), at(1)))

		// Save: only at the version read; it bumps it and ends the lease.
		a2 := credential.Token{Access: "a2", Refresh: "r2", Expiry: t0.Add(4 * time.Hour), Scopes: []string{"chat:write"}}
		wantKind(t, "Save of a stale version", s.Save(ctx, 100, 0, a2), fault.Conflict)
		wantKind(t, "Save without a refresh token", s.Save(ctx, 100, 1, credential.Token{Access: "x"}), fault.Invalid)
		check(t, "Save", s.Save(ctx, 100, 1, a2))
		v2 := credential.Record{Token: a2, Version: 2}
		wantRecord(t, s, v2)
		wantKind(t, "Save of version 1 again", s.Save(ctx, 100, 1, firstToken), fault.Conflict)
		wantRecord(t, s, v2)
		// A token without an expiry, or scopes, drops the stored ones.
		check(t, "Save without expiry", s.Save(ctx, 100, 2, credential.Token{Access: "a3", Refresh: "r3"}))
		wantRecord(t, s, credential.Record{Token: credential.Token{Access: "a3", Refresh: "r3"}, Version: 3})

		// Needs reauth: at the version read; the tokens go.
		check(t, "Lease", s.Lease(ctx, 100, 3, at(0), at(1)))
		wantKind(t, "MarkNeedsReauth of a stale version", s.MarkNeedsReauth(ctx, 100, 2), fault.Conflict)
		check(t, "MarkNeedsReauth", s.MarkNeedsReauth(ctx, 100, 3))
		wantRecord(t, s, credential.Record{Version: 4, NeedsReauth: true})
		item = rawItem(t, s, credentialsKey(100))
		for _, attr := range []string{"accessToken", "refreshToken", "leaseUntil", "accessExpiry", "scope"} {
			if _, ok := item[attr]; ok {
				t.Errorf("needs-reauth item keeps %s", attr)
			}
		}

		// Connecting again: the next version, healthy again; and again
		// over healthy credentials, with the token's own scopes.
		check(t, "PutCredentials again", s.PutCredentials(ctx, 100, firstToken, []string{"chat:write"}))
		wantRecord(t, s, credential.Record{Token: credential.Token{Access: "a1", Refresh: "r1", Expiry: firstToken.Expiry, Scopes: []string{"chat:write"}}, Version: 5})
		check(t, "Lease", s.Lease(ctx, 100, 5, at(0), at(1)))
		check(t, "PutCredentials over healthy ones", s.PutCredentials(ctx, 100, a2, nil))
		wantRecord(t, s, credential.Record{Token: a2, Version: 6})
		// The leaseholder of version 5 loses its save.
		wantKind(t, "Save of a replaced version", s.Save(ctx, 100, 5, firstToken), fault.Conflict)

		wantKind(t, "PutCredentials without a token", s.PutCredentials(ctx, 100, credential.Token{}, nil), fault.Invalid)
		wantKind(t, "PutCredentials without a broadcaster", s.PutCredentials(ctx, 0, firstToken, nil), fault.Invalid)

		check(t, "DeleteCredentials", s.DeleteCredentials(ctx, 100))
		_, err = s.Load(ctx, 100)
		wantKind(t, "Load after DeleteCredentials", err, fault.NotFound)
		check(t, "DeleteCredentials again", s.DeleteCredentials(ctx, 100))
		wantKind(t, "Save after DeleteCredentials", s.Save(ctx, 100, 6, a2), fault.Conflict)
		if got, err := s.Guilds(ctx, 100); err != nil || !slices.Equal(got, []string{"g"}) {
			t.Errorf("Guilds(100) after DeleteCredentials = %v, %v; want [g]", got, err)
		}
	})

	// The login is alone in its partition (IAM grants LOGIN# only to the
	// functions that use it): nothing of it is where the webhook reads.
	t.Run("OwnPartition", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check(t, "PutCredentials", s.PutCredentials(ctx, 100, firstToken, nil))
		check(t, "Connect", s.Connect(ctx, "g", 100, at(0)))
		if got := rawItem(t, s, itemKey{PK: "LOGIN#100", SK: "CREDENTIALS"}); len(got) == 0 {
			t.Error("no item at LOGIN#100 CREDENTIALS after PutCredentials")
		}
		items, err := s.queryWhere(ctx, where{key: expression.Key("pk").Equal(expression.Value("KICK#100")), consistent: true}, 0, "read partition")
		check(t, "Query KICK#100", err)
		for _, it := range items {
			if _, ok := it["accessToken"]; ok {
				t.Errorf("partition KICK#100 holds a token: %v", it["sk"])
			}
		}
	})

	// Tables written before the move keep the login at KICK#<broadcaster>:
	// the first Load moves it, PutCredentials and DeleteCredentials remove
	// it, and racing Loads all read it and move it once.
	t.Run("LegacyKey", func(t *testing.T) {
		legacy := func(t *testing.T, s *Store) {
			t.Helper()
			item, err := attributevalue.MarshalMap(credentialRecord{AccessToken: "old-a", RefreshToken: "old-r", Version: 3})
			check(t, "encode legacy credentials", err)
			maps.Copy(item, legacyCredentialsKey(100).av())
			_, err = s.Client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: &s.Table, Item: item})
			check(t, "PutItem legacy credentials", err)
		}
		old := credential.Record{Token: credential.Token{Access: "old-a", Refresh: "old-r"}, Version: 3}
		for _, tc := range []struct {
			name   string
			change func(t *testing.T, s *Store)
			want   *credential.Record // nil: not found
		}{
			{"Load moves it", func(t *testing.T, s *Store) {
				wantRecord(t, s, old)
			}, &old},
			{"racing Loads", func(t *testing.T, s *Store) {
				wins, errs := race(10, func(int) error {
					rec, err := s.Load(t.Context(), 100)
					if err == nil && rec.Access != "old-a" {
						return fmt.Errorf("Load = %v, want the old token", rec)
					}
					return err
				})
				if wins != 10 {
					t.Errorf("%d of 10 racing Loads read the login, want 10: %v", wins, errs)
				}
			}, &old},
			{"PutCredentials replaces it", func(t *testing.T, s *Store) {
				check(t, "PutCredentials", s.PutCredentials(t.Context(), 100, firstToken, nil))
			}, &credential.Record{Token: firstToken, Version: 1}},
			{"DeleteCredentials deletes it", func(t *testing.T, s *Store) {
				check(t, "DeleteCredentials", s.DeleteCredentials(t.Context(), 100))
			}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				s := newStore(t)
				legacy(t, s)
				tc.change(t, s)
				if got := rawItem(t, s, legacyCredentialsKey(100)); len(got) != 0 {
					t.Errorf("item at %v = %v, want none", legacyCredentialsKey(100), got)
				}
				if tc.want == nil {
					_, err := s.Load(t.Context(), 100)
					wantKind(t, "Load", err, fault.NotFound)
					return
				}
				wantRecord(t, s, *tc.want)
			})
		}
	})

	t.Run("LeaseRace", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check(t, "PutCredentials", s.PutCredentials(ctx, 100, firstToken, nil))
		wins, errs := race(10, func(i int) error {
			return s.Lease(ctx, 100, 1, at(0), at(1).Add(time.Duration(i)*time.Millisecond))
		})
		if wins != 1 {
			t.Errorf("%d of 10 concurrent leases won, want 1", wins)
		}
		for _, err := range errs {
			wantKind(t, "losing Lease", err, fault.Conflict)
		}
		wins, errs = race(10, func(i int) error {
			return s.Save(ctx, 100, 1, credential.Token{Access: "a2", Refresh: "r2"})
		})
		if wins != 1 {
			t.Errorf("%d of 10 concurrent saves won, want 1", wins)
		}
		for _, err := range errs {
			wantKind(t, "losing Save", err, fault.Conflict)
		}
		if rec, err := s.Load(ctx, 100); err != nil || rec.Version != 2 || !rec.LeaseUntil.IsZero() {
			t.Errorf("Load after the race = %v, %v; want version 2 without a lease", rec, err)
		}
	})

	// Source runs credential.Source on the store: ten callers with an
	// expired token, one refresh.
	t.Run("Source", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check(t, "PutCredentials", s.PutCredentials(ctx, 100, credential.Token{Access: "a1", Refresh: "r1", Expiry: at(-1)}, nil))
		store := &signalSaves{Store: s, saved: make(chan struct{})}
		var calls atomic.Int64
		src := &credential.Source{
			Store: store,
			Kick: kickFunc(func(context.Context, string) (credential.Token, error) {
				calls.Add(1)
				return credential.Token{Access: "a2", Expiry: at(120)}, nil
			}),
			Now: func() time.Time { return at(0) },
			Wait: func(ctx context.Context, _ time.Duration) error {
				select {
				case <-store.saved:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			},
		}
		var got [10]string
		wins, errs := race(10, func(i int) error {
			tok, err := src.Token(ctx, 100)
			got[i] = tok
			return err
		})
		if wins != 10 {
			t.Errorf("Token failed: %v", errs)
		}
		for i, tok := range got {
			if tok != "a2" {
				t.Errorf("caller %d got %q, want a2", i, tok)
			}
		}
		if n := calls.Load(); n != 1 {
			t.Errorf("Refresh calls = %d, want 1", n)
		}
		wantRecord(t, s, credential.Record{Token: credential.Token{Access: "a2", Refresh: "r1", Expiry: at(120)}, Version: 2})
	})
}

// signalSaves closes saved after the first successful Save.
type signalSaves struct {
	*Store
	saved chan struct{}
	once  sync.Once
}

func (s *signalSaves) Save(ctx context.Context, b, v int64, t credential.Token) error {
	err := s.Store.Save(ctx, b, v, t)
	if err == nil {
		s.once.Do(func() { close(s.saved) })
	}
	return err
}

type kickFunc func(context.Context, string) (credential.Token, error)

func (f kickFunc) Refresh(ctx context.Context, r string) (credential.Token, error) { return f(ctx, r) }
func (kickFunc) Rejected(error) bool                                               { return false }

func TestCredentialsEmbedded(t *testing.T) {
	runCredentialSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}

// TestTransactionCancelled checks how a cancelled transaction's reasons
// are read.
func TestTransactionCancelled(t *testing.T) {
	reason := func(code string) types.CancellationReason { return types.CancellationReason{Code: &code} }
	for _, tc := range []struct {
		codes []string
		want  fault.Kind // Internal with retry meaning "read again" (nil)
		retry bool
	}{
		{[]string{"None", "ConditionalCheckFailed"}, 0, true},
		{[]string{"TransactionConflict", "None"}, 0, true},
		{[]string{"ThrottlingError", "None"}, fault.Transient, false},
		{[]string{"ProvisionedThroughputExceeded"}, fault.Transient, false},
		{[]string{"ValidationError", "None"}, fault.Internal, false},
		{nil, fault.Transient, false},
	} {
		tce := &types.TransactionCanceledException{}
		for _, c := range tc.codes {
			tce.CancellationReasons = append(tce.CancellationReasons, reason(c))
		}
		err := cancelled(tce, sdkError(400, tce), "save")
		switch {
		case tc.retry && err != nil:
			t.Errorf("reasons %v: %v, want a retry (nil)", tc.codes, err)
		case !tc.retry && !fault.Is(err, tc.want):
			t.Errorf("reasons %v: %v (kind %v), want %v", tc.codes, err, fault.KindOf(err), tc.want)
		case !tc.retry && !errors.Is(err, tce):
			t.Errorf("reasons %v: the cause is lost", tc.codes)
		}
	}
}
