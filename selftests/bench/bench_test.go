//go:build vmbench

package bench

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
)

// TestTCPThroughputILNPvsIPv6 runs iperf2 TCP from MN to CN over aa,
// alternating plain IPv6 and ILNP (BENCH_ROUNDS rounds of BENCH_SECONDS)
// so that drift in the guest shows up as the IPv6-before/IPv6-after
// ratio, and prints the medians and their ratio.
func TestTCPThroughputILNPvsIPv6(t *testing.T) {
	secs := benchSeconds()
	tb, err := testbed.New(context.Background(), testbed.Options{Dir: t.TempDir(), MNNetworks: []string{"aa"}})
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	if _, err := tb.WaitSLAAC(context.Background(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := tb.CN.Command(ctx, "iperf", "-s", "-V")
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if err := tb.CN.WaitListening(ctx, "tcp", 5001, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	ilnpctl := filepath.Join(os.Getenv("ILNP_ROOT"), "build", "bin", "ilnpctl")
	if _, err := tb.MN.Run(ctx, ilnpctl, "peer", "add", testbed.CNAddr.String()); err != nil {
		t.Fatal(err)
	}

	run := func(name, mode string) float64 {
		setMode(t, tb, mode)
		return throughput(t, tb, name, secs)
	}
	rounds := benchRounds()
	// IPv6 first and last, so that drift over the boot shows up.
	var ipv6, ilnp []float64
	for i := 0; i < rounds; i++ {
		ipv6 = append(ipv6, run(fmt.Sprintf("ipv6-%d", i+1), "0"))
		ilnp = append(ilnp, run(fmt.Sprintf("ilnp-%d", i+1), "1"))
	}
	ipv6 = append(ipv6, run(fmt.Sprintf("ipv6-%d", rounds+1), "0"))
	fmt.Printf("bench: ILNP/IPv6 = %.3f (medians: ILNP %.1f, IPv6 %.1f Mbit/s; %d ILNP and %d IPv6 runs of %d s)\n",
		median(ilnp)/median(ipv6), median(ilnp)/1e6, median(ipv6)/1e6, len(ilnp), len(ipv6), secs)
	fmt.Printf("bench: IPv6-before/IPv6-after = %.3f (first and last IPv6 runs)\n", ipv6[0]/ipv6[len(ipv6)-1])
	if os.Getenv("BENCH_DEBUG") != "" {
		for _, h := range []*testbed.Host{tb.MN, tb.R1, tb.R4, tb.CN} {
			out, _ := h.Run(ctx, "nstat", "-a")
			fmt.Printf("bench: %s nstat:\n%s", h.Name, out)
		}
	}
}

// benchSeconds is each run's length (BENCH_SECONDS, 10 by default).
func benchSeconds() int {
	if s, err := strconv.Atoi(os.Getenv("BENCH_SECONDS")); err == nil && s > 0 {
		return s
	}
	return 10
}

// benchRounds is how many ILNP runs a test makes (BENCH_ROUNDS, 3 by
// default), each beside an IPv6 one.
func benchRounds() int {
	if s, err := strconv.Atoi(os.Getenv("BENCH_ROUNDS")); err == nil && s > 0 {
		return s
	}
	return 3
}

// setMode sets net.ipv6.handoff_mode on MN and CN.
func setMode(t *testing.T, tb *testbed.Testbed, mode string) {
	t.Helper()
	for _, h := range []*testbed.Host{tb.MN, tb.CN} {
		if err := h.WriteSysctl("net.ipv6.handoff_mode", mode); err != nil {
			t.Fatal(err)
		}
	}
}

// throughput runs iperf2 TCP from MN to CN for secs seconds (args are
// added to the client's) and prints and returns its rate in bit/s.
func throughput(t *testing.T, tb *testbed.Testbed, name string, secs int, args ...string) float64 {
	t.Helper()
	out, err := tb.MN.Run(context.Background(), "iperf", append([]string{"-c", testbed.CNAddr.String(), "-V", "-t", strconv.Itoa(secs), "-y", "C"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(out))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil || len(recs) == 0 || len(recs[0]) < 9 {
		t.Fatalf("iperf output: %v\n%s", err, out)
	}
	bps, err := strconv.ParseFloat(recs[len(recs)-1][8], 64)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("bench: %-12s TCP %8.1f Mbit/s, %s\n", name, bps/1e6, retransmits(t, tb.MN))
	return bps
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// retransmits reads the host's TCP retransmission counter and resets it,
// so that each run reports its own.
func retransmits(t *testing.T, h *testbed.Host) string {
	out, err := h.Run(context.Background(), "nstat", "-z", "TcpRetransSegs", "TcpExtTCPLostRetransmit", "Ip6OutDiscards", "Ip6FragCreates")
	if err != nil {
		t.Logf("nstat: %v", err)
		return ""
	}
	var parts []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && !strings.HasPrefix(f[0], "#") {
			parts = append(parts, f[0]+"="+f[1])
		}
	}
	return strings.Join(parts, " ")
}
