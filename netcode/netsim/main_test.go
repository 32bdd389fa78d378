package netsim

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test must leave no goroutine behind: links, proxies and the
// connections they carry are stopped by their owners.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
