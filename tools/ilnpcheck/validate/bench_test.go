package validate_test

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/capture"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/decode"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/synth"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/validate"
)

var (
	benchTshark  = flag.Bool("tshark", false, "BenchmarkValidate: also time `tshark -T fields -e ipv6.opt.ilnp_nonce` on the capture and report the speed ratio")
	benchPackets = flag.Int("bench-packets", 1_000_000, "BenchmarkValidate: packets in the synthetic capture")
)

// BenchmarkValidate validates a synthetic capture of -bench-packets
// (default 1 million) ILNP packets, written to a temporary directory, and
// reports packets per second. With -tshark it times tshark extracting
// the nonces from the same file once and reports how many times faster
// ilnpcheck is:
//
//	go test ./tools/ilnpcheck/validate -run '^$' -bench BenchmarkValidate -benchtime 3x -args -tshark
func BenchmarkValidate(b *testing.B) {
	benchValidate(b, synth.MixedOptions{})
}

// BenchmarkValidateFragmented is BenchmarkValidate with the UDP datagrams
// (1470 octets of iperf2 data, 1526 with the headers) fragmented for a
// 1500-octet MTU as the ILNP kernel does, with the nonce after the
// fragment header: two fragments each, 40 % of the packets; every
// datagram is reassembled and its checksum verified.
func BenchmarkValidateFragmented(b *testing.B) {
	benchValidate(b, synth.MixedOptions{FragmentMTU: 1500})
}

// writeMixed writes n packets of synth's mixed exchange to a pcap file
// and returns its path.
func writeMixed(tb testing.TB, n int, o synth.MixedOptions) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "mixed.pcap")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := synth.NewWriter(f, capture.FormatPcap, capture.LinkTypeEthernet)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := synth.WriteMixedOptions(w, n, o); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

func benchValidate(b *testing.B, o synth.MixedOptions) {
	n := *benchPackets
	path := writeMixed(b, n, o)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		r, err := validate.CheckFile(path, validate.Options{ChecksumRule: o.Rule}, nil)
		if err != nil {
			b.Fatal(err)
		}
		if !r.Valid() || r.ILNP.Packets != n {
			b.Fatalf("valid %v, %d ILNP packets of %d: %v", r.Valid(), r.ILNP.Packets, n, r.Violations)
		}
		if o.FragmentMTU > 0 && (r.Fragmentation.Reassembled == 0 || r.Fragmentation.Reassembled+r.Fragmentation.Incomplete != r.Fragmentation.Datagrams) {
			b.Fatalf("fragmentation %+v", r.Fragmentation)
		}
	}
	perRun := b.Elapsed() / time.Duration(b.N)
	pps := float64(n) / perRun.Seconds()
	b.ReportMetric(pps, "pkts/s")
	if !*benchTshark {
		return
	}
	bin := tshark(b)
	start := time.Now()
	out, err := exec.Command(bin, "-n", "-r", path, "-T", "fields", "-e", "ipv6.opt.ilnp_nonce").Output()
	if err != nil {
		b.Fatalf("tshark: %v", err)
	}
	tsharkTime := time.Since(start)
	if lines := countLines(out); lines != n {
		b.Fatalf("tshark printed %d lines for %d packets", lines, n)
	}
	ratio := tsharkTime.Seconds() / perRun.Seconds()
	b.ReportMetric(ratio, "x-faster-than-tshark")
	b.Logf("%d packets, %.0f MB: ilnpcheck %v (%.0f pkts/s), tshark %v (%.0f pkts/s): ilnpcheck is %.1fx faster",
		n, float64(st.Size())/1e6, perRun.Round(time.Millisecond), pps, tsharkTime.Round(time.Millisecond), float64(n)/tsharkTime.Seconds(), ratio)
}

func countLines(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}

// BenchmarkCheckPacket measures decoding and checking one TCP data
// segment, and shows the per-packet path does not allocate.
func BenchmarkCheckPacket(b *testing.B) {
	pkt, err := validSession()[0].Bytes()
	if err != nil {
		b.Fatal(err)
	}
	frame := synth.Frame(capture.LinkTypeEthernet, pkt, false)
	f := capture.Frame{LinkType: capture.LinkTypeEthernet, Data: frame, CaptureLength: len(frame), Length: len(frame), Timestamp: t0}
	dec := decode.New()
	c := validate.NewChecker(validate.Options{})
	var p decode.Packet
	b.ReportAllocs()
	for b.Loop() {
		f.Number++
		if err := dec.Decode(&f, &p); err != nil {
			b.Fatal(err)
		}
		c.Add(&p)
	}
	if r := c.Finish(); !r.Valid() {
		b.Fatal(r.Violations)
	}
}
