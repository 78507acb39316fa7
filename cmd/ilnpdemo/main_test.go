package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/internal/lab/scenario"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/capture"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/synth"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// writeRun writes what "ilnpdemo run" leaves for one UDP run: captures
// at MN and CN of iperf2-like flows both ways, MN on aa, then aa and bb,
// then all three networks, and the summary.
func writeRun(t *testing.T, out string) {
	t.Helper()
	dir := filepath.Join(out, "udp")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	l64 := func(i int) ilnp.L64 { return ilnp.ILVFrom16(testbed.AccessNets[i].Prefix.Addr().As16()).L64 }
	cn := ilnp.ILVFrom16(testbed.CNAddr.As16())
	start := time.Date(2024, 10, 1, 12, 0, 0, 0, time.UTC)
	up := synth.Scenario{
		Start: start, MN: 0xd250_99ff_fed1_5a0c, CN: cn.NID, CNLocator: cn.L64,
		Phases: []synth.Phase{
			{At: 0, Locators: []ilnp.L64{l64(0)}},
			{At: time.Second, Locators: []ilnp.L64{l64(0), l64(1)}},
			{At: 2 * time.Second, Locators: []ilnp.L64{l64(0), l64(1), l64(2)}},
		},
		Duration: 3 * time.Second, PacketsPerSec: 300, PayloadOctets: 1000,
		MNNonce: ilnp.Nonce32(1), CNNonce: ilnp.Nonce32(2),
	}.Packets()
	// CN -> MN: the same datagrams the other way, to the same locators.
	var pkts []synth.Packet
	for _, p := range up {
		pkts = append(pkts, p)
		if p.UDP != nil {
			p.Src, p.Dst = p.Dst, p.Src
			p.Nonce = up[0].Nonce
			p.UDP = &layers.UDP{SrcPort: 5001, DstPort: 40001}
			pkts = append(pkts, p)
		}
	}
	mn, cnCap := filepath.Join(dir, "mn.pcap"), filepath.Join(dir, "cn.pcap")
	for _, f := range []string{mn, cnCap} {
		if err := synth.WriteFile(f, capture.FormatPcap, capture.LinkTypeRaw, pkts); err != nil {
			t.Fatal(err)
		}
	}
	sum := summary{
		Proto: "udp", Rate: "10M", ProcedureS: 3, Steps: []string{"+bb", "+cc"},
		Up:        scenario.Report{Duration: 3 * time.Second, Bytes: 3_900_000, Lost: 0, Total: 900},
		Down:      scenario.Report{Duration: 3 * time.Second, Bytes: 2_600_000, Lost: 300, Total: 900},
		MNStats:   ilnpnl.Stats{ilnpnl.StatLUSent: 2, ilnpnl.StatLUAcked: 2},
		MNCapture: mn, CNCapture: cnCap, MNAddr: "2001:2:aa:aa:d250:99ff:fed1:5a0c",
	}
	b, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReport(t *testing.T) {
	out := t.TempDir()
	writeRun(t, out)
	var b bytes.Buffer
	if err := report(&b, out); err != nil {
		t.Fatalf("report: %v\n%s", err, b.String())
	}
	lines := strings.Split(b.String(), "\n")
	fields := func(prefix string) []string {
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return strings.Fields(strings.TrimPrefix(l, prefix))
			}
		}
		t.Fatalf("no line %q in\n%s", prefix, b.String())
		return nil
	}
	if got, want := fields("run "), []string{"direction", "Mbit/s", "vs", "target", "aa", "bb", "cc", "loss", "misordered", "duplicates", "paper", "(0/20/200", "ms)"}; !slices.Equal(got, want) {
		t.Errorf("header %q, want %q", got, want)
	}
	// 3.9 MB in 3 s is 10.40 Mbit/s, -0.8% from iperf2's 10M (2^20 bit/s
	// each); aa carries all of the first second, half the second, a
	// third of the last: 11/18 of the datagrams and one more, as the
	// 3.333 ms gap puts datagram 301 (of 901) in the first second still.
	if got, want := fields("udp 0 ms  MN->CN"), []string{"10.40", "-0.8%", "61.2%", "27.7%", "11.1%", "0.000%", "(0/900)", "0.000%", "0.000%"}; !slices.Equal(got[:len(want)], want) {
		t.Errorf("MN->CN %q, want %q...", got, want)
	}
	if got, want := fields("udp 0 ms  CN->MN"), []string{"6.93", "-33.9%", "61.2%", "27.7%", "11.1%", "33.333%", "(300/900)", "0.000%", "0.000%"}; !slices.Equal(got[:len(want)], want) {
		t.Errorf("CN->MN %q, want %q...", got, want)
	}
	for _, want := range []string{
		"udp 0 ms: procedure of 2 steps in 3 s; MN sent 2 Locator Updates, 2 acknowledged, 0 retransmitted",
		"8 plots (PNG, with SVG beside them):",
		filepath.Join(out, "udp", "plots", "mn-flow1-udp-throughput.png"),
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", want, b.String())
		}
	}
	pngs, _ := filepath.Glob(filepath.Join(out, "udp", "plots", "*.png"))
	svgs, _ := filepath.Glob(filepath.Join(out, "udp", "plots", "*.svg"))
	if len(pngs) != 8 || len(svgs) != 8 {
		t.Errorf("plots: %d PNG, %d SVG; want 8 of each (2 captures, 2 flows each, throughput and sequence)", len(pngs), len(svgs))
	}
}

func TestReportNothing(t *testing.T) {
	if err := report(&bytes.Buffer{}, t.TempDir()); err == nil || !strings.Contains(err.Error(), "run \"ilnpdemo run\" first") {
		t.Errorf("report of an empty directory: %v", err)
	}
}
