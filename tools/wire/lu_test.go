package wire

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLocatorUpdateDecode(t *testing.T) {
	aa := ilnp.L64(0x2001_0002_00aa_00aa)
	bb := ilnp.L64(0x2001_0002_00bb_00bb)
	tests := []struct {
		name      string
		body      string // after the ICMPv6 header
		decodeErr error
		checkErr  error
		op        ilnp.LUOp
		format    LUFormat
		locs      []LocatorRecord
	}{
		{
			name:   "extended, 2 locators",
			body:   "02 01 0000  200100020 0aa00aa 000a 0000 0000000f  2001000200bb00bb 0014 0000 00010000",
			op:     ilnp.LUAdvertisement,
			format: LUFormatExtended,
			locs:   []LocatorRecord{{Locator: aa, Preference: 10, Lifetime: 15}, {Locator: bb, Preference: 20, Lifetime: 65536}},
		},
		{
			name:   "rfc6743, 1 locator ack",
			body:   "01 02 0000  2001000200aa00aa 0001 0384",
			op:     ilnp.LUAck,
			format: LUFormatRFC6743,
			locs:   []LocatorRecord{{Locator: aa, Preference: 1, Lifetime: 900}},
		},
		{
			name:   "3 extended records (48 octets, also 4x12)",
			body:   "03 01 0000" + strings.Repeat("2001000200aa00aa 0000 0000 00000000", 3),
			op:     ilnp.LUAdvertisement,
			format: LUFormatExtended,
			locs:   []LocatorRecord{{Locator: aa}, {Locator: aa}, {Locator: aa}},
		},
		{
			name:   "4 rfc6743 records (48 octets, also 3x16)",
			body:   "04 01 0000" + strings.Repeat("2001000200aa00aa 0000 0000", 4),
			op:     ilnp.LUAdvertisement,
			format: LUFormatRFC6743,
			locs:   []LocatorRecord{{Locator: aa}, {Locator: aa}, {Locator: aa}, {Locator: aa}},
		},
		{name: "bad operation", body: "01 03 0000 2001000200aa00aa 0001 0384", checkErr: ErrLUField, op: 3, format: LUFormatRFC6743,
			locs: []LocatorRecord{{Locator: aa, Preference: 1, Lifetime: 900}}},
		{name: "reserved set", body: "01 01 0001 2001000200aa00aa 0001 0384", checkErr: ErrLUField, op: 1, format: LUFormatRFC6743,
			locs: []LocatorRecord{{Locator: aa, Preference: 1, Lifetime: 900}}},
		{name: "record reserved set", body: "01 01 0000 2001000200aa00aa 0001 0002 00000384", checkErr: ErrLUField, op: 1, format: LUFormatExtended,
			locs: []LocatorRecord{{Locator: aa, Preference: 1, Reserved: 2, Lifetime: 900}}},
		{name: "zero locators", body: "00 01 0000", decodeErr: ErrLULength},
		{name: "length mismatch", body: "02 01 0000 2001000200aa00aa 0001 0384", decodeErr: ErrLULength},
		{name: "trailing octet", body: "01 01 0000 2001000200aa00aa 0001 0384 00", decodeErr: ErrLULength},
		{name: "short", body: "01 01 00", decodeErr: ErrTruncated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lu := LocatorUpdate{Locators: make([]LocatorRecord, 5)} // reused slice must be reset
			err := lu.DecodeFromBytes(mustHex(t, tc.body), gopacket.NilDecodeFeedback)
			if tc.decodeErr != nil {
				if !errors.Is(err, tc.decodeErr) {
					t.Fatalf("DecodeFromBytes error = %v, want %v", err, tc.decodeErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeFromBytes: %v", err)
			}
			if got := lu.Validate(); !errors.Is(got, tc.checkErr) || (got == nil) != (tc.checkErr == nil) {
				t.Errorf("Validate() = %v, want %v", got, tc.checkErr)
			}
			if lu.Operation != tc.op || lu.Format != tc.format {
				t.Errorf("op %v format %v, want %v %v", lu.Operation, lu.Format, tc.op, tc.format)
			}
			if len(lu.Locators) != len(tc.locs) {
				t.Fatalf("locators %v, want %v", lu.Locators, tc.locs)
			}
			for i := range tc.locs {
				if lu.Locators[i] != tc.locs[i] {
					t.Errorf("locator %d = %+v, want %+v", i, lu.Locators[i], tc.locs[i])
				}
			}
		})
	}
}

func TestLocatorUpdateSerializeRoundTrip(t *testing.T) {
	locs := []LocatorRecord{
		{Locator: 0x2001_0002_00aa_00aa, Preference: 1, Lifetime: 15},
		{Locator: 0x2001_0002_00cc_00cc, Preference: 3, Lifetime: 65535},
	}
	for _, f := range []LUFormat{LUFormatExtended, LUFormatRFC6743} {
		for _, op := range []ilnp.LUOp{ilnp.LUAdvertisement, ilnp.LUAck} {
			src := [16]byte{0x20, 0x01, 0, 2, 0, 0xaa, 0, 0xaa, 15: 1}
			dst := [16]byte{0x20, 0x01, 0, 2, 0, 0xdd, 0, 0xdd, 15: 0xc}
			ip6 := &layers.IPv6{Version: 6, NextHeader: layers.IPProtocolIPv6Destination, HopLimit: 64, SrcIP: src[:], DstIP: dst[:]}
			d := &DestOpts{NextHeader: layers.IPProtocolICMPv6, Nonce: ilnp.Nonce32(7)}
			icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(ilnp.ICMPv6TypeLocatorUpdate, ilnp.LUCodeReplaceSoft)}
			if err := icmp.SetNetworkLayerForChecksum(ip6); err != nil {
				t.Fatal(err)
			}
			lu := &LocatorUpdate{Operation: op, Format: f, Locators: locs}
			buf := gopacket.NewSerializeBuffer()
			if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip6, d, icmp, lu); err != nil {
				t.Fatal(err)
			}
			pkt := buf.Bytes()
			if want := 40 + 8 + 8 + len(locs)*int(f); len(pkt) != want {
				t.Errorf("%v: packet of %d octets, want %d", f, len(pkt), want)
			}
			msg := pkt[48:]
			if !VerifyChecksum(ILNPPseudoHeader(src, dst, layers.IPProtocolICMPv6, len(msg)), msg) {
				t.Errorf("%v: ICMPv6 checksum does not verify with the wire addresses", f)
			}
			var got LocatorUpdate
			if err := got.DecodeFromBytes(msg[4:], gopacket.NilDecodeFeedback); err != nil {
				t.Fatal(err)
			}
			if got.Validate() != nil || got.Format != f || got.Operation != op || !SameLocators(got.Locators, locs) {
				t.Errorf("%v %v: round trip = %+v (%v)", f, op, got, got.Validate())
			}
			for i := range locs {
				if got.Locators[i] != locs[i] {
					t.Errorf("%v: locator %d = %+v, want %+v", f, i, got.Locators[i], locs[i])
				}
			}
			// And through gopacket.NewPacket with the registered decoder.
			p := gopacket.NewPacket(msg[4:], LayerTypeLocatorUpdate, gopacket.Default)
			if l, ok := p.Layer(LayerTypeLocatorUpdate).(*LocatorUpdate); !ok || len(l.Locators) != len(locs) {
				t.Errorf("gopacket.NewPacket: %v", p)
			}
		}
	}

	bad := &LocatorUpdate{Operation: ilnp.LUAdvertisement, Format: LUFormatRFC6743, Locators: []LocatorRecord{{Lifetime: 70000}}}
	if err := bad.SerializeTo(gopacket.NewSerializeBuffer(), gopacket.SerializeOptions{FixLengths: true}); err == nil {
		t.Errorf("a 70000 s lifetime fit the 16-bit RFC 6743 field")
	}
}

func TestSameLocators(t *testing.T) {
	a := []LocatorRecord{{Locator: 1, Preference: 1}, {Locator: 2}}
	tests := []struct {
		b    []LocatorRecord
		want bool
	}{
		{[]LocatorRecord{{Locator: 2}, {Locator: 1, Lifetime: 9}}, true},
		{[]LocatorRecord{{Locator: 1}}, false},
		{[]LocatorRecord{{Locator: 1}, {Locator: 3}}, false},
		{[]LocatorRecord{{Locator: 1}, {Locator: 1}}, false},
	}
	for _, tc := range tests {
		if got := SameLocators(a, tc.b); got != tc.want {
			t.Errorf("SameLocators(%v, %v) = %v, want %v", a, tc.b, got, tc.want)
		}
	}
	if !ValidLUCode(0) || !ValidLUCode(1) || ValidLUCode(2) {
		t.Errorf("ValidLUCode wrong")
	}
}
