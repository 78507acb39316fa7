package synth

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

// TestChecksumModes checks what each mode puts in the checksum field
// under each rule, against wire's pseudo-headers.
func TestChecksumModes(t *testing.T) {
	src := ilnp.ILV{L64: 0x2001_0002_00aa_00aa, NID: 0xd250_99ff_fed1_5a0c}
	dst := ilnp.ILV{L64: 0x2001_0002_00dd_00dd, NID: 0xc}
	s16, d16 := src.As16(), dst.As16()
	type kind uint8
	const (
		valid   kind = iota // verifies under the rule given
		seed                // equals the rule's pseudo-header sum
		corrupt             // verifies under neither rule
		zero
	)
	tests := []struct {
		rule  wire.ChecksumRule // the Packet's
		mode  ChecksumMode
		kind  kind
		under wire.ChecksumRule // for valid and seed
	}{
		{wire.RuleIPv6, ChecksumValid, valid, wire.RuleIPv6},
		{wire.RuleNID, ChecksumValid, valid, wire.RuleNID},
		{wire.RuleIPv6, ChecksumOtherRule, valid, wire.RuleNID},
		{wire.RuleNID, ChecksumOtherRule, valid, wire.RuleIPv6},
		{wire.RuleIPv6, ChecksumCorrupt, corrupt, 0},
		{wire.RuleNID, ChecksumCorrupt, corrupt, 0},
		{wire.RuleIPv6, ChecksumPartial, seed, wire.RuleIPv6},
		{wire.RuleNID, ChecksumPartial, seed, wire.RuleNID},
		{wire.RuleIPv6, ChecksumPartialOtherRule, seed, wire.RuleNID},
		{wire.RuleNID, ChecksumPartialOtherRule, seed, wire.RuleIPv6},
		{wire.RuleIPv6, ChecksumZero, zero, 0},
		{wire.RuleNID, ChecksumZero, zero, 0},
	}
	for _, tc := range tests {
		for _, proto := range []layers.IPProtocol{layers.IPProtocolTCP, layers.IPProtocolUDP, layers.IPProtocolICMPv6} {
			t.Run(fmt.Sprintf("%v/mode%d/%v", tc.rule, tc.mode, proto), func(t *testing.T) {
				p := Packet{Src: src, Dst: dst, Nonce: ilnp.Nonce32(1), Payload: []byte("payload"), Rule: tc.rule, Checksum: tc.mode}
				off := 0
				switch proto {
				case layers.IPProtocolTCP:
					p.TCP, off = &layers.TCP{SrcPort: 1, DstPort: 2, ACK: true}, 16
				case layers.IPProtocolUDP:
					p.UDP, off = &layers.UDP{SrcPort: 1, DstPort: 2}, 6
				default:
					p.LU, off = &LU{Op: ilnp.LUAdvertisement, Locators: []ilnp.L64{src.L64}}, 2
				}
				b, err := p.Bytes()
				if err != nil {
					t.Fatal(err)
				}
				seg := b[40+8:] // the IPv6 header and the 8-octet nonce header
				field := binary.BigEndian.Uint16(seg[off:])
				ph := func(r wire.ChecksumRule) wire.PseudoHeader {
					return wire.ILNPPseudoHeader(r, s16, d16, proto, len(seg))
				}
				switch tc.kind {
				case valid:
					if !wire.VerifyChecksum(ph(tc.under), seg) {
						t.Errorf("checksum %#04x does not verify under %v", field, tc.under)
					}
					// TCP and UDP tell the rules apart; ICMPv6 is the same under both.
					if other := wire.VerifyChecksum(ph(tc.under.Other()), seg); other != (proto == layers.IPProtocolICMPv6) {
						t.Errorf("checksum %#04x verifies under %v too: %v", field, tc.under.Other(), other)
					}
				case seed:
					if field != ph(tc.under).Sum() {
						t.Errorf("field %#04x, want the %v seed %#04x", field, tc.under, ph(tc.under).Sum())
					}
				case corrupt:
					if wire.VerifyChecksum(ph(wire.RuleIPv6), seg) || wire.VerifyChecksum(ph(wire.RuleNID), seg) {
						t.Errorf("corrupt checksum %#04x verifies", field)
					}
				case zero:
					if field != 0 {
						t.Errorf("field %#04x, want 0", field)
					}
				}
			})
		}
	}
}

// TestScenarioRule checks that Scenario hands its rule to every packet
// (validate's tests check WriteMixedOptions').
func TestScenarioRule(t *testing.T) {
	for _, rule := range []wire.ChecksumRule{wire.RuleIPv6, wire.RuleNID} {
		s := Scenario{MN: 1, CN: 2, CNLocator: 3, Phases: []Phase{{Locators: []ilnp.L64{4}}, {At: 2e6, Locators: []ilnp.L64{5}}},
			Duration: 5e6, PacketsPerSec: 1000, PayloadOctets: 8, MNNonce: ilnp.Nonce32(1), CNNonce: ilnp.Nonce32(2), Rule: rule}
		for i, p := range s.Packets() {
			if p.Rule != rule {
				t.Fatalf("%v: scenario packet %d has rule %v", rule, i, p.Rule)
			}
		}
	}
}
