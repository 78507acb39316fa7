package validate

import (
	"encoding/binary"

	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/decode"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

// ChecksumVerdict is what the checker found out about a transport
// checksum.
type ChecksumVerdict uint8

// Verdicts.
const (
	ChecksumNotChecked ChecksumVerdict = iota // fragment, unknown protocol or undecodable header
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
)

var verdictNames = [...]string{"not-checked", "good", "bad", "wire-rule", "offload-nid", "offload-wire", "zero", "truncated"}

func (v ChecksumVerdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (v ChecksumVerdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// classifyChecksum verifies the checksum at off in the complete upper
// layer of p; only a failing checksum is looked at further.
func classifyChecksum(p *decode.Packet, off int) ChecksumVerdict {
	ph := wire.ILNPPseudoHeader(p.Src, p.Dst, p.Proto, p.UpperLen)
	field := binary.BigEndian.Uint16(p.Upper[off:])
	if p.Proto == layers.IPProtocolUDP && field == 0 {
		return ChecksumZero
	}
	if wire.VerifyChecksum(ph, p.Upper) {
		return ChecksumGood
	}
	if p.Proto != layers.IPProtocolTCP && p.Proto != layers.IPProtocolUDP {
		return ChecksumBad
	}
	onWire := wire.PseudoHeader{Src: p.Src, Dst: p.Dst, Length: ph.Length, Proto: ph.Proto}
	switch {
	case field == ph.Sum():
		return ChecksumPartialNID
	case field == onWire.Sum():
		return ChecksumPartialWire
	case wire.VerifyChecksum(onWire, p.Upper):
		return ChecksumWireRule
	}
	return ChecksumBad
}

// expected returns the checksum p should carry under the ILNP rule.
func expected(p *decode.Packet, off int) uint16 {
	seg := append([]byte(nil), p.Upper...)
	seg[off], seg[off+1] = 0, 0
	c := wire.Checksum(wire.ILNPPseudoHeader(p.Src, p.Dst, p.Proto, p.UpperLen), seg)
	if c == 0 && p.Proto == layers.IPProtocolUDP {
		c = 0xffff
	}
	return c
}
