package main

import (
	"os"
	"testing"

	"github.com/kickbot/kickbot/shared/local/localdb"
)

// TestMain lets this test binary serve as a process of an emulator
// cluster (localdb.StartCluster), which TestLoad keeps its table in.
func TestMain(m *testing.M) {
	if localdb.ServeChild() {
		return
	}
	os.Exit(m.Run())
}
