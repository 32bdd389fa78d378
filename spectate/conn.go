package spectate

import (
	"context"
	"net"
	"net/http"
)

type connKey struct{}

// ConnContext is an http.Server.ConnContext hook: it lets ServeEvents find
// each stream's connection, to give it a bounded kernel send buffer
// (Config.SendBuffer). Without it the OS default applies, which Linux
// auto-tunes up to megabytes: minutes of events a stuck spectator's socket
// would absorb. It is safe for concurrent use.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// setSendBuffer sets SO_SNDBUF on r's connection, if ConnContext put it in
// the request's context; best effort.
func setSendBuffer(r *http.Request, size int) {
	c, _ := r.Context().Value(connKey{}).(net.Conn)
	for {
		u, ok := c.(interface{ NetConn() net.Conn }) // e.g. *tls.Conn
		if !ok {
			break
		}
		c = u.NetConn()
	}
	if b, ok := c.(interface{ SetWriteBuffer(int) error }); ok {
		_ = b.SetWriteBuffer(size)
	}
}
