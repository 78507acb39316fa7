//go:build vmbench

package bench

import (
	"fmt"
	"testing"

	"github.com/ilnp-linux/ilnp/internal/lab/labtest"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
)

// TestTCPThroughputThreePaths runs iperf2 TCP from MN to CN with MN on
// aa, bb and cc (links not shaped), alternating plain IPv6 from MN's
// address on aa, ILNP on aa only (bb and cc in disabled_interface) and
// ILNP on all three, BENCH_ROUNDS rounds of BENCH_SECONDS, and prints
// the medians' ILNP/IPv6 ratios with one and with three paths: what
// spreading packets over paths costs per packet (a route per packet, the
// DRR), on one testbed in one boot.
func TestTCPThroughputThreePaths(t *testing.T) {
	secs, rounds := benchSeconds(), benchRounds()
	m := labtest.NewMultihomed(t)
	labtest.StartIperfServers(t, m.CN)
	bind := []string{"-B", m.Addrs["aa"].String()}
	ilnp := func(name, disabled string) float64 {
		setMode(t, m.Testbed.Testbed, "1")
		if err := m.MN.WriteSysctl("net.ipv6.disabled_interface", disabled); err != nil {
			t.Fatal(err)
		}
		labtest.WaitLUAcked(t, m.MN, testbed.CNAddr)
		return throughput(t, m.Testbed.Testbed, name, secs, bind...)
	}
	ipv6 := func(name string) float64 {
		setMode(t, m.Testbed.Testbed, "0")
		return throughput(t, m.Testbed.Testbed, name, secs, bind...)
	}
	var v6, one, three []float64
	for i := 0; i < rounds; i++ {
		v6 = append(v6, ipv6(fmt.Sprintf("ipv6-%d", i+1)))
		one = append(one, ilnp(fmt.Sprintf("ilnp1-%d", i+1), "bb cc"))
		three = append(three, ilnp(fmt.Sprintf("ilnp3-%d", i+1), ""))
	}
	v6 = append(v6, ipv6(fmt.Sprintf("ipv6-%d", rounds+1)))
	fmt.Printf("bench: paths  ILNP/IPv6 = %.3f with one path, %.3f with three (medians: IPv6 %.1f, ILNP on one %.1f, on three %.1f Mbit/s; %d runs each of %d s)\n",
		median(one)/median(v6), median(three)/median(v6), median(v6)/1e6, median(one)/1e6, median(three)/1e6, rounds, secs)
	fmt.Printf("bench: paths  IPv6-before/IPv6-after = %.3f (first and last IPv6 runs)\n", v6[0]/v6[len(v6)-1])
}
