//go:build vmtest

package multihoming

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/ilnp-linux/ilnp/internal/lab/labtest"
	"github.com/ilnp-linux/ilnp/internal/lab/scenario"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/metrics"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// datagram is the UDP payload length of these tests: 1400 octets fit
// the 1500-octet MTU with the nonce option, so that every datagram is
// one packet on one path.
const datagram = "1400"

// measure runs `ilnpcheck metrics --json` on captures and reads its
// report into ilnpcheck's own types.
func measure(t *testing.T, pcaps ...string) *metrics.Result {
	t.Helper()
	out, err := exec.Command(labtest.Bin(t, "ilnpcheck"), append([]string{"metrics", "--json"}, pcaps...)...).Output()
	if err != nil {
		t.Fatalf("ilnpcheck metrics %v: %v", pcaps, err)
	}
	var m metrics.Result
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("ilnpcheck metrics: %v", err)
	}
	return &m
}

// flow finds the largest flow of proto from src to dst in a capture.
func flow(t *testing.T, m *metrics.Result, capture int, proto string, src, dst netip.Addr) *metrics.Flow {
	t.Helper()
	var best *metrics.Flow
	for _, f := range m.Captures[capture].Flows {
		if f.Proto == proto && f.SrcNID == labtest.NID(src) && f.DstNID == labtest.NID(dst) && (best == nil || f.Bytes > best.Bytes) {
			best = f
		}
	}
	if best == nil || best.Bytes == 0 {
		t.Fatalf("no %s flow %s -> %s in %s", proto, src, dst, m.Captures[capture].File)
	}
	return best
}

// shared is the testbed with MN on aa, bb and cc from the start, both
// ends ILNP hosts knowing all of each other's locators, and MN's
// addresses in AccessNets order.
func shared(t *testing.T) (*labtest.Testbed, []string) {
	t.Helper()
	m := labtest.NewMultihomed(t)
	return m.Testbed, m.ILVs()
}

// checkShares checks that each of MN's three locators carried 30% to 36%
// of the flow's bytes and, over the flow's own span (see judgeSpan),
// that the flow never stalled and no locator was idle in a full second
// while others carried. The span must be the seconds iperf2 sent for, to
// within a second, so that a flow that stalled before its first captured
// packet or after its last is not judged on a shorter one.
func checkShares(t *testing.T, f *metrics.Flow, interval, sent float64, mnSide func(src, dst ilnp.L64) ilnp.L64) bool {
	t.Helper()
	ok := true
	byL64 := map[string]int64{}
	buckets := map[string][]float64{}
	for _, p := range f.Paths {
		l := mnSide(p.Src, p.Dst).String()
		byL64[l] += p.Bytes
		if len(buckets[l]) < len(p.Buckets) {
			b := make([]float64, len(p.Buckets))
			copy(b, buckets[l])
			buckets[l] = b
		}
		for i, v := range p.Buckets {
			buckets[l][i] += v
		}
	}
	var l64s []string
	for _, an := range testbed.AccessNets {
		l := ilnp.ILVFrom16(an.Prefix.Addr().As16()).L64.String()
		l64s = append(l64s, l)
		share := float64(byL64[l]) / float64(f.Bytes)
		t.Logf("%s: %d bytes, %.1f%%", l, byL64[l], 100*share)
		if share < 0.30 || share > 0.36 {
			t.Errorf("%s carried %.1f%% of the bytes, want 30%% to 36%%", l, 100*share)
			ok = false
		}
	}
	span := f.LastOffset - f.FirstOffset
	if span < sent-1 {
		t.Errorf("the flow's packets span %.3f s (%.3f to %.3f s of the capture), iperf2 sent for %.0f s", span, f.FirstOffset, f.LastOffset, sent)
		ok = false
	}
	for _, p := range judgeSpan(l64s, buckets, f.FirstOffset, f.LastOffset, interval) {
		t.Error(p)
		ok = false
	}
	if !ok {
		for _, l := range l64s {
			var mbps []string
			for _, v := range buckets[l] {
				mbps = append(mbps, fmt.Sprintf("%.2f", v/1e6))
			}
			t.Logf("%s per %g s bucket from the capture's first frame, Mbit/s: %s", l, interval, strings.Join(mbps, " "))
		}
	}
	return ok
}

// TestSharing: iperf2 UDP at 10 Mbit/s for 20 s, MN to CN and then CN
// to MN, spreads over MN's three locators in equal shares (from the
// captures at the receiver), none of them idle.
func TestSharing(t *testing.T) {
	tb, _ := shared(t)
	for _, dir := range []struct {
		name             string
		from, to         *testbed.Host
		fromAddr, toAddr netip.Addr
		capHost          *testbed.Host
		capIf            string
		mnSide           func(src, dst ilnp.L64) ilnp.L64
	}{
		{"up", tb.MN, tb.CN, tb.MNAddr, testbed.CNAddr, tb.CN, "dd", func(src, _ ilnp.L64) ilnp.L64 { return src }},
		{"down", tb.CN, tb.MN, testbed.CNAddr, tb.MNAddr, tb.MN, "any", func(_, dst ilnp.L64) ilnp.L64 { return dst }},
	} {
		t.Run(dir.name, func(t *testing.T) {
			// The receiver's own report, a line a second, tells a
			// stall of the flow from a gap in the capture.
			srv, err := dir.to.Start("iperf", "-s", "-u", "-V", "-i", "1")
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Kill()
			if err := dir.to.WaitListening(context.Background(), "udp", labtest.IperfPort, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			clockBefore := hostClockOffset(t)
			tCapture := time.Now()
			c, err := dir.capHost.StartCaptureWith(dir.capIf, filepath.Join(t.TempDir(), "rx.pcap"), testbed.CaptureOptions{Snaplen: 128})
			if err != nil {
				t.Fatal(err)
			}
			tListening := time.Now()
			out, err := dir.from.Run(context.Background(), "iperf", "-c", dir.toAddr.String(), "-V", "-u",
				"-b", "10M", "-l", datagram, "-t", "20", "-i", "1")
			if err != nil {
				t.Fatalf("iperf: %v\n%s", err, out)
			}
			tClient := time.Now()
			time.Sleep(500 * time.Millisecond)
			if err := c.Stop(); err != nil {
				t.Fatal(err)
			}
			clockAfter := hostClockOffset(t)
			_ = srv.Interrupt(5 * time.Second)
			m := measure(t, c.Path)
			f := flow(t, m, 0, "udp", dir.fromAddr, dir.toAddr)
			first := m.Captures[0].First
			at := func(x time.Time) float64 { return x.Sub(first).Seconds() }
			t.Logf("timeline, s from the capture's first frame: tcpdump started %.3f, listening %.3f; flow's first packet %.3f, last %.3f; iperf client exited %.3f",
				at(tCapture), at(tListening), at(f.First), at(f.Last), at(tClient))
			t.Logf("the capture's first frame: %s", firstFrame(c.Path))
			t.Logf("guest clock: host minus guest %s before, %s after", clockBefore, clockAfter)
			if !checkShares(t, f, m.Captures[0].Interval, 20, dir.mnSide) {
				t.Logf("iperf2 client (sender):\n%s", out)
				t.Logf("iperf2 server (receiver):\n%s", srv.Output())
			}
		})
	}
}

// firstFrame describes a capture's first frame by its layers, e.g.
// "Linux SLL/IPv6/ICMPv6 RouterAdvertisement/...": a diagnostic, so a
// capture it cannot read is described as such.
func firstFrame(pcap string) string {
	f, err := os.Open(pcap)
	if err != nil {
		return "unknown: " + err.Error()
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		return "unknown: " + err.Error()
	}
	data, _, err := r.ReadPacketData()
	if err != nil {
		return "none: " + err.Error()
	}
	var names []string
	for _, l := range gopacket.NewPacket(data, r.LinkType(), gopacket.Default).Layers() {
		name := l.LayerType().String()
		if icmp, ok := l.(*layers.ICMPv6); ok {
			name += " " + icmp.TypeCode.String()
		}
		names = append(names, name)
	}
	return strings.Join(names, "/")
}

// hostClockOffset measures the host's clock against the guest's: the
// host stamps a file that the guest writes in the shared checkout (9p
// passes the write through) with its own time. It returns "host minus
// guest" with its uncertainty, the time the write took.
func hostClockOffset(t *testing.T) string {
	t.Helper()
	f, err := os.CreateTemp(filepath.Join(os.Getenv("ILNP_ROOT"), "build"), "clock-probe-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f.Name())
	before := time.Now()
	_, err = f.WriteString("probe\n")
	after := time.Now()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	mid := before.Add(after.Sub(before) / 2)
	return fmt.Sprintf("%+.3f s (±%.3f s)", fi.ModTime().Sub(mid).Seconds(), after.Sub(before).Seconds()/2)
}

// TestAggregate: with each of MN's links shaped to 4 Mbit/s, one iperf2
// TCP flow over all three reaches at least 2.5 times its throughput over
// one, in the same boot.
func TestAggregate(t *testing.T) {
	tb, _ := shared(t)
	ctx := context.Background()
	for _, an := range testbed.AccessNets {
		if out, err := tb.MN.Run(ctx, "tc", "qdisc", "add", "dev", an.Name, "root", "tbf",
			"rate", "4mbit", "burst", "16kb", "latency", "100ms"); err != nil {
			t.Fatalf("tbf on %s: %v\n%s", an.Name, err, out)
		}
	}
	labtest.StartIperfServers(t, tb.CN)
	throughput := func(disabled string) float64 {
		t.Helper()
		if err := tb.MN.WriteSysctl("net.ipv6.disabled_interface", disabled); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second) // the LU's round trip
		out, err := tb.MN.Run(ctx, "iperf", "-c", testbed.CNAddr.String(), "-V", "-t", "10", "-y", "C")
		if err != nil {
			t.Fatalf("iperf: %v\n%s", err, out)
		}
		f := strings.Split(strings.TrimSpace(out), ",")
		bps, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			t.Fatalf("iperf CSV %q: %v", out, err)
		}
		return bps
	}
	one := throughput("bb cc")
	three := throughput("")
	t.Logf("TCP over aa alone %.2f Mbit/s, over aa+bb+cc %.2f Mbit/s: %.2fx", one/1e6, three/1e6, three/one)
	if three < 2.5*one {
		t.Errorf("three links give %.2fx the throughput of one, want at least 2.5x", three/one)
	}
}

// TestDuality: the paper's procedure (every network gained and lost
// twice) under iperf2 UDP at 10 Mbit/s in both directions, at the
// paper's three added round-trip delays at CN, 0, 20 and 200 ms: loss
// under 0.1% and misordering under 1%; and the same with TCP, which must
// complete without a reset and outlast the procedure. The bounds are the
// same at every delay.
func TestDuality(t *testing.T) {
	for _, proto := range []string{"udp", "tcp"} {
		for _, delay := range []time.Duration{0, 20 * time.Millisecond, 200 * time.Millisecond} {
			t.Run(fmt.Sprintf("%s/delay=%s", proto, delay), func(t *testing.T) {
				dir := t.TempDir()
				res, err := scenario.Run(context.Background(), scenario.Config{
					Dir: dir, Delay: delay, Proto: proto, Rate: "10M", Length: 1400,
					Steps: testbed.DualitySteps, Dwell: 2 * time.Second, Lead: 2 * time.Second,
					Progress: func(format string, args ...any) { t.Logf(format, args...) },
				})
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("procedure %s; MN: %d LUs sent, %d acked, %d retransmitted",
					res.Procedure, res.MNStats[ilnpnl.StatLUSent], res.MNStats[ilnpnl.StatLUAcked], res.MNStats[ilnpnl.StatLURetransmitted])
				if proto == "tcp" {
					checkTCP(t, res)
					return
				}
				checkUDP(t, res)
			})
		}
	}
}

func checkUDP(t *testing.T, res scenario.Result) {
	t.Helper()
	m := measure(t, res.MNCapture, res.CNCapture)
	mn := res.MNAddr
	for _, d := range []struct {
		name    string
		rep     scenario.Report
		capture int // the receiver's
		src     netip.Addr
		dst     netip.Addr
	}{
		{"MN->CN", res.Up, 1, mn, testbed.CNAddr},
		{"CN->MN", res.Down, 0, testbed.CNAddr, mn},
	} {
		loss := float64(d.rep.Lost) / float64(d.rep.Total)
		f := flow(t, m, d.capture, "udp", d.src, d.dst)
		t.Logf("%s: %d datagrams, iperf2: %d lost (%.3f%%), %d out of order; capture: %d misordered (%.3f%%), %d duplicates, %d paths",
			d.name, d.rep.Total, d.rep.Lost, 100*loss, d.rep.OutOfOrder,
			f.UDP.Misordered, 100*f.UDP.MisorderingRatio, f.UDP.Duplicates, len(f.Paths))
		if d.rep.Total == 0 || loss >= 0.001 {
			t.Errorf("%s: loss ratio %.4f%%, want under 0.1%%; %d lost between the captures %+v; drop counters:\n%s",
				d.name, 100*loss, f.UDP.GapLost, m.UDPLoss, res.Drops)
		}
		if f.UDP.MisorderingRatio >= 0.01 {
			t.Errorf("%s: misordering ratio %.3f%% in the capture, want under 1%%", d.name, 100*f.UDP.MisorderingRatio)
		}
	}
}

func checkTCP(t *testing.T, res scenario.Result) {
	t.Helper()
	for name, rep := range map[string]scenario.Report{"MN->CN": res.Up, "CN->MN": res.Down} {
		t.Logf("%s: %d bytes in %s", name, rep.Bytes, rep.Duration)
		if rep.Duration < res.Procedure {
			t.Errorf("%s: the connection lasted %s, less than the procedure (%s)", name, rep.Duration, res.Procedure)
		}
	}
	for _, pcap := range []string{res.MNCapture, res.CNCapture} {
		segs, resets := labtest.TCPResets(t, pcap)
		if segs == 0 || resets != 0 {
			t.Errorf("%s: %d TCP segments, %d with RST; want segments and no RST", filepath.Base(pcap), segs, resets)
		}
	}
}
