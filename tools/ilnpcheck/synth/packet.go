// Package synth builds ILNP packets and writes them as pcap or pcapng
// captures, for the tests and benchmarks of ilnpcheck. Packets are
// assembled by hand around gopacket-serialized transport headers so that
// a test can break exactly one thing (a checksum rule, a padding octet,
// a nonce length) and keep the rest valid. Transport checksums follow
// the checksum rule of each Packet (Packet.Rule; wire.RuleIPv6 unless
// set), as do those of WriteMixedOptions and Scenario.
package synth

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

// ChecksumMode says how the transport checksum of a Packet is filled in,
// relative to the Packet's Rule. For an LU (ICMPv6, over the wire
// addresses under both rules) the other rule's checksum and seed are the
// rule's own.
type ChecksumMode uint8

// Checksum modes.
const (
	// ChecksumValid: correct under the Packet's Rule (for TCP and UDP the
	// wire addresses under wire.RuleIPv6, the NIDs only under
	// wire.RuleNID; the wire addresses for ICMPv6).
	ChecksumValid ChecksumMode = iota
	// ChecksumOtherRule: correct under the other rule (Rule.Other()),
	// wrong under the Packet's Rule for TCP and UDP.
	ChecksumOtherRule
	// ChecksumCorrupt: the checksum of the Packet's Rule with bits flipped.
	ChecksumCorrupt
	// ChecksumPartial: what Linux leaves for checksum offload under the
	// Packet's Rule, the folded pseudo-header sum.
	ChecksumPartial
	// ChecksumPartialOtherRule: the offload seed of the other rule.
	ChecksumPartialOtherRule
	// ChecksumZero: the field left 0.
	ChecksumZero
)

// LU describes a Locator Update message to put in a Packet: an
// advertisement or ack, or, with Op ilnp.LUProbe or ilnp.LUProbeReply, a
// probe or its reply carrying Challenge (which the others do not carry).
type LU struct {
	Op        ilnp.LUOp
	Code      uint8
	Format    wire.LUFormat // zero means extended
	Challenge ilnp.Challenge
	Locators  []ilnp.L64
}

// Packet describes one IPv6 packet.
type Packet struct {
	Time     time.Time
	Src, Dst ilnp.ILV
	HopLimit uint8 // 0 means 64

	// Nonce, when not zero, adds a Destination Options header with it.
	Nonce ilnp.Nonce
	// DestOpts, when not nil, is used verbatim as the Destination Options
	// header instead (its Next Header octet is filled in).
	DestOpts []byte

	// One of TCP, UDP or LU.
	TCP *layers.TCP
	UDP *layers.UDP
	LU  *LU

	Payload []byte
	// Rule is the checksum rule the sender follows (zero: wire.RuleIPv6);
	// Checksum says what it puts in the field.
	Rule     wire.ChecksumRule
	Checksum ChecksumMode

	// Raw, when not nil, is the whole IPv6 packet, used as it is.
	Raw []byte
}

// Bytes assembles the IPv6 packet.
func (p *Packet) Bytes() ([]byte, error) {
	if p.Raw != nil {
		return p.Raw, nil
	}
	seg, proto, csumOff, err := p.segment()
	if err != nil {
		return nil, err
	}
	src, dst := p.Src.As16(), p.Dst.As16()
	if err := fillChecksum(seg, csumOff, proto, src, dst, p.Rule, p.Checksum); err != nil {
		return nil, err
	}

	var ext []byte
	switch {
	case p.DestOpts != nil:
		ext = append([]byte(nil), p.DestOpts...)
		ext[0] = byte(proto)
	case !p.Nonce.IsZero():
		d := wire.DestOpts{NextHeader: proto, Nonce: p.Nonce}
		buf := gopacket.NewSerializeBuffer()
		if err := d.SerializeTo(buf, gopacket.SerializeOptions{}); err != nil {
			return nil, err
		}
		ext = buf.Bytes()
	}
	next := proto
	if ext != nil {
		next = layers.IPProtocolIPv6Destination
	}
	hop := p.HopLimit
	if hop == 0 {
		hop = 64
	}
	out := make([]byte, 40, 40+len(ext)+len(seg))
	out[0] = 0x60
	binary.BigEndian.PutUint16(out[4:6], uint16(len(ext)+len(seg)))
	out[6] = byte(next)
	out[7] = hop
	copy(out[8:24], src[:])
	copy(out[24:40], dst[:])
	out = append(out, ext...)
	return append(out, seg...), nil
}

// segment serializes the upper-layer packet with a zero checksum and says
// where the checksum field is.
func (p *Packet) segment() (seg []byte, proto layers.IPProtocol, csumOff int, err error) {
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true}
	payload := gopacket.Payload(p.Payload)
	switch {
	case p.TCP != nil:
		t := *p.TCP
		err = gopacket.SerializeLayers(buf, opts, &t, payload)
		proto, csumOff = layers.IPProtocolTCP, 16
	case p.UDP != nil:
		u := *p.UDP
		err = gopacket.SerializeLayers(buf, opts, &u, payload)
		proto, csumOff = layers.IPProtocolUDP, 6
	case p.LU != nil:
		icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(ilnp.ICMPv6TypeLocatorUpdate, p.LU.Code)}
		recs := make([]wire.LocatorRecord, len(p.LU.Locators))
		for i, l := range p.LU.Locators {
			recs[i] = wire.LocatorRecord{Locator: l, Preference: uint16(i + 1), Lifetime: 15}
		}
		lu := &wire.LocatorUpdate{Operation: p.LU.Op, Challenge: p.LU.Challenge, Format: p.LU.Format, Locators: recs}
		err = gopacket.SerializeLayers(buf, opts, icmp, lu, payload)
		proto, csumOff = layers.IPProtocolICMPv6, 2
	default:
		return nil, 0, 0, fmt.Errorf("synth: packet has no TCP, UDP or LU")
	}
	if err != nil {
		return nil, 0, 0, fmt.Errorf("synth: serialize %v: %w", proto, err)
	}
	seg = append([]byte(nil), buf.Bytes()...)
	seg[csumOff], seg[csumOff+1] = 0, 0
	return seg, proto, csumOff, nil
}

func fillChecksum(seg []byte, off int, proto layers.IPProtocol, src, dst [16]byte, rule wire.ChecksumRule, mode ChecksumMode) error {
	ph := wire.ILNPPseudoHeader(rule, src, dst, proto, len(seg))
	other := wire.ILNPPseudoHeader(rule.Other(), src, dst, proto, len(seg))
	var c uint16
	switch mode {
	case ChecksumValid:
		c = wire.Checksum(ph, seg)
	case ChecksumOtherRule:
		c = wire.Checksum(other, seg)
	case ChecksumCorrupt:
		c = wire.Checksum(ph, seg) ^ 0x5a5a
	case ChecksumPartial:
		c = ph.Sum()
	case ChecksumPartialOtherRule:
		c = other.Sum()
	case ChecksumZero:
		c = 0
	default:
		return fmt.Errorf("synth: unknown checksum mode %d", mode)
	}
	if c == 0 && proto == layers.IPProtocolUDP && mode != ChecksumZero {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(seg[off:], c)
	return nil
}

// Iperf2Payload returns a UDP payload of n octets (at least 4) that starts
// with iperf2's 32-bit sequence number.
func Iperf2Payload(seq int32, n int) []byte {
	b := make([]byte, max(n, 4))
	binary.BigEndian.PutUint32(b, uint32(seq))
	return b
}
