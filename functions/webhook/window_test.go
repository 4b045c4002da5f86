package main

import (
	"testing"

	"github.com/kickbot/kickbot/shared/ingest"
	"github.com/kickbot/kickbot/shared/kick"
)

// TestDedupeRecordOutlivesFreshnessWindow holds the webhook's two windows
// together: a delivery first received as early as its timestamp allows
// (MaxSkew ahead) is still accepted MaxAge after that timestamp, so its
// dedupe record, written at the first receipt, must live at least
// MaxSkew + MaxAge, or a replay late in the window counts a second time.
// DynamoDB's TTL only ever deletes later than asked, never sooner.
func TestDedupeRecordOutlivesFreshnessWindow(t *testing.T) {
	v := kick.NewVerifier()
	if need := v.MaxSkew + v.MaxAge; ingest.DefaultDeliveryTTL < need {
		t.Errorf("ingest.DefaultDeliveryTTL = %v, want at least kick's MaxSkew + MaxAge = %v", ingest.DefaultDeliveryTTL, need)
	}
}
