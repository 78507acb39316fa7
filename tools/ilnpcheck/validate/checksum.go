package validate

import (
	"encoding/binary"

	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/wire"
)

// ChecksumVerdict is what the checker found out about a transport
// checksum.
type ChecksumVerdict uint8

// Verdicts. The names of the TCP/UDP verdicts say which pseudo-header a
// checksum matches: "wire" is the one over the addresses on the wire
// (wire.RuleIPv6), "nid" the one over the NIDs only (wire.RuleNID).
// Which of them is a violation depends on Options.ChecksumRule.
const (
	ChecksumNotChecked ChecksumVerdict = iota // unknown protocol, undecodable header, fragment after the first
	ChecksumGood                              // valid under the checked rule (Options.ChecksumRule)
	ChecksumBad                               // wrong
	// ChecksumWireRule: a TCP/UDP checksum valid only over the wire
	// addresses, i.e. under wire.RuleIPv6, when the checked rule is
	// wire.RuleNID.
	ChecksumWireRule
	// ChecksumNIDRule: a TCP/UDP checksum valid only over the NIDs,
	// i.e. under wire.RuleNID, when the checked rule is wire.RuleIPv6.
	ChecksumNIDRule
	// ChecksumPartialNID: the field holds the folded NID-only
	// pseudo-header sum that Linux leaves for checksum offload
	// (CHECKSUM_PARTIAL) under wire.RuleNID; the capture was taken
	// before the NIC or the stack completed it, so it cannot be
	// verified. Left to offload under RuleNID, a violation under
	// RuleIPv6.
	ChecksumPartialNID
	// ChecksumPartialWire: the same seed over the wire addresses, as
	// under wire.RuleIPv6 (and for plain IPv6). Left to offload under
	// RuleIPv6, a violation under RuleNID.
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

var verdictNames = [...]string{"not-checked", "good", "bad", "wire-rule", "nid-rule", "offload-nid", "offload-wire", "zero", "truncated", "incomplete"}

func (v ChecksumVerdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "unknown"
}

// validVerdict is the verdict of a TCP/UDP checksum valid under rule
// only.
func validVerdict(rule wire.ChecksumRule) ChecksumVerdict {
	if rule == wire.RuleNID {
		return ChecksumNIDRule
	}
	return ChecksumWireRule
}

// seedVerdict is the verdict of a TCP/UDP checksum field that holds the
// offload seed of rule.
func seedVerdict(rule wire.ChecksumRule) ChecksumVerdict {
	if rule == wire.RuleNID {
		return ChecksumPartialNID
	}
	return ChecksumPartialWire
}

// ruleText names rule and what its pseudo-header holds, for messages.
func ruleText(rule wire.ChecksumRule) string {
	if rule == wire.RuleNID {
		return "the nid rule (NIDs only, RFC 6740)"
	}
	return "the ipv6 rule (wire addresses, draft-bhatti-ilnp-tcp-udp-checksums)"
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
// layer s under rule; only a failing checksum is looked at further.
func classifyChecksum(s *segment, off int, rule wire.ChecksumRule) ChecksumVerdict {
	ph := wire.ILNPPseudoHeader(rule, s.src, s.dst, s.proto, len(s.data))
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
	other := wire.ILNPPseudoHeader(rule.Other(), s.src, s.dst, s.proto, len(s.data))
	switch {
	case field == ph.Sum():
		return seedVerdict(rule)
	case field == other.Sum():
		return seedVerdict(rule.Other())
	case wire.VerifyChecksum(other, s.data):
		return validVerdict(rule.Other())
	}
	return ChecksumBad
}

// expected returns the checksum s should carry under rule.
func expected(s *segment, off int, rule wire.ChecksumRule) uint16 {
	seg := append([]byte(nil), s.data...)
	seg[off], seg[off+1] = 0, 0
	c := wire.Checksum(wire.ILNPPseudoHeader(rule, s.src, s.dst, s.proto, len(seg)), seg)
	if c == 0 && s.proto == layers.IPProtocolUDP {
		c = 0xffff
	}
	return c
}
