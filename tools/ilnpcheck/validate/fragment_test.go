package validate_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/decode"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/synth"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/validate"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

// fragMTU splits the 3016-octet datagrams of fragmented into three
// fragments: 1232 + 1232 + 552 octets of the fragmentable part with the
// nonce after the fragment header, 1224 + 1224 + 560 with it before.
const fragMTU = 1280

// fragmented returns the fragments of an iperf2 UDP datagram of 3000
// octets from the MN to the CN, the nonce placed as pl, all at ms (plus
// 0.1 ms per fragment), its checksum as mode has it under rule.
func fragmented(t *testing.T, ms float64, seq int32, id uint32, pl synth.Placement, rule wire.ChecksumRule, mode synth.ChecksumMode) []synth.Packet {
	t.Helper()
	p := synth.Packet{Time: at(ms), Src: mnAA, Dst: cnDD, Nonce: mnN, UDP: udp(), Payload: synth.Iperf2Payload(seq, 3000), Rule: rule, Checksum: mode}
	frags, err := p.Fragments(fragMTU, id, pl)
	if err != nil {
		t.Fatal(err)
	}
	if len(frags) != 3 {
		t.Fatalf("%d fragments, want 3", len(frags))
	}
	for i := range frags {
		frags[i].Time = at(ms + 0.1*float64(i))
	}
	return frags
}

// pick returns the packets of ps at the indexes given, in that order.
func pick(ps []synth.Packet, idx ...int) []synth.Packet {
	out := make([]synth.Packet, len(idx))
	for i, j := range idx {
		out[i] = ps[j]
	}
	return out
}

func retime(ps []synth.Packet, ms float64) []synth.Packet {
	for i := range ps {
		ps[i].Time = at(ms + 0.1*float64(i))
	}
	return ps
}

func TestFragments(t *testing.T) {
	after := fragmented(t, 0, 1, 7, synth.NonceAfterFragment, wire.RuleIPv6, synth.ChecksumValid)
	before := fragmented(t, 0, 1, 7, synth.NonceBeforeFragment, wire.RuleIPv6, synth.ChecksumValid)
	whole := synth.Packet{Time: at(10), Src: mnAA, Dst: cnDD, Nonce: mnN, UDP: udp(), Payload: synth.Iperf2Payload(2, 100)}
	// Options besides the nonce, in front of the fragment header.
	n32 := []byte{ilnp.OptTypeNonce, 4, 0x11, 0x22, 0x33, 0x44}
	otherOpt := synth.Packet{Time: at(0), Src: mnAA, Dst: cnDD, UDP: udp(), Payload: synth.Iperf2Payload(1, 3000),
		DestOpts: append(append([]byte{0, 1}, n32...), 0x1e, 0, 1, 4, 0, 0, 0, 0)}
	otherFrags, err := otherOpt.Fragments(fragMTU, 9, synth.NonceBeforeFragment)
	if err != nil {
		t.Fatal(err)
	}
	plain := synth.Packet{Time: at(0), Src: mnAA, Dst: cnDD, UDP: udp(), Payload: synth.Iperf2Payload(1, 3000)}
	plainFrags, err := plain.Fragments(fragMTU, 11, synth.NonceAfterFragment)
	if err != nil {
		t.Fatal(err)
	}
	dup := append(pick(after, 0, 1, 1, 2), whole)
	tests := []struct {
		name  string
		pkts  []synth.Packet
		opts  validate.Options
		want  []validate.Kind
		frame int    // of the first violation
		text  string // in the violations' messages
		check func(t *testing.T, r *validate.Report)
	}{
		{
			name: "nonce after the fragment header",
			pkts: append(append([]synth.Packet(nil), after...), whole),
			check: func(t *testing.T, r *validate.Report) {
				wantILNP(t, r, validate.ILNPSummary{Packets: 4, UDP: 4, Fragments: 3, Nonce32: 2})
				wantFrag(t, r, validate.FragmentSummary{Datagrams: 1, Reassembled: 1})
				wantChecksums(t, r, 2)
				wantDirection(t, r, 4, 1)
			},
		},
		{
			name: "nonce before the fragment header (older senders)",
			pkts: append(append([]synth.Packet(nil), before...), whole),
			check: func(t *testing.T, r *validate.Report) {
				wantILNP(t, r, validate.ILNPSummary{Packets: 4, UDP: 4, Fragments: 3, Nonce32: 4})
				wantFrag(t, r, validate.FragmentSummary{Datagrams: 1, Reassembled: 1, NonceBeforeFragment: 3})
				wantChecksums(t, r, 2)
				wantDirection(t, r, 4, 1)
			},
		},
		{
			name: "later fragments before the first",
			pkts: append(retime(pick(after, 2, 1, 0), 0), whole),
			check: func(t *testing.T, r *validate.Report) {
				wantILNP(t, r, validate.ILNPSummary{Packets: 4, UDP: 4, Fragments: 3, Nonce32: 2})
				wantFrag(t, r, validate.FragmentSummary{Datagrams: 1, Reassembled: 1})
				wantChecksums(t, r, 2)
				wantDirection(t, r, 4, 1)
			},
		},
		{
			name: "first fragment missing",
			pkts: append(pick(after, 1, 2), whole),
			check: func(t *testing.T, r *validate.Report) {
				wantILNP(t, r, validate.ILNPSummary{Packets: 1, UDP: 1, Nonce32: 1})
				wantFrag(t, r, validate.FragmentSummary{Unattributed: 2})
				wantChecksums(t, r, 1)
				wantDirection(t, r, 1, 3)
			},
		},
		{
			name: "first fragment missing, nonce before the fragment header",
			pkts: append(pick(before, 1, 2), whole),
			check: func(t *testing.T, r *validate.Report) {
				// Still ILNP packets of the session, by their own nonce.
				wantILNP(t, r, validate.ILNPSummary{Packets: 3, UDP: 3, Fragments: 2, Nonce32: 3})
				wantFrag(t, r, validate.FragmentSummary{Unattributed: 2, NonceBeforeFragment: 2})
				wantChecksums(t, r, 1)
				wantDirection(t, r, 3, 1)
			},
		},
		{
			name: "middle fragment missing",
			pkts: append(pick(after, 0, 2), whole),
			check: func(t *testing.T, r *validate.Report) {
				wantILNP(t, r, validate.ILNPSummary{Packets: 3, UDP: 3, Fragments: 2, Nonce32: 2})
				wantFrag(t, r, validate.FragmentSummary{Datagrams: 1, Incomplete: 1})
				wantChecksums(t, r, 1)
			},
		},
		{
			name: "duplicate fragment",
			pkts: dup,
			check: func(t *testing.T, r *validate.Report) {
				wantFrag(t, r, validate.FragmentSummary{Datagrams: 1, Reassembled: 1})
				wantChecksums(t, r, 2)
				wantDirection(t, r, 5, 1)
			},
		},
		{
			name:  "bad reassembled checksum",
			pkts:  append(fragmented(t, 0, 1, 7, synth.NonceAfterFragment, wire.RuleIPv6, synth.ChecksumCorrupt), whole),
			want:  []validate.Kind{validate.KindChecksumUDP},
			frame: 1, text: "is wrong (want 0x",
			check: func(t *testing.T, r *validate.Report) {
				if m := r.Violations[0].Message; !strings.Contains(m, "(datagram reassembled from frames 1, 2, 3)") {
					t.Errorf("message %q does not name the fragments", m)
				}
				wantFrag(t, r, validate.FragmentSummary{Datagrams: 1, Reassembled: 1})
				wantChecksums(t, r, 1)
			},
		},
		{
			name:  "reassembled checksum under the nid rule, ipv6 checked, nonce before",
			pkts:  retime(pick(fragmented(t, 0, 1, 7, synth.NonceBeforeFragment, wire.RuleNID, synth.ChecksumValid), 1, 2, 0), 0),
			want:  []validate.Kind{validate.KindChecksumUDP},
			frame: 3, text: "is valid under the nid rule (NIDs only, RFC 6740), not under the ipv6 rule (wire addresses, draft-bhatti-ilnp-tcp-udp-checksums) checked (datagram reassembled from frames 1, 2, 3)",
		},
		{
			name:  "reassembled checksum under the ipv6 rule, nid checked, nonce before",
			pkts:  retime(pick(fragmented(t, 0, 1, 7, synth.NonceBeforeFragment, wire.RuleIPv6, synth.ChecksumValid), 1, 2, 0), 0),
			opts:  validate.Options{ChecksumRule: wire.RuleNID},
			want:  []validate.Kind{validate.KindChecksumUDP},
			frame: 3, text: "is valid under the ipv6 rule (wire addresses, draft-bhatti-ilnp-tcp-udp-checksums), not under the nid rule (NIDs only, RFC 6740) checked (datagram reassembled from frames 1, 2, 3)",
		},
		{
			name: "reassembled checksum under the nid rule, nid checked",
			pkts: fragmented(t, 0, 1, 7, synth.NonceAfterFragment, wire.RuleNID, synth.ChecksumValid),
			opts: validate.Options{ChecksumRule: wire.RuleNID},
			check: func(t *testing.T, r *validate.Report) {
				wantFrag(t, r, validate.FragmentSummary{Datagrams: 1, Reassembled: 1})
				wantChecksums(t, r, 1)
			},
		},
		{
			name: "reassembled offload seed of the nid rule, nid checked",
			pkts: fragmented(t, 0, 1, 7, synth.NonceAfterFragment, wire.RuleNID, synth.ChecksumPartial),
			opts: validate.Options{ChecksumRule: wire.RuleNID},
			check: func(t *testing.T, r *validate.Report) {
				if r.Checksums.Offload != 1 || r.Checksums.Verified != 0 {
					t.Errorf("checksums %+v, want 1 left to offload", r.Checksums)
				}
			},
		},
		{
			name:  "overlapping fragments",
			pkts:  append(append([]synth.Packet(nil), after[:2]...), overlap(t, after[1]), after[2]),
			want:  []validate.Kind{validate.KindMalformed},
			frame: 1, text: "overlaps another fragment (RFC 5722)",
			check: func(t *testing.T, r *validate.Report) {
				wantFrag(t, r, validate.FragmentSummary{Datagrams: 1})
				wantChecksums(t, r, 0)
			},
		},
		{
			name:  "nonce and another option before the fragment header",
			pkts:  otherFrags,
			want:  []validate.Kind{validate.KindNoncePlacement, validate.KindNoncePlacement, validate.KindNoncePlacement},
			frame: 1, text: "holds 1 options other than the nonce",
		},
		{
			name: "plain IPv6 datagram",
			pkts: plainFrags,
			check: func(t *testing.T, r *validate.Report) {
				wantILNP(t, r, validate.ILNPSummary{})
				if r.Other.IPv6["udp"] != 3 {
					t.Errorf("other %+v, want the 3 fragments as udp", r.Other)
				}
				wantFrag(t, r, validate.FragmentSummary{})
			},
		},
		{
			// Two datagrams interleaved and room for one: the first is
			// evicted when the second arrives, and its remaining
			// fragments have no first fragment.
			name: "reassembly table full",
			pkts: retime(append(append(pick(after, 0), fragmented(t, 0, 2, 8, synth.NonceAfterFragment, wire.RuleIPv6, synth.ChecksumValid)...), pick(after, 1, 2)...), 0),
			opts: validate.Options{Reassembly: decode.ReassemblyOptions{MaxDatagrams: 1}},
			check: func(t *testing.T, r *validate.Report) {
				wantFrag(t, r, validate.FragmentSummary{Datagrams: 2, Reassembled: 1, Incomplete: 1, Evicted: 1, Unattributed: 2})
				wantChecksums(t, r, 1)
			},
		},
		{
			// A fragment 61 s after the first of its datagram belongs to
			// none: the datagram has timed out.
			name: "reassembly timeout",
			pkts: []synth.Packet{after[0], after[1], {Time: at(61_000), Raw: after[2].Raw}},
			check: func(t *testing.T, r *validate.Report) {
				wantFrag(t, r, validate.FragmentSummary{Datagrams: 1, Incomplete: 1, Unattributed: 1})
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Packets = true
			r := check(t, tc.pkts, tc.opts)
			var got []validate.Kind
			for _, v := range r.Violations {
				got = append(got, v.Kind)
			}
			if !equalKinds(got, tc.want) {
				t.Fatalf("violations %v, want %v: %+v", got, tc.want, r.Violations)
			}
			if len(tc.want) > 0 {
				if v := r.Violations[0]; v.Frame != tc.frame {
					t.Errorf("first violation at frame %d, want %d: %+v", v.Frame, tc.frame, v)
				}
				var all strings.Builder
				for _, v := range r.Violations {
					all.WriteString(v.Message + "\n")
				}
				if !strings.Contains(all.String(), tc.text) {
					t.Errorf("messages %q lack %q", all.String(), tc.text)
				}
			}
			for i := 1; i < len(r.Packets); i++ {
				if r.Packets[i].Frame <= r.Packets[i-1].Frame {
					t.Errorf("packet records out of frame order: %+v", r.Packets)
					break
				}
			}
			var text bytes.Buffer
			if err := r.WriteText(&text, validate.TextOptions{Packets: true}); err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
			if t.Failed() {
				t.Log(text.String())
			}
		})
	}
}

// overlap returns fragment f moved 8 octets back, so that it overlaps
// the one before it with other content.
func overlap(t *testing.T, f synth.Packet) synth.Packet {
	t.Helper()
	b := append([]byte(nil), f.Raw...)
	if b[6] != 44 {
		t.Fatalf("not a fragment: next header %d", b[6])
	}
	off := int(b[42])<<8 | int(b[43])
	off -= 8 // one unit of 8 octets; the M flag stays
	b[42], b[43] = byte(off>>8), byte(off)
	b[len(b)-1] ^= 0xff
	return synth.Packet{Time: f.Time.Add(time.Microsecond), Raw: b}
}

func wantILNP(t *testing.T, r *validate.Report, want validate.ILNPSummary) {
	t.Helper()
	if r.ILNP != want {
		t.Errorf("ILNP summary %+v, want %+v", r.ILNP, want)
	}
}

func wantFrag(t *testing.T, r *validate.Report, want validate.FragmentSummary) {
	t.Helper()
	if r.Fragmentation != want {
		t.Errorf("fragmentation %+v, want %+v", r.Fragmentation, want)
	}
}

func wantChecksums(t *testing.T, r *validate.Report, verified int) {
	t.Helper()
	if r.Checksums.Verified != verified {
		t.Errorf("checksums %+v, want %d verified", r.Checksums, verified)
	}
}

func wantDirection(t *testing.T, r *validate.Report, packets, firstFrame int) {
	t.Helper()
	if len(r.Sessions) != 1 || len(r.Sessions[0].Directions) != 1 {
		t.Fatalf("sessions %+v", r.Sessions)
	}
	d := r.Sessions[0].Directions[0]
	if d.Packets != packets || d.FirstFrame != firstFrame || d.Nonce != mnN || len(d.SrcLocators) != 1 {
		t.Errorf("direction %+v, want %d packets from frame %d", d, packets, firstFrame)
	}
}

// TestFragmentRecords: with --packets, the first fragment carries the
// verdict of its reassembled datagram, the others count with it.
func TestFragmentRecords(t *testing.T) {
	frags := retime(pick(fragmented(t, 0, 1, 7, synth.NonceAfterFragment, wire.RuleIPv6, synth.ChecksumValid), 1, 0, 2), 0)
	r := check(t, frags, validate.Options{Packets: true})
	if !r.Valid() || len(r.Packets) != 3 {
		t.Fatalf("valid %v, records %+v", r.Valid(), r.Packets)
	}
	for i, want := range []validate.ChecksumVerdict{validate.ChecksumNotChecked, validate.ChecksumGood, validate.ChecksumNotChecked} {
		rec := r.Packets[i]
		if rec.Frame != i+1 || rec.Proto != "udp" || rec.Checksum != want {
			t.Errorf("record %d = %+v, want frame %d, udp, checksum %v", i, rec, i+1, want)
		}
	}
	if r.Packets[1].Nonce != mnN || !r.Packets[0].Nonce.IsZero() {
		t.Errorf("nonces: %+v", r.Packets)
	}
	var text bytes.Buffer
	if err := r.WriteText(&text, validate.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if want := "fragmented: 1 ILNP datagrams, 1 reassembled and checked, 0 incomplete"; !strings.Contains(text.String(), want) {
		t.Errorf("text lacks %q:\n%s", want, text.String())
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"fragmentation":{"datagrams":1,"reassembled":1,"incomplete":0,"evicted":0,"unattributed":0,"nonce_before_fragment":0}`; !bytes.Contains(b, []byte(want)) {
		t.Errorf("JSON lacks %s:\n%s", want, b)
	}
}
