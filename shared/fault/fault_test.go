package fault_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/kickbot/kickbot/shared/fault"
)

func TestKindOf(t *testing.T) {
	cause := errors.New("dial tcp: timeout")
	tests := []struct {
		name string
		err  error
		want fault.Kind
	}{
		{"plain error", cause, fault.Internal},
		{"kinded", fault.E(fault.Invalid, "bad amount %d", -1), fault.Invalid},
		{"wrapped cause", fault.Wrap(fault.Transient, cause, "save viewer"), fault.Transient},
		{"kinded under fmt", fmt.Errorf("handle: %w", fault.E(fault.NotFound, "no such user")), fault.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fault.KindOf(tt.err); got != tt.want {
				t.Errorf("KindOf(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestWrapNil(t *testing.T) {
	if err := fault.Wrap(fault.Transient, nil, "x"); err != nil {
		t.Errorf("Wrap(nil) = %v, want nil", err)
	}
}

func TestMessageHidesCause(t *testing.T) {
	err := fault.Wrap(fault.Transient, errors.New("secret token abc"), "store unavailable")
	if got, want := fault.Message(err), "store unavailable"; got != want {
		t.Errorf("Message = %q, want %q", got, want)
	}
	if got, want := fault.Message(errors.New("secret")), "internal error"; got != want {
		t.Errorf("Message(plain) = %q, want %q", got, want)
	}
	if !errors.Is(err, err.(*fault.Error).Err) {
		t.Error("Wrap does not unwrap to its cause")
	}
}

func ExampleKindOf() {
	err := fmt.Errorf("credit viewer: %w", fault.E(fault.Conflict, "minute already credited"))
	fmt.Println(fault.KindOf(err), fault.Is(err, fault.Transient))
	// Output: conflict false
}
