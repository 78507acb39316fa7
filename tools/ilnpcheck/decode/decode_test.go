package decode_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/capture"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/decode"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/synth"
)

var (
	mn = ilnp.ILV{L64: 0x2001_0002_00aa_00aa, NID: 0xd250_99ff_fed1_5a0c}
	cn = ilnp.ILV{L64: 0x2001_0002_00dd_00dd, NID: 0xc}
	t0 = time.Date(2024, 10, 1, 12, 0, 0, 0, time.UTC)
)

func testPackets(t *testing.T) [][]byte {
	t.Helper()
	pkts := []synth.Packet{
		{Src: mn, Dst: cn, Nonce: ilnp.Nonce32(0x11223344), TCP: &layers.TCP{SrcPort: 40000, DstPort: 5001, Seq: 100, ACK: true, Window: 512}, Payload: []byte("hello")},
		{Src: cn, Dst: mn, Nonce: ilnp.Nonce96([12]byte{1, 2, 3}), UDP: &layers.UDP{SrcPort: 5001, DstPort: 40000}, Payload: synth.Iperf2Payload(7, 100)},
		{Src: mn, Dst: cn, Nonce: ilnp.Nonce32(0x11223344), LU: &synth.LU{Op: ilnp.LUAdvertisement, Code: 1, Locators: []ilnp.L64{mn.L64, 0x2001_0002_00bb_00bb}}},
		{Src: mn, Dst: cn, UDP: &layers.UDP{SrcPort: 53, DstPort: 53}, Payload: []byte("plain IPv6")},
	}
	var out [][]byte
	for i := range pkts {
		b, err := pkts[i].Bytes()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func writeCapture(t *testing.T, format capture.Format, link capture.LinkType, pkts [][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := synth.NewWriter(&buf, format, link)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pkts {
		if err := w.WritePacket(t0.Add(time.Duration(i)*time.Millisecond), p, i%2 == 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestLinkTypes reads the same packets from every supported link type and
// format and checks that the decoded view is the same.
func TestLinkTypes(t *testing.T) {
	pkts := testPackets(t)
	for _, format := range []capture.Format{capture.FormatPcap, capture.FormatPcapNG} {
		for _, link := range []capture.LinkType{capture.LinkTypeEthernet, capture.LinkTypeLinuxSLL, capture.LinkTypeLinuxSLL2, capture.LinkTypeRaw, capture.LinkTypeIPv6} {
			for _, gz := range []bool{false, true} {
				t.Run(fmt.Sprintf("%v/%v/gzip=%v", format, link, gz), func(t *testing.T) {
					data := writeCapture(t, format, link, pkts)
					if gz {
						var z bytes.Buffer
						zw := gzip.NewWriter(&z)
						zw.Write(data)
						zw.Close()
						data = z.Bytes()
					}
					r, err := capture.NewReader(bytes.NewReader(data))
					if err != nil {
						t.Fatal(err)
					}
					if r.Format() != format {
						t.Errorf("format %v, want %v", r.Format(), format)
					}
					dec := decode.New()
					var (
						f capture.Frame
						p decode.Packet
						n int
					)
					for {
						err := r.Next(&f)
						if err == io.EOF {
							break
						}
						if err != nil {
							t.Fatal(err)
						}
						if f.LinkType != link {
							t.Fatalf("frame %d link type %v, want %v", f.Number, f.LinkType, link)
						}
						if want := t0.Add(time.Duration(n) * time.Millisecond); !f.Timestamp.Equal(want) {
							t.Errorf("frame %d time %v, want %v", f.Number, f.Timestamp, want)
						}
						if err := dec.Decode(&f, &p); err != nil {
							t.Fatal(err)
						}
						if p.Kind != decode.KindIPv6 || p.Err != nil {
							t.Fatalf("frame %d: kind %v err %v", f.Number, p.Kind, p.Err)
						}
						if p.UpperLen != len(p.Upper) || p.Truncated() {
							t.Errorf("frame %d: upper %d of %d", f.Number, len(p.Upper), p.UpperLen)
						}
						switch n {
						case 0:
							if !p.ILNP() || p.DestOpts.Nonce != ilnp.Nonce32(0x11223344) || p.TCP == nil || p.TCP.Seq != 100 || string(p.TCP.Payload) != "hello" {
								t.Errorf("frame 1 = %+v", p)
							}
							if p.SrcILV() != mn || p.DstILV() != cn {
								t.Errorf("frame 1 addresses %v %v", p.SrcILV(), p.DstILV())
							}
						case 1:
							if !p.ILNP() || p.DestOpts.Nonce.Len() != 12 || p.UDP == nil || p.UDP.DstPort != 40000 {
								t.Errorf("frame 2 = %+v", p)
							}
						case 2:
							if !p.ILNP() || p.ICMPv6 == nil || p.ICMPv6.TypeCode.Type() != ilnp.ICMPv6TypeLocatorUpdate || p.Proto != layers.IPProtocolICMPv6 {
								t.Errorf("frame 3 = %+v", p)
							}
						case 3:
							if p.ILNP() || p.DestOpts != nil || p.UDP == nil {
								t.Errorf("frame 4 = %+v", p)
							}
						}
						n++
					}
					if n != len(pkts) {
						t.Errorf("read %d frames, want %d", n, len(pkts))
					}
				})
			}
		}
	}
}

func TestUnreadable(t *testing.T) {
	pkts := testPackets(t)
	pcap := writeCapture(t, capture.FormatPcap, capture.LinkTypeEthernet, pkts)
	ng := writeCapture(t, capture.FormatPcapNG, capture.LinkTypeEthernet, pkts)
	tests := []struct {
		name    string
		data    []byte
		openErr error
		nextErr error
	}{
		{"empty", nil, capture.ErrNotCapture, nil},
		{"text", []byte("hello, world, this is not a capture"), capture.ErrNotCapture, nil},
		{"pcap header cut", pcap[:20], capture.ErrNotCapture, nil},
		{"pcap record header cut", pcap[:len(pcap)-len(pkts[3])-14-8], nil, capture.ErrTruncated},
		{"pcap record data cut", pcap[:len(pcap)-5], nil, capture.ErrTruncated},
		{"pcap record data missing", pcap[:len(pcap)-len(pkts[3])-14], nil, capture.ErrTruncated},
		{"pcapng block cut", ng[:len(ng)-7], nil, capture.ErrTruncated},
		{"pcapng block trailer cut", ng[:len(ng)-2], nil, capture.ErrTruncated},
		// Lengths pcapgo would allocate for: rejected, or bounded.
		{"pcapng huge captured length", patch(ng, 28+20+20, 0xf0, 0xff, 0xff, 0xff), nil, capture.ErrCorrupt},
		{"pcapng huge snap length", patch(ng, 28+12, 0xf0, 0xff, 0xff, 0xff), nil, capture.ErrCorrupt},
		{"pcap huge snap length", patch(pcap, 16, 0xff, 0xff, 0xff, 0xff), nil, io.EOF},
		{"pcap record longer than the bound", patch(pcap, 24+8, 0, 0, 0, 2), nil, capture.ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := capture.NewReader(bytes.NewReader(tc.data))
			if tc.openErr != nil {
				if !errors.Is(err, tc.openErr) {
					t.Fatalf("NewReader error = %v, want %v", err, tc.openErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var f capture.Frame
			for {
				err = r.Next(&f)
				if err != nil {
					break
				}
			}
			if !errors.Is(err, tc.nextErr) {
				t.Fatalf("Next error = %v after %d frames, want %v", err, f.Number, tc.nextErr)
			}
		})
	}

	// An unknown link type reads, but does not decode.
	data := writeCapture(t, capture.FormatPcap, 147, pkts[:1])
	r, err := capture.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var f capture.Frame
	if err := r.Next(&f); err != nil {
		t.Fatal(err)
	}
	if err := decode.New().Decode(&f, &decode.Packet{}); !errors.Is(err, decode.ErrUnsupportedLinkType) {
		t.Errorf("Decode of link type 147 = %v", err)
	}
}

func patch(b []byte, off int, v ...byte) []byte {
	b = append([]byte(nil), b...)
	copy(b[off:], v)
	return b
}

func TestMalformedFrames(t *testing.T) {
	good := testPackets(t)[0]
	tests := []struct {
		name  string
		link  capture.LinkType
		frame []byte
		kind  decode.Kind
		check func(t *testing.T, p *decode.Packet)
	}{
		{"ipv4", capture.LinkTypeRaw, []byte{0x45, 0, 0, 20}, decode.KindIPv4, nil},
		{"arp", capture.LinkTypeEthernet, append(make([]byte, 12), 0x08, 0x06, 0, 1), decode.KindOther, nil},
		{"short ipv6", capture.LinkTypeIPv6, good[:30], decode.KindMalformed, nil},
		{"raw garbage", capture.LinkTypeRaw, []byte{0x20}, decode.KindMalformed, nil},
		{"destopts cut", capture.LinkTypeIPv6, good[:44], decode.KindIPv6, func(t *testing.T, p *decode.Packet) {
			if p.DestOpts != nil || p.Err == nil || p.Proto != layers.IPProtocolIPv6Destination {
				t.Errorf("dest opts cut: %+v", p)
			}
		}},
		{"tcp cut", capture.LinkTypeIPv6, good[:60], decode.KindIPv6, func(t *testing.T, p *decode.Packet) {
			if !p.ILNP() || p.TCP != nil || p.Proto != layers.IPProtocolTCP || !p.Truncated() || p.UpperLen != len(good)-48 {
				t.Errorf("tcp cut: %+v", p)
			}
		}},
	}
	dec := decode.New()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := capture.Frame{Number: 1, LinkType: tc.link, Data: tc.frame, CaptureLength: len(tc.frame), Length: len(tc.frame)}
			var p decode.Packet
			if err := dec.Decode(&f, &p); err != nil {
				t.Fatal(err)
			}
			if p.Kind != tc.kind {
				t.Fatalf("kind %v, want %v (err %v)", p.Kind, tc.kind, p.Err)
			}
			if tc.check != nil {
				tc.check(t, &p)
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	pkt, err := (&synth.Packet{Src: mn, Dst: cn, Nonce: ilnp.Nonce32(1), TCP: &layers.TCP{SrcPort: 1, DstPort: 2, ACK: true}, Payload: make([]byte, 1448)}).Bytes()
	if err != nil {
		b.Fatal(err)
	}
	frame := synth.Frame(capture.LinkTypeEthernet, pkt, false)
	f := capture.Frame{LinkType: capture.LinkTypeEthernet, Data: frame, CaptureLength: len(frame), Length: len(frame)}
	dec := decode.New()
	var p decode.Packet
	b.ReportAllocs()
	for b.Loop() {
		if err := dec.Decode(&f, &p); err != nil || !p.ILNP() {
			b.Fatal(err)
		}
	}
}
