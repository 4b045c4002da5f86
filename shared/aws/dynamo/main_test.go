package dynamo

import (
	"os"
	"testing"

	"github.com/kickbot/kickbot/shared/local/localdb"
)

// TestMain lets this test binary serve as a process of an emulator
// cluster (newCluster).
func TestMain(m *testing.M) {
	if localdb.ServeChild() {
		return
	}
	os.Exit(m.Run())
}
