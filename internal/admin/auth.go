package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/skirmish-game/skirmish/internal/httpapi"
)

// The admin listener's one rule of access: a bearer token (RFC 6750),
// compared in constant time. It may come
//
//   - in the Authorization header, "Bearer <token>" (RFC 6750 §2.1): for
//     every method — scripts, curl, Prometheus's bearer_token;
//   - in the access_token query parameter (§2.3), on GET and HEAD: for a
//     browser opening the dashboard from a link. The answer is a 303 to the
//     same URL without it, which sets the cookie below, so the token does
//     not stay in the address bar, the history or a Referer;
//   - in the cookie that 303 set, on GET and HEAD only: the dashboard's
//     page, its files and its EventSource, which cannot send headers. A
//     cookie never authorizes a POST or DELETE, so no other site can make a
//     browser change anything here (it is also SameSite=Strict).
//
// Without a token the answer is 401, with a wrong one 403, each with a
// WWW-Authenticate challenge (§3: the 401 carries no error code, as the
// request had no credentials; the 403 says invalid_token) and a JSON body.
// RFC 6750 §3.1 would answer a wrong token 401 as well; a 403 tells a host's
// script "your token is wrong" apart from "you sent none".

const (
	// cookieName is the dashboard's session cookie: the token itself.
	cookieName = "skirmish_admin"
	// queryParam is RFC 6750 §2.3's parameter.
	queryParam = "access_token"
	realm      = `Bearer realm="skirmish-admin"`
)

// requireToken wraps h in the rule above; an empty token lets everything
// through.
func requireToken(token string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	// Hashing both sides first makes the comparison constant-time in the
	// length too (subtle.ConstantTimeCompare returns at once on a length
	// mismatch).
	want := sha256.Sum256([]byte(token))
	good := func(got string) bool {
		sum := sha256.Sum256([]byte(got))
		return subtle.ConstantTimeCompare(sum[:], want[:]) == 1
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		safe := r.Method == http.MethodGet || r.Method == http.MethodHead
		if got, ok := bearer(r); ok {
			if !good(got) {
				refuse(w, http.StatusForbidden)
				return
			}
			h.ServeHTTP(w, r)
			return
		}
		if q := r.URL.Query(); safe && q.Has(queryParam) {
			if !good(q.Get(queryParam)) {
				refuse(w, http.StatusForbidden)
				return
			}
			http.SetCookie(w, &http.Cookie{
				Name: cookieName, Value: url.QueryEscape(token), Path: "/",
				HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
			})
			q.Del(queryParam)
			u := *r.URL
			u.RawQuery = q.Encode()
			http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
			return
		}
		if c, err := r.Cookie(cookieName); err == nil && safe {
			if v, err := url.QueryUnescape(c.Value); err != nil || !good(v) {
				refuse(w, http.StatusForbidden)
				return
			}
			h.ServeHTTP(w, r)
			return
		}
		refuse(w, http.StatusUnauthorized)
	})
}

// bearer returns the token of an "Authorization: Bearer …" header (the
// scheme is case-insensitive, RFC 9110 §11.1).
func bearer(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// refuse answers 401 (no token) or 403 (a wrong one).
func refuse(w http.ResponseWriter, status int) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", realm)
		httpapi.WriteError(w, status, "unauthorized", "this admin listener needs its token: Authorization: Bearer <token>")
		return
	}
	w.Header().Set("WWW-Authenticate", realm+`, error="invalid_token", error_description="the token is wrong"`)
	httpapi.WriteError(w, status, "forbidden", "the admin token is wrong")
}
