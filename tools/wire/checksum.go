package wire

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"net"
	"strings"

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
// set to zero: the pseudo-header for TCP and UDP under RuleNID.
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

// ChecksumRule names the pseudo-header an ILNP host uses for TCP and UDP
// checksums. The zero value is RuleIPv6, the default.
//
// ICMPv6 (and any upper layer other than TCP and UDP) uses the addresses
// on the wire under both rules.
type ChecksumRule uint8

// Checksum rules.
const (
	// RuleIPv6 (name "ipv6"): the pseudo-header holds the addresses on
	// the wire, locators included, exactly as for IPv6 (RFC 8200 section
	// 8.1), so ILNP's TCP and UDP checksums equal IPv6's and conntrack,
	// firewalls and NICs can verify them
	// (draft-bhatti-ilnp-tcp-udp-checksums). The kernel's default
	// (net.ipv6.ilnp_nid_checksum=0).
	RuleIPv6 ChecksumRule = iota
	// RuleNID (name "nid"): the pseudo-header holds the NIDs only, the
	// upper 64 bits (locator) of both addresses zero, so a checksum
	// survives a change of locator: the original rule of RFC 6740 and
	// RFC 6741. The kernel's net.ipv6.ilnp_nid_checksum=1.
	RuleNID
)

var ruleNames = [...]string{RuleIPv6: "ipv6", RuleNID: "nid"}

// String returns the rule's name, "ipv6" or "nid".
func (r ChecksumRule) String() string {
	if int(r) < len(ruleNames) {
		return ruleNames[r]
	}
	return fmt.Sprintf("ChecksumRule(%d)", uint8(r))
}

// ParseChecksumRule returns the rule named s ("ipv6" or "nid", any case).
func ParseChecksumRule(s string) (ChecksumRule, error) {
	for r, name := range ruleNames {
		if strings.EqualFold(s, name) {
			return ChecksumRule(r), nil
		}
	}
	return 0, fmt.Errorf("unknown checksum rule %q: want ipv6 or nid", s)
}

// MarshalText implements encoding.TextMarshaler.
func (r ChecksumRule) MarshalText() ([]byte, error) {
	if int(r) >= len(ruleNames) {
		return nil, fmt.Errorf("unknown checksum rule %d", uint8(r))
	}
	return []byte(r.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *ChecksumRule) UnmarshalText(b []byte) error {
	v, err := ParseChecksumRule(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// Set implements flag.Value (and pflag.Value, with Type).
func (r *ChecksumRule) Set(s string) error { return r.UnmarshalText([]byte(s)) }

// Type implements pflag.Value.
func (r *ChecksumRule) Type() string { return "rule" }

// Other returns the other rule: RuleNID for RuleIPv6 and the reverse.
func (r ChecksumRule) Other() ChecksumRule {
	if r == RuleNID {
		return RuleIPv6
	}
	return RuleNID
}

// NetworkLayer returns what to pass to layers.TCP or layers.UDP
// SetNetworkLayerForChecksum so that gopacket.SerializeLayers computes
// the checksum under r: ip6 itself under RuleIPv6, NIDOnly(ip6) under
// RuleNID.
func (r ChecksumRule) NetworkLayer(ip6 *layers.IPv6) *layers.IPv6 {
	if r == RuleNID {
		return NIDOnly(ip6)
	}
	return ip6
}

// ILNPPseudoHeader returns the pseudo-header an ILNP host following rule
// uses for a segment of protocol proto between src and dst (the
// addresses on the wire): for TCP and UDP, the wire addresses under
// RuleIPv6 and the NIDs only under RuleNID; for anything else (ICMPv6
// above all) the wire addresses under either rule.
func ILNPPseudoHeader(rule ChecksumRule, src, dst [16]byte, proto layers.IPProtocol, length int) PseudoHeader {
	p := PseudoHeader{Src: src, Dst: dst, Length: uint32(length), Proto: uint8(proto)}
	if rule == RuleNID && (proto == layers.IPProtocolTCP || proto == layers.IPProtocolUDP) {
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
// gopacket.SerializeLayers computes the checksum under RuleNID (under
// RuleIPv6 pass ip6 itself; ChecksumRule.NetworkLayer picks):
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
