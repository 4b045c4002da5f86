//go:build chatstdlib

package kick

// decodeChat under -tags chatstdlib leaves every chat body to
// encoding/json: the baseline of BENCHMARKS.md's decoder comparison.
func decodeChat([]byte) (*chatPayload, bool) { return nil, false }
