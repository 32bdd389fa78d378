package netcode

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test must leave no goroutine behind: connections, writers, hubs,
// registries and httptest servers are all stopped by their owners.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
