package synth

import (
	"fmt"
	"time"

	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

// WriteMixed writes n packets of a bidirectional ILNP exchange as the
// paper's testbed produces it: an iperf2 TCP flow from the MN over two
// locators (1448-octet segments) with the CN's acknowledgements for every
// second one, an iperf2 UDP flow (1470 octets) from the CN, and an LU
// handshake every 100000 packets. About 100 µs apart. It returns the
// number of ILNP packets written (all of them).
func WriteMixed(w *Writer, n int) (int, error) { return WriteMixedOptions(w, n, MixedOptions{}) }

// MixedOptions vary WriteMixedOptions.
type MixedOptions struct {
	// FragmentMTU, when not 0, fragments the UDP datagrams that do not
	// fit it, with the nonce where Placement says; each fragment counts
	// as a packet.
	FragmentMTU int
	Placement   Placement
	// Rule is the checksum rule of the packets (zero: wire.RuleIPv6).
	Rule wire.ChecksumRule
}

// WriteMixedOptions is WriteMixed with options.
func WriteMixedOptions(w *Writer, n int, o MixedOptions) (int, error) {
	var (
		start = time.Date(2024, 10, 1, 12, 0, 0, 0, time.UTC)
		l64   = []ilnp.L64{0x2001_0002_00aa_00aa, 0x2001_0002_00bb_00bb}
		mnNID = ilnp.NID(0xd250_99ff_fed1_5a0c)
		cn    = ilnp.ILV{L64: 0x2001_0002_00dd_00dd, NID: 0xc}
		mnN   = ilnp.Nonce32(0x11223344)
		cnN   = ilnp.Nonce96([12]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
		data  = make([]byte, 1448)
		seq   uint32
		udpN  int32
		fragN uint32
		out   int
	)
	for i := 0; out < n; i++ {
		mn := ilnp.ILV{L64: l64[i%2], NID: mnNID}
		p := Packet{Time: start.Add(time.Duration(i) * 100 * time.Microsecond), Rule: o.Rule}
		switch {
		case i%100000 == 50000:
			p.Src, p.Dst, p.Nonce = mn, cn, mnN
			p.LU = &LU{Op: ilnp.LUAdvertisement, Code: ilnp.LUCodeReplaceSoft, Locators: l64}
		case i%100000 == 50001:
			p.Src, p.Dst, p.Nonce = cn, mn, cnN
			p.LU = &LU{Op: ilnp.LUAck, Code: ilnp.LUCodeReplaceSoft, Locators: l64}
		case i%4 < 2:
			p.Src, p.Dst, p.Nonce, p.Payload = mn, cn, mnN, data
			p.TCP = &layers.TCP{SrcPort: 40000, DstPort: 5001, Seq: seq, Ack: 1, ACK: true, PSH: true, Window: 502}
			seq += uint32(len(data))
		case i%4 == 2:
			p.Src, p.Dst, p.Nonce = cn, mn, cnN
			p.TCP = &layers.TCP{SrcPort: 5001, DstPort: 40000, Seq: 1, Ack: seq, ACK: true, Window: 8192}
		default:
			p.Src, p.Dst, p.Nonce, p.Payload = cn, mn, cnN, Iperf2Payload(udpN, 1470)
			p.UDP = &layers.UDP{SrcPort: 5001, DstPort: 40001}
			udpN++
		}
		b, err := p.Bytes()
		if err != nil {
			return out, fmt.Errorf("packet %d: %w", out+1, err)
		}
		frags := [][]byte{b}
		if o.FragmentMTU > 0 && len(b) > o.FragmentMTU {
			fragN++
			if frags, err = Fragment(b, o.FragmentMTU, fragN, o.Placement); err != nil {
				return out, fmt.Errorf("packet %d: %w", out+1, err)
			}
		}
		for _, f := range frags {
			if out == n {
				break
			}
			if err := w.WritePacket(p.Time, f, false); err != nil {
				return out, err
			}
			out++
		}
	}
	return n, w.Flush()
}
