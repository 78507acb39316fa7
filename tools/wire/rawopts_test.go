package wire

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
)

func TestRawDestOptsSerialize(t *testing.T) {
	nonce := []byte{0xde, 0xad, 0xbe, 0xef}
	tests := []struct {
		name string
		d    RawDestOpts
		want []byte
		// decodeErr is what DestOpts makes of the result: nil when it
		// is a header it can walk.
		decodeErr error
	}{
		{
			name: "nonce32 fills 8 octets",
			d:    RawDestOpts{NextHeader: layers.IPProtocolUDP, Options: []Option{Opt(ilnp.OptTypeNonce, nonce)}},
			want: []byte{17, 0, 0x8b, 4, 0xde, 0xad, 0xbe, 0xef},
		},
		{
			name: "nonce of 5 octets padded with PadN",
			d:    RawDestOpts{NextHeader: layers.IPProtocolUDP, Options: []Option{Opt(ilnp.OptTypeNonce, []byte{1, 2, 3, 4, 5})}},
			want: []byte{17, 1, 0x8b, 5, 1, 2, 3, 4, 5, 1, 5, 0, 0, 0, 0, 0},
		},
		{
			name: "nonce of 8 octets padded with PadN",
			d:    RawDestOpts{NextHeader: layers.IPProtocolTCP, Options: []Option{Opt(ilnp.OptTypeNonce, make([]byte, 8))}},
			want: []byte{6, 1, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0},
		},
		{
			name:      "length past the header",
			d:         RawDestOpts{NextHeader: layers.IPProtocolUDP, Options: []Option{{Type: ilnp.OptTypeNonce, Length: 12, Data: nonce}}},
			want:      []byte{17, 0, 0x8b, 12, 0xde, 0xad, 0xbe, 0xef},
			decodeErr: ErrMalformed,
		},
		{
			name:      "header claims more than it holds",
			d:         RawDestOpts{NextHeader: layers.IPProtocolUDP, Options: []Option{Opt(ilnp.OptTypeNonce, nonce)}, SetHdrExtLen: true, HdrExtLen: 1},
			want:      []byte{17, 1, 0x8b, 4, 0xde, 0xad, 0xbe, 0xef},
			decodeErr: ErrTruncated,
		},
		{
			name:      "unpadded",
			d:         RawDestOpts{NextHeader: layers.IPProtocolUDP, Options: []Option{Opt(OptTypePadN, nil)}, NoPad: true},
			want:      []byte{17, 0, 1, 0},
			decodeErr: ErrTruncated,
		},
		{
			name: "two options",
			d: RawDestOpts{NextHeader: layers.IPProtocolICMPv6, Options: []Option{
				Opt(ilnp.OptTypeNonce, nonce), Opt(ilnp.OptTypeNonce, nonce)}},
			want: []byte{58, 1, 0x8b, 4, 0xde, 0xad, 0xbe, 0xef, 0x8b, 4, 0xde, 0xad, 0xbe, 0xef, 1, 0},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			buf := gopacket.NewSerializeBuffer()
			if err := tc.d.SerializeTo(buf, gopacket.SerializeOptions{}); err != nil {
				t.Fatal(err)
			}
			if got := buf.Bytes(); !bytes.Equal(got, tc.want) {
				t.Fatalf("serialized % x, want % x", got, tc.want)
			}
			if tc.d.Len() != len(tc.want) {
				t.Errorf("Len() = %d, wrote %d", tc.d.Len(), len(tc.want))
			}
			var d DestOpts
			err := d.DecodeFromBytes(buf.Bytes(), gopacket.NilDecodeFeedback)
			if tc.decodeErr == nil && err != nil || tc.decodeErr != nil && !errors.Is(err, tc.decodeErr) {
				t.Errorf("DestOpts decodes it with error %v, want %v", err, tc.decodeErr)
			}
		})
	}
}

// TestRawDestOptsMatchesDestOpts: for a well-formed nonce header the two
// layers write the same octets.
func TestRawDestOptsMatchesDestOpts(t *testing.T) {
	for _, n := range []ilnp.Nonce{ilnp.Nonce32(0x01020304), ilnp.Nonce96([12]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})} {
		well := &DestOpts{NextHeader: layers.IPProtocolTCP, Nonce: n}
		raw := &RawDestOpts{NextHeader: layers.IPProtocolTCP, Options: []Option{Opt(ilnp.OptTypeNonce, n.Bytes())}}
		a, b := gopacket.NewSerializeBuffer(), gopacket.NewSerializeBuffer()
		if err := well.SerializeTo(a, gopacket.SerializeOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := raw.SerializeTo(b, gopacket.SerializeOptions{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("nonce %s: DestOpts % x, RawDestOpts % x", n.Hex(), a.Bytes(), b.Bytes())
		}
	}
}
