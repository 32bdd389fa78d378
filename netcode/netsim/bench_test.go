package netsim

import (
	"io"
	"testing"
)

// BenchmarkPipe relays 64 KiB writes one way through an unimpaired link
// between two loopback TCP connections: the cost of the machinery itself.
func BenchmarkPipe(b *testing.B) {
	l, err := NewLink(Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(l.Close)
	near, far := through(b, l, "pipe")
	chunk := make([]byte, 64<<10)
	done := make(chan error, 1)
	go func() {
		_, err := io.CopyN(io.Discard, far, int64(b.N)*int64(len(chunk)))
		done <- err
	}()
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := near.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
