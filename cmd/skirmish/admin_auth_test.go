package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The admin listener's settings and its token rule, end to end.

func TestAdminConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "token")
	if err := os.WriteFile(good, []byte(testAdminToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		env       string // SKIRMISH_ADMIN_TOKEN
		wantErr   string
		wantToken string
	}{
		{name: "off by default"},
		{name: "loopback without a token", args: []string{"--admin-addr", "127.0.0.1:9090"}},
		{name: "localhost without a token", args: []string{"--admin-addr", "localhost:9090"}},
		{name: "IPv6 loopback without a token", args: []string{"--admin-addr", "[::1]:9090"}},
		{name: "every interface without a token", args: []string{"--admin-addr", ":9090"}, wantErr: "is not a loopback address"},
		{name: "a public address without a token", args: []string{"--admin-addr", "192.0.2.1:9090"}, wantErr: "is not a loopback address"},
		{name: "a host name without a token", args: []string{"--admin-addr", "admin.example:9090"}, wantErr: "is not a loopback address"},
		{name: "every interface with a token", args: []string{"--admin-addr", ":9090"}, env: testAdminToken, wantToken: testAdminToken},
		{name: "token from a file", args: []string{"--admin-addr", ":9090", "--admin-token-file", good}, wantToken: testAdminToken},
		{name: "file and environment", args: []string{"--admin-addr", ":9090", "--admin-token-file", good}, env: testAdminToken, wantErr: "both set"},
		{name: "empty file", args: []string{"--admin-addr", ":9090", "--admin-token-file", empty}, wantErr: "is empty"},
		{name: "missing file", args: []string{"--admin-addr", ":9090", "--admin-token-file", filepath.Join(dir, "nope")}, wantErr: "--admin-token-file"},
		{name: "short token", args: []string{"--admin-addr", ":9090"}, env: "short", wantErr: "at least 16"},
		{name: "file without a listener", args: []string{"--admin-token-file", good}, wantErr: "--admin-addr is not"},
		{name: "no port", args: []string{"--admin-addr", "127.0.0.1"}, wantErr: "want host:port"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == adminTokenEnv {
					return tc.env
				}
				return ""
			}
			c, err := parseServeConfig(tc.args, getenv, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.AdminToken != tc.wantToken {
				t.Fatalf("token %q, want %q", c.AdminToken, tc.wantToken)
			}
		})
	}
}

// TestAdminAuth: every route of the admin listener needs the token: 401
// without, 403 with a wrong one, each with its RFC 6750 challenge and a
// JSON error; a browser's access_token link becomes a cookie that opens
// GETs only.
func TestAdminAuth(t *testing.T) {
	a := startAdminServer(t, nil)
	routes := []struct{ method, path string }{
		{"GET", "/"}, {"GET", "/dashboard/"}, {"GET", "/metrics"}, {"GET", "/debug/pprof/"},
		{"GET", "/debug/pprof/cmdline"}, {"GET", "/admin/matches"}, {"POST", "/admin/matches"},
		{"GET", "/admin/matches/x"}, {"DELETE", "/admin/matches/x"}, {"POST", "/admin/matches/x/kick/1"},
		{"POST", "/admin/drain"}, {"GET", "/admin/stream"}, {"GET", "/nope"}, {"PUT", "/admin/matches"},
	}
	for _, rt := range routes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			for _, tc := range []struct {
				token     string
				status    int
				code      string
				challenge string
			}{
				{"", http.StatusUnauthorized, "unauthorized", `Bearer realm="skirmish-admin"`},
				{"wrong-token-wrong-token", http.StatusForbidden, "forbidden", `Bearer realm="skirmish-admin", error="invalid_token"`},
				{testAdminToken[:len(testAdminToken)-1], http.StatusForbidden, "forbidden", `error="invalid_token"`},
			} {
				resp, body := a.call(t, rt.method, rt.path, tc.token, "", nil)
				var e map[string]string
				_ = json.Unmarshal(body, &e)
				if resp.StatusCode != tc.status || e["error"] != tc.code || e["message"] == "" {
					t.Fatalf("token %q: %d %s, want %d %s", tc.token, resp.StatusCode, body, tc.status, tc.code)
				}
				if got := resp.Header.Get("WWW-Authenticate"); !strings.Contains(got, tc.challenge) {
					t.Fatalf("token %q: WWW-Authenticate %q, want %q", tc.token, got, tc.challenge)
				}
			}
			// With the token: a bad body keeps the drain from happening, and a
			// HEAD of the stream ends at once.
			method := rt.method
			if rt.path == "/admin/stream" {
				method = "HEAD"
			}
			resp, body := a.call(t, method, rt.path, testAdminToken, "[", nil)
			if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
				t.Fatalf("with the token: %d %s", resp.StatusCode, body)
			}
		})
	}

	t.Run("browser link", func(t *testing.T) {
		resp, _ := a.call(t, "GET", "/admin/matches?access_token="+testAdminToken+"&x=1", "", "", nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/matches?x=1" {
			t.Fatalf("%d, Location %q: want 303 to the URL without the token", resp.StatusCode, resp.Header.Get("Location"))
		}
		cookies := resp.Cookies()
		if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode {
			t.Fatalf("cookies %+v, want one HttpOnly SameSite=Strict", cookies)
		}
		withCookie := func(method string) int {
			req, _ := http.NewRequest(method, a.admin+"/admin/matches", nil)
			req.AddCookie(cookies[0])
			r, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			return r.StatusCode
		}
		if got := withCookie("GET"); got != http.StatusOK {
			t.Fatalf("GET with the cookie: %d", got)
		}
		if got := withCookie("POST"); got != http.StatusUnauthorized {
			t.Fatalf("POST with the cookie only: %d, want 401 (a cookie opens GETs only)", got)
		}
		if resp, _ := a.call(t, "GET", "/admin/matches?access_token=wrong", "", "", nil); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("a wrong access_token: %d, want 403", resp.StatusCode)
		}
	})
}
