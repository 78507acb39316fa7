package testbed

import (
	"context"
	"fmt"
	"net"
)

// ListenTCP opens a listening TCP socket inside the host's namespace,
// bound to address (host:port; "[::]:5001" binds to the unspecified
// address). The socket stays in the namespace for its whole life.
func (h *Host) ListenTCP(address string) (net.Listener, error) {
	var ln net.Listener
	err := h.Do(func() (err error) {
		ln, err = net.Listen("tcp6", address)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("host %s: listen tcp %s: %w", h.Name, address, err)
	}
	return ln, nil
}

// ListenUDP opens a UDP socket inside the host's namespace, bound to
// address, as ListenTCP does.
func (h *Host) ListenUDP(address string) (net.PacketConn, error) {
	var pc net.PacketConn
	err := h.Do(func() (err error) {
		pc, err = net.ListenPacket("udp6", address)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("host %s: listen udp %s: %w", h.Name, address, err)
	}
	return pc, nil
}

// Dial connects from inside the host's namespace ("tcp" or "udp") to
// address, from local (an IP address with no port, or empty to let the
// kernel choose the source).
func (h *Host) Dial(ctx context.Context, network, local, address string) (net.Conn, error) {
	var d net.Dialer
	if local != "" {
		ip := net.ParseIP(local)
		if ip == nil {
			return nil, fmt.Errorf("host %s: dial from %q: not an IP address", h.Name, local)
		}
		if network == "udp" {
			d.LocalAddr = &net.UDPAddr{IP: ip}
		} else {
			d.LocalAddr = &net.TCPAddr{IP: ip}
		}
	}
	var c net.Conn
	err := h.Do(func() (err error) {
		c, err = d.DialContext(ctx, network+"6", address)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("host %s: dial %s %s: %w", h.Name, network, address, err)
	}
	return c, nil
}
