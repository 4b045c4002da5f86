package dynamo

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	miniserver "github.com/truora/minidyn/server"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/rolesync"
)

// runRoleSyncStoreSuite checks what the role sync and the notices read
// and write beyond the role store.
func runRoleSyncStoreSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("LinkedViewers", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		paged := *s
		paged.pageSize = 1
		if got, err := s.LinkedViewers(ctx, "g"); err != nil || len(got) != 0 {
			t.Errorf("LinkedViewers before any = %v, %v; want none", got, err)
		}
		check(t, "Link", s.Link(ctx, "g", "d2", 12, "bob"))
		check(t, "Link", s.Link(ctx, "g", "d1", 11, "alice"))
		check(t, "Link", s.Link(ctx, "h", "d3", 13, "cleo"))
		got, err := paged.LinkedViewers(ctx, "g")
		check(t, "LinkedViewers", err)
		want := []rolesync.Link{{DiscordUser: "d1", KickUser: 11}, {DiscordUser: "d2", KickUser: 12}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("LinkedViewers(g) (-want +got):\n%s", diff)
		}
		wantKind(t, "LinkedViewers without a guild", func() error { _, err := s.LinkedViewers(ctx, ""); return err }(), fault.Invalid)
	})

	t.Run("WatchMinutes", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		seedBoards(t, s)
		tests := []struct {
			guild string
			users []int64
			want  map[int64]int64
		}{
			// 8 has no watchMinutes yet; 42 was never seen; 3 asked twice.
			{"g", []int64{3, 5, 8, 42, 1, 3}, map[int64]int64{1: 9, 3: 95, 5: 981, 8: 0}},
			{"h", []int64{1, 2}, map[int64]int64{1: 99999}},
			{"g", nil, map[int64]int64{}},
		}
		for _, tt := range tests {
			got, err := s.WatchMinutes(ctx, tt.guild, tt.users)
			check(t, "WatchMinutes", err)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("WatchMinutes(%s, %v) (-want +got):\n%s", tt.guild, tt.users, diff)
			}
		}
		wantKind(t, "WatchMinutes without a guild", func() error { _, err := s.WatchMinutes(ctx, "", []int64{1}); return err }(), fault.Invalid)
		wantKind(t, "WatchMinutes of user 0", func() error { _, err := s.WatchMinutes(ctx, "g", []int64{0}); return err }(), fault.Invalid)
	})

	t.Run("ForgetReported", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check(t, "ForgetReported of none", s.ForgetReported(ctx, "g", "role-above#1"))
		for i, want := range []bool{true, false} {
			first, err := s.MarkReported(ctx, "g", "role-above#1")
			if err != nil || first != want {
				t.Errorf("MarkReported #%d = %v, %v; want %v", i+1, first, err, want)
			}
		}
		check(t, "MarkReported in another guild", func() error { _, err := s.MarkReported(ctx, "h", "role-above#1"); return err }())
		check(t, "ForgetReported", s.ForgetReported(ctx, "g", "role-above#1"))
		if first, err := s.MarkReported(ctx, "g", "role-above#1"); err != nil || !first {
			t.Errorf("MarkReported after ForgetReported = %v, %v; want first", first, err)
		}
		if first, err := s.MarkReported(ctx, "h", "role-above#1"); err != nil || first {
			t.Errorf("MarkReported in the other guild = %v, %v; want still marked", first, err)
		}
		wantKind(t, "ForgetReported without a key", s.ForgetReported(ctx, "g", ""), fault.Invalid)
	})
}

func TestRoleSyncStoreEmbedded(t *testing.T) {
	runRoleSyncStoreSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}

func TestRoleSyncStoreEmbeddedFailure(t *testing.T) {
	s, srv := newEmbedded(t)
	ctx := t.Context()
	srv.EmulateFailure(miniserver.FailureConditionInternalServerError)
	wantAllTransient(t, []storeCall{
		{"LinkedViewers", func() error { _, err := s.LinkedViewers(ctx, "g"); return err }},
		{"WatchMinutes", func() error { _, err := s.WatchMinutes(ctx, "g", []int64{1}); return err }},
		{"ForgetReported", func() error { return s.ForgetReported(ctx, "g", "k") }},
	})
}
