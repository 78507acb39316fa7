package wire

import (
	"errors"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
)

// hdr builds a Destination Options header: next header TCP, the given
// option bytes, and the length octet computed from them (they must fill a
// multiple of 8 with the 2-octet prefix unless the test wants otherwise).
func hdr(opts ...byte) []byte {
	b := append([]byte{byte(layers.IPProtocolTCP), 0}, opts...)
	b[1] = byte((len(b)+7)/8 - 1)
	return b
}

func TestDestOptsDecode(t *testing.T) {
	nonce32 := []byte{ilnp.OptTypeNonce, 4, 0xde, 0xad, 0xbe, 0xef}
	nonce96 := []byte{ilnp.OptTypeNonce, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	tests := []struct {
		name       string
		data       []byte
		decodeErr  error
		checkErr   error
		nonce      string
		nonceOpts  int
		nextHeader layers.IPProtocol
	}{
		{name: "nonce32", data: hdr(nonce32...), nonce: "deadbeef", nonceOpts: 1},
		{name: "nonce96", data: hdr(nonce96...), nonce: "0102030405060708090a0b0c", nonceOpts: 1},
		{name: "Pad1 and PadN around nonce", data: hdr(append(append([]byte{0, 1, 2, 0, 0}, nonce32...), 1, 1, 0)...), nonce: "deadbeef", nonceOpts: 1},
		{name: "nonce then Pad1", data: hdr(append(append([]byte{0x1e, 5, 0, 0, 0, 0, 0}, nonce32...), 0)...), nonce: "deadbeef", nonceOpts: 1},
		{name: "no nonce, PadN", data: hdr(1, 4, 0, 0, 0, 0), nonceOpts: 0},
		{name: "unknown option kept", data: hdr(append(append([]byte{0x1e, 0}, nonce32...), 1, 4, 0, 0, 0, 0)...), nonce: "deadbeef", nonceOpts: 1},
		{name: "nonce length 5", data: hdr(ilnp.OptTypeNonce, 5, 1, 2, 3, 4, 5, 0, 1, 4, 0, 0, 0, 0), checkErr: ilnp.ErrNonceLength, nonceOpts: 1},
		{name: "nonce length 0", data: hdr(ilnp.OptTypeNonce, 0, 1, 2, 0, 0), checkErr: ilnp.ErrNonceLength, nonceOpts: 1},
		{name: "two nonces", data: hdr(append(append([]byte{}, nonce32...), append(nonce32, 1, 0)...)...), checkErr: ErrNonceRepeated, nonce: "deadbeef", nonceOpts: 2},
		{name: "PadN non-zero", data: hdr(append(append([]byte{}, nonce32...), 1, 6, 0, 0, 0, 9, 0, 0)...), checkErr: ErrPadding, nonce: "deadbeef", nonceOpts: 1},
		{name: "padding run of 8", data: hdr(append(append([]byte{}, nonce32...), 1, 6, 0, 0, 0, 0, 0, 0)...)[:8+8], checkErr: ErrPadding, nonce: "deadbeef", nonceOpts: 1},
		{name: "Pad1 run of 8", data: hdr(append(append([]byte{}, nonce32...), 0, 0, 0, 0, 0, 0, 0, 0)...), checkErr: ErrPadding, nonce: "deadbeef", nonceOpts: 1},
		{name: "short", data: []byte{6, 0, 0x8b, 4}, decodeErr: ErrTruncated},
		{name: "length past data", data: []byte{6, 1, 0x8b, 4, 1, 2, 3, 4}, decodeErr: ErrTruncated},
		{name: "option overruns header", data: []byte{6, 0, 0x8b, 12, 1, 2, 3, 4}, decodeErr: ErrMalformed},
		{name: "type without length octet", data: []byte{6, 0, 1, 3, 0, 0, 0, 0x8b}, decodeErr: ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d DestOpts
			err := d.DecodeFromBytes(tc.data, gopacket.NilDecodeFeedback)
			if tc.decodeErr != nil {
				if !errors.Is(err, tc.decodeErr) {
					t.Fatalf("DecodeFromBytes error = %v, want %v", err, tc.decodeErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeFromBytes: %v", err)
			}
			if got := d.Err(); !errors.Is(got, tc.checkErr) || (tc.checkErr == nil) != (got == nil) {
				t.Errorf("Err() = %v, want %v", got, tc.checkErr)
			}
			if got := d.Nonce.Hex(); got != tc.nonce {
				t.Errorf("Nonce = %q, want %q", got, tc.nonce)
			}
			if d.NonceOptions != tc.nonceOpts {
				t.Errorf("NonceOptions = %d, want %d", d.NonceOptions, tc.nonceOpts)
			}
			if d.NextHeader != layers.IPProtocolTCP || d.NextLayerType() != layers.LayerTypeTCP {
				t.Errorf("NextHeader = %v", d.NextHeader)
			}
			if len(d.Contents)%8 != 0 || len(d.Contents) != len(tc.data) {
				t.Errorf("Contents length %d for %d octets", len(d.Contents), len(tc.data))
			}
		})
	}
}

func TestDestOptsSerializeRoundTrip(t *testing.T) {
	for _, n := range []ilnp.Nonce{{}, ilnp.Nonce32(0x01020304), ilnp.Nonce96([12]byte{0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})} {
		d := DestOpts{NextHeader: layers.IPProtocolUDP, Nonce: n}
		buf := gopacket.NewSerializeBuffer()
		if err := d.SerializeTo(buf, gopacket.SerializeOptions{}); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if len(b)%8 != 0 {
			t.Fatalf("nonce %d octets: header of %d octets", n.Len(), len(b))
		}
		var got DestOpts
		if err := got.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
			t.Fatalf("decode: %v", err)
		}
		if got.Err() != nil || got.Nonce != n || got.NextHeader != layers.IPProtocolUDP || got.HasNonceOption() != !n.IsZero() {
			t.Errorf("round trip of %v: got %+v (err %v)", n, got, got.Err())
		}
	}
}

// TestDestOptsInParser checks that DestOpts composes with gopacket: it
// replaces layers.IPv6Destination in a DecodingLayerParser, and it reads
// the header that gopacket.NewPacket decoded with its own layer.
func TestDestOptsInParser(t *testing.T) {
	src := [16]byte{0x20, 0x01, 0, 2, 0, 0xaa, 0, 0xaa, 0, 0, 0, 0, 0, 0, 0, 1}
	dst := [16]byte{0x20, 0x01, 0, 2, 0, 0xdd, 0, 0xdd, 0, 0, 0, 0, 0, 0, 0, 0xc}
	ip6 := &layers.IPv6{Version: 6, NextHeader: layers.IPProtocolIPv6Destination, HopLimit: 64, SrcIP: src[:], DstIP: dst[:]}
	opts := &DestOpts{NextHeader: layers.IPProtocolUDP, Nonce: ilnp.Nonce32(0xcafef00d)}
	udp := &layers.UDP{SrcPort: 5001, DstPort: 5001}
	if err := udp.SetNetworkLayerForChecksum(NIDOnly(ip6)); err != nil {
		t.Fatal(err)
	}
	payload := gopacket.Payload([]byte{0, 0, 0, 7, 'i', 'p', 'e', 'r', 'f'})
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip6, opts, udp, payload)
	if err != nil {
		t.Fatal(err)
	}
	pkt := buf.Bytes()

	var (
		gotIP  layers.IPv6
		gotDst DestOpts
		gotUDP layers.UDP
	)
	p := gopacket.NewDecodingLayerParser(layers.LayerTypeIPv6, &gotIP, &gotDst, &gotUDP)
	p.IgnoreUnsupported = true
	var decoded []gopacket.LayerType
	for range 3 { // reuse must not accumulate state
		if err := p.DecodeLayers(pkt, &decoded); err != nil {
			t.Fatal(err)
		}
	}
	want := []gopacket.LayerType{layers.LayerTypeIPv6, layers.LayerTypeIPv6Destination, layers.LayerTypeUDP}
	if len(decoded) != len(want) {
		t.Fatalf("decoded %v, want %v", decoded, want)
	}
	if gotDst.Nonce != ilnp.Nonce32(0xcafef00d) || gotDst.NonceOptions != 1 {
		t.Errorf("nonce = %v (%d options)", gotDst.Nonce, gotDst.NonceOptions)
	}
	seg := gotDst.LayerPayload()
	ph := ILNPPseudoHeader(RuleNID, src, dst, layers.IPProtocolUDP, len(seg))
	if !VerifyChecksum(ph, seg) {
		t.Errorf("UDP checksum %#04x does not verify under the NID-only rule", gotUDP.Checksum)
	}
	if VerifyChecksum(ILNPPseudoHeader(RuleIPv6, src, dst, layers.IPProtocolUDP, len(seg)), seg) {
		t.Errorf("UDP checksum also verifies with the wire addresses; the test cannot tell the rules apart")
	}

	packet := gopacket.NewPacket(pkt, layers.LayerTypeIPv6, gopacket.Default)
	l, ok := packet.Layer(layers.LayerTypeIPv6Destination).(*layers.IPv6Destination)
	if !ok {
		t.Fatalf("gopacket did not decode the destination options: %v", packet)
	}
	var fromGopacket DestOpts
	if err := fromGopacket.DecodeFromBytes(l.LayerContents(), gopacket.NilDecodeFeedback); err != nil {
		t.Fatal(err)
	}
	if fromGopacket.Nonce != opts.Nonce {
		t.Errorf("nonce via gopacket.NewPacket = %v, want %v", fromGopacket.Nonce, opts.Nonce)
	}
}
