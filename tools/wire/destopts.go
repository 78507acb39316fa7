package wire

import (
	"errors"
	"fmt"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
)

// The IPv6 padding options (RFC 8200).
const (
	OptTypePad1 = 0x00
	OptTypePadN = 0x01
)

// Errors of the Destination Options header. Decoding errors wrap
// ErrTruncated or ErrMalformed; the checks of DestOpts.Err wrap
// ilnp.ErrNonceLength, ErrNonceRepeated or ErrPadding.
var (
	ErrTruncated     = errors.New("truncated")
	ErrMalformed     = errors.New("malformed")
	ErrNonceRepeated = errors.New("more than one nonce option")
	ErrPadding       = errors.New("bad padding")
)

// maxPadRun is the longest run of padding octets (Pad1 and PadN together)
// that can be needed to reach an 8-octet boundary; Linux drops headers
// with longer runs (RFC 4942 section 2.1.9.5).
const maxPadRun = 7

// optIssue records well-formedness problems found while decoding; they do
// not stop decoding, so the nonce is still read.
type optIssue uint8

const (
	issueNonceLength optIssue = 1 << iota
	issueNonceRepeated
	issuePadNonZero
	issuePadRun
)

// DestOpts is an IPv6 Destination Options header read for ILNP: it finds
// the Nonce option and checks the padding. It is a gopacket.DecodingLayer
// for layers.LayerTypeIPv6Destination and decodes without allocating.
type DestOpts struct {
	layers.BaseLayer
	NextHeader layers.IPProtocol
	// HdrExtLen is the header length in 8-octet units, not counting the
	// first 8 octets.
	HdrExtLen uint8
	// Nonce is the value of the first Nonce option, zero when the header
	// has none or its length is neither 4 nor 12.
	Nonce ilnp.Nonce
	// NonceOptions counts the Nonce options (type 139) in the header; a
	// well-formed ILNP header has exactly one.
	NonceOptions int
	// NonceOptLen is the data length of the first Nonce option as sent.
	NonceOptLen uint8
	// OtherOptions counts options other than Nonce, Pad1 and PadN.
	OtherOptions int

	issues   optIssue
	padBytes int // longest run of padding octets
}

// LayerType returns layers.LayerTypeIPv6Destination.
func (d *DestOpts) LayerType() gopacket.LayerType { return layers.LayerTypeIPv6Destination }

// CanDecode returns layers.LayerTypeIPv6Destination.
func (d *DestOpts) CanDecode() gopacket.LayerClass { return layers.LayerTypeIPv6Destination }

// NextLayerType returns the layer type of the next header.
func (d *DestOpts) NextLayerType() gopacket.LayerType { return d.NextHeader.LayerType() }

// HasNonceOption reports whether the header carries a Nonce option (of
// any length), which makes the packet an ILNP packet.
func (d *DestOpts) HasNonceOption() bool { return d.NonceOptions > 0 }

// DecodeFromBytes decodes the header at the start of data. It fails only
// when the header cannot be walked (too short, or an option runs past the
// header end); problems with the Nonce option or padding are kept for Err.
func (d *DestOpts) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	*d = DestOpts{}
	if len(data) < 8 {
		df.SetTruncated()
		return fmt.Errorf("destination options: %w: %d octets, need at least 8", ErrTruncated, len(data))
	}
	d.NextHeader = layers.IPProtocol(data[0])
	d.HdrExtLen = data[1]
	hlen := int(d.HdrExtLen)*8 + 8
	if len(data) < hlen {
		df.SetTruncated()
		return fmt.Errorf("destination options: %w: header length %d, only %d octets", ErrTruncated, hlen, len(data))
	}
	d.Contents, d.Payload = data[:hlen], data[hlen:]

	run := 0
	for off := 2; off < hlen; {
		typ := data[off]
		if typ == OptTypePad1 {
			run++
			off++
			d.notePad(run)
			continue
		}
		if off+2 > hlen {
			return fmt.Errorf("destination options: %w: option type %#x at offset %d has no length octet", ErrMalformed, typ, off)
		}
		olen := int(data[off+1])
		end := off + 2 + olen
		if end > hlen {
			return fmt.Errorf("destination options: %w: option type %#x at offset %d (length %d) runs past the header end %d", ErrMalformed, typ, off, olen, hlen)
		}
		switch typ {
		case OptTypePadN:
			run += 2 + olen
			d.notePad(run)
			for _, b := range data[off+2 : end] {
				if b != 0 {
					d.issues |= issuePadNonZero
					break
				}
			}
		case ilnp.OptTypeNonce:
			run = 0
			d.NonceOptions++
			if d.NonceOptions > 1 {
				d.issues |= issueNonceRepeated
				break
			}
			d.NonceOptLen = uint8(olen)
			if olen != ilnp.NonceLen32 && olen != ilnp.NonceLen96 {
				d.issues |= issueNonceLength
				break
			}
			d.Nonce, _ = ilnp.NonceFromBytes(data[off+2 : end]) // the length is right
		default:
			run = 0
			d.OtherOptions++
		}
		off = end
	}
	return nil
}

func (d *DestOpts) notePad(run int) {
	if run > d.padBytes {
		d.padBytes = run
	}
	if run > maxPadRun {
		d.issues |= issuePadRun
	}
}

// Err reports what is wrong with a decoded header for ILNP: a Nonce option
// whose length is not 4 or 12, more than one Nonce option, PadN with
// non-zero content, or a padding run longer than 7 octets. It returns nil
// for a well-formed header (and allocates only when it is not).
func (d *DestOpts) Err() error {
	if d.issues == 0 {
		return nil
	}
	var errs []error
	if d.issues&issueNonceLength != 0 {
		errs = append(errs, fmt.Errorf("%w: option data length %d", ilnp.ErrNonceLength, d.NonceOptLen))
	}
	if d.issues&issueNonceRepeated != 0 {
		errs = append(errs, fmt.Errorf("%w: %d nonce options", ErrNonceRepeated, d.NonceOptions))
	}
	if d.issues&issuePadNonZero != 0 {
		errs = append(errs, fmt.Errorf("%w: PadN carries non-zero octets", ErrPadding))
	}
	if d.issues&issuePadRun != 0 {
		errs = append(errs, fmt.Errorf("%w: %d consecutive padding octets, at most %d allowed", ErrPadding, d.padBytes, maxPadRun))
	}
	return errors.Join(errs...)
}

// SerializeTo writes the header: the Nonce option when Nonce is not zero,
// then Pad1 or PadN up to the next multiple of 8 octets. HdrExtLen is
// always computed from the content (and stored back), whatever
// opts.FixLengths says, since a wrong length cannot be represented.
func (d *DestOpts) SerializeTo(b gopacket.SerializeBuffer, opts gopacket.SerializeOptions) error {
	n := 2
	if !d.Nonce.IsZero() {
		n += 2 + d.Nonce.Len()
	}
	total := (n + 7) &^ 7
	buf, err := b.PrependBytes(total)
	if err != nil {
		return fmt.Errorf("destination options: %w", err)
	}
	d.HdrExtLen = uint8(total/8 - 1)
	buf[0] = byte(d.NextHeader)
	buf[1] = d.HdrExtLen
	off := 2
	if !d.Nonce.IsZero() {
		buf[2] = ilnp.OptTypeNonce
		buf[3] = byte(d.Nonce.Len())
		off += 2 + copy(buf[4:], d.Nonce.Bytes())
	}
	writePadding(buf[off:total])
	return nil
}

// writePadding fills b with one Pad1 or one PadN option.
func writePadding(b []byte) {
	switch len(b) {
	case 0:
	case 1:
		b[0] = OptTypePad1
	default:
		b[0] = OptTypePadN
		b[1] = byte(len(b) - 2)
		clear(b[2:])
	}
}
