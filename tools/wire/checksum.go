package wire

import (
	"encoding/binary"
	"math/bits"
	"net"

	"github.com/google/gopacket/layers"
)

// PseudoHeader is the IPv6 upper-layer pseudo-header of RFC 8200 section
// 8.1 that TCP, UDP and ICMPv6 checksums cover.
type PseudoHeader struct {
	Src, Dst [16]byte
	Length   uint32 // upper-layer packet length
	Proto    uint8  // upper-layer protocol number
}

// NIDOnly returns p with the locator (upper 64 bits) of both addresses
// set to zero: the ILNP pseudo-header for TCP and UDP.
func (p PseudoHeader) NIDOnly() PseudoHeader {
	clear(p.Src[:8])
	clear(p.Dst[:8])
	return p
}

// Sum returns the one's complement sum of the pseudo-header, folded to
// 16 bits (not complemented).
func (p PseudoHeader) Sum() uint16 { return fold(p.sum()) }

func (p PseudoHeader) sum() uint64 {
	var s uint64
	for i := 0; i < 16; i += 4 {
		s += uint64(binary.BigEndian.Uint32(p.Src[i:]))
		s += uint64(binary.BigEndian.Uint32(p.Dst[i:]))
	}
	return s + uint64(p.Length) + uint64(p.Proto)
}

// ILNPPseudoHeader returns the pseudo-header an ILNP host uses for a
// segment of protocol proto between src and dst (the addresses on the
// wire): NID-only for TCP and UDP, the wire addresses for anything else
// (ICMPv6 above all).
func ILNPPseudoHeader(src, dst [16]byte, proto layers.IPProtocol, length int) PseudoHeader {
	p := PseudoHeader{Src: src, Dst: dst, Length: uint32(length), Proto: uint8(proto)}
	if proto == layers.IPProtocolTCP || proto == layers.IPProtocolUDP {
		return p.NIDOnly()
	}
	return p
}

// Checksum returns the Internet checksum of segment under p, computed
// with the checksum field as it is in segment; zero that field first
// (at offset 16 for TCP, 6 for UDP, 2 for ICMPv6) to compute the value to
// send. A UDP sender sends 0xffff for a result of 0.
func Checksum(p PseudoHeader, segment []byte) uint16 {
	return ^fold(p.sum() + sumBytes(segment))
}

// VerifyChecksum reports whether segment, checksum field included, sums
// to all ones under p.
func VerifyChecksum(p PseudoHeader, segment []byte) bool {
	return fold(p.sum()+sumBytes(segment)) == 0xffff
}

// NIDOnly returns a copy of ip6 whose addresses keep only their NIDs. Pass
// it to layers.TCP or layers.UDP SetNetworkLayerForChecksum so that
// gopacket.SerializeLayers computes the ILNP checksum:
//
//	tcp.SetNetworkLayerForChecksum(wire.NIDOnly(ip6))
func NIDOnly(ip6 *layers.IPv6) *layers.IPv6 {
	c := *ip6
	c.SrcIP = nidOnlyIP(ip6.SrcIP)
	c.DstIP = nidOnlyIP(ip6.DstIP)
	return &c
}

func nidOnlyIP(ip net.IP) net.IP {
	out := make(net.IP, net.IPv6len)
	if ip16 := ip.To16(); ip16 != nil {
		copy(out[8:], ip16[8:])
	}
	return out
}

// sumBytes returns the one's complement sum of b as big-endian 16-bit
// words (an odd last octet is padded with zero), not yet folded. It adds
// 64 bits at a time with end-around carry.
func sumBytes(b []byte) uint64 {
	var s, c uint64
	for len(b) >= 32 {
		s, c = bits.Add64(s, binary.BigEndian.Uint64(b[0:]), c)
		s, c = bits.Add64(s, binary.BigEndian.Uint64(b[8:]), c)
		s, c = bits.Add64(s, binary.BigEndian.Uint64(b[16:]), c)
		s, c = bits.Add64(s, binary.BigEndian.Uint64(b[24:]), c)
		b = b[32:]
	}
	for len(b) >= 8 {
		s, c = bits.Add64(s, binary.BigEndian.Uint64(b), c)
		b = b[8:]
	}
	s, c = bits.Add64(s, 0, c)
	s += c // cannot carry again: s was at most 2^64-2 when c was 1
	// Fold to 32 bits before adding the tail so nothing overflows.
	s = (s >> 32) + (s & 0xffffffff)
	for len(b) >= 2 {
		s += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint64(b[0]) << 8
	}
	return s
}

// fold folds a one's complement sum to 16 bits.
func fold(s uint64) uint16 {
	s = (s >> 32) + (s & 0xffffffff)
	s = (s >> 32) + (s & 0xffffffff)
	s = (s >> 16) + (s & 0xffff)
	s = (s >> 16) + (s & 0xffff)
	return uint16(s)
}
