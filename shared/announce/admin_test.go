package announce_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

func admin(id, sub string, opts ...string) interact.Request {
	r := interact.Request{ID: id, Guild: guild, UserID: "9", CanManage: true, Command: "announce", Sub: sub, Options: map[string]string{}, At: t0}
	for i := 0; i+1 < len(opts); i += 2 {
		r.Options[opts[i]] = opts[i+1]
	}
	return r
}

func TestAnnounceCommands(t *testing.T) {
	st, p := newStore(announceCh), &poster{}
	s := service(st, p)
	steps := []struct {
		r    interact.Request
		want map[announce.Kind]announce.Setting
	}{
		{admin("i1", "set", "kind", "sub", "channel", followCh, "message", " {user} x{months} ", "role", streamerRol),
			map[announce.Kind]announce.Setting{announce.Sub: {On: true, Channel: followCh, Template: "{user} x{months}", Role: streamerRol}}},
		// A new channel keeps the message and role.
		{admin("i2", "set", "kind", "sub", "channel", "201"),
			map[announce.Kind]announce.Setting{announce.Sub: {On: true, Channel: "201", Template: "{user} x{months}", Role: streamerRol}}},
		{admin("i3", "off", "kind", "live"),
			map[announce.Kind]announce.Setting{announce.Sub: {On: true, Channel: "201", Template: "{user} x{months}", Role: streamerRol}, announce.Live: {}}},
		{admin("i4", "off", "kind", "sub"),
			map[announce.Kind]announce.Setting{announce.Sub: {Channel: "201", Template: "{user} x{months}", Role: streamerRol}, announce.Live: {}}},
	}
	for _, step := range steps {
		if _, err := s.Handle(t.Context(), step.r); err != nil {
			t.Fatalf("Handle(%s %v) = %v", step.r.Sub, step.r.Options, err)
		}
		if diff := cmp.Diff(step.want, st.cfg.Kinds); diff != "" {
			t.Fatalf("after %s %v (-want +got):\n%s", step.r.Sub, step.r.Options, diff)
		}
	}
	// A replay of i1 changes nothing.
	if _, err := s.Handle(t.Context(), steps[0].r); err != interact.ErrApplied {
		t.Errorf("Handle(replay) = %v, want ErrApplied", err)
	}
	resp, err := s.Handle(t.Context(), admin("i5", "list"))
	if err != nil || len(resp.Embeds) != 1 {
		t.Fatalf("list = %+v, %v", resp, err)
	}
	var got []string
	for _, f := range resp.Embeds[0].Fields {
		got = append(got, f.Name+": "+strings.SplitN(f.Value, "\n", 2)[0])
	}
	want := []string{"live: off", "offline: <#100> (the announcement channel)", "follow: off", "sub: off", "gift: off", "kicks: off", "redemption: off", "clip: off"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
}

func TestAnnounceCommandsRefuse(t *testing.T) {
	long := strings.Repeat("x", announce.MaxTemplate+1)
	tests := []struct {
		name string
		r    interact.Request
	}{
		{"unknown kind", admin("b1", "set", "kind", "raid", "channel", followCh)},
		{"no channel", admin("b2", "set", "kind", "sub")},
		{"channel not an id", admin("b3", "set", "kind", "sub", "channel", "#general")},
		{"role not an id", admin("b4", "set", "kind", "sub", "channel", followCh, "role", "@mods")},
		{"message too long", admin("b5", "set", "kind", "sub", "channel", followCh, "message", long)},
		{"off of an unknown kind", admin("b6", "off", "kind", "")},
		{"test of an unknown kind", admin("b7", "test", "kind", "x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, p := newStore(announceCh), &poster{}
			if _, err := service(st, p).Handle(t.Context(), tt.r); !fault.Is(err, fault.Invalid) {
				t.Errorf("Handle() = %v, want invalid", err)
			}
			if st.cfg.Version != 0 || len(p.got) != 0 {
				t.Errorf("config %+v, posts %d: bad input changed something", st.cfg, len(p.got))
			}
		})
	}
}

func TestAnnounceTest(t *testing.T) {
	for _, kind := range announce.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			st, p := newStore(announceCh), &poster{}
			st.cfg.Kinds = allOn()
			s := service(st, p)
			r := admin("t-"+string(kind), "test", "kind", string(kind))
			for range 2 { // the worker's retry posts once
				resp, err := s.Handle(t.Context(), r)
				if err != nil || !strings.Contains(resp.Content, "<#"+followCh+">") {
					t.Fatalf("test = %+v, %v, want the channel named", resp, err)
				}
			}
			if len(p.got) != 1 {
				t.Fatalf("posts = %d, want 1", len(p.got))
			}
			m := p.got[0]
			if m.Channel != followCh || m.Embed.Title == "" || m.Content == "" || strings.Contains(m.Content, "{") {
				t.Errorf("sample = %+v, want a filled post in the kind's channel", m)
			}
		})
	}
	st, p := newStore(""), &poster{}
	resp, err := service(st, p).Handle(t.Context(), admin("t-off", "test", "kind", "sub"))
	if err != nil || !strings.Contains(resp.Content, "off") || len(p.got) != 0 {
		t.Errorf("test of a kind that is off = %+v, %v, %d posts; want an explanation and no post", resp, err, len(p.got))
	}
}

func TestDueAt(t *testing.T) {
	tests := []struct{ opened, want time.Time }{
		{t0, time.Date(2026, 3, 14, 20, 6, 0, 0, time.UTC)},
		{time.Date(2026, 3, 14, 20, 0, 0, 0, time.UTC), time.Date(2026, 3, 14, 20, 5, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := announce.DueAt(tt.opened); !got.Equal(tt.want) {
			t.Errorf("DueAt(%v) = %v, want %v", tt.opened, got, tt.want)
		}
	}
}

// flaps records the flap windows /announce set sets.
type flaps struct {
	set  map[string]time.Duration
	fail error
}

func (f *flaps) SetFlapWindow(_ context.Context, guild string, d time.Duration) error {
	if f.fail != nil {
		return f.fail
	}
	if f.set == nil {
		f.set = map[string]time.Duration{}
	}
	f.set[guild] = d
	return nil
}

func (f *flaps) FlapWindow(_ context.Context, guild string) (time.Duration, error) {
	if f.fail != nil {
		return 0, f.fail
	}
	if d := f.set[guild]; d > 0 {
		return d, nil
	}
	return announce.DefaultFlapMinutes * time.Minute, nil
}

func TestAnnounceFlapMinutes(t *testing.T) {
	tests := []struct {
		name     string
		opts     []string
		wantFlap time.Duration
		wantSaid string // in the answer
	}{
		{"set", []string{"flap_minutes", "25"}, 25 * time.Minute, "within 25 min of going offline"},
		{"the most", []string{"flap_minutes", "120"}, 2 * time.Hour, "within 120 min"},
		{"0 is the default", []string{"flap_minutes", "0"}, 0, "within 10 min"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, f := newStore(announceCh), &flaps{}
			s := service(st, &poster{})
			s.Flaps = f
			r := admin("f1", "set", append([]string{"kind", "live", "channel", followCh}, tt.opts...)...)
			resp, err := s.Handle(t.Context(), r)
			if err != nil || !strings.Contains(resp.Content, tt.wantSaid) {
				t.Fatalf("Handle(set live %v) = %q, %v; want an answer holding %q", tt.opts, resp.Content, err, tt.wantSaid)
			}
			if d, ok := f.set[guild]; !ok || d != tt.wantFlap {
				t.Errorf("flap window = %v (set %v), want %v", d, ok, tt.wantFlap)
			}
			if got := st.cfg.Setting(announce.Live); got.Channel != followCh || !got.On {
				t.Errorf("live setting = %+v, want on in %s", got, followCh)
			}
			// A replay of the interaction sets nothing again, so it cannot
			// undo a later change.
			f.set[guild] = time.Minute
			if _, err := s.Handle(t.Context(), r); err != interact.ErrApplied {
				t.Errorf("Handle(replay) = %v, want ErrApplied", err)
			}
			if d := f.set[guild]; d != time.Minute {
				t.Errorf("flap window after a replay = %v, want the later 1m", d)
			}
		})
	}
	t.Run("list shows the window", func(t *testing.T) {
		st, f := newStore(announceCh), &flaps{set: map[string]time.Duration{guild: 25 * time.Minute}}
		s := service(st, &poster{})
		s.Flaps = f
		resp, err := s.Handle(t.Context(), admin("f4", "list"))
		if err != nil || len(resp.Embeds) != 1 || len(resp.Embeds[0].Fields) == 0 {
			t.Fatalf("list = %+v, %v", resp, err)
		}
		live := resp.Embeds[0].Fields[0]
		if want := "Back online within 25 min: the same stream"; live.Name != "live" || !strings.Contains(live.Value, want) {
			t.Errorf("list's live field = %+v, want it to hold %q", live, want)
		}
	})
	t.Run("without the option, the window is left alone", func(t *testing.T) {
		st, f := newStore(announceCh), &flaps{}
		s := service(st, &poster{})
		s.Flaps = f
		if _, err := s.Handle(t.Context(), admin("f2", "set", "kind", "live", "channel", followCh)); err != nil || f.set != nil {
			t.Errorf("Handle(set live) = %v, set %v; want no flap window set", err, f.set)
		}
	})
	t.Run("a failure is reported", func(t *testing.T) {
		st, f := newStore(announceCh), &flaps{fail: fault.E(fault.Transient, "store down")}
		s := service(st, &poster{})
		s.Flaps = f
		_, err := s.Handle(t.Context(), admin("f3", "set", "kind", "live", "channel", followCh, "flap_minutes", "5"))
		if !fault.Is(err, fault.Transient) || !strings.Contains(err.Error(), "run the command again") {
			t.Errorf("Handle(set live flap 5) with the window's store down = %v, want Transient, asking to run it again", err)
		}
	})
}

func TestAnnounceFlapMinutesRefused(t *testing.T) {
	tests := []struct {
		name  string
		r     interact.Request
		flaps bool
		kind  fault.Kind
	}{
		{"another kind", admin("g1", "set", "kind", "offline", "channel", followCh, "flap_minutes", "5"), true, fault.Invalid},
		{"negative", admin("g2", "set", "kind", "live", "channel", followCh, "flap_minutes", "-1"), true, fault.Invalid},
		{"past the most", admin("g3", "set", "kind", "live", "channel", followCh, "flap_minutes", "121"), true, fault.Invalid},
		{"not a number", admin("g4", "set", "kind", "live", "channel", followCh, "flap_minutes", "ten"), true, fault.Invalid},
		{"with off", admin("g5", "off", "kind", "live", "flap_minutes", "5"), true, fault.Invalid},
		{"no channel", admin("g6", "set", "kind", "live", "flap_minutes", "5"), true, fault.Invalid},
		{"nothing keeps it", admin("g7", "set", "kind", "live", "channel", followCh, "flap_minutes", "5"), false, fault.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, f := newStore(announceCh), &flaps{}
			s := service(st, &poster{})
			if tt.flaps {
				s.Flaps = f
			}
			if _, err := s.Handle(t.Context(), tt.r); !fault.Is(err, tt.kind) {
				t.Errorf("Handle(%s %v) = %v, want %v", tt.r.Sub, tt.r.Options, err, tt.kind)
			}
			if st.cfg.Version != 0 || f.set != nil {
				t.Errorf("config %+v, flap windows %v: bad input changed something", st.cfg, f.set)
			}
		})
	}
}
