package wire

import (
	"bytes"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// The seed corpora live in testdata/fuzz/<target>; run a target with e.g.
//
//	go test ./tools/wire -run '^$' -fuzz '^FuzzDestOpts$' -fuzztime 60s -parallel 1

// FuzzDestOpts: any input decodes or fails cleanly; what decodes survives
// a serialize/decode round trip with the same nonce and next header.
func FuzzDestOpts(f *testing.F) {
	f.Add([]byte{6, 0, OptTypeNonce, 4, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, data []byte) {
		var d DestOpts
		if err := d.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err != nil {
			return
		}
		_ = d.Err()
		if len(d.Contents)%8 != 0 || len(d.Contents)+len(d.Payload) != len(data) {
			t.Fatalf("contents %d + payload %d for %d octets", len(d.Contents), len(d.Payload), len(data))
		}
		if d.Nonce.Len() != 0 && d.Nonce.Len() != NonceLen32 && d.Nonce.Len() != NonceLen96 {
			t.Fatalf("nonce of %d octets", d.Nonce.Len())
		}
		buf := gopacket.NewSerializeBuffer()
		if err := d.SerializeTo(buf, gopacket.SerializeOptions{}); err != nil {
			t.Fatal(err)
		}
		var back DestOpts
		if err := back.DecodeFromBytes(buf.Bytes(), gopacket.NilDecodeFeedback); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if back.Err() != nil || back.Nonce != d.Nonce || back.NextHeader != d.NextHeader {
			t.Fatalf("round trip: %+v -> %+v (%v)", d, back, back.Err())
		}
	})
}

// FuzzLocatorUpdate: what decodes serializes back to the same octets.
func FuzzLocatorUpdate(f *testing.F) {
	f.Add([]byte{1, 1, 0, 0, 0x20, 1, 0, 2, 0, 0xaa, 0, 0xaa, 0, 1, 0, 15})
	f.Fuzz(func(t *testing.T, data []byte) {
		var lu LocatorUpdate
		if err := lu.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err != nil {
			return
		}
		_ = lu.Validate()
		buf := gopacket.NewSerializeBuffer()
		if err := lu.SerializeTo(buf, gopacket.SerializeOptions{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), data) {
			t.Fatalf("round trip:\n in  %x\n out %x", data, buf.Bytes())
		}
	})
}

// FuzzParseILV: what parses formats and parses back to the same IL-V, in
// both notations.
func FuzzParseILV(f *testing.F) {
	f.Add("d250-99ff-fed1-5a0c.2001+2+dd+dd")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseILV(s)
		if err != nil {
			return
		}
		for _, form := range []string{v.String(), v.HostsForm()} {
			back, err := ParseILV(form)
			if err != nil || back != v {
				t.Fatalf("%q -> %v -> %q -> %v, %v", s, v, form, back, err)
			}
		}
		if e, ok, err := ParseHostsLine(v.HostsForm() + " h"); err != nil || !ok || e.ILV != v {
			t.Fatalf("hosts line of %v: %v %v %v", v, e, ok, err)
		}
	})
}

// FuzzChecksum: the 64-bit summing agrees with RFC 1071 done 16 bits at a
// time, and a checksum written into the segment verifies.
func FuzzChecksum(f *testing.F) {
	f.Add([]byte("\x00\x01\xf2\x03\xf4\xf5\xf6\xf7"), []byte{0x20, 1})
	f.Fuzz(func(t *testing.T, seg, addr []byte) {
		got, want := uint32(fold(sumBytes(seg))), naiveSum(seg)
		if got != want && !(got == 0xffff && want == 0) && !(got == 0 && want == 0xffff) {
			t.Fatalf("sum %#04x, want %#04x", got, want)
		}
		if len(seg) < 8 {
			return
		}
		var p PseudoHeader
		copy(p.Src[:], addr)
		copy(p.Dst[:], bytes.Repeat(addr, 2))
		p.Length, p.Proto = uint32(len(seg)), uint8(layers.IPProtocolUDP)
		s := append([]byte(nil), seg...)
		s[6], s[7] = 0, 0
		c := Checksum(p.NIDOnly(), s)
		s[6], s[7] = byte(c>>8), byte(c)
		if !VerifyChecksum(p.NIDOnly(), s) {
			t.Fatalf("checksum %#04x does not verify", c)
		}
	})
}
