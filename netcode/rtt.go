package netcode

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/gobwas/ws"
)

// The server measures every playing client's round trip itself, with the
// WebSocket's own ping (RFC 6455 §5.5.2): every Config.PingInterval of match
// time the hub offers each playing connection the same ping frame, whose
// 8-byte payload is when it was made (nanoseconds since the server
// started, big-endian). A client must answer a ping with a pong of the same
// payload — browsers do it by themselves, below the page — so the pong
// tells how long the ping took to get out (behind what the outbox held),
// across the network and back, through any proxy in between: the round
// trip a player's snapshots see. The client's own ping message (type 5)
// measures the other way round, for the client.
//
// A pong is trusted only as far as it can hurt: a payload that is not a
// time in the last maxRTT is ignored, and a connection gives at most one
// sample per half interval, so a client that forges pongs can only claim
// its own round trip to be anything up to maxRTT, at the pings' rate.

// maxRTT is the longest round trip a pong may report; older payloads are
// not ours, or not worth a sample.
const maxRTT = time.Minute

// pingPayloadSize is the size of the timestamp a ping carries.
const pingPayloadSize = 8

// pingTicks is how many ticks at tickRate make the ping interval, at least
// one; 0 when pings are off.
func pingTicks(interval time.Duration, tickRate int) uint32 {
	if interval <= 0 {
		return 0
	}
	return uint32(max(1, math.Round(interval.Seconds()*float64(tickRate))))
}

// pingFrame returns a server ping frame stamped with the time since the
// server started.
func (s *Server) pingFrame() []byte {
	var p [pingPayloadSize]byte
	binary.BigEndian.PutUint64(p[:], uint64(time.Since(s.start)))
	return ws.MustCompileFrame(ws.NewPingFrame(p[:]))
}

// pongRead takes a pong's payload on the reader goroutine and, when it is
// one of our pings answered in time and the connection is due a sample,
// tells Config.RTT the round trip.
func (c *conn) pongRead(p []byte) {
	if len(p) != pingPayloadSize {
		return
	}
	now := time.Since(c.srv.start)
	rtt := now - time.Duration(binary.BigEndian.Uint64(p))
	if rtt < 0 || rtt > maxRTT || (c.lastPong != 0 && now-c.lastPong < c.srv.cfg.PingInterval/2) {
		return
	}
	c.lastPong = now
	c.srv.stats.pongs.Add(1)
	if c.srv.cfg.RTT != nil {
		c.srv.cfg.RTT.ObserveRTT(rtt)
	}
}
