package dynamo

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/clip"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

func clipMarker(stream time.Time, id string, sent time.Time, user int64) clip.Marker {
	return clip.Marker{
		Guild: "g", Stream: stream, ID: id, At: sent, Offset: clip.Offset(stream, sent, clip.DefaultLead),
		Title: "title " + id, UserID: user, Username: "u" + id, StreamTitle: "Slots!", Category: "Slots & Casino",
	}
}

// runClipsSuite checks the clip methods: a marker stored once per message
// however often its job runs (also at once), markers read back in order,
// the service's answer recorded once, the streams by day, and the
// settings once per interaction.
func runClipsSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	stream1, stream2 := at(0), at(300)
	// The SDK retries a put whose answer was lost after it landed: the
	// marker is still this call's, to post.
	t.Run("AnswerLost", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		retried := *s
		retried.Client = retriedWrites{s.Client}
		m := clipMarker(stream1, "m9", at(10), 7)
		if _, isNew, err := retried.AddClip(t.Context(), m); err != nil || !isNew {
			t.Errorf("AddClip retried by the SDK = new %v, %v; want new", isNew, err)
		}
		if _, isNew, err := s.AddClip(t.Context(), m); err != nil || isNew {
			t.Errorf("AddClip after it = new %v, %v; want a repeat", isNew, err)
		}
	})
	t.Run("DuplicateJobOneMarker", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		m := clipMarker(stream1, "m1", at(10), 7)
		var wg sync.WaitGroup
		news := make([]bool, 8)
		errs := make([]error, 8)
		for i := range 8 {
			wg.Go(func() { _, news[i], errs[i] = s.AddClip(t.Context(), m) })
		}
		wg.Wait()
		check(t, "AddClip", errors.Join(errs...))
		first := 0
		for _, n := range news {
			if n {
				first++
			}
		}
		if first != 1 {
			t.Errorf("AddClip ×8 at once: %d new, want 1", first)
		}
		again := m
		again.Title, again.Offset = "changed", time.Hour
		got, isNew, err := s.AddClip(t.Context(), again)
		check(t, "AddClip again", err)
		if isNew {
			t.Errorf("AddClip(repeat) new = true, want false")
		}
		if diff := cmp.Diff(m, got); diff != "" {
			t.Errorf("AddClip(repeat) returned not the stored marker (-want +got):\n%s", diff)
		}
		all, err := s.Clips(t.Context(), "g", stream1)
		check(t, "Clips", err)
		if diff := cmp.Diff([]clip.Marker{m}, all); diff != "" {
			t.Errorf("Clips after duplicates (-want +got):\n%s", diff)
		}
	})
	t.Run("InOrderPerStream", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		want := []clip.Marker{clipMarker(stream1, "a", at(5), 1), clipMarker(stream1, "b", at(9), 2), clipMarker(stream1, "c", at(60), 1)}
		other := clipMarker(stream2, "d", at(310), 3)
		for _, m := range []clip.Marker{want[2], other, want[0], want[1]} {
			_, _, err := s.AddClip(t.Context(), m)
			check(t, "AddClip "+m.ID, err)
		}
		got, err := s.Clips(t.Context(), "g", stream1)
		check(t, "Clips", err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Clips(stream1) (-want +got):\n%s", diff)
		}
		streams, err := s.ClipStreams(t.Context(), "g", time.Time{}, at(1000), 5)
		check(t, "ClipStreams", err)
		wantStreams := []clip.StreamInfo{
			{Start: stream2, Title: "Slots!", Category: "Slots & Casino"},
			{Start: stream1, Title: "Slots!", Category: "Slots & Casino"},
		}
		if diff := cmp.Diff(wantStreams, streams); diff != "" {
			t.Errorf("ClipStreams (-want +got):\n%s", diff)
		}
		day, err := s.ClipStreams(t.Context(), "g", stream1, stream1.Add(time.Hour), 1)
		check(t, "ClipStreams(day)", err)
		if len(day) != 1 || !day[0].Start.Equal(stream1) {
			t.Errorf("ClipStreams(first hour) = %v, want the stream of %v", day, stream1)
		}
		none, err := s.Clips(t.Context(), "g", at(900))
		check(t, "Clips(no such stream)", err)
		if len(none) != 0 {
			t.Errorf("Clips(no such stream) = %v, want none", none)
		}
	})
	t.Run("AnswerOnce", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		m := clipMarker(stream1, "m1", at(10), 7)
		_, _, err := s.AddClip(t.Context(), m)
		check(t, "AddClip", err)
		m.Asked, m.ClipURL = true, "https://clips.example/1"
		check(t, "SaveClipAnswer", s.SaveClipAnswer(t.Context(), m))
		later := m
		later.ClipURL = "https://clips.example/other"
		check(t, "SaveClipAnswer again", s.SaveClipAnswer(t.Context(), later))
		got, isNew, err := s.AddClip(t.Context(), clipMarker(stream1, "m1", at(10), 7))
		check(t, "AddClip repeat", err)
		if isNew || markerDiff(got, m) != "" {
			t.Errorf("stored marker after two answers (-want +got):\n%s", markerDiff(got, m))
		}
	})
	t.Run("Settings", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		got, err := s.ClipSettings(t.Context(), "g")
		check(t, "ClipSettings", err)
		if got != clip.Defaults() {
			t.Errorf("ClipSettings(none set) = %+v, want %+v", got, clip.Defaults())
		}
		set := clip.Settings{Lead: 10 * time.Second, Cooldown: 20 * time.Second, UserCooldown: 0}
		check(t, "SaveClipSettings", s.SaveClipSettings(t.Context(), "g", set, cause("i1")))
		if err := s.SaveClipSettings(t.Context(), "g", clip.Defaults(), cause("i1")); !errors.Is(err, interact.ErrApplied) {
			t.Errorf("SaveClipSettings(same interaction) = %v, want ErrApplied", err)
		}
		bad := set
		bad.Cooldown = time.Second
		if err := s.SaveClipSettings(t.Context(), "g", bad, cause("i2")); !fault.Is(err, fault.Invalid) {
			t.Errorf("SaveClipSettings(cooldown 1s) = %v, want fault.Invalid", err)
		}
		got, err = s.ClipSettings(t.Context(), "g")
		check(t, "ClipSettings", err)
		if got != set {
			t.Errorf("ClipSettings = %+v, want %+v", got, set)
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		noID := clipMarker(stream1, "", at(1), 1)
		if _, _, err := s.AddClip(t.Context(), noID); !fault.Is(err, fault.Invalid) {
			t.Errorf("AddClip(no id) = %v, want fault.Invalid", err)
		}
		if _, err := s.Clips(t.Context(), "g", time.Time{}); !fault.Is(err, fault.Invalid) {
			t.Errorf("Clips(no stream) = %v, want fault.Invalid", err)
		}
	})
	t.Run("StreamOutlivesItsMarkers", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		stream := at(500)
		first := clipMarker(stream, "e1", at(510), 7)
		later := clipMarker(stream, "e2", at(530), 8)
		later.StreamTitle = "renamed"
		// The stream item names the markers' partition (ClipStreams,
		// PurgeGuild), so it expires with the stream's latest marker and a
		// repeat of an earlier one does not bring that forward.
		for _, step := range []struct {
			name string
			m    clip.Marker
			want time.Time
		}{
			{"first", first, first.At},
			{"later", later, later.At},
			{"first again", first, later.At},
		} {
			_, _, err := s.AddClip(t.Context(), step.m)
			check(t, "AddClip "+step.name, err)
			item, ok, err := s.getItem(t.Context(), itemKey{PK: guildPrefix + "g", SK: clipStreamSK(stream)}, "load")
			check(t, "getItem", err)
			var r clipStreamRecord
			check(t, "decode", attributevalue.UnmarshalMap(item, &r))
			if want := ttlSeconds(step.want.Add(clip.Life)); !ok || r.ExpiresAt != want || r.Title != first.StreamTitle || r.Start != stream.UnixMilli() {
				t.Errorf("after AddClip(%s) the stream item = %+v (found %v), want title %q, start %d, expiresAt %d",
					step.name, r, ok, first.StreamTitle, stream.UnixMilli(), want)
			}
		}
	})
}

func markerDiff(got, want clip.Marker) string { return cmp.Diff(want, got) }

func TestClipsEmbedded(t *testing.T) {
	runClipsSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}
