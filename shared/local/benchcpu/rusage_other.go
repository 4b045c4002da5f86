//go:build !unix

package benchcpu

import "time"

// cpuTime is unknown here: Stop reports nothing.
func cpuTime() time.Duration { return 0 }
