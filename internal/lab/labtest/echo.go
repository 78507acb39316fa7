package labtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"testing"
	"time"
)

// ServeEcho echoes every connection accepted on ln back to its sender
// until the test ends.
func ServeEcho(t testing.TB, ln net.Listener) {
	t.Helper()
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
}

// ServeEchoUDP sends every datagram received on pc back to its source,
// from pc, until the test ends.
func ServeEchoUDP(t testing.TB, pc net.PacketConn) {
	t.Helper()
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 65536)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo(buf[:n], from)
		}
	}()
}

// Echo sends msg on c and waits, until timeout, for the same bytes back.
func Echo(c net.Conn, msg []byte, timeout time.Duration) error {
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	if _, err := c.Write(msg); err != nil {
		return fmt.Errorf("%s -> %s: write: %w", c.LocalAddr(), c.RemoteAddr(), err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("%s -> %s: no echo: %w", c.LocalAddr(), c.RemoteAddr(), err)
	}
	if !bytes.Equal(got, msg) {
		return fmt.Errorf("%s -> %s: echo %q, want %q", c.LocalAddr(), c.RemoteAddr(), got, msg)
	}
	return nil
}

// Dialer opens connections from one host, e.g. a testbed.Host.
type Dialer interface {
	Dial(ctx context.Context, network, local, address string) (net.Conn, error)
}

// EchoRounds opens n connections from d to address (from local, or the
// source the kernel chooses when local is empty), each sending one
// message and waiting for its echo within timeout, one after the other.
// It returns how many completed and the first error of the others.
func EchoRounds(d Dialer, network, local, address string, n int, timeout time.Duration) (int, error) {
	var first error
	done := 0
	for i := 0; i < n; i++ {
		err := func() error {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			c, err := d.Dial(ctx, network, local, address)
			if err != nil {
				return err
			}
			defer c.Close()
			return Echo(c, []byte(fmt.Sprintf("%s round %d to %s", network, i, address)), timeout)
		}()
		if err != nil {
			if first == nil {
				first = fmt.Errorf("round %d: %w", i, err)
			}
			continue
		}
		done++
	}
	return done, first
}
