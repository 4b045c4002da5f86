package clip_test

import (
	"fmt"
	"time"

	"github.com/kickbot/kickbot/shared/clip"
	"github.com/kickbot/kickbot/shared/stream"
)

func Example() {
	started := time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)
	st := stream.State{Guild: "g", Live: true, Title: "Bonus hunt Saturday", StartedAt: started}
	// A viewer types !clip 1 h 2 min 33 s into the stream; the moment
	// they mean came the lead (30 s by default) before.
	m, err := clip.Mark(st, "msg-1", started.Add(time.Hour+2*time.Minute+33*time.Second), 7, "alice", "", clip.Defaults())
	if err != nil {
		panic(err)
	}
	fmt.Println(clip.FormatOffset(m.Offset), m.Title)
	// Output: 1:02:03 Bonus hunt Saturday
}
