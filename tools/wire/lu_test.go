package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"slices"
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
		reason    string // in the Validate error, when set
		op        ilnp.LUOp
		challenge ilnp.Challenge
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
		{name: "bad operation", body: "01 05 0000 2001000200aa00aa 0001 0384", checkErr: ErrLUField, op: 5, format: LUFormatRFC6743,
			locs: []LocatorRecord{{Locator: aa, Preference: 1, Lifetime: 900}}},
		{name: "operation 0", body: "01 00 0000 2001000200aa00aa 0001 0384", checkErr: ErrLUField, op: 0, format: LUFormatRFC6743,
			locs: []LocatorRecord{{Locator: aa, Preference: 1, Lifetime: 900}}},
		{name: "probe without records", body: "00 03 0000 0123456789abcdef", op: ilnp.LUProbe, challenge: 0x0123456789abcdef,
			format: LUFormatExtended},
		{name: "probe reply without records", body: "00 04 0000 ffffffffffffffff", op: ilnp.LUProbeReply, challenge: 0xffffffffffffffff,
			format: LUFormatExtended},
		{
			name:      "probe of 2 records",
			body:      "02 03 0000 0000000000000001  2001000200aa00aa 000a 0000 0000000f  2001000200bb00bb 0014 0000 00010000",
			op:        ilnp.LUProbe,
			challenge: 1,
			format:    LUFormatExtended,
			locs:      []LocatorRecord{{Locator: aa, Preference: 10, Lifetime: 15}, {Locator: bb, Preference: 20, Lifetime: 65536}},
		},
		{
			name:      "probe reply of 1 record",
			body:      "01 04 0000 8000000000000000  2001000200bb00bb 0001 0000 00000384",
			op:        ilnp.LUProbeReply,
			challenge: 0x8000000000000000,
			format:    LUFormatExtended,
			locs:      []LocatorRecord{{Locator: bb, Preference: 1, Lifetime: 900}},
		},
		{
			// 12 octets of records after the challenge are not RFC 6743 records
			// (probes carry extended ones only), nor does 4+8+12n read as an LU.
			name: "probe of an rfc6743 record", body: "01 03 0000 0000000000000001 2001000200aa00aa 0001 0384", decodeErr: ErrLULength,
		},
		{
			name:      "probe of 8 records",
			body:      "08 03 0000 0000000000000007" + strings.Repeat("2001000200aa00aa 0000 0000 00000000", 8),
			op:        ilnp.LUProbe,
			challenge: 7,
			format:    LUFormatExtended,
			locs:      []LocatorRecord{{Locator: aa}, {Locator: aa}, {Locator: aa}, {Locator: aa}, {Locator: aa}, {Locator: aa}, {Locator: aa}, {Locator: aa}},
		},
		{
			name:      "probe of 9 records",
			body:      "09 03 0000 0000000000000007" + strings.Repeat("2001000200aa00aa 0000 0000 00000000", 9),
			checkErr:  ErrLUField,
			op:        ilnp.LUProbe,
			challenge: 7,
			format:    LUFormatExtended,
			locs:      []LocatorRecord{{Locator: aa}, {Locator: aa}, {Locator: aa}, {Locator: aa}, {Locator: aa}, {Locator: aa}, {Locator: aa}, {Locator: aa}, {Locator: aa}},
		},
		{name: "advertisement of 8 records", body: "08 01 0000" + strings.Repeat("2001000200aa00aa 0000 0000 00000000", 8),
			op: ilnp.LUAdvertisement, format: LUFormatExtended, locs: slices.Repeat([]LocatorRecord{{Locator: aa}}, 8)},
		{name: "advertisement of 9 records", body: "09 01 0000" + strings.Repeat("2001000200aa00aa 0000 0000 00000000", 9),
			checkErr: ErrLUField, reason: "advertisement: Num of Locs 9 for 9 records, want 1 to 8",
			op: ilnp.LUAdvertisement, format: LUFormatExtended, locs: slices.Repeat([]LocatorRecord{{Locator: aa}}, 9)},
		{name: "ack of 9 rfc6743 records", body: "09 02 0000" + strings.Repeat("2001000200aa00aa 0000 0000", 9),
			checkErr: ErrLUField, reason: "ack: Num of Locs 9 for 9 records, want 1 to 8",
			op: ilnp.LUAck, format: LUFormatRFC6743, locs: slices.Repeat([]LocatorRecord{{Locator: aa}}, 9)},
		{name: "probe challenge 0", body: "00 03 0000 0000000000000000", checkErr: ErrLUField, op: ilnp.LUProbe, format: LUFormatExtended},
		{name: "probe reply challenge 0", body: "01 04 0000 0000000000000000 2001000200aa00aa 0001 0000 00000384", checkErr: ErrLUField,
			op: ilnp.LUProbeReply, format: LUFormatExtended, locs: []LocatorRecord{{Locator: aa, Preference: 1, Lifetime: 900}}},
		{name: "probe reserved set", body: "00 03 8000 0000000000000001", checkErr: ErrLUField, op: ilnp.LUProbe, challenge: 1, format: LUFormatExtended},
		{name: "probe record reserved set", body: "01 04 0000 0000000000000001 2001000200aa00aa 0001 0001 00000384", checkErr: ErrLUField,
			op: ilnp.LUProbeReply, challenge: 1, format: LUFormatExtended, locs: []LocatorRecord{{Locator: aa, Preference: 1, Reserved: 1, Lifetime: 900}}},
		{name: "probe without challenge", body: "00 03 0000", decodeErr: ErrTruncated},
		{name: "probe reply cut in its challenge", body: "00 04 0000 01234567", decodeErr: ErrTruncated},
		{name: "probe missing a record", body: "02 03 0000 0000000000000001 2001000200aa00aa 0001 0000 00000384", decodeErr: ErrLULength},
		{name: "probe record cut short", body: "01 03 0000 0000000000000001 2001000200aa00aa 0001 0000 0003", decodeErr: ErrLULength},
		{name: "probe trailing octet", body: "00 04 0000 0000000000000001 00", decodeErr: ErrLULength},
		{name: "probe records where none are counted", body: "00 03 0000 0000000000000001 2001000200aa00aa 0001 0000 00000384", decodeErr: ErrLULength},
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
			lu := LocatorUpdate{Challenge: 0xdead, Locators: make([]LocatorRecord, 5)} // reused fields must be reset
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
			if got := lu.Validate(); tc.reason != "" && (got == nil || !strings.Contains(got.Error(), tc.reason)) {
				t.Errorf("Validate() = %v, want it to say %q", got, tc.reason)
			}
			if lu.Operation != tc.op || lu.Format != tc.format || lu.Challenge != tc.challenge {
				t.Errorf("op %v format %v challenge %v, want %v %v %v", lu.Operation, lu.Format, lu.Challenge, tc.op, tc.format, tc.challenge)
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
		for _, op := range []ilnp.LUOp{ilnp.LUAdvertisement, ilnp.LUAck, ilnp.LUProbe, ilnp.LUProbeReply} {
			if op.IsProbe() && f != LUFormatExtended {
				continue // refused below
			}
			code, extra := uint8(ilnp.LUCodeReplaceSoft), 0
			if op.IsProbe() {
				code, extra = ilnp.LUCodeNone, 8
			}
			src := [16]byte{0x20, 0x01, 0, 2, 0, 0xaa, 0, 0xaa, 15: 1}
			dst := [16]byte{0x20, 0x01, 0, 2, 0, 0xdd, 0, 0xdd, 15: 0xc}
			ip6 := &layers.IPv6{Version: 6, NextHeader: layers.IPProtocolIPv6Destination, HopLimit: 64, SrcIP: src[:], DstIP: dst[:]}
			d := &DestOpts{NextHeader: layers.IPProtocolICMPv6, Nonce: ilnp.Nonce32(7)}
			icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(ilnp.ICMPv6TypeLocatorUpdate, code)}
			if err := icmp.SetNetworkLayerForChecksum(ip6); err != nil {
				t.Fatal(err)
			}
			lu := &LocatorUpdate{Operation: op, Challenge: 0xfedcba9876543210, Format: f, Locators: locs}
			buf := gopacket.NewSerializeBuffer()
			if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip6, d, icmp, lu); err != nil {
				t.Fatal(err)
			}
			pkt := buf.Bytes()
			if want := 40 + 8 + 8 + extra + len(locs)*int(f); len(pkt) != want {
				t.Errorf("%v %v: packet of %d octets, want %d", f, op, len(pkt), want)
			}
			msg := pkt[48:]
			for _, rule := range []ChecksumRule{RuleIPv6, RuleNID} {
				if !VerifyChecksum(ILNPPseudoHeader(rule, src, dst, layers.IPProtocolICMPv6, len(msg)), msg) {
					t.Errorf("%v: ICMPv6 checksum does not verify with the wire addresses (rule %v)", f, rule)
				}
			}
			var got LocatorUpdate
			if err := got.DecodeFromBytes(msg[4:], gopacket.NilDecodeFeedback); err != nil {
				t.Fatal(err)
			}
			if got.Validate() != nil || got.ValidateCode(code) != nil || got.Format != f || got.Operation != op || !SameLocators(got.Locators, locs) {
				t.Errorf("%v %v: round trip = %+v (%v, %v)", f, op, got, got.Validate(), got.ValidateCode(code))
			}
			wantChallenge := ilnp.Challenge(0)
			if op.IsProbe() {
				wantChallenge = lu.Challenge
			}
			if got.Challenge != wantChallenge {
				t.Errorf("%v %v: challenge %v, want %v", f, op, got.Challenge, wantChallenge)
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

	refused := []struct {
		name string
		lu   *LocatorUpdate
	}{
		{"a 70000 s lifetime in the 16-bit RFC 6743 field", &LocatorUpdate{Operation: ilnp.LUAdvertisement, Format: LUFormatRFC6743, Locators: []LocatorRecord{{Lifetime: 70000}}}},
		{"a probe of RFC 6743 records", &LocatorUpdate{Operation: ilnp.LUProbe, Challenge: 1, Format: LUFormatRFC6743, Locators: []LocatorRecord{{Lifetime: 1}}}},
		{"a probe reply of RFC 6743 records", &LocatorUpdate{Operation: ilnp.LUProbeReply, Challenge: 1, Format: LUFormatRFC6743}},
		{"an unknown format", &LocatorUpdate{Operation: ilnp.LUProbe, Challenge: 1, Format: 7}},
		{"256 records", &LocatorUpdate{Operation: ilnp.LUProbe, Challenge: 1, Locators: make([]LocatorRecord, 256)}},
	}
	for _, tc := range refused {
		if err := tc.lu.SerializeTo(gopacket.NewSerializeBuffer(), gopacket.SerializeOptions{FixLengths: true}); err == nil {
			t.Errorf("%s: serialized", tc.name)
		}
	}
}

// TestLocatorUpdateSerializeProbe pins the octets of a probe: the
// challenge at offset 4 of the body (8 of the ICMPv6 message), records at
// 12 (16), and the fields written as they are, out of range or not.
func TestLocatorUpdateSerializeProbe(t *testing.T) {
	aa := LocatorRecord{Locator: 0x2001_0002_00aa_00aa, Preference: 10, Lifetime: 15}
	tests := []struct {
		name string
		lu   LocatorUpdate
		fix  bool
		want string
	}{
		{"probe, no records", LocatorUpdate{Operation: ilnp.LUProbe, Challenge: 0x0102030405060708}, true,
			"00 03 0000 0102030405060708"},
		{"reply, one record", LocatorUpdate{Operation: ilnp.LUProbeReply, Challenge: 0xfffffffffffffffe, Locators: []LocatorRecord{aa}}, true,
			"01 04 0000 fffffffffffffffe 2001000200aa00aa 000a 0000 0000000f"},
		{"malformed as asked", LocatorUpdate{NumLocs: 9, Operation: ilnp.LUProbe, Reserved: 0x8000, Locators: []LocatorRecord{aa}}, false,
			"09 03 8000 0000000000000000 2001000200aa00aa 000a 0000 0000000f"},
		{"an advertisement has no challenge", LocatorUpdate{Operation: ilnp.LUAdvertisement, Challenge: 0x0102030405060708, Locators: []LocatorRecord{aa}}, true,
			"01 01 0000 2001000200aa00aa 000a 0000 0000000f"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			buf := gopacket.NewSerializeBuffer()
			if err := tc.lu.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: tc.fix}); err != nil {
				t.Fatal(err)
			}
			if want := mustHex(t, tc.want); !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("serialized %x, want %x", buf.Bytes(), want)
			}
		})
	}
}

func TestLocatorUpdateValidateCode(t *testing.T) {
	tests := []struct {
		op   ilnp.LUOp
		code uint8
		ok   bool
	}{
		{ilnp.LUAdvertisement, 0, true},
		{ilnp.LUAdvertisement, ilnp.LUCodeReplaceSoft, true},
		{ilnp.LUAdvertisement, 2, false},
		{ilnp.LUAck, 1, true},
		{ilnp.LUAck, 255, false},
		{ilnp.LUProbe, 0, true},
		{ilnp.LUProbe, ilnp.LUCodeReplaceSoft, false},
		{ilnp.LUProbe, 2, false},
		{ilnp.LUProbeReply, 0, true},
		{ilnp.LUProbeReply, 1, false},
		{ilnp.LUProbeReply, 255, false},
	}
	for _, tc := range tests {
		lu := LocatorUpdate{Operation: tc.op}
		err := lu.ValidateCode(tc.code)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrLUField)) {
			t.Errorf("%v: ValidateCode(%d) = %v, want ok %v", tc.op, tc.code, err, tc.ok)
		}
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
