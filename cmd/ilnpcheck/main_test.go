package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/capture"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/synth"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

var (
	mn = ilnp.ILV{L64: 0x2001_0002_00aa_00aa, NID: 0xd250_99ff_fed1_5a0c}
	cn = ilnp.ILV{L64: 0x2001_0002_00dd_00dd, NID: 0xc}
	t0 = time.Date(2024, 10, 1, 12, 0, 0, 0, time.UTC)
)

// pkt is a UDP packet whose checksum is as mode has it under the ipv6
// rule (the default).
func pkt(ms int, src, dst ilnp.ILV, n ilnp.Nonce, mode synth.ChecksumMode) synth.Packet {
	return synth.Packet{Time: t0.Add(time.Duration(ms) * time.Millisecond), Src: src, Dst: dst, Nonce: n,
		UDP: &layers.UDP{SrcPort: 40001, DstPort: 5001}, Payload: synth.Iperf2Payload(int32(ms), 100), Checksum: mode}
}

// nidFile writes a capture that is valid under the nid checksum rule.
func nidFile(t *testing.T) string {
	t.Helper()
	var pkts []synth.Packet
	for i, n := range []ilnp.Nonce{ilnp.Nonce32(1), ilnp.Nonce32(2), ilnp.Nonce32(1)} {
		src, dst := mn, cn
		if i == 1 {
			src, dst = cn, mn
		}
		p := pkt(i, src, dst, n, synth.ChecksumValid)
		p.Rule = wire.RuleNID
		pkts = append(pkts, p)
	}
	path := filepath.Join(t.TempDir(), "nid.pcap")
	if err := synth.WriteFile(path, capture.FormatPcap, capture.LinkTypeEthernet, pkts); err != nil {
		t.Fatal(err)
	}
	return path
}

// files writes a valid capture, one with a checksum of the other rule, a
// truncated one and one of an unknown link type.
func files(t *testing.T) (valid, invalid, truncated, unknown string) {
	t.Helper()
	dir := t.TempDir()
	good := []synth.Packet{
		pkt(0, mn, cn, ilnp.Nonce32(1), synth.ChecksumValid),
		pkt(1, cn, mn, ilnp.Nonce32(2), synth.ChecksumValid),
		pkt(2, mn, cn, ilnp.Nonce32(1), synth.ChecksumValid),
	}
	valid = filepath.Join(dir, "valid.pcap")
	invalid = filepath.Join(dir, "invalid.pcapng")
	truncated = filepath.Join(dir, "truncated.pcap")
	unknown = filepath.Join(dir, "unknown.pcap")
	if err := synth.WriteFile(valid, capture.FormatPcap, capture.LinkTypeEthernet, good); err != nil {
		t.Fatal(err)
	}
	bad := append(append([]synth.Packet(nil), good...), pkt(3, mn, cn, ilnp.Nonce32(1), synth.ChecksumOtherRule))
	if err := synth.WriteFile(invalid, capture.FormatPcapNG, capture.LinkTypeLinuxSLL, bad); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(valid)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(truncated, b[:len(b)-3], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteFile(unknown, capture.FormatPcap, 147, good); err != nil {
		t.Fatal(err)
	}
	return
}

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitStatus(t *testing.T) {
	valid, invalid, truncated, unknown := files(t)
	nidCapture := nidFile(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"valid", []string{valid}, 0, "VALID", ""},
		{"violation", []string{invalid}, 1, "[checksum-udp] UDP checksum", ""},
		{"valid, ipv6 rule", []string{valid}, 0, "checksums (ipv6 rule): 3 verified", ""},
		{"valid, --checksum-rule ipv6", []string{"--checksum-rule", "ipv6", valid}, 0, "checksums (ipv6 rule): 3 verified", ""},
		{"violation names both rules", []string{invalid}, 1,
			"is valid under the nid rule (NIDs only, RFC 6740), not under the ipv6 rule (wire addresses, draft-bhatti-ilnp-tcp-udp-checksums) checked", ""},
		{"ipv6 capture, --checksum-rule nid", []string{"--checksum-rule=nid", valid}, 1,
			"is valid under the ipv6 rule (wire addresses, draft-bhatti-ilnp-tcp-udp-checksums), not under the nid rule (NIDs only, RFC 6740) checked", ""},
		{"nid capture, default rule", []string{nidCapture}, 1, "INVALID: 3 violations", ""},
		{"nid capture, --checksum-rule nid", []string{"--checksum-rule", "nid", nidCapture}, 0, "checksums (nid rule): 3 verified", ""},
		{"nid capture, --checksum-rule NID", []string{"--checksum-rule", "NID", nidCapture}, 0, "VALID", ""},
		{"bad checksum rule", []string{"--checksum-rule", "wire", valid}, 2, "",
			"ilnpcheck: invalid argument \"wire\" for \"--checksum-rule\" flag: unknown checksum rule \"wire\": want ipv6 or nid\nRun 'ilnpcheck --help' for usage"},
		{"empty checksum rule", []string{"--checksum-rule=", valid}, 2, "", "want ipv6 or nid"},
		{"checksum rule without value", []string{valid, "--checksum-rule"}, 2, "", "flag needs an argument: --checksum-rule"},
		{"metrics does not check checksums", []string{"metrics", "--checksum-rule", "nid", valid}, 2, "", "unknown flag: --checksum-rule"},
		{"valid and violation", []string{valid, invalid}, 1, "INVALID: 1 violations", ""},
		{"truncated", []string{truncated}, 2, "UNREADABLE", "capture file is truncated: frame 3 breaks off"},
		{"unknown link type", []string{unknown}, 2, "", "unsupported link type: link type 147"},
		{"missing file", []string{filepath.Join(t.TempDir(), "nope.pcap")}, 2, "", "no such file"},
		{"not a capture", []string{"main.go"}, 2, "", "not a pcap or pcapng capture"},
		{"unreadable wins over violations", []string{invalid, truncated}, 2, "INVALID", "truncated"},
		{"no file", nil, 2, "", "no capture file given"},
		{"bad flag", []string{"--nope", valid}, 2, "", "unknown flag: --nope"},
		{"metrics", []string{"metrics", valid, invalid}, 0, "udp d250:99ff:fed1:5a0c.40001 -> 0:0:0:c.5001", ""},
		{"metrics truncated", []string{"metrics", truncated}, 2, "UNREADABLE", "truncated"},
		{"metrics bad interval", []string{"metrics", "--interval", "0s", valid}, 2, "", "--interval must be positive"},
		{"help", []string{"--help"}, 0, "EXIT STATUS", ""},
		{"help on checksum rules", []string{"--help"}, 0, "CHECKSUM RULES", ""},
		{"help on the flag", []string{"--help"}, 0, "--checksum-rule RULE   check TCP/UDP checksums under RULE: ipv6 (wire addresses, draft-bhatti-ilnp-tcp-udp-checksums) or nid (NIDs only, RFC 6740) (default ipv6)", ""},
		{"metrics help", []string{"metrics", "--help"}, 0, "misordering", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(tc.args...)
			if code != tc.code {
				t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, stdout)
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, stderr)
			}
			if tc.code == 0 && stderr != "" {
				t.Errorf("stderr not empty on success (no progress when not a terminal):\n%s", stderr)
			}
		})
	}
}

func TestJSON(t *testing.T) {
	valid, invalid, _, _ := files(t)
	code, stdout, _ := runCmd("--json", "--packets", valid, invalid)
	if code != 1 {
		t.Fatalf("exit status %d", code)
	}
	var doc struct {
		Valid      bool
		Violations int
		Files      []struct {
			File            string
			Frames          int
			ViolationCounts map[string]int `json:"violation_counts"`
			Violations      []struct {
				Frame int
				Kind  string
			}
			Packets []struct {
				Frame    int
				Nonce    string
				Checksum string
			}
			Checksums struct{ Rule string }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if doc.Valid || doc.Violations != 1 || len(doc.Files) != 2 || doc.Files[1].ViolationCounts["checksum-udp"] != 1 ||
		doc.Files[0].Checksums.Rule != "ipv6" || doc.Files[1].Packets[3].Checksum != "nid-rule" ||
		doc.Files[1].Violations[0].Frame != 4 || len(doc.Files[0].Packets) != 3 || doc.Files[0].Packets[1].Nonce != "00000002" {
		t.Errorf("JSON document %+v", doc)
	}

	code, stdout, _ = runCmd("--json", "--packets", "--checksum-rule", "nid", invalid)
	if code != 1 || !strings.Contains(stdout, `"checksums": {
        "rule": "nid",`) || !strings.Contains(stdout, `"checksum": "wire-rule"`) || !strings.Contains(stdout, `"checksum": "good"`) {
		t.Errorf("--checksum-rule nid: exit status %d, JSON lacks the rule or the verdicts:\n%s", code, stdout)
	}

	code, stdout, _ = runCmd("metrics", "--json", valid, invalid)
	if code != 0 {
		t.Fatalf("metrics exit status %d", code)
	}
	var m struct {
		Captures []struct {
			Flows []struct {
				Proto string
				UDP   struct{ Datagrams int }
			}
		}
		UDPLoss []struct{ Sent, Lost int } `json:"udp_loss"`
	}
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if len(m.Captures) != 2 || len(m.Captures[0].Flows) != 2 || m.Captures[0].Flows[0].UDP.Datagrams != 2 || len(m.UDPLoss) != 2 {
		t.Errorf("metrics JSON %+v", m)
	}
}

func TestPlot(t *testing.T) {
	valid, _, _, _ := files(t)
	dir := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCmd("plot", "-o", dir, "--prefix", "x-", "--min-packets", "1", "--flows", "1", valid)
	if code != 0 {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	lines := strings.Fields(stdout)
	if len(lines) != 4 {
		t.Fatalf("wrote %v", lines)
	}
	for _, l := range lines {
		if !strings.HasPrefix(filepath.Base(l), "x-valid-flow1-udp-") {
			t.Errorf("file name %s", l)
		}
		if st, err := os.Stat(l); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", l, err)
		}
	}
}

// TestFragmented: a capture at the receiver of fragmented ILNP datagrams,
// the nonce after the fragment header as the kernel sends them, is valid
// and measured as one UDP flow.
func TestFragmented(t *testing.T) {
	var pkts []synth.Packet
	for i := range 3 {
		p := pkt(i, mn, cn, ilnp.Nonce32(1), synth.ChecksumValid)
		p.Payload = synth.Iperf2Payload(int32(i), 1470)
		f, err := p.Fragments(1500, uint32(i+1), synth.NonceAfterFragment)
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, f...)
	}
	path := filepath.Join(t.TempDir(), "frag.pcap")
	if err := synth.WriteFile(path, capture.FormatPcap, capture.LinkTypeEthernet, pkts); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(path)
	if code != 0 || !strings.Contains(stdout, "fragmented: 3 ILNP datagrams, 3 reassembled and checked") || !strings.Contains(stdout, "checksums (ipv6 rule): 3 verified") {
		t.Errorf("exit status %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCmd("metrics", path)
	if code != 0 || !strings.Contains(stdout, "fragmented: 3 datagrams counted with their flows") || !strings.Contains(stdout, "udp d250:99ff:fed1:5a0c.40001 -> 0:0:0:c.5001") {
		t.Errorf("metrics: exit status %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// TestProbes: a capture of a probe exchange is valid and its probes are
// counted apart from the LUs; a reply that answers no probe in the
// capture fails it like an unsolicited LU-ack, in the text and the JSON.
func TestProbes(t *testing.T) {
	mnBB := ilnp.ILV{L64: 0x2001_0002_00bb_00bb, NID: mn.NID}
	lu := func(ms int, src, dst ilnp.ILV, n ilnp.Nonce, op ilnp.LUOp, ch ilnp.Challenge, locs ...ilnp.L64) synth.Packet {
		code := uint8(ilnp.LUCodeNone)
		if !op.IsProbe() {
			code = ilnp.LUCodeReplaceSoft
		}
		return synth.Packet{Time: t0.Add(time.Duration(ms) * time.Millisecond), Src: src, Dst: dst, Nonce: n,
			LU: &synth.LU{Op: op, Code: code, Challenge: ch, Locators: locs}}
	}
	exchange := []synth.Packet{
		pkt(0, mn, cn, ilnp.Nonce32(1), synth.ChecksumValid),
		lu(1, mn, cn, ilnp.Nonce32(1), ilnp.LUAdvertisement, 0, mn.L64, mnBB.L64),
		lu(2, cn, mnBB, ilnp.Nonce32(2), ilnp.LUProbe, 0xabcdef, mn.L64, mnBB.L64),
		lu(3, mnBB, cn, ilnp.Nonce32(1), ilnp.LUProbeReply, 0xabcdef, mn.L64, mnBB.L64),
		lu(4, cn, mnBB, ilnp.Nonce32(2), ilnp.LUAck, 0, mn.L64, mnBB.L64),
		lu(5, cn, mn, ilnp.Nonce32(2), ilnp.LUProbe, 0x99), // never answered: fine
	}
	dir := t.TempDir()
	valid, invalid := filepath.Join(dir, "probes.pcap"), filepath.Join(dir, "stray.pcapng")
	if err := synth.WriteFile(valid, capture.FormatPcap, capture.LinkTypeEthernet, exchange); err != nil {
		t.Fatal(err)
	}
	stray := append(append([]synth.Packet(nil), exchange...), lu(6, mnBB, cn, ilnp.Nonce32(1), ilnp.LUProbeReply, 0x1234))
	if err := synth.WriteFile(invalid, capture.FormatPcapNG, capture.LinkTypeEthernet, stray); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runCmd(valid)
	if code != 0 {
		t.Errorf("exit status %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"locator updates: 1 advertisements (1 answered, 0 retransmissions), 1 acks (0 duplicate)",
		"probes: 2 (1 answered, 1 unanswered, 0 retransmissions), 1 replies (0 duplicate); RTT min 1.000 ms",
		"0000000000abcdef", "reply 4, RTT 1.000 ms", "answers 3", "VALID",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}

	code, stdout, _ = runCmd(invalid)
	if code != 1 || !strings.Contains(stdout, "[probe-reply-unsolicited] probe reply d250:99ff:fed1:5a0c -> 0:0:0:c (challenge 0000000000001234, no locators) answers no probe in this capture") {
		t.Errorf("stray reply: exit status %d\n%s", code, stdout)
	}

	code, stdout, _ = runCmd("--json", valid, invalid)
	if code != 1 {
		t.Fatalf("exit status %d", code)
	}
	var doc struct {
		Valid bool
		Files []struct {
			ViolationCounts map[string]int                     `json:"violation_counts"`
			LUSummary       struct{ Advertisements, Acks int } `json:"lu_summary"`
			ProbeSummary    struct {
				Probes, Replies, Answered, Unanswered int
			} `json:"probe_summary"`
			LocatorUpdates []struct {
				Frame      int
				Operation  string
				Challenge  string
				ReplyFrame int `json:"reply_frame"`
			} `json:"locator_updates"`
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if doc.Valid || len(doc.Files) != 2 {
		t.Fatalf("JSON document %+v", doc)
	}
	f0, f1 := doc.Files[0], doc.Files[1]
	if len(f0.ViolationCounts) != 0 || f0.LUSummary.Advertisements != 1 || f0.LUSummary.Acks != 1 ||
		f0.ProbeSummary.Probes != 2 || f0.ProbeSummary.Replies != 1 || f0.ProbeSummary.Answered != 1 || f0.ProbeSummary.Unanswered != 1 {
		t.Errorf("valid file %+v", f0)
	}
	if p := f0.LocatorUpdates[1]; p.Operation != "probe" || p.Challenge != "0000000000abcdef" || p.ReplyFrame != 4 {
		t.Errorf("probe event %+v", p)
	}
	if f1.ViolationCounts["probe-reply-unsolicited"] != 1 || len(f1.ViolationCounts) != 1 || f1.ProbeSummary.Replies != 2 {
		t.Errorf("file with the stray reply %+v", f1)
	}
}
