package validate_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/capture"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/synth"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/validate"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

var (
	aa    = ilnp.L64(0x2001_0002_00aa_00aa)
	bb    = ilnp.L64(0x2001_0002_00bb_00bb)
	dd    = ilnp.L64(0x2001_0002_00dd_00dd)
	mnNID = ilnp.NID(0xd250_99ff_fed1_5a0c)
	cnNID = ilnp.NID(0xc)
	mnAA  = ilnp.ILV{L64: aa, NID: mnNID}
	mnBB  = ilnp.ILV{L64: bb, NID: mnNID}
	cnDD  = ilnp.ILV{L64: dd, NID: cnNID}
	mnN   = ilnp.Nonce32(0x11223344)
	cnN   = ilnp.Nonce96([12]byte{0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac})
	t0    = time.Date(2024, 10, 1, 12, 0, 0, 0, time.UTC)
)

func at(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }

func tcp(seq uint32) *layers.TCP {
	return &layers.TCP{SrcPort: 40000, DstPort: 5001, Seq: seq, Ack: 1, ACK: true, Window: 1000}
}

func udp() *layers.UDP { return &layers.UDP{SrcPort: 40001, DstPort: 5001} }

func lu(op ilnp.LUOp, locs ...ilnp.L64) *synth.LU {
	return &synth.LU{Op: op, Code: ilnp.LUCodeReplaceSoft, Locators: locs}
}

// probe is a probe or probe reply (op) of challenge ch listing locs.
func probe(op ilnp.LUOp, ch ilnp.Challenge, locs ...ilnp.L64) *synth.LU {
	return &synth.LU{Op: op, Code: ilnp.LUCodeNone, Challenge: ch, Locators: locs}
}

// validSession is a good ILNP exchange: TCP both ways, the MN adds
// locator bb with an LU (acked 2.5 ms later), then sends over both
// locators; one RFC 6743-format LU with a retransmission and a duplicate
// ack.
func validSession() []synth.Packet {
	return []synth.Packet{
		{Time: at(0), Src: mnAA, Dst: cnDD, Nonce: mnN, TCP: tcp(1), Payload: []byte("data")},
		{Time: at(1), Src: cnDD, Dst: mnAA, Nonce: cnN, TCP: tcp(1), Payload: []byte("ack")},
		{Time: at(10), Src: mnAA, Dst: cnDD, Nonce: mnN, LU: lu(ilnp.LUAdvertisement, aa, bb)},
		{Time: at(12.5), Src: cnDD, Dst: mnBB, Nonce: cnN, LU: lu(ilnp.LUAck, bb, aa)},
		{Time: at(13), Src: mnBB, Dst: cnDD, Nonce: mnN, TCP: tcp(5), Payload: []byte("more")},
		{Time: at(14), Src: mnAA, Dst: cnDD, Nonce: mnN, UDP: udp(), Payload: synth.Iperf2Payload(0, 64)},
		{Time: at(20), Src: mnBB, Dst: cnDD, Nonce: mnN, LU: &synth.LU{Op: ilnp.LUAdvertisement, Format: wire.LUFormatRFC6743, Locators: []ilnp.L64{bb}}},
		{Time: at(25), Src: mnBB, Dst: cnDD, Nonce: mnN, LU: &synth.LU{Op: ilnp.LUAdvertisement, Format: wire.LUFormatRFC6743, Locators: []ilnp.L64{bb}}},
		{Time: at(26), Src: cnDD, Dst: mnBB, Nonce: cnN, LU: &synth.LU{Op: ilnp.LUAck, Format: wire.LUFormatRFC6743, Locators: []ilnp.L64{bb}}},
		{Time: at(27), Src: cnDD, Dst: mnBB, Nonce: cnN, LU: &synth.LU{Op: ilnp.LUAck, Format: wire.LUFormatRFC6743, Locators: []ilnp.L64{bb}}},
		// Not ILNP: counted, not judged, even with a broken checksum.
		{Time: at(30), Src: mnAA, Dst: cnDD, UDP: &layers.UDP{SrcPort: 53, DstPort: 53}, Payload: []byte("dns"), Checksum: synth.ChecksumCorrupt},
	}
}

func check(t *testing.T, pkts []synth.Packet, opts validate.Options) *validate.Report {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.pcap")
	if err := synth.WriteFile(path, capture.FormatPcap, capture.LinkTypeEthernet, pkts); err != nil {
		t.Fatal(err)
	}
	r, err := validate.CheckFile(path, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// withRule returns pkts with the checksum rule of their sender set to
// rule.
func withRule(pkts []synth.Packet, rule wire.ChecksumRule) []synth.Packet {
	out := append([]synth.Packet(nil), pkts...)
	for i := range out {
		out[i].Rule = rule
	}
	return out
}

// TestValidSessionRules checks the valid session sent under each rule
// against each rule: valid under its own, and under the other every TCP
// and UDP checksum (not the LUs') is a violation that names both rules.
func TestValidSessionRules(t *testing.T) {
	for _, tc := range []struct {
		sent, checked wire.ChecksumRule
		valid         bool
		verdict       validate.ChecksumVerdict // of the TCP and UDP packets
		text          string
	}{
		{wire.RuleIPv6, wire.RuleIPv6, true, validate.ChecksumGood, ""},
		{wire.RuleNID, wire.RuleNID, true, validate.ChecksumGood, ""},
		{wire.RuleNID, wire.RuleIPv6, false, validate.ChecksumNIDRule,
			"is valid under the nid rule (NIDs only, RFC 6740), not under the ipv6 rule (wire addresses, draft-bhatti-ilnp-tcp-udp-checksums) checked"},
		{wire.RuleIPv6, wire.RuleNID, false, validate.ChecksumWireRule,
			"is valid under the ipv6 rule (wire addresses, draft-bhatti-ilnp-tcp-udp-checksums), not under the nid rule (NIDs only, RFC 6740) checked"},
	} {
		t.Run(fmt.Sprintf("sent-%v/checked-%v", tc.sent, tc.checked), func(t *testing.T) {
			r := check(t, withRule(validSession(), tc.sent), validate.Options{Packets: true, ChecksumRule: tc.checked})
			if r.Valid() != tc.valid {
				t.Fatalf("valid %v, want %v: %+v", r.Valid(), tc.valid, r.Violations)
			}
			for _, p := range r.Packets {
				want := tc.verdict
				if p.Proto == "icmpv6" {
					want = validate.ChecksumGood
				}
				if p.Checksum != want {
					t.Errorf("frame %d (%s): checksum %v, want %v", p.Frame, p.Proto, p.Checksum, want)
				}
			}
			if tc.valid {
				if r.Checksums.Verified != 10 || r.Checksums.Rule != tc.checked {
					t.Errorf("checksums %+v", r.Checksums)
				}
				return
			}
			if r.ViolationCounts[validate.KindChecksumTCP] != 3 || r.ViolationCounts[validate.KindChecksumUDP] != 1 || len(r.Violations) != 4 {
				t.Errorf("violations %+v", r.Violations)
			}
			for _, v := range r.Violations {
				if !strings.Contains(v.Message, tc.text) {
					t.Errorf("message %q lacks %q", v.Message, tc.text)
				}
			}
			if r.Checksums.Verified != 6 {
				t.Errorf("checksums %+v, want the 6 LUs verified", r.Checksums)
			}
		})
	}
}

// TestMixedRules validates synth's mixed exchange (fragmented too) sent
// under each rule against each rule: valid under its own, and under the
// other a violation for every TCP and UDP packet, none for the LUs.
func TestMixedRules(t *testing.T) {
	const n = 2000
	for _, mtu := range []int{0, 1500} {
		for _, sent := range []wire.ChecksumRule{wire.RuleIPv6, wire.RuleNID} {
			for _, checked := range []wire.ChecksumRule{wire.RuleIPv6, wire.RuleNID} {
				t.Run(fmt.Sprintf("mtu%d/sent-%v/checked-%v", mtu, sent, checked), func(t *testing.T) {
					path := writeMixed(t, n, synth.MixedOptions{FragmentMTU: mtu, Rule: sent})
					r, err := validate.CheckFile(path, validate.Options{ChecksumRule: checked}, nil)
					if err != nil {
						t.Fatal(err)
					}
					if sent == checked {
						if !r.Valid() {
							t.Fatalf("violations %+v", r.Violations[:min(len(r.Violations), 3)])
						}
						return
					}
					// Every datagram is TCP or UDP (no LU in the first 50000
					// packets), one a packet or reassembled from fragments.
					tcpUDP := r.ViolationCounts[validate.KindChecksumTCP] + r.ViolationCounts[validate.KindChecksumUDP]
					if r.Checksums.Verified != 0 || tcpUDP == 0 || tcpUDP != len(r.Violations) ||
						tcpUDP != r.ILNP.Packets-r.ILNP.Fragments+r.Fragmentation.Reassembled {
						t.Errorf("%d TCP/UDP checksum violations of %d violations; ILNP %+v, checksums %+v, fragmentation %+v",
							tcpUDP, len(r.Violations), r.ILNP, r.Checksums, r.Fragmentation)
					}
				})
			}
		}
	}
}

// TestChecksumRules checks one packet's transport checksum, the sender's
// and the checker's rule in the first column: what the field holds
// (synth's mode, relative to that rule), the verdict, and the violation.
func TestChecksumRules(t *testing.T) {
	const (
		ipv6Text = "the ipv6 rule (wire addresses, draft-bhatti-ilnp-tcp-udp-checksums)"
		nidText  = "the nid rule (NIDs only, RFC 6740)"
	)
	tcpPkt := func(mode synth.ChecksumMode) synth.Packet {
		return synth.Packet{Time: at(0), Src: mnAA, Dst: cnDD, Nonce: mnN, TCP: tcp(9), Payload: []byte("x"), Checksum: mode}
	}
	udpPkt := func(mode synth.ChecksumMode) synth.Packet {
		return synth.Packet{Time: at(0), Src: mnAA, Dst: cnDD, Nonce: mnN, UDP: udp(), Payload: []byte("abc"), Checksum: mode}
	}
	luPkt := func(mode synth.ChecksumMode) synth.Packet { // a probe: unanswered, it is no violation
		return synth.Packet{Time: at(0), Src: mnAA, Dst: cnDD, Nonce: mnN, LU: probe(ilnp.LUProbe, 7, aa), Checksum: mode}
	}
	tests := []struct {
		rule    wire.ChecksumRule // the sender's and the checker's
		name    string
		pkt     synth.Packet
		strict  bool
		verdict validate.ChecksumVerdict
		kind    validate.Kind // "" for none
		text    string
		offload int
	}{
		{wire.RuleIPv6, "TCP valid", tcpPkt(synth.ChecksumValid), false, validate.ChecksumGood, "", "", 0},
		{wire.RuleNID, "TCP valid", tcpPkt(synth.ChecksumValid), false, validate.ChecksumGood, "", "", 0},
		{wire.RuleIPv6, "UDP valid", udpPkt(synth.ChecksumValid), false, validate.ChecksumGood, "", "", 0},
		{wire.RuleNID, "UDP valid", udpPkt(synth.ChecksumValid), false, validate.ChecksumGood, "", "", 0},

		{wire.RuleIPv6, "TCP under the other rule", tcpPkt(synth.ChecksumOtherRule), false, validate.ChecksumNIDRule,
			validate.KindChecksumTCP, "is valid under " + nidText + ", not under " + ipv6Text + " checked", 0},
		{wire.RuleNID, "TCP under the other rule", tcpPkt(synth.ChecksumOtherRule), false, validate.ChecksumWireRule,
			validate.KindChecksumTCP, "is valid under " + ipv6Text + ", not under " + nidText + " checked", 0},
		{wire.RuleIPv6, "UDP under the other rule", udpPkt(synth.ChecksumOtherRule), false, validate.ChecksumNIDRule,
			validate.KindChecksumUDP, "is valid under " + nidText + ", not under " + ipv6Text, 0},
		{wire.RuleNID, "UDP under the other rule", udpPkt(synth.ChecksumOtherRule), false, validate.ChecksumWireRule,
			validate.KindChecksumUDP, "is valid under " + ipv6Text + ", not under " + nidText, 0},

		{wire.RuleIPv6, "TCP corrupt", tcpPkt(synth.ChecksumCorrupt), false, validate.ChecksumBad,
			validate.KindChecksumTCP, "is wrong (want 0x", 0},
		{wire.RuleNID, "TCP corrupt", tcpPkt(synth.ChecksumCorrupt), false, validate.ChecksumBad,
			validate.KindChecksumTCP, "under " + nidText + ")", 0},
		{wire.RuleIPv6, "UDP corrupt", udpPkt(synth.ChecksumCorrupt), false, validate.ChecksumBad,
			validate.KindChecksumUDP, "under " + ipv6Text + ")", 0},
		{wire.RuleIPv6, "UDP zero", udpPkt(synth.ChecksumZero), false, validate.ChecksumZero,
			validate.KindChecksumUDP, "UDP checksum is zero", 0},
		{wire.RuleNID, "UDP zero", udpPkt(synth.ChecksumZero), false, validate.ChecksumZero,
			validate.KindChecksumUDP, "UDP checksum is zero", 0},

		// The offload seed of the rule checked is left to offload ...
		{wire.RuleIPv6, "UDP offload seed", udpPkt(synth.ChecksumPartial), false, validate.ChecksumPartialWire, "", "", 1},
		{wire.RuleNID, "UDP offload seed", udpPkt(synth.ChecksumPartial), false, validate.ChecksumPartialNID, "", "", 1},
		{wire.RuleIPv6, "TCP offload seed", tcpPkt(synth.ChecksumPartial), false, validate.ChecksumPartialWire, "", "", 1},
		{wire.RuleNID, "TCP offload seed", tcpPkt(synth.ChecksumPartial), false, validate.ChecksumPartialNID, "", "", 1},
		// ... or a violation with --strict-offload ...
		{wire.RuleIPv6, "UDP offload seed, strict", udpPkt(synth.ChecksumPartial), true, validate.ChecksumPartialWire,
			validate.KindChecksumUDP, "is the offload seed of " + ipv6Text + " left for offload, not a checksum (--strict-offload)", 1},
		{wire.RuleNID, "UDP offload seed, strict", udpPkt(synth.ChecksumPartial), true, validate.ChecksumPartialNID,
			validate.KindChecksumUDP, "is the offload seed of " + nidText + " left for offload, not a checksum (--strict-offload)", 1},
		// ... and the other rule's seed always a violation.
		{wire.RuleIPv6, "UDP offload seed of the other rule", udpPkt(synth.ChecksumPartialOtherRule), false, validate.ChecksumPartialNID,
			validate.KindChecksumUDP, "is the offload seed of " + nidText + ", not of " + ipv6Text + " checked: offload will complete it under the wrong pseudo-header", 0},
		{wire.RuleNID, "UDP offload seed of the other rule", udpPkt(synth.ChecksumPartialOtherRule), false, validate.ChecksumPartialWire,
			validate.KindChecksumUDP, "is the offload seed of " + ipv6Text + ", not of " + nidText + " checked", 0},
		{wire.RuleNID, "TCP offload seed of the other rule, strict", tcpPkt(synth.ChecksumPartialOtherRule), true, validate.ChecksumPartialWire,
			validate.KindChecksumTCP, "offload will complete it under the wrong pseudo-header", 0},

		// ICMPv6 is over the wire addresses under both rules.
		{wire.RuleIPv6, "LU under the other rule is the same", luPkt(synth.ChecksumOtherRule), false, validate.ChecksumGood, "", "", 0},
		{wire.RuleNID, "LU under the other rule is the same", luPkt(synth.ChecksumOtherRule), false, validate.ChecksumGood, "", "", 0},
		{wire.RuleIPv6, "LU corrupt", luPkt(synth.ChecksumCorrupt), false, validate.ChecksumBad,
			validate.KindChecksumICMPv6, "ICMPv6 checksum", 0},
		{wire.RuleNID, "LU corrupt", luPkt(synth.ChecksumCorrupt), false, validate.ChecksumBad,
			validate.KindChecksumICMPv6, "ICMPv6 checksum", 0},
	}
	for _, tc := range tests {
		t.Run(tc.rule.String()+"/"+tc.name, func(t *testing.T) {
			p := tc.pkt
			p.Rule = tc.rule
			r := check(t, []synth.Packet{p}, validate.Options{Packets: true, StrictOffload: tc.strict, ChecksumRule: tc.rule})
			if len(r.Packets) != 1 || r.Packets[0].Checksum != tc.verdict {
				t.Fatalf("packets %+v, want verdict %v", r.Packets, tc.verdict)
			}
			if r.Checksums.Offload != tc.offload || r.Checksums.Rule != tc.rule {
				t.Errorf("checksums %+v, want %d left to offload under %v", r.Checksums, tc.offload, tc.rule)
			}
			if tc.kind == "" {
				if !r.Valid() {
					t.Errorf("violations %+v", r.Violations)
				}
			} else {
				if len(r.Violations) != 1 || r.Violations[0].Kind != tc.kind {
					t.Fatalf("violations %+v, want one %v", r.Violations, tc.kind)
				}
				if m := r.Violations[0].Message; !strings.Contains(m, tc.text) {
					t.Errorf("message %q lacks %q", m, tc.text)
				} else if tc.kind == validate.KindChecksumICMPv6 && strings.Contains(m, "rule") {
					t.Errorf("ICMPv6 message %q names a rule", m)
				}
			}
			var text bytes.Buffer
			if err := r.WriteText(&text, validate.TextOptions{}); err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("checksums (%v rule): ", tc.rule)
			if tc.offload > 0 {
				want = fmt.Sprintf("%d left to offload (%v-rule seed, not verifiable)", tc.offload, tc.rule)
			}
			if !strings.Contains(text.String(), want) {
				t.Errorf("text report lacks %q:\n%s", want, text.String())
			}
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range []string{fmt.Sprintf(`"checksums":{"rule":"%v",`, tc.rule), fmt.Sprintf(`"checksum":"%v"`, tc.verdict)} {
				if !bytes.Contains(b, []byte(w)) {
					t.Errorf("JSON lacks %s", w)
				}
			}
		})
	}
}

func TestValidSession(t *testing.T) {
	r := check(t, validSession(), validate.Options{Packets: true})
	if !r.Valid() {
		var b bytes.Buffer
		r.WriteText(&b, validate.TextOptions{})
		t.Fatalf("valid session reported invalid:\n%s", b.String())
	}
	if r.Frames != 11 || r.ILNP.Packets != 10 || r.ILNP.TCP != 3 || r.ILNP.UDP != 1 || r.ILNP.ICMPv6 != 6 {
		t.Errorf("counts: frames %d, ILNP %+v", r.Frames, r.ILNP)
	}
	if r.ILNP.Nonce32 != 6 || r.ILNP.Nonce96 != 4 || r.Other.IPv6["udp"] != 1 {
		t.Errorf("nonce counts %+v, other %+v", r.ILNP, r.Other)
	}
	if r.Checksums.Verified != 10 || r.Checksums.Rule != wire.RuleIPv6 {
		t.Errorf("checksums %+v", r.Checksums)
	}
	if len(r.Sessions) != 1 || len(r.Sessions[0].Directions) != 2 {
		t.Fatalf("sessions %+v", r.Sessions)
	}
	for _, d := range r.Sessions[0].Directions {
		switch {
		case d.Src == mnNID && d.Dst == cnNID:
			if d.Nonce != mnN || d.Packets != 6 || len(d.SrcLocators) != 2 || d.SrcLocators[1] != bb {
				t.Errorf("MN->CN direction %+v", d)
			}
		case d.Src == cnNID && d.Dst == mnNID:
			if d.Nonce != cnN || d.Packets != 4 || len(d.DstLocators) != 2 {
				t.Errorf("CN->MN direction %+v", d)
			}
		default:
			t.Errorf("unexpected direction %+v", d)
		}
	}
	s := r.LUSummary
	if s.Advertisements != 3 || s.Acks != 3 || s.Answered != 2 || s.Retransmissions != 1 || s.DuplicateAcks != 1 || s.Unanswered != 0 {
		t.Errorf("LU summary %+v", s)
	}
	first := r.LocatorUpdates[0]
	if first.AckFrame != 4 || math.Abs(first.RTT-0.0025) > 1e-9 || first.Format != wire.LUFormatExtended || first.Code != 1 {
		t.Errorf("first LU %+v", first)
	}
	retx := r.LocatorUpdates[2]
	if retx.Format != wire.LUFormatRFC6743 || retx.AckFrame != 9 || retx.Retransmissions != 1 || math.Abs(retx.RTT-0.001) > 1e-9 {
		t.Errorf("RFC 6743 LU %+v (RTT counts from the retransmission)", retx)
	}
	if r.LocatorUpdates[5].AnswersFrame != 7 || !r.LocatorUpdates[5].Duplicate {
		t.Errorf("duplicate ack %+v", r.LocatorUpdates[5])
	}
	if len(r.Packets) != 10 || r.Packets[2].LUOperation != ilnp.LUAdvertisement || len(r.Packets[2].Locators) != 2 {
		t.Errorf("packet records %+v", r.Packets)
	}

	var text bytes.Buffer
	if err := r.WriteText(&text, validate.TextOptions{Packets: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"VALID", "checksums (ipv6 rule): 10 verified", "11223344 (32-bit)", "a1a2a3a4a5a6a7a8a9aaabac (96-bit)", "ack 4, RTT 2.500 ms", "duplicate ack of 7", "2001:2:aa:aa|2001:2:bb:bb"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"nonce":"11223344"`, `"locator":"2001:2:bb:bb"`, `"format":"rfc6743"`, `"operation":"ack"`, `"checksum":"good"`, `"checksums":{"rule":"ipv6","verified":10,`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("JSON lacks %s", want)
		}
	}
}

// TestViolations adds one bad packet (or leaves one out) at a time to the
// valid session and expects exactly the violations named.
func TestViolations(t *testing.T) {
	n32 := []byte{ilnp.OptTypeNonce, 4, 0x11, 0x22, 0x33, 0x44}
	hdr := func(opts ...byte) []byte { // next header filled in by synth
		b := append([]byte{0, 0}, opts...)
		b[1] = byte(len(b)/8 - 1)
		return b
	}
	base := validSession()
	tests := []struct {
		name  string
		edit  func([]synth.Packet) []synth.Packet
		opts  validate.Options
		want  []validate.Kind
		frame int // frame of the first violation
		text  string
	}{
		{
			name: "nonce length 5",
			edit: appendPkt(synth.Packet{Time: at(40), Src: mnAA, Dst: cnDD, TCP: tcp(9),
				DestOpts: hdr(ilnp.OptTypeNonce, 5, 1, 2, 3, 4, 5, 0, 1, 4, 0, 0, 0, 0)}),
			want: []validate.Kind{validate.KindNonceOption}, frame: 12, text: "option data length 5",
		},
		{
			name: "two nonce options",
			edit: appendPkt(synth.Packet{Time: at(40), Src: mnAA, Dst: cnDD, TCP: tcp(9),
				DestOpts: hdr(append(append([]byte{}, n32...), append(n32, 1, 0)...)...)}),
			want: []validate.Kind{validate.KindNonceOption}, frame: 12, text: "more than one nonce",
		},
		{
			name: "PadN not zero",
			edit: appendPkt(synth.Packet{Time: at(40), Src: mnAA, Dst: cnDD, TCP: tcp(9),
				DestOpts: hdr(append(append([]byte{0x1e, 0}, n32...), 1, 4, 0, 7, 0, 0)...)}),
			want: []validate.Kind{validate.KindNonceOption}, frame: 12, text: "non-zero",
		},
		{
			name: "padding longer than 7",
			edit: appendPkt(synth.Packet{Time: at(40), Src: mnAA, Dst: cnDD, TCP: tcp(9),
				DestOpts: hdr(append(append([]byte{}, n32...), 0, 0, 1, 4, 0, 0, 0, 0)...)}),
			want: []validate.Kind{validate.KindNonceOption}, frame: 12, text: "8 consecutive padding octets",
		},
		{
			name: "nonce changes",
			edit: appendPkt(synth.Packet{Time: at(40), Src: mnBB, Dst: cnDD, Nonce: ilnp.Nonce32(0x99), TCP: tcp(9)}),
			want: []validate.Kind{validate.KindNonceChanged}, frame: 12, text: "nonce 00000099 in direction d250:99ff:fed1:5a0c -> 0:0:0:c differs from 11223344 first seen in frame 1",
		},
		{
			name: "ICMPv6 checksum of an LU",
			edit: appendPkt(synth.Packet{Time: at(40), Src: mnAA, Dst: cnDD, Nonce: mnN, LU: lu(ilnp.LUAdvertisement, aa), Checksum: synth.ChecksumCorrupt}),
			want: []validate.Kind{validate.KindChecksumICMPv6}, frame: 12, text: "ICMPv6 checksum",
		},
		{
			name: "LU operation 5",
			edit: appendPkt(synth.Packet{Time: at(40), Src: mnAA, Dst: cnDD, Nonce: mnN, LU: lu(5, aa)}),
			want: []validate.Kind{validate.KindLUMalformed}, frame: 12, text: "Operation 5",
		},
		{
			name: "LU operation 0",
			edit: appendPkt(synth.Packet{Time: at(40), Src: mnAA, Dst: cnDD, Nonce: mnN, LU: lu(0, aa)}),
			want: []validate.Kind{validate.KindLUMalformed}, frame: 12, text: "Operation 0",
		},
		{
			name: "unanswered probe is fine",
			edit: appendPkt(synth.Packet{Time: at(40), Src: cnDD, Dst: mnBB, Nonce: cnN, LU: probe(ilnp.LUProbe, 7, aa, bb)}),
		},
		{
			name: "probe of code 1",
			edit: appendPkt(synth.Packet{Time: at(40), Src: cnDD, Dst: mnBB, Nonce: cnN,
				LU: &synth.LU{Op: ilnp.LUProbe, Code: ilnp.LUCodeReplaceSoft, Challenge: 7}}),
			want: []validate.Kind{validate.KindLUMalformed}, frame: 12, text: "probe: Code 1, want 0",
		},
		{
			name: "probe reply of code 2",
			edit: appendPkt(synth.Packet{Time: at(40), Src: cnDD, Dst: mnBB, Nonce: cnN,
				LU: &synth.LU{Op: ilnp.LUProbeReply, Code: 2, Challenge: 7}}),
			want: []validate.Kind{validate.KindLUMalformed}, frame: 12, text: "probe-reply: Code 2, want 0",
		},
		{
			name: "probe of challenge 0",
			edit: appendPkt(synth.Packet{Time: at(40), Src: cnDD, Dst: mnBB, Nonce: cnN, LU: probe(ilnp.LUProbe, 0, bb)}),
			want: []validate.Kind{validate.KindLUMalformed}, frame: 12, text: "Challenge 0",
		},
		{
			name: "probe of 9 locators",
			edit: appendPkt(synth.Packet{Time: at(40), Src: cnDD, Dst: mnBB, Nonce: cnN, LU: probe(ilnp.LUProbe, 7, aa, bb, 3, 4, 5, 6, 7, 8, 9)}),
			want: []validate.Kind{validate.KindLUMalformed}, frame: 12, text: "Num of Locs 9 for 9 records, want 0 to 8",
		},
		{
			name: "advertisement of 9 locators",
			edit: appendPkt(synth.Packet{Time: at(40), Src: mnAA, Dst: cnDD, Nonce: mnN, LU: lu(ilnp.LUAdvertisement, aa, bb, 3, 4, 5, 6, 7, 8, 9)}),
			want: []validate.Kind{validate.KindLUMalformed}, frame: 12, text: "advertisement: Num of Locs 9 for 9 records, want 1 to 8",
		},
		{
			name: "probe cut in its challenge",
			edit: appendPkt(synth.Packet{Time: at(40), Src: cnDD, Dst: mnBB, Nonce: cnN,
				Raw: icmpv6(t, cnDD, mnBB, cnN, []byte{0, byte(ilnp.LUProbe), 0, 0, 1, 2, 3})}),
			want: []validate.Kind{validate.KindLUMalformed}, frame: 12, text: "need at least 12 for the challenge",
		},
		{
			name: "probe without nonce",
			edit: appendPkt(synth.Packet{Time: at(40), Src: cnDD, Dst: mnBB, LU: probe(ilnp.LUProbe, 7, bb)}),
			want: []validate.Kind{validate.KindLUNoNonce}, frame: 12,
		},
		{
			name: "probe reply without a probe",
			edit: appendPkt(synth.Packet{Time: at(40), Src: mnBB, Dst: cnDD, Nonce: mnN, LU: probe(ilnp.LUProbeReply, 7, aa, bb)}),
			want: []validate.Kind{validate.KindProbeReplyUnsolicited}, frame: 12,
			text: "probe reply d250:99ff:fed1:5a0c -> 0:0:0:c (challenge 0000000000000007, 2001:2:aa:aa, 2001:2:bb:bb) answers no probe",
		},
		{
			name: "probe reply with another challenge",
			edit: appendPkt(
				synth.Packet{Time: at(40), Src: cnDD, Dst: mnBB, Nonce: cnN, LU: probe(ilnp.LUProbe, 7, aa, bb)},
				synth.Packet{Time: at(41), Src: mnBB, Dst: cnDD, Nonce: mnN, LU: probe(ilnp.LUProbeReply, 8, aa, bb)}),
			want: []validate.Kind{validate.KindProbeReplyUnsolicited}, frame: 13, text: "answers no probe",
		},
		{
			name: "probe reply in the probe's own direction",
			edit: appendPkt(
				synth.Packet{Time: at(40), Src: cnDD, Dst: mnBB, Nonce: cnN, LU: probe(ilnp.LUProbe, 7, aa, bb)},
				synth.Packet{Time: at(41), Src: cnDD, Dst: mnBB, Nonce: cnN, LU: probe(ilnp.LUProbeReply, 7, aa, bb)}),
			want: []validate.Kind{validate.KindProbeReplyUnsolicited}, frame: 13, text: "answers no probe",
		},
		{
			name: "probe reply with other locators",
			edit: appendPkt(
				synth.Packet{Time: at(40), Src: cnDD, Dst: mnBB, Nonce: cnN, LU: probe(ilnp.LUProbe, 7, aa, bb)},
				synth.Packet{Time: at(41), Src: mnBB, Dst: cnDD, Nonce: mnN, LU: probe(ilnp.LUProbeReply, 7, bb)}),
			want: []validate.Kind{validate.KindProbeReplyMismatch}, frame: 13,
			text: "echoes 2001:2:bb:bb, the probe in frame 12 went to 2001:2:bb:bb:d250:99ff:fed1:5a0c listing 2001:2:aa:aa, 2001:2:bb:bb",
		},
		{
			name: "probe reply from another address",
			edit: appendPkt(
				synth.Packet{Time: at(40), Src: cnDD, Dst: mnBB, Nonce: cnN, LU: probe(ilnp.LUProbe, 7)},
				synth.Packet{Time: at(41), Src: mnAA, Dst: cnDD, Nonce: mnN, LU: probe(ilnp.LUProbeReply, 7)}),
			want: []validate.Kind{validate.KindProbeReplyMismatch}, frame: 13,
			text: "probe reply from 2001:2:aa:aa:d250:99ff:fed1:5a0c (challenge 0000000000000007) echoes no locators, the probe in frame 12 went to 2001:2:bb:bb:d250:99ff:fed1:5a0c",
		},
		{
			name: "probe reply with a bad checksum takes no part",
			edit: appendPkt(synth.Packet{Time: at(40), Src: mnBB, Dst: cnDD, Nonce: mnN, LU: probe(ilnp.LUProbeReply, 7), Checksum: synth.ChecksumCorrupt}),
			want: []validate.Kind{validate.KindChecksumICMPv6}, frame: 12, text: "ICMPv6 checksum",
		},
		{
			name: "LU code 2",
			edit: appendPkt(synth.Packet{Time: at(40), Src: mnAA, Dst: cnDD, Nonce: mnN, LU: &synth.LU{Op: ilnp.LUAck, Code: 2, Locators: []ilnp.L64{aa}}}),
			want: []validate.Kind{validate.KindLUMalformed}, frame: 12, text: "Code 2",
		},
		{
			name: "LU length does not match Num of Locs",
			edit: appendPkt(synth.Packet{Time: at(40), Src: mnAA, Dst: cnDD, Nonce: mnN, LU: lu(ilnp.LUAdvertisement, aa), Payload: []byte{1, 2, 3, 4}}),
			want: []validate.Kind{validate.KindLUMalformed}, frame: 12, text: "does not match Num of Locs",
		},
		{
			name: "LU without nonce",
			edit: appendPkt(synth.Packet{Time: at(40), Src: mnAA, Dst: cnDD, LU: lu(ilnp.LUAdvertisement, aa)}),
			want: []validate.Kind{validate.KindLUNoNonce}, frame: 12,
		},
		{
			name: "LU without ack",
			edit: func(p []synth.Packet) []synth.Packet { return append(p[:3:3], p[4:]...) },
			want: []validate.Kind{validate.KindLUUnanswered}, frame: 3, text: "(2001:2:aa:aa, 2001:2:bb:bb) was never acknowledged",
		},
		{
			name: "LU-ack with other locators",
			edit: func(p []synth.Packet) []synth.Packet {
				p = append([]synth.Packet(nil), p...)
				p[3].LU = lu(ilnp.LUAck, bb)
				return p
			},
			want: []validate.Kind{validate.KindLUUnanswered, validate.KindLUAckMismatch}, frame: 3, text: "LU-ack lists 2001:2:bb:bb, the outstanding LU in frame 3 lists 2001:2:aa:aa, 2001:2:bb:bb",
		},
		{
			name: "unsolicited LU-ack",
			edit: appendPkt(synth.Packet{Time: at(40), Src: cnDD, Dst: mnAA, Nonce: cnN, LU: lu(ilnp.LUAck, aa)}),
			want: []validate.Kind{validate.KindLUAckUnsolicited}, frame: 12, text: "answers no LU",
		},
		{
			// The placement of older senders, here in an atomic fragment.
			name: "nonce header followed by a fragment header is fine",
			edit: appendPkt(insertHeader(t, synth.Packet{Time: at(40), Src: mnAA, Dst: cnDD, Nonce: mnN, UDP: udp(), Payload: []byte("x")},
				44, []byte{0, 0, 0, 0, 0, 0, 0, 1})),
		},
		{
			name: "nonce header followed by a routing header",
			edit: appendPkt(insertHeader(t, synth.Packet{Time: at(40), Src: mnAA, Dst: cnDD, Nonce: mnN, UDP: udp(), Payload: []byte("x")},
				43, []byte{0, 0, 0, 0, 0, 0, 0, 0})),
			want: []validate.Kind{validate.KindNoncePlacement}, frame: 12, text: "followed by another extension header (IPv6Routing)",
		},
		{
			name: "nonce in the outer of two destination options headers",
			edit: appendPkt(insertHeader(t, synth.Packet{Time: at(40), Src: mnAA, Dst: cnDD, Nonce: mnN, UDP: udp(), Payload: []byte("x")},
				60, []byte{0, 0, 1, 4, 0, 0, 0, 0})),
			want: []validate.Kind{validate.KindNoncePlacement}, frame: 12, text: "not in the one before the upper layer",
		},
		{
			name: "destination options that cannot be walked",
			edit: appendPkt(synth.Packet{Time: at(40), Src: mnAA, Dst: cnDD, TCP: tcp(9),
				DestOpts: []byte{0, 0, ilnp.OptTypeNonce, 12, 1, 2, 3, 4}}),
			want: []validate.Kind{validate.KindMalformed}, frame: 12, text: "runs past the header end",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := check(t, tc.edit(base), tc.opts)
			var got []validate.Kind
			for _, v := range r.Violations {
				got = append(got, v.Kind)
			}
			if !equalKinds(got, tc.want) {
				t.Fatalf("violations %v, want %v: %+v", got, tc.want, r.Violations)
			}
			if len(tc.want) == 0 {
				if !r.Valid() {
					t.Errorf("report not valid")
				}
				return
			}
			v := r.Violations[0]
			if v.Frame != tc.frame {
				t.Errorf("first violation at frame %d, want %d: %+v", v.Frame, tc.frame, v)
			}
			var all strings.Builder
			for _, v := range r.Violations {
				all.WriteString(v.Message + "\n")
			}
			if !strings.Contains(all.String(), tc.text) {
				t.Errorf("messages %q lack %q", all.String(), tc.text)
			}
			if r.Valid() {
				t.Errorf("report valid with violations")
			}
		})
	}
}

// insertHeader builds p and inserts an extension header of type typ
// (its Next Header octet filled in) after the Destination Options header.
func insertHeader(t *testing.T, p synth.Packet, typ byte, hdr []byte) synth.Packet {
	t.Helper()
	b, err := p.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	dlen := int(b[41])*8 + 8
	hdr = append([]byte{b[40]}, hdr[1:]...) // the upper layer follows it
	b[40] = typ
	raw := append(append(append([]byte(nil), b[:40+dlen]...), hdr...), b[40+dlen:]...)
	binary.BigEndian.PutUint16(raw[4:6], uint16(len(raw)-40))
	return synth.Packet{Time: p.Time, Raw: raw}
}

// icmpv6 is an ILNP packet of an ICMPv6 Locator Update message (code 0)
// whose body is body as it is, with a good checksum.
func icmpv6(t *testing.T, src, dst ilnp.ILV, n ilnp.Nonce, body []byte) []byte {
	t.Helper()
	s, d := src.As16(), dst.As16()
	ip6 := &layers.IPv6{Version: 6, NextHeader: layers.IPProtocolIPv6Destination, HopLimit: 64, SrcIP: s[:], DstIP: d[:]}
	opts := &wire.DestOpts{NextHeader: layers.IPProtocolICMPv6, Nonce: n}
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(ilnp.ICMPv6TypeLocatorUpdate, 0)}
	if err := icmp.SetNetworkLayerForChecksum(ip6); err != nil {
		t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip6, opts, icmp, gopacket.Payload(body)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func appendPkt(ps ...synth.Packet) func([]synth.Packet) []synth.Packet {
	return func(base []synth.Packet) []synth.Packet { return append(append([]synth.Packet(nil), base...), ps...) }
}

func equalKinds(a, b []validate.Kind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSnaplen: frames cut by the snap length are counted, not judged.
func TestSnaplen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "snap.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := synth.NewWriter(f, capture.FormatPcapNG, capture.LinkTypeLinuxSLL2)
	if err != nil {
		t.Fatal(err)
	}
	w.Snaplen = 100
	for i, p := range validSession()[:2] {
		p.Payload = make([]byte, 500)
		b, err := p.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WritePacket(at(float64(i)), b, i == 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r, err := validate.CheckFile(path, validate.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Valid() || r.Checksums.Truncated != 2 || r.ILNP.Packets != 2 || r.LinkTypes[0] != capture.LinkTypeLinuxSLL2 {
		t.Errorf("snaplen report: valid %v %+v %+v %v", r.Valid(), r.Violations, r.Checksums, r.LinkTypes)
	}
}

func TestUnreadableFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.pcap")
	if err := synth.WriteFile(good, capture.FormatPcap, capture.LinkTypeEthernet, validSession()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.pcap")
	if err := os.WriteFile(cut, data[:len(data)-10], 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := validate.CheckFile(cut, validate.Options{}, nil)
	if !errors.Is(err, capture.ErrTruncated) || r == nil || r.Valid() || r.Frames != 10 {
		t.Errorf("truncated file: err %v, report %+v", err, r)
	}
	if _, err := validate.CheckFile(filepath.Join(dir, "missing.pcap"), validate.Options{}, nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestProbes: return-routability probes and replies pair by direction,
// challenge, echoed locators and address; they are counted apart from
// the LUs, and an unanswered probe is no violation.
func TestProbes(t *testing.T) {
	pkts := append(validSession(),
		// CN confirms MN's new set at bb, sends again, hears twice.
		synth.Packet{Time: at(40), Src: cnDD, Dst: mnBB, Nonce: cnN, LU: probe(ilnp.LUProbe, 0x1111, aa, bb)},      // 12
		synth.Packet{Time: at(41), Src: cnDD, Dst: mnBB, Nonce: cnN, LU: probe(ilnp.LUProbe, 0x1111, aa, bb)},      // 13
		synth.Packet{Time: at(42), Src: mnBB, Dst: cnDD, Nonce: mnN, LU: probe(ilnp.LUProbeReply, 0x1111, bb, aa)}, // 14
		synth.Packet{Time: at(43), Src: mnBB, Dst: cnDD, Nonce: mnN, LU: probe(ilnp.LUProbeReply, 0x1111, aa, bb)}, // 15
		// MN has CN prove its nonce: no records.
		synth.Packet{Time: at(50), Src: mnAA, Dst: cnDD, Nonce: mnN, LU: probe(ilnp.LUProbe, 0xfedcba9876543210)},      // 16
		synth.Packet{Time: at(53), Src: cnDD, Dst: mnAA, Nonce: cnN, LU: probe(ilnp.LUProbeReply, 0xfedcba9876543210)}, // 17
		// A probe nobody answers (a forged LU's, say).
		synth.Packet{Time: at(60), Src: cnDD, Dst: mnAA, Nonce: cnN, LU: probe(ilnp.LUProbe, 0x2222, aa)}, // 18
	)
	r := check(t, pkts, validate.Options{Packets: true})
	if !r.Valid() {
		t.Fatalf("violations %+v", r.Violations)
	}
	if s := r.LUSummary; s.Advertisements != 3 || s.Acks != 3 || s.Answered != 2 || s.Unanswered != 0 {
		t.Errorf("LU summary counts probes: %+v", s)
	}
	want := validate.ProbeSummary{Probes: 4, Replies: 3, Retransmissions: 1, DuplicateReplies: 1, Answered: 2, Unanswered: 1,
		RTTMin: 0.001, RTTMedian: 0.002, RTTMax: 0.003}
	got := r.ProbeSummary
	if got.Probes != want.Probes || got.Replies != want.Replies || got.Retransmissions != want.Retransmissions ||
		got.DuplicateReplies != want.DuplicateReplies || got.Answered != want.Answered || got.Unanswered != want.Unanswered ||
		math.Abs(got.RTTMin-want.RTTMin) > 1e-9 || math.Abs(got.RTTMedian-want.RTTMedian) > 1e-9 || math.Abs(got.RTTMax-want.RTTMax) > 1e-9 {
		t.Errorf("probe summary %+v, want %+v", got, want)
	}
	evs := r.LocatorUpdates
	if len(evs) != 13 {
		t.Fatalf("%d LU events, want 13", len(evs))
	}
	first, retx, reply, dup, verify, verified, lone := evs[6], evs[7], evs[8], evs[9], evs[10], evs[11], evs[12]
	if first.Operation != ilnp.LUProbe || first.Challenge == nil || *first.Challenge != 0x1111 || first.ReplyFrame != 14 ||
		first.Retransmissions != 1 || math.Abs(first.RTT-0.001) > 1e-9 || first.AckFrame != 0 {
		t.Errorf("first probe %+v (RTT counts from the retransmission)", first)
	}
	if retx.RetransmissionOf != 12 {
		t.Errorf("retransmitted probe %+v", retx)
	}
	if reply.Operation != ilnp.LUProbeReply || reply.AnswersFrame != 12 || reply.Duplicate {
		t.Errorf("reply %+v", reply)
	}
	if dup.AnswersFrame != 12 || !dup.Duplicate {
		t.Errorf("duplicate reply %+v", dup)
	}
	if verify.ReplyFrame != 17 || len(verify.Locators) != 0 || verified.AnswersFrame != 16 || math.Abs(verify.RTT-0.003) > 1e-9 {
		t.Errorf("nonce probe %+v, reply %+v", verify, verified)
	}
	if lone.ReplyFrame != 0 || lone.AnswersFrame != 0 {
		t.Errorf("unanswered probe %+v", lone)
	}
	if evs[0].Challenge != nil {
		t.Errorf("advertisement with a challenge: %+v", evs[0])
	}
	if p := r.Packets[11]; p.LUOperation != ilnp.LUProbe || len(p.Locators) != 2 {
		t.Errorf("packet record of the probe %+v", p)
	}

	var text bytes.Buffer
	if err := r.WriteText(&text, validate.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		"locator updates: 3 advertisements (2 answered, 1 retransmissions), 3 acks (1 duplicate)",
		"probes: 4 (2 answered, 1 unanswered, 1 retransmissions), 3 replies (1 duplicate); RTT min 1.000 ms, median 2.000 ms, max 3.000 ms",
		"0000000000001111", "fedcba9876543210", "reply 14, RTT 1.000 ms, 1 retransmissions", "duplicate reply to 12",
		"answers 16", "retransmission of 12", "no locators", "VALID",
	} {
		if !strings.Contains(text.String(), w) {
			t.Errorf("text report lacks %q:\n%s", w, text.String())
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"operation":"probe"`, `"operation":"probe-reply"`, `"challenge":"fedcba9876543210"`, `"reply_frame":14`,
		`"probe_summary":{"probes":4,"replies":3,"retransmissions":1,"duplicate_replies":1,"answered":2,"unanswered":1,`} {
		if !bytes.Contains(b, []byte(w)) {
			t.Errorf("JSON lacks %s", w)
		}
	}
	if bytes.Contains(b, []byte(`"challenge":null`)) || bytes.Contains(b, []byte(`"locators":null`)) || !bytes.Contains(b, []byte(`"locators":[],`)) {
		t.Errorf("JSON has a null challenge or locators, or no empty locator list")
	}
	var back struct {
		LocatorUpdates []struct {
			Operation ilnp.LUOp
			Challenge *ilnp.Challenge
		} `json:"locator_updates"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if e := back.LocatorUpdates[10]; e.Challenge == nil || *e.Challenge != 0xfedcba9876543210 || e.Operation != ilnp.LUProbe {
		t.Errorf("JSON round trip of the probe: %+v", e)
	}
}
