package main

import (
	"fmt"
	"net/http"

	"github.com/skirmish-game/skirmish/internal/httpapi"
)

// Readiness is not liveness. /healthz says the process works (200 until it
// exits: a load balancer or kubelet that restarts on it must not restart a
// server that is draining on purpose); /readyz says whether to send it new
// players: 503 with the reason as the JSON error while it is starting,
// draining, or at one of its caps, 200 otherwise (Kubernetes' readiness
// probe, a load balancer's health check).

// notReady is why a server is not ready: the error word of the 503 and a
// sentence for the operator.
type notReady struct{ reason, message string }

// readiness reports why the server should get no new players now; ok when
// it should.
func (s *server) readiness() (nr notReady, ok bool) {
	switch {
	case !s.started.Load():
		return notReady{"starting", "the server is starting"}, false
	case s.draining.Load():
		return notReady{"draining", "the server is draining: its matches are ending and it takes no new players"}, false
	}
	if n := s.players.Stats().Connections; n >= int64(s.maxConnections) {
		return notReady{"max_connections", fmt.Sprintf("the server holds its maximum of %d player connections", s.maxConnections)}, false
	}
	if n, limit := s.registry.Len(), s.registry.MaxMatches(); n >= limit {
		return notReady{"max_matches", fmt.Sprintf("the server runs its maximum of %d matches", limit)}, false
	}
	return notReady{}, true
}

// ready reports whether readiness is ok (the skirmish_ready metric).
func (s *server) ready() bool {
	_, ok := s.readiness()
	return ok
}

// readyz answers 200 {"status":"ready"}, or 503 with the error body
// {"error":reason,"message":…}.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	if nr, ok := s.readiness(); !ok {
		httpapi.WriteError(w, http.StatusServiceUnavailable, nr.reason, nr.message)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
