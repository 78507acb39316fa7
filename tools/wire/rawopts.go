package wire

import (
	"fmt"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// An Option is one TLV option of an IPv6 options header as it goes on
// the wire: Type, Length, then Data. Length is written as given, so it
// may disagree with len(Data): that is how an option that runs past its
// header is built. Opt makes one whose Length is right.
type Option struct {
	Type   uint8
	Length uint8
	Data   []byte
}

// Opt returns the option of type typ carrying data, its Length set to
// len(data) (data must be at most 255 octets).
func Opt(typ uint8, data []byte) Option {
	return Option{Type: typ, Length: uint8(len(data)), Data: data}
}

// RawDestOpts is a Destination Options header serialized exactly as
// described, for building the malformed headers that adversary tests and
// fuzzers send: its options in order, then one Pad1 or PadN up to the
// next multiple of 8 octets unless NoPad, and a Hdr Ext Len octet
// computed from what was written unless SetHdrExtLen. DestOpts builds
// (and decodes) the well-formed header of an ILNP packet; RawDestOpts
// only serializes.
type RawDestOpts struct {
	NextHeader layers.IPProtocol
	Options    []Option
	// NoPad leaves the header at the length of its options, even when
	// that is not a multiple of 8 octets.
	NoPad bool
	// SetHdrExtLen writes HdrExtLen as given instead of the length of
	// what was written, so that the header can claim more or less than
	// it holds.
	SetHdrExtLen bool
	HdrExtLen    uint8
}

// LayerType returns layers.LayerTypeIPv6Destination.
func (d *RawDestOpts) LayerType() gopacket.LayerType { return layers.LayerTypeIPv6Destination }

// Len is the number of octets SerializeTo writes.
func (d *RawDestOpts) Len() int {
	n := 2
	for _, o := range d.Options {
		n += 2 + len(o.Data)
	}
	if !d.NoPad {
		n = (n + 7) &^ 7
	}
	return n
}

// SerializeTo writes the header as described; opts are not used.
func (d *RawDestOpts) SerializeTo(b gopacket.SerializeBuffer, _ gopacket.SerializeOptions) error {
	total := d.Len()
	buf, err := b.PrependBytes(total)
	if err != nil {
		return fmt.Errorf("destination options: %w", err)
	}
	buf[0] = byte(d.NextHeader)
	if d.SetHdrExtLen {
		buf[1] = d.HdrExtLen
	} else {
		buf[1] = uint8((total+7)/8 - 1)
	}
	off := 2
	for _, o := range d.Options {
		buf[off], buf[off+1] = o.Type, o.Length
		off += 2 + copy(buf[off+2:], o.Data)
	}
	writePadding(buf[off:total])
	return nil
}
