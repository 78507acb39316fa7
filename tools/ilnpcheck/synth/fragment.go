package synth

import (
	"encoding/binary"
	"fmt"

	"github.com/google/gopacket/layers"
)

// Placement says where a fragmented ILNP datagram carries its nonce.
type Placement uint8

// Placements.
const (
	// NonceAfterFragment: the Destination Options header with the nonce
	// is in the fragmentable part (RFC 8200: options for the final
	// destination), so only the first fragment carries it, after its
	// Fragment header. What the ILNP kernel sends.
	NonceAfterFragment Placement = iota
	// NonceBeforeFragment: the header is in the unfragmentable part and
	// every fragment carries it in front of its Fragment header (older
	// senders).
	NonceBeforeFragment
)

// Fragment splits the IPv6 packet b, as Packet.Bytes builds it (the IPv6
// header, an optional Destination Options header, the upper layer), into
// fragments of at most mtu octets with identification id, in order of
// offset. The Destination Options header goes where placement says.
func Fragment(b []byte, mtu int, id uint32, placement Placement) ([][]byte, error) {
	if len(b) < 40 || b[0]>>4 != 6 {
		return nil, fmt.Errorf("synth: fragment: not an IPv6 packet")
	}
	unfrag := 40 // the unfragmentable part: the IPv6 header ...
	next := b[6] // ... and the next header of its last header
	nextAt := 6
	if layers.IPProtocol(next) == layers.IPProtocolIPv6Destination && placement == NonceBeforeFragment {
		if len(b) < 42 {
			return nil, fmt.Errorf("synth: fragment: destination options header cut")
		}
		nextAt = unfrag
		unfrag += int(b[41])*8 + 8
		next = b[nextAt]
	}
	if len(b) < unfrag {
		return nil, fmt.Errorf("synth: fragment: headers longer than the packet")
	}
	data := b[unfrag:]
	chunk := (mtu - unfrag - 8) &^ 7
	if chunk <= 0 {
		return nil, fmt.Errorf("synth: fragment: MTU %d leaves no room for data", mtu)
	}
	var out [][]byte
	for off := 0; off == 0 || off < len(data); off += chunk {
		end := min(off+chunk, len(data))
		f := make([]byte, 0, unfrag+8+end-off)
		f = append(f, b[:unfrag]...)
		f[nextAt] = byte(layers.IPProtocolIPv6Fragment)
		var fh [8]byte
		fh[0] = next
		fo := uint16(off/8) << 3
		if end < len(data) {
			fo |= 1
		}
		binary.BigEndian.PutUint16(fh[2:4], fo)
		binary.BigEndian.PutUint32(fh[4:8], id)
		f = append(append(f, fh[:]...), data[off:end]...)
		binary.BigEndian.PutUint16(f[4:6], uint16(len(f)-40))
		out = append(out, f)
	}
	return out, nil
}

// Fragments builds p and splits it as Fragment does into packets with
// p's time, to be written as they are (Raw).
func (p *Packet) Fragments(mtu int, id uint32, placement Placement) ([]Packet, error) {
	b, err := p.Bytes()
	if err != nil {
		return nil, err
	}
	frags, err := Fragment(b, mtu, id, placement)
	if err != nil {
		return nil, err
	}
	out := make([]Packet, len(frags))
	for i, f := range frags {
		out[i] = Packet{Time: p.Time, Raw: f}
	}
	return out, nil
}
