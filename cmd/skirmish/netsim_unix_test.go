//go:build unix

package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/netcode"
)

// TestNetsimCutsOnSIGUSR1: SIGUSR1 cuts every connection through `skirmish
// netsim` — the client sees a reset, the cut is logged — and the proxy
// goes on relaying new connections.
func TestNetsimCutsOnSIGUSR1(t *testing.T) {
	base := startServer(t, testServeConfig(t))
	addr, logs := startNetsim(t, "--upstream", strings.TrimPrefix(base, "http://"), "--delay", "10ms")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := netcode.Dial(ctx, "ws://"+addr+"/ws", netcode.DialOptions{Name: "cut"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// netsim listens only once it handles SIGUSR1, so this cannot kill
	// the test binary.
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		_, err := c.Next()
		if err == nil {
			continue
		}
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("the client's connection ended with %v, want a reset", err)
		}
		break
	}
	for line := range logs {
		if strings.Contains(line, `msg="netsim: cut" connections=1`) {
			break
		}
	}

	c2, _, err := netcode.Dial(ctx, "ws://"+addr+"/ws", netcode.DialOptions{Name: "again"})
	if err != nil {
		t.Fatalf("after the cut: %v", err)
	}
	c2.Close()
}
