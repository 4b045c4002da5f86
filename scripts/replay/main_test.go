package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/scripts/discordsim"
)

func TestCommandOptions(t *testing.T) {
	tests := []struct {
		words []string
		want  []discordsim.Option
	}{
		{nil, nil},
		{[]string{"board:points"}, []discordsim.Option{discordsim.String("board", "points")}},
		{[]string{"add", "user:alice", "amount:50", "reason:quiz night"}, []discordsim.Option{discordsim.Sub("add",
			discordsim.String("user", "alice"), discordsim.Int("amount", 50), discordsim.String("reason", "quiz night"))}},
		{[]string{"set", "track_offline:true", "activity_window:10"}, []discordsim.Option{discordsim.Sub("set",
			discordsim.Bool("track_offline", true), discordsim.Int("activity_window", 10))}},
		{[]string{"show"}, []discordsim.Option{discordsim.Sub("show")}},
		{[]string{"user:1"}, []discordsim.Option{discordsim.Int("user", 1)}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(commandOptions(tt.words), tt.want); diff != "" {
			t.Errorf("commandOptions(%q) (-got +want):\n%s", tt.words, diff)
		}
	}
}
