package dynamo

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	miniserver "github.com/truora/minidyn/server"

	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/roles"
)

func rule(minutes int64, role string) roles.Rule { return roles.Rule{Minutes: minutes, RoleID: role} }

// runRoleStoreSuite checks role rules and the grant and report markers.
func runRoleStoreSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("RoleRules", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		paged := *s
		paged.pageSize = 1

		if got, err := s.RoleRules(ctx, "g"); err != nil || len(got) != 0 {
			t.Errorf("RoleRules before any = %v, %v; want none", got, err)
		}
		// Thresholds whose digits sort differently as strings.
		for _, r := range []roles.Rule{rule(600, "r600"), rule(60, "r60"), rule(5, "r5"), rule(0, "r0")} {
			check(t, "AddRoleRule", s.AddRoleRule(ctx, "g", r))
		}
		check(t, "AddRoleRule in another guild", s.AddRoleRule(ctx, "h", roles.Rule{Minutes: 60, RoleID: "other"}))
		check(t, "AddRoleRule again", s.AddRoleRule(ctx, "g", roles.Rule{Minutes: 60, RoleID: "r60"}))
		err := s.AddRoleRule(ctx, "g", roles.Rule{Minutes: 60, RoleID: "x"})
		wantKind(t, "AddRoleRule of another role at a taken threshold", err, fault.Conflict)
		if msg := fault.Message(err); !strings.Contains(msg, "60 minutes") {
			t.Errorf("the conflict says %q, want it to name the threshold", msg)
		}
		want := []roles.Rule{rule(0, "r0"), rule(5, "r5"), rule(60, "r60"), rule(600, "r600")}
		got, err := paged.RoleRules(ctx, "g")
		check(t, "RoleRules", err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("RoleRules(g) (-want +got):\n%s", diff)
		}

		check(t, "RemoveRoleRule", s.RemoveRoleRule(ctx, "g", 60))
		wantKind(t, "RemoveRoleRule again", s.RemoveRoleRule(ctx, "g", 60), fault.NotFound)
		got, err = s.RoleRules(ctx, "g")
		check(t, "RoleRules", err)
		if diff := cmp.Diff([]roles.Rule{rule(0, "r0"), rule(5, "r5"), rule(600, "r600")}, got); diff != "" {
			t.Errorf("RoleRules(g) after removal (-want +got):\n%s", diff)
		}
		got, err = s.RoleRules(ctx, "h")
		check(t, "RoleRules", err)
		if diff := cmp.Diff([]roles.Rule{rule(60, "other")}, got); diff != "" {
			t.Errorf("RoleRules(h) (-want +got):\n%s", diff)
		}
		check(t, "AddRoleRule at a freed threshold", s.AddRoleRule(ctx, "g", roles.Rule{Minutes: 60, RoleID: "x"}))

		wantKind(t, "AddRoleRule without a role", s.AddRoleRule(ctx, "g", roles.Rule{Minutes: 1}), fault.Invalid)
		wantKind(t, "AddRoleRule below zero", s.AddRoleRule(ctx, "g", roles.Rule{Minutes: -1, RoleID: "r"}), fault.Invalid)
		wantKind(t, "AddRoleRule without a guild", s.AddRoleRule(ctx, "", roles.Rule{Minutes: 1, RoleID: "r"}), fault.Invalid)
		wantKind(t, "RemoveRoleRule without a guild", s.RemoveRoleRule(ctx, "", 1), fault.Invalid)
	})

	t.Run("Markers", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		paged := *s
		paged.pageSize = 1

		if got, err := s.Granted(ctx, "g"); err != nil || len(got) != 0 {
			t.Errorf("Granted before any = %v, %v; want none", got, err)
		}
		for _, tc := range []struct {
			guild, user, role string
			first             bool
		}{
			{"g", "u1", "r1", true},
			{"g", "u1", "r1", false},
			{"g", "u1", "r2", true},
			{"g", "u2", "r1", true},
			{"h", "u1", "r1", true},
			{"g", "u2", "r1", false},
		} {
			first, err := s.MarkGranted(ctx, tc.guild, tc.user, tc.role)
			if err != nil || first != tc.first {
				t.Errorf("MarkGranted(%s, %s, %s) = %v, %v; want %v", tc.guild, tc.user, tc.role, first, err, tc.first)
			}
		}
		got, err := paged.Granted(ctx, "g")
		check(t, "Granted", err)
		if diff := cmp.Diff(map[string][]string{"u1": {"r1", "r2"}, "u2": {"r1"}}, got); diff != "" {
			t.Errorf("Granted(g) (-want +got):\n%s", diff)
		}
		for _, bad := range [][3]string{{"", "u", "r"}, {"g", "", "r"}, {"g", "u", ""}, {"g", "u#1", "r"}, {"g", "u", "r#1"}} {
			_, err := s.MarkGranted(ctx, bad[0], bad[1], bad[2])
			wantKind(t, "MarkGranted"+strings.Join(bad[:], ","), err, fault.Invalid)
		}

		for _, tc := range []struct {
			guild, key string
			first      bool
		}{
			{"g", "missing-permission", true},
			{"g", "missing-permission", false},
			{"h", "missing-permission", true},
			{"g", "role-gone#r1", true},
		} {
			first, err := s.MarkReported(ctx, tc.guild, tc.key)
			if err != nil || first != tc.first {
				t.Errorf("MarkReported(%s, %s) = %v, %v; want %v", tc.guild, tc.key, first, err, tc.first)
			}
		}
		_, err = s.MarkReported(ctx, "g", "")
		wantKind(t, "MarkReported without a key", err, fault.Invalid)
		// Report markers are not grants.
		if got, err := s.Granted(ctx, "h"); err != nil || len(got) != 1 {
			t.Errorf("Granted(h) = %v, %v; want u1 only", got, err)
		}

		var firsts [10]bool
		wins, errs := race(10, func(i int) error {
			first, err := s.MarkGranted(ctx, "g", "u9", "r9")
			firsts[i] = first
			return err
		})
		n := 0
		for _, f := range firsts {
			if f {
				n++
			}
		}
		if wins != 10 || n != 1 {
			t.Errorf("10 concurrent MarkGranted: %d succeeded (errors %v), %d first; want 10 and 1", wins, errs, n)
		}
	})
}

func TestRoleStoreEmbedded(t *testing.T) {
	runRoleStoreSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}

// TestIssue5EmbeddedFailure checks that DynamoDB failing surfaces as
// Transient from every method in this part of the store.
func TestIssue5EmbeddedFailure(t *testing.T) {
	s, srv := newEmbedded(t)
	ctx := t.Context()
	check(t, "PutCredentials", s.PutCredentials(ctx, 100, firstToken, nil))
	check(t, "Link", s.Link(ctx, "g", "d1", 11, "alice"))

	srv.EmulateFailure(miniserver.FailureConditionInternalServerError)
	defer srv.EmulateFailure(miniserver.FailureConditionNone)
	tok := credential.Token{Access: "a", Refresh: "r"}
	for name, call := range map[string]func() error{
		"Load":              func() error { _, err := s.Load(ctx, 100); return err },
		"Lease":             func() error { return s.Lease(ctx, 100, 1, at(0), at(1)) },
		"Release":           func() error { return s.Release(ctx, 100, 1, at(1)) },
		"Save":              func() error { return s.Save(ctx, 100, 1, tok) },
		"MarkNeedsReauth":   func() error { return s.MarkNeedsReauth(ctx, 100, 1) },
		"PutCredentials":    func() error { return s.PutCredentials(ctx, 100, tok, nil) },
		"DeleteCredentials": func() error { return s.DeleteCredentials(ctx, 100) },
		"ClaimNonce":        func() error { return s.ClaimNonce(ctx, "n", at(1)) },
		"Link":              func() error { return s.Link(ctx, "g", "d2", 12, "bob") },
		"Unlink":            func() error { return s.Unlink(ctx, "g", "d1") },
		"LinkedKick":        func() error { _, _, err := s.LinkedKick(ctx, "g", "d1"); return err },
		"LinkedMember":      func() error { _, err := s.LinkedMember(ctx, "g", 11); return err },
		"Links":             func() error { _, err := s.Links(ctx, "g"); return err },
		"AddRoleRule":       func() error { return s.AddRoleRule(ctx, "g", roles.Rule{Minutes: 1, RoleID: "r"}) },
		"RemoveRoleRule":    func() error { return s.RemoveRoleRule(ctx, "g", 1) },
		"RoleRules":         func() error { _, err := s.RoleRules(ctx, "g"); return err },
		"MarkGranted":       func() error { _, err := s.MarkGranted(ctx, "g", "u", "r"); return err },
		"Granted":           func() error { _, err := s.Granted(ctx, "g"); return err },
		"MarkReported":      func() error { _, err := s.MarkReported(ctx, "g", "k"); return err },
	} {
		wantKind(t, name+" during a DynamoDB failure", call(), fault.Transient)
	}
	srv.EmulateFailure(miniserver.FailureConditionNone)

	// Only the writes beyond API failing: the transactions and deletes.
	failing := *s
	failing.Client = txFails{API: s.Client, err: sdkError(500, &types.InternalServerError{})}
	wantKind(t, "Link with transactions failing", failing.Link(ctx, "g", "d2", 12, "bob"), fault.Transient)
	wantKind(t, "Unlink with transactions failing", failing.Unlink(ctx, "g", "d1"), fault.Transient)
	wantKind(t, "DeleteCredentials with deletes failing", failing.DeleteCredentials(ctx, 100), fault.Transient)
	wantLinked(t, s, "g", "d1", 11, "alice")
	wantNoKick(t, s, "g", "d2")
}

// txFails is a client whose deletes and transactions fail with err.
type txFails struct {
	API
	err error
}

func (f txFails) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return nil, f.err
}

func (f txFails) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return nil, f.err
}
