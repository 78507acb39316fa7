//go:build vmtest

package multihoming

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/selftests/ilnptest"
	"github.com/ilnp-linux/ilnp/selftests/scenario"
	"github.com/ilnp-linux/ilnp/selftests/testbed"
)

// datagram is the UDP payload length of these tests: 1400 octets fit
// the 1500-octet MTU with the nonce option, so that every datagram is
// one packet on one path.
const datagram = "1400"

// The metrics of `ilnpcheck metrics --json` these tests read.
type metricsJSON struct {
	Captures []struct {
		File  string     `json:"file"`
		Flows []flowJSON `json:"flows"`
	} `json:"captures"`
	UDPLoss []struct {
		Flow      string  `json:"flow"`
		Sent      int64   `json:"sent"`
		Received  int64   `json:"received"`
		Lost      int64   `json:"lost"`
		LossRatio float64 `json:"loss_ratio"`
	} `json:"udp_loss"`
}

type flowJSON struct {
	Proto   string `json:"proto"`
	SrcNID  string `json:"src_nid"`
	DstNID  string `json:"dst_nid"`
	Packets int64  `json:"packets"`
	Bytes   int64  `json:"bytes"`
	Paths   []struct {
		SrcL64  string    `json:"src_l64"`
		DstL64  string    `json:"dst_l64"`
		Bytes   int64     `json:"bytes"`
		Share   float64   `json:"share"`
		Buckets []float64 `json:"buckets_bps"`
	} `json:"paths"`
	UDP *struct {
		Datagrams        int64   `json:"datagrams"`
		Misordered       int64   `json:"misordered"`
		MisorderingRatio float64 `json:"misordering_ratio"`
		Duplicates       int64   `json:"duplicates"`
		GapLost          int64   `json:"gap_lost"`
	} `json:"udp"`
}

func metrics(t *testing.T, pcaps ...string) metricsJSON {
	t.Helper()
	out, err := exec.Command(ilnptest.Bin(t, "ilnpcheck"), append([]string{"metrics", "--json"}, pcaps...)...).Output()
	if err != nil {
		t.Fatalf("ilnpcheck metrics %v: %v", pcaps, err)
	}
	var m metricsJSON
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("ilnpcheck metrics: %v", err)
	}
	return m
}

// flow finds the largest flow of proto from src to dst in a capture.
func (m metricsJSON) flow(t *testing.T, capture int, proto string, src, dst netip.Addr) flowJSON {
	t.Helper()
	var best flowJSON
	for _, f := range m.Captures[capture].Flows {
		if f.Proto == proto && f.SrcNID == ilnptest.NIDString(src) && f.DstNID == ilnptest.NIDString(dst) && f.Bytes > best.Bytes {
			best = f
		}
	}
	if best.Bytes == 0 {
		t.Fatalf("no %s flow %s -> %s in %s", proto, src, dst, m.Captures[capture].File)
	}
	return best
}

// shared is the testbed with MN on aa, bb and cc from the start, both
// ends ILNP hosts knowing all of each other's locators.
func shared(t *testing.T) (*ilnptest.Testbed, []string) {
	t.Helper()
	tb := ilnptest.NewTestbedWith(t, true, testbed.Options{MNILNP: true})
	addrs, err := tb.WaitSLAAC(context.Background(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var ilvs []string
	for _, an := range testbed.AccessNets {
		a := addrs[an.Name]
		if ilnptest.NIDString(a) != ilnptest.NIDString(tb.MNAddr) {
			t.Fatalf("MN's address on %s is %s: not one NID with %s", an.Name, a, tb.MNAddr)
		}
		ilvs = append(ilvs, a.String())
	}
	ilnptest.Ctl(t, tb.CN, append([]string{"peer", "add"}, ilvs...)...)
	for _, h := range []*testbed.Host{tb.R4, tb.CN} {
		if _, err := h.Run(context.Background(), "ethtool", "-K", "dd", "tx", "off"); err != nil {
			t.Fatal(err)
		}
	}
	return tb, ilvs
}

// checkShares checks that each of MN's three locators carried 30% to 36%
// of the flow's bytes, and that none was idle in any 1 s bucket after
// the first (and before the last, which the flow does not fill).
func checkShares(t *testing.T, f flowJSON, mnSide func(src, dst string) string) {
	t.Helper()
	byL64 := map[string]int64{}
	buckets := map[string][]float64{}
	for _, p := range f.Paths {
		l := mnSide(p.SrcL64, p.DstL64)
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
	for _, an := range testbed.AccessNets {
		l := strings.TrimSuffix(an.Prefix.Addr().String(), "::")
		share := float64(byL64[l]) / float64(f.Bytes)
		t.Logf("%s: %d bytes, %.1f%%", l, byL64[l], 100*share)
		if share < 0.30 || share > 0.36 {
			t.Errorf("%s carried %.1f%% of the bytes, want 30%% to 36%%", l, 100*share)
		}
		b := buckets[l]
		for i := 1; i < len(b)-1; i++ {
			if b[i] == 0 {
				t.Errorf("%s idle in the 1 s bucket %d", l, i)
			}
		}
	}
}

// TestSharing: iperf2 UDP at 10 Mbit/s for 20 s, MN to CN and then CN
// to MN, spreads over MN's three locators in equal shares (from the
// captures at the receiver), none of them idle.
func TestSharing(t *testing.T) {
	tb, _ := shared(t)
	ilnptest.StartIperfServers(t, tb.MN)
	ilnptest.StartIperfServers(t, tb.CN)
	for _, dir := range []struct {
		name             string
		from, to         *testbed.Host
		fromAddr, toAddr netip.Addr
		capHost          *testbed.Host
		capIf            string
		mnSide           func(src, dst string) string
	}{
		{"up", tb.MN, tb.CN, tb.MNAddr, testbed.CNAddr, tb.CN, "dd", func(src, _ string) string { return src }},
		{"down", tb.CN, tb.MN, testbed.CNAddr, tb.MNAddr, tb.MN, "any", func(_, dst string) string { return dst }},
	} {
		t.Run(dir.name, func(t *testing.T) {
			c, err := dir.capHost.StartCaptureWith(dir.capIf, filepath.Join(t.TempDir(), "rx.pcap"), testbed.CaptureOptions{Snaplen: 128})
			if err != nil {
				t.Fatal(err)
			}
			out, err := dir.from.Run(context.Background(), "iperf", "-c", dir.toAddr.String(), "-V", "-u",
				"-b", "10M", "-l", datagram, "-t", "20")
			if err != nil {
				t.Fatalf("iperf: %v\n%s", err, out)
			}
			time.Sleep(500 * time.Millisecond)
			if err := c.Stop(); err != nil {
				t.Fatal(err)
			}
			checkShares(t, metrics(t, c.Path).flow(t, 0, "udp", dir.fromAddr, dir.toAddr), dir.mnSide)
		})
	}
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
	ilnptest.StartIperfServers(t, tb.CN)
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
// twice) under iperf2 UDP at 10 Mbit/s in both directions, at 0 and
// 20 ms added delay: loss under 0.1% and misordering under 1%; and the
// same with TCP, which must complete without a reset.
func TestDuality(t *testing.T) {
	for _, proto := range []string{"udp", "tcp"} {
		for _, delay := range []time.Duration{0, 20 * time.Millisecond} {
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
					res.Procedure, res.MNStats.LUSent, res.MNStats.LUAcked, res.MNStats.LURetransmitted)
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
	m := metrics(t, res.MNCapture, res.CNCapture)
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
		f := m.flow(t, d.capture, "udp", d.src, d.dst)
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
		segs, resets := ilnptest.TCPResets(t, pcap)
		if segs == 0 || resets != 0 {
			t.Errorf("%s: %d TCP segments, %d with RST; want segments and no RST", filepath.Base(pcap), segs, resets)
		}
	}
}
