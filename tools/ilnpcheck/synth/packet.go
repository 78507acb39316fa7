// Package synth builds ILNP packets and writes them as pcap or pcapng
// captures, for the tests and benchmarks of ilnpcheck. Packets are
// assembled by hand around gopacket-serialized transport headers so that
// a test can break exactly one thing (a checksum rule, a padding octet,
// a nonce length) and keep the rest valid.
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

// ChecksumMode says how the transport checksum of a Packet is filled in.
type ChecksumMode uint8

// Checksum modes.
const (
	// ChecksumILNP: correct under the ILNP rule (NID-only for TCP and UDP,
	// wire addresses for ICMPv6).
	ChecksumILNP ChecksumMode = iota
	// ChecksumWire: computed over the wire addresses (wrong for ILNP TCP/UDP).
	ChecksumWire
	// ChecksumCorrupt: the ILNP checksum with bits flipped.
	ChecksumCorrupt
	// ChecksumPartialNID: what Linux leaves for checksum offload, the
	// folded NID-only pseudo-header sum.
	ChecksumPartialNID
	// ChecksumPartialWire: the offload seed over the wire addresses.
	ChecksumPartialWire
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

	Payload  []byte
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
	if err := fillChecksum(seg, csumOff, proto, src, dst, p.Checksum); err != nil {
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

func fillChecksum(seg []byte, off int, proto layers.IPProtocol, src, dst [16]byte, mode ChecksumMode) error {
	ilnp := wire.ILNPPseudoHeader(src, dst, proto, len(seg))
	onWire := wire.PseudoHeader{Src: src, Dst: dst, Length: uint32(len(seg)), Proto: uint8(proto)}
	var c uint16
	switch mode {
	case ChecksumILNP:
		c = wire.Checksum(ilnp, seg)
	case ChecksumWire:
		c = wire.Checksum(onWire, seg)
	case ChecksumCorrupt:
		c = wire.Checksum(ilnp, seg) ^ 0x5a5a
	case ChecksumPartialNID:
		c = ilnp.Sum()
	case ChecksumPartialWire:
		c = onWire.Sum()
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
