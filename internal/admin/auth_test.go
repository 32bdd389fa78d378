package admin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRequireToken(t *testing.T) {
	const token = "0123456789abcdef-token"
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	tests := []struct {
		name     string
		token    string // the listener's; "" is open
		method   string
		target   string
		header   string // Authorization
		cookie   string // skirmish_admin
		status   int
		location string
	}{
		{"open listener", "", "POST", "/admin/drain", "", "", http.StatusTeapot, ""},
		{"bearer", token, "POST", "/admin/drain", "Bearer " + token, "", http.StatusTeapot, ""},
		{"bearer scheme in any case", token, "GET", "/x", "bEaReR " + token, "", http.StatusTeapot, ""},
		{"no credentials", token, "GET", "/x", "", "", http.StatusUnauthorized, ""},
		{"another scheme is none", token, "GET", "/x", "Basic " + token, "", http.StatusUnauthorized, ""},
		{"wrong bearer", token, "GET", "/x", "Bearer nope", "", http.StatusForbidden, ""},
		{"empty bearer", token, "GET", "/x", "Bearer ", "", http.StatusForbidden, ""},
		{"longer token", token, "GET", "/x", "Bearer " + token + "x", "", http.StatusForbidden, ""},
		{"query on GET", token, "GET", "/dashboard/?a=1&access_token=" + token, "", "", http.StatusSeeOther, "/dashboard/?a=1"},
		{"wrong query", token, "GET", "/dashboard/?access_token=nope", "", "", http.StatusForbidden, ""},
		{"query on POST is none", token, "POST", "/admin/drain?access_token=" + token, "", "", http.StatusUnauthorized, ""},
		{"cookie on GET", token, "GET", "/admin/stream", "", token, http.StatusTeapot, ""},
		{"cookie on HEAD", token, "HEAD", "/admin/stream", "", token, http.StatusTeapot, ""},
		{"wrong cookie", token, "GET", "/admin/stream", "", "nope", http.StatusForbidden, ""},
		{"cookie on POST is none", token, "POST", "/admin/drain", "", token, http.StatusUnauthorized, ""},
		{"cookie on DELETE is none", token, "DELETE", "/admin/matches/x", "", token, http.StatusUnauthorized, ""},
		{"header wins over cookie", token, "GET", "/x", "Bearer nope", token, http.StatusForbidden, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			if tc.cookie != "" {
				req.AddCookie(&http.Cookie{Name: cookieName, Value: tc.cookie})
			}
			rec := httptest.NewRecorder()
			requireToken(tc.token, ok).ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if got := rec.Header().Get("Location"); got != tc.location {
				t.Fatalf("Location %q, want %q", got, tc.location)
			}
			challenge := rec.Header().Get("WWW-Authenticate")
			switch tc.status {
			case http.StatusUnauthorized:
				if challenge != realm || !strings.Contains(rec.Body.String(), `"error":"unauthorized"`) {
					t.Fatalf("401: challenge %q, body %s", challenge, rec.Body)
				}
			case http.StatusForbidden:
				if !strings.HasPrefix(challenge, realm+`, error="invalid_token"`) || !strings.Contains(rec.Body.String(), `"error":"forbidden"`) {
					t.Fatalf("403: challenge %q, body %s", challenge, rec.Body)
				}
			case http.StatusSeeOther:
				c := rec.Result().Cookies()
				if len(c) != 1 || c[0].Name != cookieName || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode || c[0].Path != "/" {
					t.Fatalf("cookies %+v", c)
				}
			}
		})
	}
}
