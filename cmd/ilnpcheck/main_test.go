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
)

var (
	mn = ilnp.ILV{L64: 0x2001_0002_00aa_00aa, NID: 0xd250_99ff_fed1_5a0c}
	cn = ilnp.ILV{L64: 0x2001_0002_00dd_00dd, NID: 0xc}
	t0 = time.Date(2024, 10, 1, 12, 0, 0, 0, time.UTC)
)

func pkt(ms int, src, dst ilnp.ILV, n ilnp.Nonce, mode synth.ChecksumMode) synth.Packet {
	return synth.Packet{Time: t0.Add(time.Duration(ms) * time.Millisecond), Src: src, Dst: dst, Nonce: n,
		UDP: &layers.UDP{SrcPort: 40001, DstPort: 5001}, Payload: synth.Iperf2Payload(int32(ms), 100), Checksum: mode}
}

// files writes a valid capture, one with a bad checksum, a truncated one
// and one of an unknown link type.
func files(t *testing.T) (valid, invalid, truncated, unknown string) {
	t.Helper()
	dir := t.TempDir()
	good := []synth.Packet{
		pkt(0, mn, cn, ilnp.Nonce32(1), synth.ChecksumILNP),
		pkt(1, cn, mn, ilnp.Nonce32(2), synth.ChecksumILNP),
		pkt(2, mn, cn, ilnp.Nonce32(1), synth.ChecksumILNP),
	}
	valid = filepath.Join(dir, "valid.pcap")
	invalid = filepath.Join(dir, "invalid.pcapng")
	truncated = filepath.Join(dir, "truncated.pcap")
	unknown = filepath.Join(dir, "unknown.pcap")
	if err := synth.WriteFile(valid, capture.FormatPcap, capture.LinkTypeEthernet, good); err != nil {
		t.Fatal(err)
	}
	bad := append(append([]synth.Packet(nil), good...), pkt(3, mn, cn, ilnp.Nonce32(1), synth.ChecksumWire))
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
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"valid", []string{valid}, 0, "VALID", ""},
		{"violation", []string{invalid}, 1, "[checksum-udp] UDP checksum", ""},
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
				Frame int
				Nonce string
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if doc.Valid || doc.Violations != 1 || len(doc.Files) != 2 || doc.Files[1].ViolationCounts["checksum-udp"] != 1 ||
		doc.Files[1].Violations[0].Frame != 4 || len(doc.Files[0].Packets) != 3 || doc.Files[0].Packets[1].Nonce != "00000002" {
		t.Errorf("JSON document %+v", doc)
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
		p := pkt(i, mn, cn, ilnp.Nonce32(1), synth.ChecksumILNP)
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
	if code != 0 || !strings.Contains(stdout, "fragmented: 3 ILNP datagrams, 3 reassembled and checked") || !strings.Contains(stdout, "checksums: 3 verified") {
		t.Errorf("exit status %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCmd("metrics", path)
	if code != 0 || !strings.Contains(stdout, "fragmented: 3 datagrams counted with their flows") || !strings.Contains(stdout, "udp d250:99ff:fed1:5a0c.40001 -> 0:0:0:c.5001") {
		t.Errorf("metrics: exit status %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}
