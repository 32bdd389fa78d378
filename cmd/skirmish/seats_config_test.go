package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/netcode"
)

// TestReconnectWindowFlag: --reconnect-window (SKIRMISH_RECONNECT_WINDOW)
// defaults to netcode's window, 0 turns holding off, and it reaches the
// players' server as netcode means it (negative: off).
func TestReconnectWindowFlag(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		want    time.Duration // the flag's value
		netcode time.Duration // what netcode.Config gets
		wantErr string
	}{
		{name: "default", want: netcode.DefaultReconnectWindow, netcode: netcode.DefaultReconnectWindow},
		{name: "flag", args: []string{"--reconnect-window", "30s"}, want: 30 * time.Second, netcode: 30 * time.Second},
		{name: "env", env: map[string]string{"SKIRMISH_RECONNECT_WINDOW": "2s"}, want: 2 * time.Second, netcode: 2 * time.Second},
		{name: "flag wins", args: []string{"--reconnect-window=5s"}, env: map[string]string{"SKIRMISH_RECONNECT_WINDOW": "2s"},
			want: 5 * time.Second, netcode: 5 * time.Second},
		{name: "off", args: []string{"--reconnect-window", "0"}, want: 0, netcode: -1},
		{name: "negative", args: []string{"--reconnect-window", "-1s"}, wantErr: "--reconnect-window -1s"},
		{name: "too long", args: []string{"--reconnect-window", "2h"}, wantErr: "--reconnect-window 2h0m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseServeConfig(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.ReconnectWindow != tc.want {
				t.Fatalf("window %v, want %v", c.ReconnectWindow, tc.want)
			}
			if got := netcodeReconnectWindow(c.ReconnectWindow); got != tc.netcode {
				t.Fatalf("netcode gets %v, want %v", got, tc.netcode)
			}
		})
	}
}
