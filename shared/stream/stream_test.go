package stream_test

import (
	"fmt"
	"testing"

	"github.com/kickbot/kickbot/shared/stream"
)

func TestDiffers(t *testing.T) {
	for _, tt := range []struct{ live, observed, want bool }{
		{false, false, false}, {true, true, false}, {false, true, true}, {true, false, true},
	} {
		if got := (stream.State{Live: tt.live}).Differs(stream.Observation{Live: tt.observed}); got != tt.want {
			t.Errorf("State{Live: %v}.Differs(Observation{Live: %v}) = %v, want %v", tt.live, tt.observed, got, tt.want)
		}
	}
}

func ExampleState_Differs() {
	believed := stream.State{Guild: "1234", Live: true}
	fmt.Println(believed.Differs(stream.Observation{Broadcaster: 4402117, Live: false}))
	// Output: true
}
