// Package httpapi holds the conventions every JSON answer of Skirmish's HTTP
// surface follows (docs/PROTOCOL.md §3): the error body, its headers, and
// the JSON writer. netcode (refusals before a WebSocket upgrade), spectate
// (the feeds and the match list) and cmd/skirmish (health, unknown routes,
// wrong methods) all answer through it, so the shape is written once.
package httpapi

import (
	"encoding/json"
	"net/http"
)

// Error is the body of every error response: a machine-readable word and a
// human sentence.
type Error struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// internalError is what WriteJSON sends when v cannot be encoded (a bug).
var internalError = []byte(`{"error":"internal","message":"internal error"}` + "\n")

// WriteJSON writes v as the JSON body of a response with the given status,
// with Content-Type application/json and Cache-Control no-store (API answers
// describe the moment; no cache may keep them). A value json.Marshal cannot
// encode is a bug: the answer becomes a 500 with the internal error body. The
// body is written in one Write; a client that has gone away is not an error
// the caller can act on, so none is returned. Safe for concurrent use.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, internalError
	} else {
		body = append(body, '\n')
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// WriteError writes the error body {"error":code,"message":message} with the
// given status, as WriteJSON does.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	WriteJSON(w, status, Error{Error: code, Message: message})
}
