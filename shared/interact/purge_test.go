package interact_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

// fakePurge records the guilds it purged.
type fakePurge struct{ purged []string }

func (p *fakePurge) PurgeGuild(_ context.Context, guild string) (int, error) {
	p.purged = append(p.purged, guild)
	return 42, nil
}

func purgeClick(id string, canManage bool) interact.Request {
	r := member("", "")
	r.Component, r.CanManage = id, canManage
	return r
}

func TestKickDisconnectPurge(t *testing.T) {
	ctx := context.Background()
	h, k, _, _ := kickHandler()
	p := &fakePurge{}
	h.Purge = p

	// The command only asks: nothing is disconnected or deleted yet.
	ask, err := h.Handle(ctx, admin("kick", "disconnect", "purge", "true"))
	if err != nil {
		t.Fatalf("/kick disconnect purge:true = %v", err)
	}
	if len(ask.Buttons) != 1 || !ask.Ephemeral || len(k.disconnected)+len(p.purged) != 0 {
		t.Fatalf("/kick disconnect purge:true = %+v, disconnected %v, purged %v; want a private confirmation only", ask, k.disconnected, p.purged)
	}
	button := ask.Buttons[0].ID
	if r := purgeClick(button, true); !interact.Deferred(r) || !interact.Private(r) {
		t.Errorf("the purge button: Deferred %v, Private %v; want the worker's, for the clicker alone", interact.Deferred(r), interact.Private(r))
	}

	t.Run("a member without Manage Server", func(t *testing.T) {
		_, err := h.Handle(ctx, purgeClick(button, false))
		if fault.KindOf(err) != fault.Forbidden || len(p.purged) != 0 {
			t.Errorf("click = %v, purged %v; want Forbidden and nothing purged", err, p.purged)
		}
	})
	t.Run("an admin, twice", func(t *testing.T) {
		for try := range 2 { // the second finds the channel disconnected
			if _, err := h.Handle(ctx, purgeClick(button, true)); err != nil {
				t.Fatalf("click %d = %v", try, err)
			}
			k.status.Connected = false
		}
		if diff := cmp.Diff(p.purged, []string{guild, guild}); diff != "" {
			t.Errorf("purged (-got +want):\n%s", diff)
		}
		if diff := cmp.Diff(k.disconnected, []string{guild}); diff != "" {
			t.Errorf("disconnected (-got +want):\n%s", diff)
		}
	})
}

func TestKickDisconnectPurgeNotSetUp(t *testing.T) {
	h, _, _, _ := kickHandler() // no Purge
	for _, r := range []interact.Request{admin("kick", "disconnect", "purge", "true"), purgeClick("purge:confirm", true)} {
		if _, err := h.Handle(context.Background(), r); fault.KindOf(err) != fault.NotFound {
			t.Errorf("Handle(%s%s) = %v, want NotFound", r.Command, r.Component, err)
		}
	}
}

// slowPurge deletes until its context ends, as a guild too large for one
// run.
type slowPurge struct{}

func (slowPurge) PurgeGuild(ctx context.Context, _ string) (int, error) {
	<-ctx.Done()
	return 10, fault.Wrap(fault.Transient, ctx.Err(), "purge")
}

func TestKickDisconnectPurgeStopsBeforeTheDeadline(t *testing.T) {
	h, _, _, _ := kickHandler()
	h.Purge = slowPurge{}
	// The run's deadline is already within the margin: the purge stops at
	// once, before the caller's context ends.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := h.Handle(ctx, purgeClick("purge:confirm", true))
	if fault.KindOf(err) != fault.Transient || ctx.Err() != nil {
		t.Errorf("click = %v (caller's context: %v), want Transient before the caller's deadline, for a retry to continue", err, ctx.Err())
	}
}
