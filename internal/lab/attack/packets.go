// Package attack is the means of the testbed's off-path attacker: it
// forges IPv6 packets (any source, ILNP nonce options of any shape,
// Locator Updates, ICMPv6 errors quoting whatever it likes) with gopacket
// and the layers of tools/wire, and puts them on the wire with a packet
// socket (nothing of the sender's own IP stack touches them) or a raw
// IPv6 socket (the sender's routing picks the next hop), one at a time or
// as a paced flood.
//
// It imports nothing of the test tree: the namespace it works in comes
// as a function that runs code there (testbed.Host.Do has that shape).
package attack

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

// Checksum says which pseudo-header a forged TCP or UDP checksum covers.
type Checksum int

const (
	// ChecksumIPv6 is the standard pseudo-header of the wire addresses:
	// what a plain IPv6 host sends, and what the TCP and UDP of an ILNP
	// session carry by default (draft-bhatti-ilnp-tcp-udp-checksums).
	ChecksumIPv6 Checksum = iota
	// ChecksumNIDOnly is RFC 6740's: the addresses with their L64 bits
	// cleared, what an ILNP session carries under
	// net.ipv6.ilnp_nid_checksum=1.
	ChecksumNIDOnly
)

// Header is the IPv6 part of a forged packet.
type Header struct {
	Src, Dst netip.Addr
	// Options is the Destination Options header in front of the upper
	// layer: a *wire.DestOpts (a well-formed nonce), a
	// *wire.RawDestOpts (anything else), or nil for none. Its
	// NextHeader is set when the packet is built.
	Options  gopacket.SerializableLayer
	HopLimit uint8 // 0 means 64
}

// Nonce is the Destination Options header of an ILNP packet carrying
// nonce: a well-formed one for 4 or 12 octets, else an option of that
// length as it is (padded to 8 octets).
func Nonce(nonce []byte) gopacket.SerializableLayer {
	if n, err := ilnp.NonceFromBytes(nonce); err == nil {
		return &wire.DestOpts{Nonce: n}
	}
	return &wire.RawDestOpts{Options: []wire.Option{wire.Opt(ilnp.OptTypeNonce, nonce)}}
}

// Flip returns a copy of nonce with every bit inverted: a wrong nonce
// of the same length.
func Flip(nonce []byte) []byte {
	out := make([]byte, len(nonce))
	for i, b := range nonce {
		out[i] = ^b
	}
	return out
}

func (h Header) layers(upper layers.IPProtocol) (*layers.IPv6, []gopacket.SerializableLayer, error) {
	if !h.Src.Is6() || !h.Dst.Is6() {
		return nil, nil, fmt.Errorf("attack: %s -> %s: want IPv6 addresses", h.Src, h.Dst)
	}
	hop := h.HopLimit
	if hop == 0 {
		hop = 64
	}
	ip6 := &layers.IPv6{
		Version: 6, HopLimit: hop, NextHeader: upper,
		SrcIP: net.IP(h.Src.AsSlice()), DstIP: net.IP(h.Dst.AsSlice()),
	}
	ls := []gopacket.SerializableLayer{ip6}
	switch o := h.Options.(type) {
	case nil:
	case *wire.DestOpts:
		o.NextHeader = upper
		ip6.NextHeader = layers.IPProtocolIPv6Destination
		ls = append(ls, o)
	case *wire.RawDestOpts:
		o.NextHeader = upper
		ip6.NextHeader = layers.IPProtocolIPv6Destination
		ls = append(ls, o)
	default:
		return nil, nil, fmt.Errorf("attack: options of type %T, want *wire.DestOpts or *wire.RawDestOpts", h.Options)
	}
	return ip6, ls, nil
}

func serialize(ls ...gopacket.SerializableLayer) ([]byte, error) {
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		return nil, fmt.Errorf("attack: serialize: %w", err)
	}
	return buf.Bytes(), nil
}

func checksumLayer(ip6 *layers.IPv6, sum Checksum) *layers.IPv6 {
	if sum == ChecksumNIDOnly {
		return wire.NIDOnly(ip6)
	}
	return ip6
}

// UDP is a UDP datagram from h.Src port sport to h.Dst port dport.
func UDP(h Header, sport, dport uint16, sum Checksum, payload []byte) ([]byte, error) {
	ip6, ls, err := h.layers(layers.IPProtocolUDP)
	if err != nil {
		return nil, err
	}
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	if err := udp.SetNetworkLayerForChecksum(checksumLayer(ip6, sum)); err != nil {
		return nil, fmt.Errorf("attack: %w", err)
	}
	return serialize(append(ls, udp, gopacket.Payload(payload))...)
}

// TCP is the TCP segment seg (ports, sequence numbers, flags, window)
// from h.Src to h.Dst.
func TCP(h Header, seg *layers.TCP, sum Checksum, payload []byte) ([]byte, error) {
	ip6, ls, err := h.layers(layers.IPProtocolTCP)
	if err != nil {
		return nil, err
	}
	if err := seg.SetNetworkLayerForChecksum(checksumLayer(ip6, sum)); err != nil {
		return nil, fmt.Errorf("attack: %w", err)
	}
	return serialize(append(ls, seg, gopacket.Payload(payload))...)
}

// ICMPv6 is an ICMPv6 message of type and code whose body (what follows
// the type, code and checksum) is body, with the standard checksum over
// the wire addresses.
func ICMPv6(h Header, typ, code uint8, body []byte) ([]byte, error) {
	ip6, ls, err := h.layers(layers.IPProtocolICMPv6)
	if err != nil {
		return nil, err
	}
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(typ, code)}
	if err := icmp.SetNetworkLayerForChecksum(ip6); err != nil {
		return nil, fmt.Errorf("attack: %w", err)
	}
	return serialize(append(ls, icmp, gopacket.Payload(body))...)
}

// LocatorUpdate is an ICMPv6 Locator Update with code and the message
// lu as it is (Num of Locs, Operation, Challenge and reserved fields as
// set: build malformed ones at will). A probe or probe reply
// (lu.Operation.IsProbe) carries lu.Challenge before its records.
func LocatorUpdate(h Header, code uint8, lu *wire.LocatorUpdate) ([]byte, error) {
	buf := gopacket.NewSerializeBuffer()
	if err := lu.SerializeTo(buf, gopacket.SerializeOptions{}); err != nil {
		return nil, fmt.Errorf("attack: %w", err)
	}
	return ICMPv6(h, ilnp.ICMPv6TypeLocatorUpdate, code, buf.Bytes())
}

// Probe is a return-routability probe (op ilnp.LUProbe) or probe reply
// (ilnp.LUProbeReply) with challenge and the records recs, in the
// well-formed shape a host sends (Code 0, Num of Locs from recs);
// LocatorUpdate builds the malformed ones.
func Probe(h Header, op ilnp.LUOp, challenge ilnp.Challenge, recs ...wire.LocatorRecord) ([]byte, error) {
	if !op.IsProbe() {
		return nil, fmt.Errorf("attack: probe of operation %v, want %v or %v", op, ilnp.LUProbe, ilnp.LUProbeReply)
	}
	lu := &wire.LocatorUpdate{NumLocs: uint8(len(recs)), Operation: op, Challenge: challenge, Locators: recs}
	if len(recs) > ilnp.LUMaxLocators {
		return nil, fmt.Errorf("attack: probe of %d records, at most %d fit", len(recs), ilnp.LUMaxLocators)
	}
	return LocatorUpdate(h, ilnp.LUCodeNone, lu)
}

// minMTU is the IPv6 minimum MTU, which an ICMPv6 error may not exceed.
const minMTU = 1280

// Error is an ICMPv6 error of type and code (Parameter Problem,
// Packet Too Big, Destination Unreachable, Time Exceeded) whose 32-bit
// parameter is param (the pointer, the MTU, or unused) and that quotes
// as much of quoted as fits the minimum MTU.
func Error(h Header, typ, code uint8, param uint32, quoted []byte) ([]byte, error) {
	room := minMTU - 40 - 8
	if len(quoted) > room {
		quoted = quoted[:room]
	}
	body := make([]byte, 4, 4+len(quoted))
	binary.BigEndian.PutUint32(body, param)
	return ICMPv6(h, typ, code, append(body, quoted...))
}

// ParameterProblem is an ICMPv6 Parameter Problem (type 4) of code with
// pointer, quoting quoted.
func ParameterProblem(h Header, code uint8, pointer uint32, quoted []byte) ([]byte, error) {
	return Error(h, uint8(layers.ICMPv6TypeParameterProblem), code, pointer, quoted)
}

// Record is the Locator Update record of the /64 prefix l64 with
// preference and lifetime (seconds).
func Record(l64 netip.Prefix, pref uint16, lifetime uint32) wire.LocatorRecord {
	b := l64.Masked().Addr().As16()
	return wire.LocatorRecord{
		Locator:    ilnp.L64(binary.BigEndian.Uint64(b[:8])),
		Preference: pref, Lifetime: lifetime,
	}
}

// SetNID returns the address with the locator of prefix p and the
// interface identifier (NID) of nid.
func SetNID(p netip.Prefix, nid netip.Addr) netip.Addr {
	a, n := p.Masked().Addr().As16(), nid.As16()
	copy(a[8:], n[8:])
	return netip.AddrFrom16(a)
}
