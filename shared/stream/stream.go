// Package stream holds what the bot knows about a guild's Kick stream:
// whether it is live, since when, and its title and category.
package stream

import (
	"time"

	"github.com/kickbot/kickbot/shared/event"
)

// State is a guild's view of its connected stream.
type State struct {
	Guild     string
	Live      bool
	Title     string
	StartedAt time.Time
	// EndedAt is zero while live or when no end has been seen.
	EndedAt  time.Time
	Category event.Category
	Language string
	Mature   bool
	// StatusAt and MetadataAt are the delivery times of the status and
	// metadata events last applied; an older event never overwrites a newer.
	StatusAt   time.Time
	MetadataAt time.Time
	// CheckedAt is when Kick's channels API last confirmed the status
	// (the reconcile); zero when never.
	CheckedAt time.Time
}

// Known is when the status was last known true: its event or the last
// check that confirmed it, whichever is later.
func (s State) Known() time.Time {
	if s.CheckedAt.After(s.StatusAt) {
		return s.CheckedAt
	}
	return s.StatusAt
}

// Connection ties a Kick channel (its broadcaster's user id) to a guild.
type Connection struct {
	Guild       string
	Broadcaster int64
}

// Observation is a channel's live status as Kick's API reports it when
// asked, as opposed to a status event it pushed.
type Observation struct {
	Broadcaster int64
	Live        bool
	Title       string
	StartedAt   time.Time
}

// Differs reports whether o contradicts what s believes.
func (s State) Differs(o Observation) bool { return s.Live != o.Live }
