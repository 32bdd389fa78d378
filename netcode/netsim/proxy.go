package netsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// defaultDialTimeout is ProxyConfig.DialTimeout's default.
const defaultDialTimeout = 5 * time.Second

// ProxyConfig configures a Proxy. Every zero value takes the documented
// default, except Upstream, which is required.
type ProxyConfig struct {
	// Upstream is the host:port every accepted connection is relayed to.
	Upstream string
	// Link is the impairment of every connection through the proxy.
	Link Config
	// CutEvery cuts every connection each time this much has passed
	// since Serve started (see Link.Cut); 0 never does.
	CutEvery time.Duration
	// DialTimeout bounds connecting to Upstream; 0 means 5s.
	DialTimeout time.Duration
	// Logger receives a line per connection opened, closed and cut; nil
	// discards them.
	Logger *slog.Logger
}

// Proxy is a TCP proxy that relays every connection it accepts to one
// upstream through a Link, so any client — a browser, the load tool —
// can be tried on a bad network without changing it: what Clumsy or a
// netem box in the path does, in one process. It is safe for concurrent
// use; Serve runs it once.
type Proxy struct {
	cfg  ProxyConfig
	link *Link
	log  *slog.Logger
	ids  atomic.Uint64
}

// NewProxy returns a proxy for cfg; its link starts now (the stall phase).
func NewProxy(cfg ProxyConfig) (*Proxy, error) {
	if cfg.Upstream == "" {
		return nil, errors.New("netsim: proxy needs an upstream host:port")
	}
	if cfg.CutEvery < 0 {
		return nil, fmt.Errorf("netsim: cut every %s: want 0 (never) or more", cfg.CutEvery)
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = defaultDialTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	link, err := NewLink(cfg.Link)
	if err != nil {
		return nil, err
	}
	return &Proxy{cfg: cfg, link: link, log: cfg.Logger}, nil
}

// Link returns the proxy's link.
func (p *Proxy) Link() *Link { return p.link }

// Cut drops every connection through the proxy now (see Link.Cut), logs
// it with trigger (what asked for it), and returns how many it cut.
func (p *Proxy) Cut(trigger string) int {
	n := p.link.Cut()
	p.log.Info("netsim: cut", "connections", n, "trigger", trigger)
	return n
}

// Serve accepts connections on ln and relays each to the upstream
// through the link until ctx is done; then it closes ln, cuts every
// connection, waits for every goroutine it started and returns nil. It
// returns early with the error if ln fails for another reason. It may be
// called once: it closes the link when it returns.
func (p *Proxy) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		_ = ln.Close()
		p.link.Close()
		wg.Wait()
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-ctx.Done()
		_ = ln.Close()
	}()
	if every := p.cfg.CutEvery; every > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.cutEvery(ctx, every)
		}()
	}
	p.log.Info("netsim: proxying", "listen", ln.Addr().String(), "upstream", p.cfg.Upstream,
		"impairment", p.link.imp.String(), "cut_every", p.cfg.CutEvery)
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				p.log.Info("netsim: shutting down", "connections", p.link.Conns())
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("netsim: accept: %w", err)
			}
			// Out of file descriptors and the like: back off as
			// net/http does, rather than spin.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			p.log.Warn("netsim: accept failed; retrying", "err", err, "in", backoff)
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
			}
			continue
		}
		backoff = 0
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.relay(ctx, c, p.ids.Add(1))
		}()
	}
}

// cutEvery cuts every connection each period until ctx is done.
func (p *Proxy) cutEvery(ctx context.Context, every time.Duration) {
	for {
		select {
		case <-p.link.clk.After(every):
			p.Cut("every " + every.String())
		case <-ctx.Done():
			return
		}
	}
}

// relay connects client to the upstream through the link until either
// side ends it.
func (p *Proxy) relay(ctx context.Context, client net.Conn, id uint64) {
	log := p.log.With("conn", id, "client", client.RemoteAddr().String())
	dctx, cancel := context.WithTimeout(ctx, p.cfg.DialTimeout)
	var d net.Dialer
	up, err := d.DialContext(dctx, "tcp", p.cfg.Upstream)
	cancel()
	if err != nil {
		log.Warn("netsim: upstream refused; resetting the client", "upstream", p.cfg.Upstream, "err", err)
		reset(client)
		return
	}
	log.Info("netsim: connection opened")
	start := p.link.clk.Now()
	st, err := p.link.Pipe(client, up)
	attrs := []any{"up_bytes", st.Up, "down_bytes", st.Down,
		"duration", p.link.clk.Now().Sub(start).Round(time.Millisecond)}
	switch {
	case err == nil:
		log.Info("netsim: connection closed", attrs...)
	case errors.Is(err, ErrCut):
		log.Info("netsim: connection cut", attrs...)
	case errors.Is(err, ErrClosed):
		log.Info("netsim: connection refused: shutting down")
	default:
		log.Info("netsim: connection reset", append(attrs, "err", err)...)
	}
}
