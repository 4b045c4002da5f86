package dynamo

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/fault"
)

func wantLinked(t *testing.T, s *Store, guild, member string, kick int64, name string) {
	t.Helper()
	k, n, err := s.LinkedKick(t.Context(), guild, member)
	if err != nil || k != kick || n != name {
		t.Errorf("LinkedKick(%s, %s) = %d, %q, %v; want %d, %q", guild, member, k, n, err, kick, name)
	}
	m, err := s.LinkedMember(t.Context(), guild, kick)
	if err != nil || m != member {
		t.Errorf("LinkedMember(%s, %d) = %q, %v; want %q", guild, kick, m, err, member)
	}
}

func wantNoMember(t *testing.T, s *Store, guild string, kick int64) {
	t.Helper()
	if m, err := s.LinkedMember(t.Context(), guild, kick); !fault.Is(err, fault.NotFound) {
		t.Errorf("LinkedMember(%s, %d) = %q, %v; want not found", guild, kick, m, err)
	}
}

func wantNoKick(t *testing.T, s *Store, guild, member string) {
	t.Helper()
	if k, _, err := s.LinkedKick(t.Context(), guild, member); !fault.Is(err, fault.NotFound) {
		t.Errorf("LinkedKick(%s, %s) = %d, %v; want not found", guild, member, k, err)
	}
}

// runLinkSuite checks account links.
func runLinkSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("Links", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()

		wantNoKick(t, s, "g", "d1")
		wantNoMember(t, s, "g", 11)
		wantKind(t, "Unlink without a link", s.Unlink(ctx, "g", "d1"), fault.NotFound)

		check(t, "Link", s.Link(ctx, "g", "d1", 11, "alice"))
		wantLinked(t, s, "g", "d1", 11, "alice")
		// Again, with the Kick account renamed.
		check(t, "Link again", s.Link(ctx, "g", "d1", 11, "alice2"))
		wantLinked(t, s, "g", "d1", 11, "alice2")

		// Another member cannot take the Kick account.
		err := s.Link(ctx, "g", "d2", 11, "alice2")
		wantKind(t, "Link of a taken Kick account", err, fault.Conflict)
		if got := fault.Message(err); got != "that Kick account is linked to another member" {
			t.Errorf("Link of a taken Kick account says %q", got)
		}
		wantLinked(t, s, "g", "d1", 11, "alice2")
		wantNoKick(t, s, "g", "d2")

		// The member moves to another Kick account: the old one is free.
		check(t, "relink", s.Link(ctx, "g", "d1", 12, "bob"))
		wantLinked(t, s, "g", "d1", 12, "bob")
		wantNoMember(t, s, "g", 11)
		check(t, "Link of the freed account", s.Link(ctx, "g", "d2", 11, "alice2"))
		wantLinked(t, s, "g", "d2", 11, "alice2")
		wantKind(t, "Link of the moved-to account", s.Link(ctx, "g", "d2", 12, "bob"), fault.Conflict)
		wantLinked(t, s, "g", "d2", 11, "alice2")

		// Links are per guild.
		check(t, "Link in another guild", s.Link(ctx, "h", "d3", 12, "bob"))
		wantLinked(t, s, "h", "d3", 12, "bob")
		wantLinked(t, s, "g", "d1", 12, "bob")

		check(t, "Link", s.Link(ctx, "g", "d10", 13, "cat"))
		paged := *s
		paged.pageSize = 1
		got, err := paged.Links(ctx, "g")
		check(t, "Links", err)
		want := []Link{{"d1", 12, "bob"}, {"d10", 13, "cat"}, {"d2", 11, "alice2"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Links(g) (-want +got):\n%s", diff)
		}

		check(t, "Unlink", s.Unlink(ctx, "g", "d1"))
		wantNoKick(t, s, "g", "d1")
		wantNoMember(t, s, "g", 12)
		wantLinked(t, s, "h", "d3", 12, "bob")
		wantKind(t, "Unlink again", s.Unlink(ctx, "g", "d1"), fault.NotFound)
		got, err = s.Links(ctx, "g")
		check(t, "Links", err)
		if diff := cmp.Diff([]Link{{"d10", 13, "cat"}, {"d2", 11, "alice2"}}, got); diff != "" {
			t.Errorf("Links(g) after Unlink (-want +got):\n%s", diff)
		}
		if got, err := s.Links(ctx, "nobody"); err != nil || len(got) != 0 {
			t.Errorf("Links of a guild without links = %v, %v; want none", got, err)
		}
		// Unlinked, the Kick account can go to someone else.
		check(t, "Link", s.Link(ctx, "g", "d4", 12, "bob"))
		wantLinked(t, s, "g", "d4", 12, "bob")

		for name, err := range map[string]error{
			"Link without a guild":     s.Link(ctx, "", "d1", 1, "x"),
			"Link without a member":    s.Link(ctx, "g", "", 1, "x"),
			"Link without a Kick user": s.Link(ctx, "g", "d1", 0, "x"),
			"Unlink without a member":  s.Unlink(ctx, "g", ""),
		} {
			wantKind(t, name, err, fault.Invalid)
		}
		_, _, err = s.LinkedKick(ctx, "", "d1")
		wantKind(t, "LinkedKick without a guild", err, fault.Invalid)
		_, err = s.LinkedMember(ctx, "g", 0)
		wantKind(t, "LinkedMember without a Kick user", err, fault.Invalid)
		_, err = s.Links(ctx, "")
		wantKind(t, "Links without a guild", err, fault.Invalid)
	})

	// LinkRaces: members racing for one Kick account, and one member
	// racing between accounts, always leave links that agree both ways.
	t.Run("LinkRaces", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()

		wins, errs := race(5, func(i int) error { return s.Link(ctx, "g", fmt.Sprintf("d%d", i), 11, "alice") })
		if wins != 1 {
			t.Errorf("%d of 5 members linking one Kick account won, want 1", wins)
		}
		for _, err := range errs {
			wantKind(t, "losing Link", err, fault.Conflict)
		}
		links, err := s.Links(ctx, "g")
		check(t, "Links", err)
		if len(links) != 1 {
			t.Fatalf("Links after the race = %v, want one", links)
		}
		wantLinked(t, s, "g", links[0].DiscordUser, 11, "alice")

		_, errs = race(5, func(i int) error { return s.Link(ctx, "g", "m", int64(20+i), "x") })
		for _, err := range errs {
			if !fault.Is(err, fault.Transient) {
				t.Errorf("Link racing itself = %v, want success or transient", err)
			}
		}
		k, _, err := s.LinkedKick(ctx, "g", "m")
		check(t, "LinkedKick", err)
		for i := range 5 {
			kick := int64(20 + i)
			if kick == k {
				wantLinked(t, s, "g", "m", k, "x")
			} else {
				wantNoMember(t, s, "g", kick)
			}
		}
	})
}

// hookTx runs before, once, ahead of the first transaction: a change
// landing between a method's reads and its write.
type hookTx struct {
	API
	before func()
	calls  int
}

func (h *hookTx) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	h.calls++
	if f := h.before; f != nil {
		h.before = nil
		f()
	}
	return h.API.TransactWriteItems(ctx, in, o...)
}

// withHook returns a copy of s whose first transaction runs before first.
func withHook(t *testing.T, s *Store, before func()) (*Store, *hookTx) {
	t.Helper()
	h := &hookTx{API: s.Client, before: before}
	hooked := *s
	hooked.Client = h
	return &hooked, h
}

// runLinkRaceSuite makes a link change lose a race between its reads and
// its transaction: DynamoDB cancels the transaction, and the method reads
// again and decides on what it finds.
func runLinkRaceSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("LinkLosesRace", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		hooked, h := withHook(t, s, func() { check(t, "competing Link", s.Link(ctx, "g", "other", 11, "alice")) })
		err := hooked.Link(ctx, "g", "d1", 11, "alice")
		wantKind(t, "Link beaten to the Kick account", err, fault.Conflict)
		if h.calls != 1 {
			t.Errorf("transactions = %d, want 1 (cancelled, then the read finds the conflict)", h.calls)
		}
		wantLinked(t, s, "g", "other", 11, "alice")
		wantNoKick(t, s, "g", "d1")
	})
	t.Run("RelinkLosesRace", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check(t, "Link", s.Link(ctx, "g", "d1", 11, "alice"))
		// The member moves to 12 while our move to 13 is in flight.
		hooked, h := withHook(t, s, func() { check(t, "competing relink", s.Link(ctx, "g", "d1", 12, "bob")) })
		check(t, "relink", hooked.Link(ctx, "g", "d1", 13, "cat"))
		if h.calls != 2 {
			t.Errorf("transactions = %d, want 2 (cancelled, then done)", h.calls)
		}
		wantLinked(t, s, "g", "d1", 13, "cat")
		wantNoMember(t, s, "g", 11)
		wantNoMember(t, s, "g", 12)
	})
	t.Run("UnlinkLosesRace", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check(t, "Link", s.Link(ctx, "g", "d1", 11, "alice"))
		hooked, h := withHook(t, s, func() { check(t, "competing relink", s.Link(ctx, "g", "d1", 12, "bob")) })
		check(t, "Unlink", hooked.Unlink(ctx, "g", "d1"))
		if h.calls != 2 {
			t.Errorf("transactions = %d, want 2 (cancelled, then done)", h.calls)
		}
		wantNoKick(t, s, "g", "d1")
		wantNoMember(t, s, "g", 11)
		wantNoMember(t, s, "g", 12)
	})
}

func TestLinksEmbedded(t *testing.T) {
	newStore := func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	}
	runLinkSuite(t, newStore)
	runLinkRaceSuite(t, newStore)
}

// TestLinkItems checks the stored shape of a link: both items in the
// guild's partition, and no attribute that would put them in an index.
func TestLinkItems(t *testing.T) {
	s, _ := newEmbedded(t)
	check(t, "Link", s.Link(t.Context(), "g", "d1", 11, "alice"))
	for _, k := range []itemKey{{"GUILD#g", "LINK#MEMBER#d1"}, {"GUILD#g", "LINK#KICK#11"}} {
		got := decodeItem[linkRecord](t, s, k)
		want := linkRecord{itemKey: k, DiscordUser: "d1", KickUser: 11, KickName: "alice"}
		if got != want {
			t.Errorf("item %v = %+v, want %+v", k, got, want)
		}
		for attr := range rawItem(t, s, k) {
			if slices.Contains([]string{"guild", "lastChatAt", "watchMinutes", "pointsMilli", "liveIndex", "connIndex", "nameKey", "expiresAt"}, attr) {
				t.Errorf("item %v has the index or TTL attribute %s", k, attr)
			}
		}
	}
}
