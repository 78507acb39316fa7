package decode_test

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/capture"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/decode"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/synth"
)

// bigDatagram is an ILNP UDP datagram of 3000 octets of data and its
// upper layer (UDP header and data).
func bigDatagram(t *testing.T) (pkt, upper []byte) {
	t.Helper()
	p := synth.Packet{Src: mn, Dst: cn, Nonce: ilnp.Nonce32(0x11223344), UDP: &layers.UDP{SrcPort: 40001, DstPort: 5001}, Payload: synth.Iperf2Payload(42, 3000)}
	b, err := p.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b, b[48:]
}

func fragments(t *testing.T, pl synth.Placement, id uint32) [][]byte {
	t.Helper()
	b, _ := bigDatagram(t)
	f, err := synth.Fragment(b, 1280, id, pl)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func decodeIPv6(t *testing.T, dec *decode.Decoder, n int, at time.Time, b []byte) *decode.Packet {
	t.Helper()
	f := &capture.Frame{Number: n, Timestamp: at, LinkType: capture.LinkTypeIPv6, Data: b, CaptureLength: len(b), Length: len(b)}
	p := &decode.Packet{}
	if err := dec.Decode(f, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFragmentView(t *testing.T) {
	dec := decode.New()
	after := fragments(t, synth.NonceAfterFragment, 7)
	p := decodeIPv6(t, dec, 1, t0, after[0])
	if !p.Fragment || !p.FirstFragment() || p.FragHdr.ID != 7 || !p.FragHdr.More || p.FragHdr.NextHeader != layers.IPProtocolIPv6Destination {
		t.Errorf("first fragment header: %+v %+v", p, p.FragHdr)
	}
	if !p.ILNP() || p.NonceBeforeFragment() || p.DestOpts.Nonce != ilnp.Nonce32(0x11223344) || p.DestOpts.NextHeader != layers.IPProtocolUDP {
		t.Errorf("first fragment nonce: %+v", p.DestOpts)
	}
	if p.UDP == nil || p.UDP.SrcPort != 40001 || p.Proto != layers.IPProtocolUDP || p.FragLen != 1232 || p.UpperLen != 1224 || len(p.Upper) != 1224 || p.LU != nil {
		t.Errorf("first fragment upper layer: UDP %v, proto %v, fragment %d, upper %d/%d", p.UDP, p.Proto, p.FragLen, len(p.Upper), p.UpperLen)
	}
	p = decodeIPv6(t, dec, 2, t0, after[1])
	if !p.Fragment || p.FirstFragment() || p.ILNP() || p.FragHdr.OffsetBytes() != 1232 || p.UDP != nil || p.Proto != layers.IPProtocolIPv6Destination || p.FragLen != 1232 {
		t.Errorf("second fragment: %+v %+v", p, p.FragHdr)
	}

	before := fragments(t, synth.NonceBeforeFragment, 8)
	for i, b := range before {
		p := decodeIPv6(t, dec, i+1, t0, b)
		if !p.ILNP() || !p.NonceBeforeFragment() || p.Proto != layers.IPProtocolUDP || p.FirstFragment() != (i == 0) || (p.UDP != nil) != (i == 0) {
			t.Errorf("fragment %d with the nonce before: %+v", i+1, p)
		}
	}
}

func TestReassembler(t *testing.T) {
	_, upper := bigDatagram(t)
	after := fragments(t, synth.NonceAfterFragment, 7)
	before := fragments(t, synth.NonceBeforeFragment, 7)
	tests := []struct {
		name    string
		frags   [][]byte
		reason  decode.DoneReason
		first   int // frame
		upper   bool
		problem string
	}{
		{"in order", after, decode.DatagramComplete, 1, true, ""},
		{"reversed", [][]byte{after[2], after[1], after[0]}, decode.DatagramComplete, 3, true, ""},
		{"nonce before the fragment header", before, decode.DatagramComplete, 1, true, ""},
		{"duplicate", [][]byte{after[0], after[0], after[1], after[2]}, decode.DatagramComplete, 1, true, ""},
		{"missing middle", [][]byte{after[0], after[2]}, decode.DatagramFlushed, 1, false, ""},
		{"missing first", [][]byte{after[1], after[2]}, decode.DatagramFlushed, 0, false, ""},
		{"odd length", [][]byte{after[0], cutTo(after[1], 1000+3), after[2]}, decode.DatagramFlushed, 1, false, "not a multiple of 8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dec := decode.New()
			r := decode.NewReassembler(decode.ReassemblyOptions{})
			var done []decode.Datagram
			for i, b := range tc.frags {
				p := decodeIPv6(t, dec, i+1, t0.Add(time.Duration(i)*time.Millisecond), b)
				d := r.Add(p)
				if d == nil || d.Fragments[len(d.Fragments)-1].Frame != i+1 {
					t.Fatalf("fragment %d not filed: %+v", i+1, d)
				}
				for _, d := range r.Finished() {
					done = append(done, *d)
					if tc.upper && !bytes.Equal(d.Upper(), upper) {
						t.Errorf("reassembled %d octets, want the %d of the datagram", len(d.Upper()), len(upper))
					}
				}
			}
			r.Flush()
			for _, d := range r.Finished() {
				done = append(done, *d)
			}
			if len(done) != 1 || r.InFlight() != 0 {
				t.Fatalf("%d datagrams done, %d in flight", len(done), r.InFlight())
			}
			d := done[0]
			if d.Reason != tc.reason || d.FirstFrame() != tc.first || len(d.Fragments) != len(tc.frags) || !strings.Contains(d.Problem, tc.problem) || (tc.problem == "") != (d.Problem == "") {
				t.Errorf("datagram: reason %v, first frame %d, %d fragments, problem %q", d.Reason, d.FirstFrame(), len(d.Fragments), d.Problem)
			}
			if d.First >= 0 && (d.Proto != layers.IPProtocolUDP || !d.ILNP || d.SrcPort != 40001 || d.DstPort != 5001) {
				t.Errorf("first fragment fields %+v", d)
			}
		})
	}
}

// cutTo shortens fragment b to n octets of data, keeping the M flag.
func cutTo(b []byte, n int) []byte {
	b = append([]byte(nil), b[:48+n]...)
	b[4], b[5] = byte((8+n)>>8), byte(8+n)
	return b
}

// TestReassemblerBounds: the table holds at most MaxDatagrams and
// MaxBytes, the oldest datagram leaving first, and a datagram leaves
// Timeout after its first fragment.
func TestReassemblerBounds(t *testing.T) {
	dec := decode.New()
	r := decode.NewReassembler(decode.ReassemblyOptions{MaxDatagrams: 3, Timeout: time.Second, MaxBytes: 1 << 30})
	reasons := map[uint32]decode.DoneReason{}
	add := func(n int, at time.Time, b []byte) {
		r.Add(decodeIPv6(t, dec, n, at, b))
		for _, d := range r.Finished() {
			reasons[d.ID] = d.Reason
		}
	}
	for id := range uint32(5) {
		add(int(id)+1, t0, fragments(t, synth.NonceAfterFragment, id)[0])
	}
	if r.InFlight() != 3 || reasons[0] != decode.DatagramEvicted || reasons[1] != decode.DatagramEvicted || reasons[2] != 0 {
		t.Errorf("after 5 datagrams: %d in flight, done %v", r.InFlight(), reasons)
	}
	add(6, t0.Add(1500*time.Millisecond), fragments(t, synth.NonceAfterFragment, 9)[0])
	if r.InFlight() != 1 || reasons[2] != decode.DatagramTimedOut || reasons[4] != decode.DatagramTimedOut {
		t.Errorf("after the timeout: %d in flight, done %v", r.InFlight(), reasons)
	}

	small := decode.NewReassembler(decode.ReassemblyOptions{MaxBytes: 8 << 10})
	for id := range uint32(100) {
		small.Add(decodeIPv6(t, dec, int(id)+1, t0, fragments(t, synth.NonceAfterFragment, id)[0]))
	}
	if n := small.InFlight(); n < 1 || n*1232 > 8<<10 {
		t.Errorf("%d datagrams of 1232 octets in 8 KiB", n)
	}
}

// FuzzReassemble splits a datagram into fragments of a size and order
// drawn from the input, with a duplicate now and then, and checks that
// the Reassembler puts it back together exactly.
func FuzzReassemble(f *testing.F) {
	f.Add([]byte("a datagram of some length, in a few fragments"), uint64(1), uint8(0), false)
	f.Add(make([]byte, 3000), uint64(7), uint8(150), true)
	f.Fuzz(func(t *testing.T, payload []byte, seed uint64, unit uint8, before bool) {
		if len(payload) > 8000 {
			payload = payload[:8000]
		}
		p := synth.Packet{Src: mn, Dst: cn, Nonce: ilnp.Nonce32(1), UDP: &layers.UDP{SrcPort: 1, DstPort: 2}, Payload: payload}
		b, err := p.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		pl := synth.NonceAfterFragment
		if before {
			pl = synth.NonceBeforeFragment
		}
		frags, err := synth.Fragment(b, 40+16+16+8*(int(unit)%200+1), 1, pl)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(seed, 0))
		rng.Shuffle(len(frags), func(i, j int) { frags[i], frags[j] = frags[j], frags[i] })
		if seed&1 != 0 {
			frags = append(frags, frags[rng.IntN(len(frags))])
		}
		dec := decode.New()
		r := decode.NewReassembler(decode.ReassemblyOptions{})
		var done int
		for i, fb := range frags {
			pk := decodeIPv6(t, dec, i+1, t0, fb)
			if !pk.Fragment {
				return // one fragment: not fragmented at all
			}
			r.Add(pk)
			for _, d := range r.Finished() {
				done++
				if d.Reason != decode.DatagramComplete || d.Problem != "" || !bytes.Equal(d.Upper(), b[48:]) {
					t.Fatalf("datagram %v, problem %q, %d octets of %d", d.Reason, d.Problem, len(d.Upper()), len(b)-48)
				}
			}
		}
		r.Flush()
		// A duplicate after completion starts a datagram of its own.
		for _, d := range r.Finished() {
			if len(d.Fragments) != 1 || d.Reason != decode.DatagramFlushed {
				t.Errorf("left over: %v, %+v", d.Reason, d.Fragments)
			}
		}
		if done != 1 {
			t.Fatalf("%d datagrams complete, want 1", done)
		}
	})
}

// TestReassemblerFlood: a datagram flooded with duplicates of one
// fragment leaves reassembly with a problem instead of growing.
func TestReassemblerFlood(t *testing.T) {
	dec := decode.New()
	r := decode.NewReassembler(decode.ReassemblyOptions{})
	b := fragments(t, synth.NonceAfterFragment, 3)[1]
	var done []string
	for i := range 3000 {
		r.Add(decodeIPv6(t, dec, i+1, t0, b))
		for _, d := range r.Finished() {
			done = append(done, d.Problem)
		}
	}
	if len(done) != 2 || !strings.Contains(done[0], "more than 1023 fragments") || r.InFlight() != 1 {
		t.Errorf("finished %d datagrams (%q), %d in flight", len(done), done, r.InFlight())
	}
}
