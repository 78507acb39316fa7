package wire

import (
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"strings"
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

// TestChecksumRules checks ILNPPseudoHeader under each rule against
// gopacket's own checksum code: TCP and UDP over the wire addresses under
// RuleIPv6 and over NIDOnly addresses under RuleNID, ICMPv6 over the wire
// addresses under both.
func TestChecksumRules(t *testing.T) {
	src := [16]byte{0x20, 0x01, 0, 2, 0, 0xbb, 0, 0xbb, 8: 0xd2, 9: 0x50, 15: 0x0c}
	dst := [16]byte{0x20, 0x01, 0, 2, 0, 0xdd, 0, 0xdd, 15: 0x0c}
	ip6 := &layers.IPv6{Version: 6, HopLimit: 64, SrcIP: src[:], DstIP: dst[:]}
	layer := map[layers.IPProtocol]func(net *layers.IPv6) gopacket.SerializableLayer{
		layers.IPProtocolTCP: func(n *layers.IPv6) gopacket.SerializableLayer {
			l := &layers.TCP{SrcPort: 40000, DstPort: 5001, Seq: 1, Ack: 2, ACK: true, Window: 100}
			_ = l.SetNetworkLayerForChecksum(n)
			return l
		},
		layers.IPProtocolUDP: func(n *layers.IPv6) gopacket.SerializableLayer {
			l := &layers.UDP{SrcPort: 40000, DstPort: 5001}
			_ = l.SetNetworkLayerForChecksum(n)
			return l
		},
		layers.IPProtocolICMPv6: func(n *layers.IPv6) gopacket.SerializableLayer {
			l := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeEchoRequest, 0)}
			_ = l.SetNetworkLayerForChecksum(n)
			return l
		},
	}
	tests := []struct {
		rule    ChecksumRule
		proto   layers.IPProtocol
		nidOnly bool // gopacket computes the checksum over NID-only addresses
		both    bool // the checksum verifies under the other rule too
	}{
		{RuleIPv6, layers.IPProtocolTCP, false, false},
		{RuleIPv6, layers.IPProtocolUDP, false, false},
		{RuleIPv6, layers.IPProtocolICMPv6, false, true},
		{RuleNID, layers.IPProtocolTCP, true, false},
		{RuleNID, layers.IPProtocolUDP, true, false},
		{RuleNID, layers.IPProtocolICMPv6, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.rule.String()+"/"+tc.proto.String(), func(t *testing.T) {
			net := ip6
			if tc.nidOnly {
				net = NIDOnly(ip6)
			}
			if tc.proto != layers.IPProtocolICMPv6 {
				if got := tc.rule.NetworkLayer(ip6); !got.SrcIP.Equal(net.SrcIP) || !got.DstIP.Equal(net.DstIP) {
					t.Errorf("NetworkLayer: %v -> %v, want %v -> %v", got.SrcIP, got.DstIP, net.SrcIP, net.DstIP)
				}
			}
			buf := gopacket.NewSerializeBuffer()
			payload := gopacket.Payload("0123456789abcdefg") // odd length
			if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, layer[tc.proto](net), payload); err != nil {
				t.Fatal(err)
			}
			seg := buf.Bytes()
			ph := ILNPPseudoHeader(tc.rule, src, dst, tc.proto, len(seg))
			if !VerifyChecksum(ph, seg) {
				t.Errorf("does not verify under ILNPPseudoHeader(%v)", tc.rule)
			}
			if got := VerifyChecksum(ILNPPseudoHeader(tc.rule.Other(), src, dst, tc.proto, len(seg)), seg); got != tc.both {
				t.Errorf("verifies under the other rule %v: %v, want %v", tc.rule.Other(), got, tc.both)
			}
			wirePH := PseudoHeader{Src: src, Dst: dst, Length: uint32(len(seg)), Proto: uint8(tc.proto)}
			if got := VerifyChecksum(wirePH, seg); got == tc.nidOnly {
				t.Errorf("verifies under the wire pseudo-header: %v, want %v", got, !tc.nidOnly)
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
	if RuleIPv6.NetworkLayer(ip6) != ip6 {
		t.Errorf("RuleIPv6.NetworkLayer does not return ip6 itself")
	}
	if s := (PseudoHeader{Length: 0x10000, Proto: 6}).Sum(); s != 7 {
		t.Errorf("PseudoHeader.Sum = %#x, want 7", s)
	}
}

func TestChecksumRuleNames(t *testing.T) {
	var zero ChecksumRule
	if zero != RuleIPv6 {
		t.Errorf("zero ChecksumRule is %v, want ipv6", zero)
	}
	tests := []struct {
		in      string
		want    ChecksumRule
		wantErr bool
	}{
		{"ipv6", RuleIPv6, false},
		{"IPv6", RuleIPv6, false},
		{"nid", RuleNID, false},
		{"NID", RuleNID, false},
		{"", 0, true},
		{"wire", 0, true},
		{"nid-only", 0, true},
		{"rfc6740", 0, true},
		{" ipv6", 0, true},
	}
	for _, tc := range tests {
		got, err := ParseChecksumRule(tc.in)
		if (err != nil) != tc.wantErr || (err == nil && got != tc.want) {
			t.Errorf("ParseChecksumRule(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "want ipv6 or nid") {
			t.Errorf("ParseChecksumRule(%q) error %q does not name the rules", tc.in, err)
		}
		var r ChecksumRule = 7
		err = r.Set(tc.in)
		if (err != nil) != tc.wantErr || (err == nil && r != tc.want) || (err != nil && r != 7) {
			t.Errorf("Set(%q): rule %v, error %v", tc.in, r, err)
		}
	}
	for _, r := range []ChecksumRule{RuleIPv6, RuleNID} {
		b, err := json.Marshal(struct{ R ChecksumRule }{r})
		if err != nil {
			t.Fatal(err)
		}
		var back struct{ R ChecksumRule }
		back.R = r.Other()
		if err := json.Unmarshal(b, &back); err != nil || back.R != r {
			t.Errorf("JSON %s round trip: %v, %v", b, back.R, err)
		}
		if p, err := ParseChecksumRule(r.String()); err != nil || p != r {
			t.Errorf("ParseChecksumRule(%v.String()) = %v, %v", r, p, err)
		}
		if r.Other() == r || r.Other().Other() != r {
			t.Errorf("%v.Other() = %v", r, r.Other())
		}
	}
	if RuleIPv6.String() != "ipv6" || RuleNID.String() != "nid" || ChecksumRule(9).String() != "ChecksumRule(9)" {
		t.Errorf("names %q %q %q", RuleIPv6, RuleNID, ChecksumRule(9))
	}
	if _, err := ChecksumRule(9).MarshalText(); err == nil {
		t.Errorf("MarshalText of rule 9 succeeded")
	}
	if (&zero).Type() != "rule" {
		t.Errorf("Type() = %q", (&zero).Type())
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
