// Package job defines the unit of work the webhook, the sweep and the
// interactions endpoint hand to the worker through the queue.
//
// A job names one guild and one cause. Its ID is derived from the cause, so
// enqueueing the same cause twice yields the same ID, which the queue uses to
// drop the copy and the worker uses to key the state it changes.
package job

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/timer"
)

// Kind says what the worker should do with a job.
type Kind string

const (
	// KindEvent: record or act on a Kick event other than plain chat.
	KindEvent Kind = "event"
	// KindCommand: run a chat command.
	KindCommand Kind = "command"
	// KindSweep: credit one guild's active viewers for one minute (the
	// sweep's fan-out).
	KindSweep Kind = "sweep"
	// KindInteraction: finish a Discord interaction that was answered
	// with a deferred response.
	KindInteraction Kind = "interaction"
	// KindRoles: grant one guild's watchtime roles (the role sync's
	// fan-out).
	KindRoles Kind = "roles"
	// KindTimer: say one timed message the sweep found due.
	KindTimer Kind = "timer"
	// KindFollows: post one guild's follow batch the sweep found due.
	KindFollows Kind = "follows"
	// KindLive: do what is due of a guild's go-live alert and stream
	// recap (package golive), once a minute while one is pending.
	KindLive Kind = "live"
)

// Job is one piece of work for one guild.
type Job struct {
	ID    string `json:"id"`
	Kind  Kind   `json:"kind"`
	Guild string `json:"guild"`
	// Event is the Kick event behind the job (for both kinds).
	Event *event.Event `json:"event,omitempty"`
	// Command is set for KindCommand.
	Command *command.Command `json:"command,omitempty"`
	// Sweep is set for KindSweep and KindLive (the tick's minute).
	Sweep *Sweep `json:"sweep,omitempty"`
	// Interaction is set for KindInteraction.
	Interaction *Interaction `json:"interaction,omitempty"`
	// Timer is set for KindTimer.
	Timer *timer.Post `json:"timer,omitempty"`
	// Follows is set for KindFollows: the batch's first follow, its id.
	Follows time.Time `json:"follows,omitzero"`
}

// ForFollows makes the job that posts guild's follow batch opened at
// opened. Its ID names the batch, so the same batch found due twice is
// one job.
func ForFollows(guild string, opened time.Time) Job {
	return Job{ID: fmt.Sprintf("follows/%d/%s", opened.UnixMilli(), guild), Kind: KindFollows, Guild: guild, Follows: opened}
}

// ForTimer makes the job that says the timed message p in guild's chat.
// Its ID names the guild, the timer and the slot, so the same post
// decided twice (a sweep run twice) is one job.
func ForTimer(guild string, p timer.Post) Job {
	return Job{ID: fmt.Sprintf("timer/%d/%s/%s", p.Slot.Unix()/60, guild, p.Name), Kind: KindTimer, Guild: guild, Timer: &p}
}

// Interaction is a slash command to run later and the token to answer it
// with.
type Interaction struct {
	Request interact.Request `json:"request"`
	// Token is Discord's interaction token: a credential for the
	// interaction's 15 minutes. It is never logged; String leaves it out.
	Token string `json:"token"`
}

// ForInteraction makes the job that finishes the deferred interaction r.
// Its ID names the interaction, so a repeated enqueue is dropped.
func ForInteraction(r interact.Request, token string) Job {
	return Job{ID: "interaction/" + r.ID, Kind: KindInteraction, Guild: r.Guild, Interaction: &Interaction{Request: r, Token: token}}
}

// Sweep names the minute to credit and the sweep's own time.
type Sweep struct {
	Minute int64     `json:"minute"`
	At     time.Time `json:"at"`
}

// ForSweep makes the job that credits guild for minute (unix minutes) as of
// at. Its ID names the minute, so a repeated fan-out is dropped.
func ForSweep(guild string, minute int64, at time.Time) Job {
	return Job{ID: fmt.Sprintf("sweep/%d/%s", minute, guild), Kind: KindSweep, Guild: guild, Sweep: &Sweep{Minute: minute, At: at}}
}

// ForLive makes the go-live tick of guild for minute (unix minutes), at
// at. Its ID names the minute, so a sweep run twice queues one.
func ForLive(guild string, minute int64, at time.Time) Job {
	return Job{ID: fmt.Sprintf("live/%d/%s", minute, guild), Kind: KindLive, Guild: guild, Sweep: &Sweep{Minute: minute, At: at}}
}

// ForRoles makes the job that syncs guild's watchtime roles for the sync
// run started at at. Its ID names the run's slot of every, so a repeated
// fan-out within the slot is dropped.
func ForRoles(guild string, at time.Time, every time.Duration) Job {
	slot := at.Truncate(every).Unix()
	return Job{ID: fmt.Sprintf("roles/%d/%s", slot, guild), Kind: KindRoles, Guild: guild}
}

// MaxIDLen is the longest job ID; SQS FIFO deduplication ids allow 128.
const MaxIDLen = 128

// ForEvent makes the job that handles ev for guild: a command job when cmd
// is non-nil, an event job otherwise. Its ID is a hash of the guild, the
// event type and the message id: a message id may be up to 128 bytes, so
// the plain names would not fit in MaxIDLen, and the type is in it because
// it is not signed (a copy re-sent under another type must not make the
// queue drop the genuine delivery).
func ForEvent(guild string, ev event.Event, cmd *command.Command) Job {
	j := Job{ID: eventJobID(guild, ev), Kind: KindEvent, Guild: guild, Event: &ev}
	if cmd != nil {
		j.Kind = KindCommand
		j.Command = cmd
	}
	return j
}

// eventJobID is "event/" and the unpadded base64url SHA-256 of the
// guild, type and message id, each ended by a NUL so that no two triples
// hash the same string: 49 characters whatever the inputs.
func eventJobID(guild string, ev event.Event) string {
	h := sha256.New()
	for _, part := range []string{guild, string(ev.Type), ev.ID} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return "event/" + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// Validate reports whether j is well formed.
func (j Job) Validate() error {
	switch {
	case j.ID == "" || len(j.ID) > MaxIDLen:
		return fault.E(fault.Invalid, "job id must be 1 to %d characters", MaxIDLen)
	case j.Guild == "":
		return fault.E(fault.Invalid, "job %s has no guild", j.ID)
	case j.Kind != KindEvent && j.Kind != KindCommand && j.Kind != KindSweep && j.Kind != KindInteraction && j.Kind != KindRoles && j.Kind != KindTimer && j.Kind != KindFollows && j.Kind != KindLive:
		return fault.E(fault.Invalid, "job %s has unknown kind %q", j.ID, j.Kind)
	case j.Kind == KindRoles:
		return nil
	case j.Kind == KindFollows:
		if j.Follows.IsZero() {
			return fault.E(fault.Invalid, "follows job %s has no batch", j.ID)
		}
	case j.Kind == KindTimer:
		if p := j.Timer; p == nil || timer.ValidName(p.Name) != nil || p.Slot.IsZero() || p.Text == "" {
			return fault.E(fault.Invalid, "timer job %s needs a timer, its slot and a text", j.ID)
		}
	case j.Kind == KindSweep || j.Kind == KindLive:
		if j.Sweep == nil || j.Sweep.At.IsZero() {
			return fault.E(fault.Invalid, "sweep job %s has no minute", j.ID)
		}
	case j.Kind == KindInteraction:
		if i := j.Interaction; i == nil || i.Token == "" || i.Request.ID == "" || i.Request.Guild != j.Guild || i.Request.At.IsZero() {
			return fault.E(fault.Invalid, "interaction job %s needs a token and a dated request for its guild", j.ID)
		}
	case j.Event == nil:
		return fault.E(fault.Invalid, "job %s has no event", j.ID)
	case j.Kind == KindCommand && j.Command == nil:
		return fault.E(fault.Invalid, "command job %s has no command", j.ID)
	}
	return nil
}

// Encode returns the job's wire form.
func (j Job) Encode() ([]byte, error) {
	if err := j.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(j)
}

// Decode parses and validates a job's wire form. Any failure is Invalid:
// the message can never be processed as it is.
func Decode(b []byte) (Job, error) {
	var j Job
	if err := json.Unmarshal(b, &j); err != nil {
		return Job{}, fault.Wrap(fault.Invalid, err, "decode job")
	}
	if err := j.Validate(); err != nil {
		return Job{}, err
	}
	return j, nil
}

func (j Job) String() string { return fmt.Sprintf("%s job %s (guild %s)", j.Kind, j.ID, j.Guild) }
