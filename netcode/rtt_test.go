package netcode

import (
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// rttRecorder is an RTTObserver that keeps every sample.
type rttRecorder struct {
	mu      sync.Mutex
	samples []time.Duration
	got     chan struct{} // closed at the first sample
}

func newRTTRecorder() *rttRecorder { return &rttRecorder{got: make(chan struct{})} }

func (r *rttRecorder) ObserveRTT(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.samples) == 0 {
		close(r.got)
	}
	r.samples = append(r.samples, d)
}

func (r *rttRecorder) read() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.samples...)
}

var _ RTTObserver = (*rttRecorder)(nil)

// The server pings playing clients on the match clock, the client's pong
// comes back, and the round trip reaches the RTT observer; the frames and
// bytes read and the close are counted.
func TestServerMeasuresRTT(t *testing.T) {
	rec := newRTTRecorder()
	e := newManualEnv(t, Config{PingInterval: 100 * time.Millisecond, RTT: rec}, nil)
	p := e.dial(t, DialOptions{Name: "pinged"})
	deadline := time.After(waitLong)
	for waiting := true; waiting; {
		select {
		case <-rec.got:
			waiting = false
		case <-deadline:
			t.Fatalf("no round trip measured within %v (stats %+v)", waitLong, e.srv.Stats())
		case <-time.After(5 * time.Millisecond):
			e.step(t) // a ping goes out every 3 ticks
		}
	}
	for _, d := range rec.read() {
		if d <= 0 || d > waitLong {
			t.Fatalf("round trip %v on loopback", d)
		}
	}
	st := e.srv.Stats()
	if st.Pings == 0 || st.Pongs == 0 || st.FramesReceived == 0 || st.BytesReceived < st.FramesReceived*6 {
		t.Fatalf("stats %+v: want pings, pongs, and frames received with their bytes (a client frame has at least 6)", st)
	}

	// A whole closing handshake, so the server reads the 1000 for sure.
	if err := p.c.SendFrame(ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, "bye")); err != nil {
		t.Fatal(err)
	}
	if code := p.closed(t, waitLong); code != CloseNormal {
		t.Fatalf("the server answered the close with %d", code)
	}
	waitServer(t, e.srv, "the close counted", func() bool { return e.srv.Stats().Closes[CloseNormal] == 1 })
}

// A pong counts only when it is one of our pings answered within maxRTT,
// at most one a half interval per connection.
func TestPongRead(t *testing.T) {
	rec := newRTTRecorder()
	e := newManualEnv(t, Config{PingInterval: time.Second, RTT: rec}, nil)
	stamp := func(ago time.Duration) []byte {
		var p [pingPayloadSize]byte
		binary.BigEndian.PutUint64(p[:], uint64(time.Since(e.srv.start)-ago))
		return p[:]
	}
	c := &conn{srv: e.srv}
	for _, tc := range []struct {
		name    string
		payload []byte
		counted bool
	}{
		{"empty", nil, false},
		{"wrong size", []byte("1234567"), false},
		{"from the future", stamp(-time.Hour), false},
		{"older than maxRTT", stamp(maxRTT + time.Second), false},
		{"a real one", stamp(30 * time.Millisecond), true},
		{"another at once", stamp(30 * time.Millisecond), false},
	} {
		before := len(rec.read())
		c.pongRead(tc.payload)
		if counted := len(rec.read()) > before; counted != tc.counted {
			t.Errorf("%s: counted %v, want %v", tc.name, counted, tc.counted)
		}
	}
	if got := rec.read(); len(got) != 1 || got[0] < 30*time.Millisecond || got[0] > waitLong {
		t.Fatalf("samples %v, want one of about 30ms", got)
	}
	if st := e.srv.Stats(); st.Pongs != 1 {
		t.Fatalf("Pongs %d, want 1", st.Pongs)
	}
}

func TestPingTicks(t *testing.T) {
	for _, tc := range []struct {
		interval time.Duration
		rate     int
		want     uint32
	}{
		{2 * time.Second, 30, 60},
		{100 * time.Millisecond, 30, 3},
		{time.Millisecond, 30, 1},
		{0, 30, 0},
		{-1, 30, 0},
	} {
		if got := pingTicks(tc.interval, tc.rate); got != tc.want {
			t.Errorf("pingTicks(%v, %d) = %d, want %d", tc.interval, tc.rate, got, tc.want)
		}
	}
}
