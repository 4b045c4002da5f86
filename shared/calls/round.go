package calls

import (
	"slices"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/pick"
)

// Open starts round id, open for calls with limit per viewer (0 no limit)
// and the duplicate rule, committing seed for its first pick. A round that
// is open already is fault.Conflict; a limit outside 0…MaxLimit
// fault.Invalid.
func Open(st State, id string, limit int, allowDuplicates bool, seed pick.Seed, now time.Time) (State, error) {
	switch {
	case st.Round.Open:
		return st, fault.E(fault.Conflict, "calls are open already: /calls close first, or /calls clear to start over")
	case limit < 0 || limit > MaxLimit:
		return st, fault.E(fault.Invalid, "limit_per_user is 0 (no limit) to %d", MaxLimit)
	case id == "" || len(seed) == 0:
		return st, fault.E(fault.Invalid, "a round needs an id and a seed")
	}
	st.Round = Round{ID: id, Open: true, Limit: limit, AllowDuplicates: allowDuplicates, Opened: now, Seed: seed, Commitment: seed.Commitment()}
	return st, nil
}

// Close stops taking calls; the round's calls stay for /calls list and
// /calls pick. A round not open is fault.Conflict.
func Close(st State) (State, error) {
	if !st.Round.Open {
		return st, fault.E(fault.Conflict, "calls are not open")
	}
	st.Round.Open = false
	return st, nil
}

// Clear drops the round's calls by starting round id in its place, open
// or closed as it was, with its rules and seed committed anew. With no
// round yet it is fault.Conflict.
func Clear(st State, id string, seed pick.Seed, now time.Time) (State, error) {
	if st.Round.ID == "" {
		return st, fault.E(fault.Conflict, "there are no calls to clear: /calls open starts a round")
	}
	if id == "" || len(seed) == 0 {
		return st, fault.E(fault.Invalid, "a round needs an id and a seed")
	}
	r := st.Round
	st.Round = Round{ID: id, Open: r.Open, Limit: r.Limit, AllowDuplicates: r.AllowDuplicates, Opened: now, Seed: seed, Commitment: seed.Commitment()}
	return st, nil
}

// Blacklist adds (or with add false removes) the viewer named viewer
// and the slot slot, those not "", to the guild's blacklists. Lists
// full at MaxBlacklist are fault.Invalid, as is naming neither.
func Blacklist(st State, add bool, viewer, slot string) (State, error) {
	v, k := NormalizeName(viewer), Key(slot)
	if v == "" && k == "" {
		return st, fault.E(fault.Invalid, "name a viewer, a slot or both")
	}
	change := func(list []string, x string) ([]string, error) {
		switch {
		case x == "":
			return list, nil
		case !add:
			return slices.DeleteFunc(slices.Clone(list), func(y string) bool { return y == x }), nil
		case slices.Contains(list, x):
			return list, nil
		case len(list) >= MaxBlacklist:
			return list, fault.E(fault.Invalid, "a blacklist holds at most %d entries; remove some first", MaxBlacklist)
		}
		return append(slices.Clone(list), x), nil
	}
	var err error
	if st.Viewers, err = change(st.Viewers, v); err != nil {
		return st, err
	}
	st.Slots, err = change(st.Slots, k)
	return st, err
}

// Picked is st after p: the call is the slot being played, the round
// counts the pick and commits next for its next pick, and p is the last
// pick, its seed revealed.
func Picked(st State, p Pick, next pick.Seed) State {
	st.Round.Picks++
	st.Round.Seed, st.Round.Commitment = next, next.Commitment()
	st.Current = &Current{Slot: p.Call.Slot, By: p.Call.Username, Number: p.Call.Number, Round: p.Round}
	st.Last = &p
	return st
}
