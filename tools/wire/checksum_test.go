package wire

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// naiveSum is RFC 1071 written the obvious way, 16 bits at a time.
func naiveSum(b []byte) uint32 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return s
}

func TestSumBytesMatchesRFC1071(t *testing.T) {
	// RFC 1071 section 3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
	if got := fold(sumBytes([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7})); got != 0xddf2 {
		t.Errorf("RFC 1071 example: %#04x, want 0xddf2", got)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		if n%7 == 0 { // all ones stresses the carries
			for i := range b {
				b[i] = 0xff
			}
		}
		got, want := uint32(fold(sumBytes(b))), naiveSum(b)
		if got != want && !(got == 0xffff && want == 0) && !(got == 0 && want == 0xffff) {
			t.Fatalf("%d octets: sum %#04x, want %#04x", n, got, want)
		}
	}
}

// TestChecksumRules checks ILNPPseudoHeader against gopacket's own
// checksum code: TCP and UDP with NIDOnly addresses, ICMPv6 with the wire
// addresses.
func TestChecksumRules(t *testing.T) {
	src := [16]byte{0x20, 0x01, 0, 2, 0, 0xbb, 0, 0xbb, 8: 0xd2, 9: 0x50, 15: 0x0c}
	dst := [16]byte{0x20, 0x01, 0, 2, 0, 0xdd, 0, 0xdd, 15: 0x0c}
	ip6 := &layers.IPv6{Version: 6, HopLimit: 64, SrcIP: src[:], DstIP: dst[:]}
	tests := []struct {
		name  string
		proto layers.IPProtocol
		ilnp  bool // checksum computed by gopacket over NID-only addresses
		layer func(net *layers.IPv6) gopacket.SerializableLayer
	}{
		{"tcp", layers.IPProtocolTCP, true, func(n *layers.IPv6) gopacket.SerializableLayer {
			l := &layers.TCP{SrcPort: 40000, DstPort: 5001, Seq: 1, Ack: 2, ACK: true, Window: 100}
			_ = l.SetNetworkLayerForChecksum(n)
			return l
		}},
		{"udp", layers.IPProtocolUDP, true, func(n *layers.IPv6) gopacket.SerializableLayer {
			l := &layers.UDP{SrcPort: 40000, DstPort: 5001}
			_ = l.SetNetworkLayerForChecksum(n)
			return l
		}},
		{"icmpv6", layers.IPProtocolICMPv6, false, func(n *layers.IPv6) gopacket.SerializableLayer {
			l := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeEchoRequest, 0)}
			_ = l.SetNetworkLayerForChecksum(n)
			return l
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			net := ip6
			if tc.ilnp {
				net = NIDOnly(ip6)
			}
			buf := gopacket.NewSerializeBuffer()
			payload := gopacket.Payload("0123456789abcdefg") // odd length
			if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, tc.layer(net), payload); err != nil {
				t.Fatal(err)
			}
			seg := buf.Bytes()
			ph := ILNPPseudoHeader(src, dst, tc.proto, len(seg))
			if !VerifyChecksum(ph, seg) {
				t.Errorf("does not verify under ILNPPseudoHeader")
			}
			wirePH := PseudoHeader{Src: src, Dst: dst, Length: uint32(len(seg)), Proto: uint8(tc.proto)}
			if got := VerifyChecksum(wirePH, seg); got == tc.ilnp {
				t.Errorf("verifies under the wire pseudo-header: %v, want %v", got, !tc.ilnp)
			}
			// Checksum with the field zeroed reproduces the field.
			off := map[layers.IPProtocol]int{layers.IPProtocolTCP: 16, layers.IPProtocolUDP: 6, layers.IPProtocolICMPv6: 2}[tc.proto]
			want := binary.BigEndian.Uint16(seg[off:])
			zeroed := append([]byte(nil), seg...)
			zeroed[off], zeroed[off+1] = 0, 0
			if got := Checksum(ph, zeroed); got != want {
				t.Errorf("Checksum = %#04x, want %#04x", got, want)
			}
		})
	}
	if !NIDOnly(ip6).SrcIP.Equal(append(make([]byte, 8), src[8:]...)) || ip6.SrcIP[0] != 0x20 {
		t.Errorf("NIDOnly changed the original or kept the locator")
	}
	if s := (PseudoHeader{Length: 0x10000, Proto: 6}).Sum(); s != 7 {
		t.Errorf("PseudoHeader.Sum = %#x, want 7", s)
	}
}

func BenchmarkChecksum1448(b *testing.B) {
	seg := make([]byte, 1448+32)
	ph := PseudoHeader{Length: uint32(len(seg)), Proto: 6}
	b.SetBytes(int64(len(seg)))
	for b.Loop() {
		VerifyChecksum(ph, seg)
	}
}
