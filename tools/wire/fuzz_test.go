package wire

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
)

// The seed corpora live in testdata/fuzz/<target>; run a target with e.g.
//
//	go test ./tools/wire -run '^$' -fuzz '^FuzzDestOpts$' -fuzztime 60s -parallel 1

// FuzzDestOpts: any input decodes or fails cleanly; what decodes survives
// a serialize/decode round trip with the same nonce and next header.
func FuzzDestOpts(f *testing.F) {
	f.Add([]byte{6, 0, ilnp.OptTypeNonce, 4, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, data []byte) {
		var d DestOpts
		if err := d.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err != nil {
			return
		}
		_ = d.Err()
		if len(d.Contents)%8 != 0 || len(d.Contents)+len(d.Payload) != len(data) {
			t.Fatalf("contents %d + payload %d for %d octets", len(d.Contents), len(d.Payload), len(data))
		}
		if d.Nonce.Len() != 0 && d.Nonce.Len() != ilnp.NonceLen32 && d.Nonce.Len() != ilnp.NonceLen96 {
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

// FuzzLocatorUpdate: what decodes serializes back to the same octets, a
// probe or probe reply with its challenge at offset 4 of the body and
// extended records after it; what Validate passes is in range.
func FuzzLocatorUpdate(f *testing.F) {
	f.Add([]byte{1, 1, 0, 0, 0x20, 1, 0, 2, 0, 0xaa, 0, 0xaa, 0, 1, 0, 15})
	f.Add([]byte{0, byte(ilnp.LUProbe), 0, 0, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{1, byte(ilnp.LUProbeReply), 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x20, 1, 0, 2, 0, 0xaa, 0, 0xaa, 0, 1, 0, 0, 0, 0, 0, 15})
	f.Fuzz(func(t *testing.T, data []byte) {
		var lu LocatorUpdate
		if err := lu.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err != nil {
			return
		}
		if lu.Operation.IsProbe() {
			if lu.Format != LUFormatExtended || len(data) != 12+16*len(lu.Locators) ||
				uint64(lu.Challenge) != binary.BigEndian.Uint64(data[4:12]) {
				t.Fatalf("probe %+v from %d octets", lu, len(data))
			}
		} else if lu.Challenge != 0 || len(lu.Locators) == 0 {
			t.Fatalf("%v of %d records with challenge %v", lu.Operation, len(lu.Locators), lu.Challenge)
		}
		if lu.Validate() == nil {
			if len(lu.Locators) > ilnp.LUMaxLocators || lu.Operation.IsProbe() && lu.Challenge == 0 {
				t.Fatalf("Validate passed %+v", lu)
			}
			if !lu.Operation.IsProbe() && lu.Operation != ilnp.LUAdvertisement && lu.Operation != ilnp.LUAck {
				t.Fatalf("Validate passed operation %v", lu.Operation)
			}
		}
		buf := gopacket.NewSerializeBuffer()
		if err := lu.SerializeTo(buf, gopacket.SerializeOptions{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), data) {
			t.Fatalf("round trip:\n in  %x\n out %x", data, buf.Bytes())
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
