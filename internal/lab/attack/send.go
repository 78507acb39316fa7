package attack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// InNS runs a function in a network namespace and returns its error;
// testbed.Host.Do is one. A socket created there stays in that namespace
// whichever thread uses it later.
type InNS func(func() error) error

// A Sender puts forged IPv6 packets on the wire.
type Sender interface {
	Send(pkt []byte) error
	Close() error
}

// PacketSender sends IPv6 packets through a packet socket on one
// interface, each in an Ethernet frame to a fixed link-layer address: the
// sender's IP stack neither routes nor checks them.
type PacketSender struct {
	fd int
	to unix.SockaddrLinklayer
}

// NewPacketSender opens a packet socket in the namespace of in on the
// interface ifindex that sends to the link-layer address dst (the next
// hop, or a multicast address).
func NewPacketSender(in InNS, ifindex int, dst net.HardwareAddr) (*PacketSender, error) {
	if len(dst) != 6 {
		return nil, fmt.Errorf("attack: link-layer address %s: want 6 octets", dst)
	}
	s := &PacketSender{fd: -1, to: unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_IPV6), Ifindex: ifindex, Halen: 6}}
	copy(s.to.Addr[:], dst)
	err := in(func() error {
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("attack: packet socket: %w", err)
		}
		s.fd = fd
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Frames go straight to the driver, past the qdisc, as a flood
	// wants them.
	_ = unix.SetsockoptInt(s.fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1)
	return s, nil
}

// Send sends one packet.
func (s *PacketSender) Send(pkt []byte) error {
	if err := unix.Sendto(s.fd, pkt, 0, &s.to); err != nil {
		return fmt.Errorf("attack: packet socket: send %d octets: %w", len(pkt), err)
	}
	return nil
}

// Close closes the socket.
func (s *PacketSender) Close() error { return unix.Close(s.fd) }

// RawSender sends IPv6 packets through a raw IPv6 socket (IPPROTO_RAW:
// the packet brings its own header, source address included); the
// sender's routing table picks the next hop for the destination.
type RawSender struct{ fd int }

// NewRawSender opens a raw IPv6 socket in the namespace of in.
func NewRawSender(in InNS) (*RawSender, error) {
	s := &RawSender{fd: -1}
	err := in(func() error {
		fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
		if err != nil {
			return fmt.Errorf("attack: raw socket: %w", err)
		}
		s.fd = fd
		return nil
	})
	return s, err
}

// Send sends one packet to the destination in its header.
func (s *RawSender) Send(pkt []byte) error {
	if len(pkt) < 40 {
		return fmt.Errorf("attack: raw socket: %d octets are no IPv6 packet", len(pkt))
	}
	var sa unix.SockaddrInet6
	copy(sa.Addr[:], pkt[24:40])
	if err := unix.Sendto(s.fd, pkt, 0, &sa); err != nil {
		return fmt.Errorf("attack: raw socket: send to %s: %w", netip.AddrFrom16(sa.Addr), err)
	}
	return nil
}

// Close closes the socket.
func (s *RawSender) Close() error { return unix.Close(s.fd) }

// FloodResult is what a flood achieved.
type FloodResult struct {
	Sent    int
	Elapsed time.Duration
	// Retries counts sends that the socket refused for a moment
	// (ENOBUFS, EAGAIN) and that were tried again.
	Retries int
}

// Rate is the packets per second reached.
func (r FloodResult) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Sent) / r.Elapsed.Seconds()
}

func (r FloodResult) String() string {
	return fmt.Sprintf("%d packets in %s (%.0f/s)", r.Sent, r.Elapsed.Round(time.Millisecond), r.Rate())
}

// Flood sends n packets made by next (called with 0 to n-1) at up to rate
// packets per second (0: as fast as the sender goes), until all are sent
// or ctx ends. A send the socket refuses for a moment is tried again.
func Flood(ctx context.Context, s Sender, n int, rate float64, next func(i int) ([]byte, error)) (res FloodResult, err error) {
	start := time.Now()
	defer func() { res.Elapsed = time.Since(start) }()
	for res.Sent < n {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if rate > 0 {
			// Catch up with the schedule, then wait for it: sleeping
			// per packet would cap the rate at the timer's resolution.
			due := int(time.Since(start).Seconds()*rate) + 1
			if res.Sent >= due {
				time.Sleep(time.Millisecond)
				continue
			}
		}
		pkt, err := next(res.Sent)
		if err != nil {
			return res, err
		}
		for {
			err = s.Send(pkt)
			if !errors.Is(err, unix.ENOBUFS) && !errors.Is(err, unix.EAGAIN) || ctx.Err() != nil {
				break
			}
			res.Retries++
			time.Sleep(100 * time.Microsecond)
		}
		if err != nil {
			return res, err
		}
		res.Sent++
	}
	return res, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
