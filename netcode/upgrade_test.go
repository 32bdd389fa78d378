package netcode

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

const (
	testKey = "dGhlIHNhbXBsZSBub25jZQ==" // RFC 6455 §1.3's example
	// testAccept is RFC 6455 §1.3's answer to testKey, computed by hand
	// there, not by the code under test.
	testAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
)

// upgradeAnswer is what a server answered to a raw upgrade request.
type upgradeAnswer struct {
	resp *http.Response
	body []byte
	br   *bufio.Reader // the connection after the response
	nc   net.Conn
}

// rawUpgrade sends request (with CRLF line ends) plus any extra bytes in
// one write and reads the response.
func rawUpgrade(t *testing.T, addr, request string, extra []byte) upgradeAnswer {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(waitShort))
	if _, err := nc.Write(append([]byte(request), extra...)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	method, _, _ := strings.Cut(request, " ")
	resp, err := http.ReadResponse(br, &http.Request{Method: method}) // a HEAD response has no body
	if err != nil {
		t.Fatalf("response: %v", err)
	}
	a := upgradeAnswer{resp: resp, br: br, nc: nc}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		a.body, _ = io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
	}
	return a
}

// request builds an upgrade request from header lines.
func request(method, proto string, lines ...string) string {
	var b strings.Builder
	b.WriteString(method + " /ws " + proto + "\r\nHost: example\r\n")
	for _, l := range lines {
		b.WriteString(l + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// TestUpgradeAcceptsEquivalentSpellings: header names and tokens are
// case-insensitive, lists may have white space and empty elements, and a
// list may be split over repeated header lines (RFC 9110 §5.2, §5.3,
// §5.6.1, §7.6.1, §7.8); a request that says the same as the canonical one
// in any of these ways gets 101 and a working WebSocket. Anything else gets
// the documented JSON 400 with Sec-WebSocket-Version: 13, never a
// library's plain text.
func TestUpgradeAcceptsEquivalentSpellings(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	ts := httptest.NewServer(e.srv) // every method and path reaches the handshake
	t.Cleanup(ts.Close)
	addr := ts.Listener.Addr().String()
	key, version := "Sec-WebSocket-Key: "+testKey, "Sec-WebSocket-Version: 13"
	get := func(lines ...string) string { return request("GET", "HTTP/1.1", lines...) }
	good := []struct{ name, req string }{
		{"canonical", get("Connection: Upgrade", "Upgrade: websocket", key, version)},
		{"lower case", get("connection: upgrade", "upgrade: websocket", "sec-websocket-key: "+testKey, "sec-websocket-version: 13")},
		{"upper case", get("CONNECTION: UPGRADE", "UPGRADE: WEBSOCKET", key, version)},
		{"mixed case tokens", get("Connection: uPgRaDe", "Upgrade: WebSocket", key, version)},
		{"connection list", get("Connection: keep-alive, Upgrade", "Upgrade: websocket", key, version)},
		{"connection on two lines", get("Connection: keep-alive", "Connection: Upgrade", "Upgrade: websocket", key, version)},
		{"upgrade list", get("Connection: Upgrade", "Upgrade: websocket, h2c", key, version)},
		{"upgrade list, websocket second", get("Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c, websocket", key, version)},
		{"upgrade on two lines", get("Connection: Upgrade", "Upgrade: h2c", "Upgrade: websocket", key, version)},
		{"white space around values", get("Connection: \t Upgrade \t", "Upgrade:websocket ", "Sec-WebSocket-Key:   "+testKey+"  ", "Sec-WebSocket-Version:13 ")},
		{"white space around commas", get("Connection: keep-alive ,Upgrade", "Upgrade: h2c\t,\twebsocket", key, version)},
		{"empty list elements", get("Connection: , ,Upgrade,", "Upgrade: ,websocket", key, version)},
		{"extension and subprotocol offered", get("Connection: Upgrade", "Upgrade: websocket", key, version,
			"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits", "Sec-WebSocket-Protocol: chat")},
		{"Origin of the same host", get("Connection: Upgrade", "Upgrade: websocket", key, version, "Origin: http://example")},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			// A ping right behind the request, in the same packet: the
			// server must read it from what it buffered with the request.
			a := rawUpgrade(t, addr, tc.req, rawFrame{op: ws.OpPing, payload: []byte("early")}.bytes())
			r := a.resp
			if r.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("status %d %q, want 101", r.StatusCode, a.body)
			}
			if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") || !strings.EqualFold(r.Header.Get("Connection"), "Upgrade") ||
				r.Header.Get("Sec-WebSocket-Accept") != testAccept {
				t.Fatalf("101 headers %v", r.Header)
			}
			for _, h := range []string{"Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol"} {
				if v := r.Header.Values(h); len(v) != 0 {
					t.Fatalf("%s: %q agreed, want none", h, v)
				}
			}
			w := &wireConn{nc: a.nc, br: a.br}
			h, p, err := w.frame()
			if err != nil || h.OpCode != ws.OpPong || string(p) != "early" {
				t.Fatalf("after the 101: %v %q, %v; want the pong to the early ping", h.OpCode, p, err)
			}
		})
	}

	bad := []struct{ name, req string }{
		{"no Connection", get("Upgrade: websocket", key, version)},
		{"Connection without upgrade", get("Connection: keep-alive", "Upgrade: websocket", key, version)},
		{"Connection: upgraded", get("Connection: upgraded", "Upgrade: websocket", key, version)},
		{"Connection as one quoted string", get(`Connection: "keep-alive, Upgrade"`, "Upgrade: websocket", key, version)},
		{"no Upgrade", get("Connection: Upgrade", key, version)},
		{"Upgrade: h2c only", get("Connection: Upgrade", "Upgrade: h2c", key, version)},
		{"Upgrade: websocket/13", get("Connection: Upgrade", "Upgrade: websocket/13", key, version)},
		{"Upgrade: web socket", get("Connection: Upgrade", "Upgrade: web socket", key, version)},
		// Tokens compare ASCII case-insensitively (RFC 6455 §4.2.1), not
		// with Unicode folding, where ſ (U+017F) is s and K (U+212A) is k.
		{"Upgrade with a long s", get("Connection: Upgrade", "Upgrade: web\u017focket", key, version)},
		{"Upgrade with a Kelvin sign", get("Connection: Upgrade", "Upgrade: websoc\u212aet", key, version)},
		{"no key", get("Connection: Upgrade", "Upgrade: websocket", version)},
		{"key not base64", get("Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Key: not a key!", version)},
		{"key of 15 bytes", get("Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Key: "+base64.StdEncoding.EncodeToString(make([]byte, 15)), version)},
		{"key twice", get("Connection: Upgrade", "Upgrade: websocket", key, key, version)},
		{"no version", get("Connection: Upgrade", "Upgrade: websocket", key)},
		{"version 8", get("Connection: Upgrade", "Upgrade: websocket", key, "Sec-WebSocket-Version: 8")},
		{"version list", get("Connection: Upgrade", "Upgrade: websocket", key, "Sec-WebSocket-Version: 13, 8")},
		{"version twice", get("Connection: Upgrade", "Upgrade: websocket", key, version, version)},
		{"HTTP/1.0", request("GET", "HTTP/1.0", "Connection: Upgrade", "Upgrade: websocket", key, version)},
		{"POST", request("POST", "HTTP/1.1", "Connection: Upgrade", "Upgrade: websocket", key, version, "Content-Length: 0")},
		{"HEAD", request("HEAD", "HTTP/1.1", "Connection: Upgrade", "Upgrade: websocket", key, version)},
		{"a body", get("Connection: Upgrade", "Upgrade: websocket", key, version, "Content-Length: 2") + "\x81\x00"},
		{"a chunked body", get("Connection: Upgrade", "Upgrade: websocket", key, version, "Transfer-Encoding: chunked") + "0\r\n\r\n"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			a := rawUpgrade(t, addr, tc.req, nil)
			r := a.resp
			var body struct{ Error, Message string }
			err := json.Unmarshal(a.body, &body)
			if tc.name == "HEAD" { // headers only (RFC 9110 §9.3.2)
				err, body.Error, body.Message = nil, "bad_upgrade", "(no body)"
			}
			if r.StatusCode != http.StatusBadRequest || r.Header.Get("Content-Type") != "application/json" ||
				r.Header.Get("Sec-WebSocket-Version") != "13" || err != nil || body.Error != "bad_upgrade" || body.Message == "" {
				t.Fatalf("got %d %v %q, want a JSON 400 bad_upgrade with Sec-WebSocket-Version: 13", r.StatusCode, r.Header, a.body)
			}
		})
	}
}

// The accept value is RFC 6455 §4.2.2's: base64(SHA-1(key + GUID)).
func TestAcceptKey(t *testing.T) {
	if got := acceptKey(testKey); got != testAccept {
		t.Fatalf("acceptKey(%q) = %q, want %q", testKey, got, testAccept)
	}
	for _, k := range []string{"AAAAAAAAAAAAAAAAAAAAAA==", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 16))} {
		sum := sha1.Sum([]byte(k + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		if got, want := acceptKey(k), base64.StdEncoding.EncodeToString(sum[:]); got != want {
			t.Fatalf("acceptKey(%q) = %q, want %q", k, got, want)
		}
	}
}
