package feature_test

import (
	"fmt"
	"testing"

	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/feature"
)

// TestEveryFeatureBuiltinIsAnswered: each built-in marked Feature has an
// answer, and nothing else does (package chat answers the rest).
func TestEveryFeatureBuiltinIsAnswered(t *testing.T) {
	answers := feature.Answerers(nil, nil, feature.Clips{})
	for _, b := range command.Builtins {
		if _, ok := answers[b.Name]; ok != b.Feature {
			t.Errorf("built-in %q (Feature %t) has an answer: %t", b.Name, b.Feature, ok)
		}
	}
	if n := len(answers); n != countFeatures() {
		t.Errorf("%d answers for %d feature built-ins", n, countFeatures())
	}
}

func countFeatures() int {
	n := 0
	for _, b := range command.Builtins {
		if b.Feature {
			n++
		}
	}
	return n
}

func Example() {
	answers := feature.Answerers(nil, nil, feature.Clips{})
	fmt.Println(len(answers) > 0, answers["call"] == answers["current"])
	// Output: true true
}
