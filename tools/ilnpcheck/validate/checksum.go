package validate

import (
	"encoding/binary"

	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/wire"
)

// ChecksumVerdict is what the checker found out about a transport
// checksum.
type ChecksumVerdict uint8

// Verdicts.
const (
	ChecksumNotChecked ChecksumVerdict = iota // unknown protocol, undecodable header, fragment after the first
	ChecksumGood                              // valid under the ILNP rule
	ChecksumBad                               // wrong
	// ChecksumWireRule: a TCP/UDP checksum valid only over the wire
	// addresses, i.e. computed as plain IPv6 would.
	ChecksumWireRule
	// ChecksumPartialNID: the field holds the folded NID-only
	// pseudo-header sum that Linux leaves for checksum offload
	// (CHECKSUM_PARTIAL); the capture was taken before the NIC or the
	// stack completed it, so it cannot be verified.
	ChecksumPartialNID
	// ChecksumPartialWire: the same seed, but over the wire addresses.
	ChecksumPartialWire
	// ChecksumZero: a UDP checksum of zero, not allowed over IPv6.
	ChecksumZero
	// ChecksumTruncated: the frame was cut by the snap length.
	ChecksumTruncated
	// ChecksumIncomplete: the packet is a fragment of a datagram that
	// could not be reassembled (a fragment missing), or that is still
	// waiting for its fragments.
	ChecksumIncomplete
)

var verdictNames = [...]string{"not-checked", "good", "bad", "wire-rule", "offload-nid", "offload-wire", "zero", "truncated", "incomplete"}

func (v ChecksumVerdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (v ChecksumVerdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// segment is an upper-layer packet with the addresses it travelled
// between: a whole packet's, or a datagram reassembled from fragments.
type segment struct {
	src, dst [16]byte
	proto    layers.IPProtocol
	data     []byte // complete
}

// classifyChecksum verifies the checksum at off in the complete upper
// layer s; only a failing checksum is looked at further.
func classifyChecksum(s *segment, off int) ChecksumVerdict {
	ph := wire.ILNPPseudoHeader(s.src, s.dst, s.proto, len(s.data))
	field := binary.BigEndian.Uint16(s.data[off:])
	if s.proto == layers.IPProtocolUDP && field == 0 {
		return ChecksumZero
	}
	if wire.VerifyChecksum(ph, s.data) {
		return ChecksumGood
	}
	if s.proto != layers.IPProtocolTCP && s.proto != layers.IPProtocolUDP {
		return ChecksumBad
	}
	onWire := wire.PseudoHeader{Src: s.src, Dst: s.dst, Length: ph.Length, Proto: ph.Proto}
	switch {
	case field == ph.Sum():
		return ChecksumPartialNID
	case field == onWire.Sum():
		return ChecksumPartialWire
	case wire.VerifyChecksum(onWire, s.data):
		return ChecksumWireRule
	}
	return ChecksumBad
}

// expected returns the checksum s should carry under the ILNP rule.
func expected(s *segment, off int) uint16 {
	seg := append([]byte(nil), s.data...)
	seg[off], seg[off+1] = 0, 0
	c := wire.Checksum(wire.ILNPPseudoHeader(s.src, s.dst, s.proto, len(seg)), seg)
	if c == 0 && s.proto == layers.IPProtocolUDP {
		c = 0xffff
	}
	return c
}
