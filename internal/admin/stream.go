package admin

import (
	"encoding/json"
	"net/http"
	"time"
)

// writeTimeout bounds each write of the stream.
const writeTimeout = 10 * time.Second

// stream serves GET /admin/stream, the dashboard's live feed as Server-Sent
// Events: first a `history` event (every kept Sample, oldest first, a JSON
// array), then a `sample` event per new Sample (a JSON object), one a
// second. The stream ends when the server stops or the client falls 16
// samples behind; EventSource then reconnects and gets the history again.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	history, next, cancel, ok := s.cfg.Sampler.subscribe()
	defer cancel()
	if !ok {
		notRunning(w)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	rc := http.NewResponseController(w)
	send := func(event string, v any) bool {
		// A client that stops reading holds this handler at most this long.
		_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		data, err := json.Marshal(v)
		if err != nil {
			return false
		}
		buf := make([]byte, 0, len(data)+32)
		buf = append(buf, "event: "...)
		buf = append(buf, event...)
		buf = append(buf, "\ndata: "...)
		buf = append(buf, data...)
		buf = append(buf, "\n\n"...)
		if _, err := w.Write(buf); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("history", history) {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case smp, open := <-next:
			if !open || !send("sample", smp) {
				return
			}
		}
	}
}

func notRunning(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	writeUnavailable(w, "sampler_stopped", "the server is stopping")
}
