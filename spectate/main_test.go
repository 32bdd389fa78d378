package spectate

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind: feeds and
// handlers must all be stopped by their owners.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
