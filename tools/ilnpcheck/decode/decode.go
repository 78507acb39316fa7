// Package decode turns captured frames into a view of their IPv6, ILNP
// and transport headers with a gopacket.DecodingLayerParser, reusing one
// set of layers for every frame so that the per-packet path does not
// allocate.
package decode

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/capture"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

// ErrUnsupportedLinkType is returned for a frame whose link type the
// decoder does not know.
var ErrUnsupportedLinkType = errors.New("unsupported link type")

// Supported link types, for messages.
const Supported = "Ethernet, Linux cooked (SLL, SLL2), raw IP, raw IPv6"

// Kind classifies a frame by its network layer.
type Kind uint8

// Kinds.
const (
	KindOther     Kind = iota // not IP (ARP, LLDP, ...)
	KindIPv4                  // IPv4, not looked into
	KindIPv6                  // IPv6 header decoded
	KindMalformed             // link-layer or IPv6 header could not be decoded
)

// Packet is the decoded view of a frame. Its pointers refer to the
// Decoder's layers and are valid until the next Decode.
type Packet struct {
	Frame *capture.Frame
	Kind  Kind
	// Err is the error that stopped decoding: for KindMalformed the
	// link or IPv6 header, for KindIPv6 a header after the IPv6 header.
	Err error

	IPv6     *layers.IPv6
	Src, Dst [16]byte
	// DestOpts is the Destination Options header that precedes the upper
	// layer (the last one in the chain), nil when there is none.
	// OuterDestOpts is the first one when the chain has more than one
	// (RFC 8200 allows one before a Routing header too).
	DestOpts      *wire.DestOpts
	OuterDestOpts *wire.DestOpts
	// Fragment is set when the packet is an IPv6 fragment (not an atomic
	// one, RFC 6946). FragHdr is the Fragment header of any packet that
	// has one, atomic fragments included; FragData is the fragment data
	// (what follows the Fragment header) as captured and FragLen its
	// length according to the IPv6 header. A first fragment (offset 0) is
	// decoded on, so that its extension headers and transport header are
	// available; Upper and UpperLen then cover only what it carries of the
	// upper layer. The data of a later fragment is not decoded (Upper is
	// FragData). Reassembler puts the fragments of a datagram together.
	Fragment bool
	FragHdr  *FragmentHeader
	FragData []byte
	FragLen  int

	// Proto is the protocol after the extension headers that were
	// decoded; TCP, UDP or ICMPv6 is set when that header decoded.
	Proto  layers.IPProtocol
	TCP    *layers.TCP
	UDP    *layers.UDP
	ICMPv6 *layers.ICMPv6
	// Upper is the upper-layer packet (transport header and data) as
	// captured; UpperLen is its length according to the IPv6 header.
	Upper    []byte
	UpperLen int

	// LU is the ICMPv6 Locator Update body when the packet is one
	// (ICMPv6 type 156) and it decoded; LUErr says why it did not.
	LU    *wire.LocatorUpdate
	LUErr error
}

// IsLU reports whether the packet is an ICMPv6 Locator Update, whether or
// not its body decoded.
func (p *Packet) IsLU() bool {
	return p.ICMPv6 != nil && p.ICMPv6.TypeCode.Type() == ilnp.ICMPv6TypeLocatorUpdate
}

// ILNP reports whether the packet carries an ILNP Nonce option.
func (p *Packet) ILNP() bool { return p.NonceHeader() != nil }

// NonceHeader returns the Destination Options header that carries the
// Nonce option (the last one if both do), or nil.
func (p *Packet) NonceHeader() *wire.DestOpts {
	switch {
	case p.DestOpts != nil && p.DestOpts.HasNonceOption():
		return p.DestOpts
	case p.OuterDestOpts != nil && p.OuterDestOpts.HasNonceOption():
		return p.OuterDestOpts
	}
	return nil
}

// FirstFragment reports whether the packet is the first fragment (offset
// 0) of a fragmented datagram.
func (p *Packet) FirstFragment() bool { return p.Fragment && p.FragHdr.Offset == 0 }

// NonceBeforeFragment reports whether the Nonce option is in a
// Destination Options header that the Fragment header follows, so that
// every fragment carries it (the placement of older senders; RFC 8200
// puts options for the final destination after the Fragment header).
func (p *Packet) NonceBeforeFragment() bool {
	d := p.NonceHeader()
	return d != nil && d.NextHeader == layers.IPProtocolIPv6Fragment && p.FragHdr != nil
}

// Truncated reports whether less of the upper layer was captured than the
// IPv6 header says there is.
func (p *Packet) Truncated() bool { return len(p.Upper) < p.UpperLen }

// SrcILV and DstILV return the addresses as IL-Vs.
func (p *Packet) SrcILV() ilnp.ILV { return ilnp.ILVFrom16(p.Src) }

// DstILV returns the destination address as an IL-V.
func (p *Packet) DstILV() ilnp.ILV { return ilnp.ILVFrom16(p.Dst) }

// Decoder decodes frames. It is not safe for concurrent use.
type Decoder struct {
	eth   layers.Ethernet
	dot1q layers.Dot1Q
	sll   layers.LinuxSLL
	sll2  LinuxSLL2
	ip6   layers.IPv6
	ext   layers.IPv6ExtensionSkipper
	frag  FragmentHeader
	dst   destChain
	tcp   layers.TCP
	udp   layers.UDP
	icmp  layers.ICMPv6
	lu    wire.LocatorUpdate

	parsers [4]*gopacket.DecodingLayerParser // by first layer, see parser
	decoded []gopacket.LayerType
}

// New returns a Decoder.
func New() *Decoder {
	d := &Decoder{decoded: make([]gopacket.LayerType, 0, 16)}
	for i, first := range []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeLinuxSLL, LayerTypeLinuxSLL2, layers.LayerTypeIPv6} {
		p := gopacket.NewDecodingLayerParser(first)
		p.SetDecodingLayerContainer(gopacket.DecodingLayerArray(nil))
		// Order matters: later layers take over the types of earlier
		// ones, so the skipper only handles the Routing header.
		for _, l := range []gopacket.DecodingLayer{&d.eth, &d.dot1q, &d.sll, &d.sll2, &d.ip6, &d.ext, &d.frag, &d.dst, &d.tcp, &d.udp, &d.icmp} {
			p.AddDecodingLayer(l)
		}
		p.IgnoreUnsupported = true
		d.parsers[i] = p
	}
	return d
}

func (d *Decoder) parser(f *capture.Frame) (*gopacket.DecodingLayerParser, Kind, error) {
	switch f.LinkType {
	case capture.LinkTypeEthernet:
		return d.parsers[0], 0, nil
	case capture.LinkTypeLinuxSLL:
		return d.parsers[1], 0, nil
	case capture.LinkTypeLinuxSLL2:
		return d.parsers[2], 0, nil
	case capture.LinkTypeIPv6:
		return d.parsers[3], 0, nil
	case capture.LinkTypeIPv4:
		return nil, KindIPv4, nil
	case capture.LinkTypeRaw:
		if len(f.Data) == 0 {
			return nil, KindMalformed, nil
		}
		switch f.Data[0] >> 4 {
		case 6:
			return d.parsers[3], 0, nil
		case 4:
			return nil, KindIPv4, nil
		}
		return nil, KindMalformed, nil
	}
	return nil, 0, fmt.Errorf("%w: %v (supported: %s)", ErrUnsupportedLinkType, f.LinkType, Supported)
}

// Decode decodes f into p. It returns an error only for an unsupported
// link type; a malformed packet is described in p.
func (d *Decoder) Decode(f *capture.Frame, p *Packet) error {
	*p = Packet{Frame: f}
	parser, kind, err := d.parser(f)
	if err != nil {
		return err
	}
	if parser == nil {
		p.Kind = kind
		if kind == KindMalformed {
			p.Err = errors.New("raw frame is neither IPv4 nor IPv6")
		}
		return nil
	}
	d.dst.n = 0
	err = parser.DecodeLayers(f.Data, &d.decoded)
	ipAt := -1
	for i, t := range d.decoded {
		if t == layers.LayerTypeIPv6 {
			ipAt = i
			break
		}
	}
	if ipAt < 0 {
		p.Kind, p.Err = d.classifyNonIPv6(err)
		return nil
	}
	p.Kind, p.Err = KindIPv6, err
	d.fillIPv6(p, d.decoded[ipAt+1:])
	return nil
}

// classifyNonIPv6 tells what a frame without a decoded IPv6 header is.
func (d *Decoder) classifyNonIPv6(err error) (Kind, error) {
	if err != nil {
		return KindMalformed, err
	}
	var next layers.EthernetType
	if n := len(d.decoded); n > 0 {
		switch d.decoded[n-1] {
		case layers.LayerTypeEthernet:
			next = d.eth.EthernetType
		case layers.LayerTypeDot1Q:
			next = d.dot1q.Type
		case layers.LayerTypeLinuxSLL:
			next = d.sll.EthernetType
		case LayerTypeLinuxSLL2:
			next = d.sll2.Protocol
		}
	}
	switch next {
	case layers.EthernetTypeIPv4:
		return KindIPv4, nil
	case layers.EthernetTypeIPv6: // the IPv6 header itself failed
		return KindMalformed, errors.New("IPv6 header could not be decoded")
	}
	return KindOther, nil
}

// fillIPv6 fills p from the IPv6 header and the layers decoded after it.
func (d *Decoder) fillIPv6(p *Packet, after []gopacket.LayerType) {
	ip := &d.ip6
	p.IPv6 = ip
	copy(p.Src[:], ip.SrcIP)
	copy(p.Dst[:], ip.DstIP)
	p.Proto = ip.NextHeader
	hbh := 0
	if ip.HopByHop != nil {
		p.Proto = ip.HopByHop.NextHeader
		hbh = ip.HopByHop.ActualLength
	}
	rest := ip.Payload
	var fragRest []byte // what follows the Fragment header
	dests := 0
	for _, t := range after {
		switch t {
		case layers.LayerTypeIPv6Destination:
			h := &d.dst.hdr[min(dests, 1)]
			if dests == 1 {
				p.OuterDestOpts = &d.dst.hdr[0]
			}
			dests++
			p.DestOpts = h
			p.Proto, rest = h.NextHeader, h.Payload
		case layers.LayerTypeIPv6Fragment:
			p.FragHdr = &d.frag
			p.Fragment = d.frag.Fragmented()
			p.Proto, rest = d.frag.NextHeader, d.frag.Payload
			fragRest = rest
		case layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6HopByHop:
			p.Proto, rest = d.ext.NextHeader, d.ext.Payload
		case layers.LayerTypeTCP:
			p.TCP = &d.tcp
		case layers.LayerTypeUDP:
			p.UDP = &d.udp
		case layers.LayerTypeICMPv6:
			p.ICMPv6 = &d.icmp
		}
	}
	// The payload length counts the Hop-by-Hop header and every extension
	// header; what they took of ip.Payload is the difference in length.
	total := int(ip.Length)
	if total == 0 { // jumbogram
		total = hbh + len(ip.Payload)
	}
	p.UpperLen = total - hbh - (len(ip.Payload) - len(rest))
	if p.UpperLen < 0 {
		p.UpperLen = 0
	}
	if len(rest) > p.UpperLen {
		rest = rest[:p.UpperLen]
	}
	p.Upper = rest
	if p.FragHdr != nil {
		p.FragLen = max(total-hbh-(len(ip.Payload)-len(fragRest)), 0)
		p.FragData = fragRest[:min(len(fragRest), p.FragLen)]
	}
	// The body of a fragmented LU is not all here.
	if p.IsLU() && !p.Fragment && len(rest) >= 4 {
		if p.LUErr = d.lu.DecodeFromBytes(rest[4:], gopacket.NilDecodeFeedback); p.LUErr == nil {
			p.LU = &d.lu
		}
	}
}

// destChain decodes Destination Options headers into wire.DestOpts,
// keeping the first and the last of a chain (a DecodingLayerParser holds
// one decoder per layer type, which would keep only the last).
type destChain struct {
	hdr [2]wire.DestOpts
	n   int // headers decoded in the current packet
	cur *wire.DestOpts
}

func (c *destChain) CanDecode() gopacket.LayerClass { return layers.LayerTypeIPv6Destination }

func (c *destChain) NextLayerType() gopacket.LayerType { return c.cur.NextLayerType() }

func (c *destChain) LayerPayload() []byte { return c.cur.LayerPayload() }

func (c *destChain) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	c.cur = &c.hdr[min(c.n, 1)]
	c.n++
	return c.cur.DecodeFromBytes(data, df)
}

// FragmentHeader is the IPv6 Fragment header (RFC 8200 section 4.5). As
// a DecodingLayer it lets decoding go on into the fragmentable part of a
// first fragment (offset 0), whose extension headers and transport header
// are whole (RFC 7112), and stops at the data of a later one.
type FragmentHeader struct {
	layers.BaseLayer
	NextHeader layers.IPProtocol
	// Offset is the Fragment Offset field, in 8-octet units; OffsetBytes
	// gives it in octets.
	Offset uint16
	More   bool // the M flag: more fragments follow
	ID     uint32
}

// CanDecode returns layers.LayerTypeIPv6Fragment.
func (f *FragmentHeader) CanDecode() gopacket.LayerClass { return layers.LayerTypeIPv6Fragment }

// LayerType returns layers.LayerTypeIPv6Fragment.
func (f *FragmentHeader) LayerType() gopacket.LayerType { return layers.LayerTypeIPv6Fragment }

// Fragmented reports whether the packet is a fragment of a larger
// datagram, not an atomic fragment (offset 0, no more fragments).
func (f *FragmentHeader) Fragmented() bool { return f.Offset != 0 || f.More }

// OffsetBytes returns the offset of the fragment data in the fragmentable
// part of the datagram, in octets.
func (f *FragmentHeader) OffsetBytes() int { return int(f.Offset) * 8 }

// NextLayerType returns the layer of the next header for a first or
// atomic fragment, and gopacket.LayerTypeFragment for a later one.
func (f *FragmentHeader) NextLayerType() gopacket.LayerType {
	if f.Offset != 0 {
		return gopacket.LayerTypeFragment
	}
	return f.NextHeader.LayerType()
}

// DecodeFromBytes decodes the 8-octet header.
func (f *FragmentHeader) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 8 {
		df.SetTruncated()
		return fmt.Errorf("IPv6 fragment header: %d octets, need 8", len(data))
	}
	f.NextHeader = layers.IPProtocol(data[0])
	f.Offset = uint16(data[2])<<5 | uint16(data[3])>>3
	f.More = data[3]&1 != 0
	f.ID = binary.BigEndian.Uint32(data[4:8])
	f.Contents, f.Payload = data[:8], data[8:]
	return nil
}

// IsExtensionHeader reports whether an IPv6 next header value is an
// extension header (RFC 8200 section 4, and AH) rather than an upper
// layer.
func IsExtensionHeader(p layers.IPProtocol) bool {
	switch p {
	case layers.IPProtocolIPv6HopByHop, layers.IPProtocolIPv6Routing, layers.IPProtocolIPv6Fragment,
		layers.IPProtocolIPv6Destination, layers.IPProtocolAH:
		return true
	}
	return false
}

// ProtoName names an upper-layer protocol for reports: "tcp", "udp",
// "icmpv6", or "proto-N".
func ProtoName(p layers.IPProtocol) string {
	switch p {
	case layers.IPProtocolTCP:
		return "tcp"
	case layers.IPProtocolUDP:
		return "udp"
	case layers.IPProtocolICMPv6:
		return "icmpv6"
	case layers.IPProtocolIPv6Destination:
		return "destopts"
	case layers.IPProtocolIPv6Fragment:
		return "fragment"
	case layers.IPProtocolNoNextHeader:
		return "none"
	}
	return "proto-" + strconv.Itoa(int(p))
}
