// Package fault gives errors a kind, so each edge can decide what a failure
// means for its caller: an HTTP status for webhooks, an ephemeral reply for
// Discord, a batch-item failure (retry) for the worker.
//
// Only Transient errors are worth retrying; every other kind is answered or
// logged once and dropped.
package fault

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what the caller should do about it.
type Kind uint8

const (
	// Internal is a bug or an unexpected state; not retried, logged with its cause.
	Internal Kind = iota
	// Invalid input: malformed, out of range, badly signed. Not retried.
	Invalid
	// NotFound: the thing named does not exist (unknown channel, user, command).
	NotFound
	// Conflict: a condition did not hold (already done, not enough points).
	Conflict
	// Forbidden: the caller may not do this.
	Forbidden
	// Transient: a dependency failed in a way that a retry may fix.
	Transient
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not found"
	case Conflict:
		return "conflict"
	case Forbidden:
		return "forbidden"
	case Transient:
		return "transient"
	default:
		return "internal"
	}
}

// Error is an error with a kind and a message safe to show to a user.
// Err, when set, is the cause; it is for logs, never for users.
type Error struct {
	Kind Kind
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	switch {
	case e.Err == nil:
		return e.Msg
	case e.Msg == "":
		return e.Err.Error()
	default:
		return e.Msg + ": " + e.Err.Error()
	}
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an error of kind k with a user-safe message.
func E(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// Wrap gives err the kind k and a message; a nil err stays nil.
func Wrap(k Kind, err error, msg string) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: k, Msg: msg, Err: err}
}

// KindOf reports the kind of the outermost *Error in err's chain, or
// Internal when there is none. A nil error has no kind and reports Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err has kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// Message returns the user-safe message of err: the outermost *Error's Msg,
// or a generic text that reveals nothing about an unclassified cause.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Msg != "" {
		return e.Msg
	}
	return "internal error"
}
