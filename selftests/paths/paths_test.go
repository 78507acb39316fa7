//go:build vmtest || vmbench

package paths

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/ilnp-linux/ilnp/internal/lab/iperf"
	"github.com/ilnp-linux/ilnp/internal/lab/labtest"
	"github.com/ilnp-linux/ilnp/internal/lab/mptcp"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
)

// datagram is the UDP payload length: 1400 octets fit the 1500-octet
// MTU with the nonce option, so that every datagram is one packet.
const datagram = 1400

// bed is the multihomed testbed (both ends ILNP hosts) with MN's links
// to aa, bb and cc shaped as links says, in AccessNets order.
func bed(t *testing.T, links [3]testbed.Link) *labtest.Multihomed {
	t.Helper()
	m := labtest.NewMultihomed(t)
	for i, an := range testbed.AccessNets {
		if err := m.Shape(context.Background(), an.Name, links[i]); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// A mode is how MN and CN use MN's networks for a flow.
type mode struct {
	name string
	// ilnp makes both ends ILNP hosts, with MN's interfaces listed in
	// disabled out of use; otherwise they are plain IPv6 hosts.
	ilnp     bool
	disabled string
	mptcp    bool // MPTCP over all three (plain IPv6 mode)
}

var (
	plainAA = mode{name: "plain IPv6 on aa"}
	ilnpAA  = mode{name: "ILNP on aa only", ilnp: true, disabled: "bb cc"}
	ilnp3   = mode{name: "ILNP on all three", ilnp: true}
	mptcp3  = mode{name: "MPTCP on all three", mptcp: true}
)

// use puts the testbed in mode m: handoff_mode on both ends, MN's
// disabled_interface (waiting until CN has acknowledged MN's Locator
// Update), the MPTCP endpoints and limits.
func use(t *testing.T, tb *labtest.Multihomed, m mode) {
	t.Helper()
	v := "0"
	if m.ilnp {
		v = "1"
	}
	for _, h := range []*testbed.Host{tb.MN, tb.CN} {
		if err := h.WriteSysctl("net.ipv6.handoff_mode", v); err != nil {
			t.Fatal(err)
		}
	}
	if err := tb.MN.WriteSysctl("net.ipv6.disabled_interface", m.disabled); err != nil {
		t.Fatal(err)
	}
	if m.ilnp {
		labtest.WaitLUAcked(t, tb.MN, testbed.CNAddr)
	}
	if m.mptcp {
		var eps []mptcp.Endpoint
		for _, an := range testbed.AccessNets {
			eps = append(eps, mptcp.Endpoint{Addr: tb.Addrs[an.Name], Dev: an.Name})
		}
		if err := mptcp.Setup(context.Background(), tb.MN, tb.CN, eps); err != nil {
			t.Fatal(err)
		}
	}
}

// tcpFlow is one TCP flow between MN and CN in mode m, opened by MN
// from its address on aa; down makes CN the sender (iperf2 -R).
func tcpFlow(tb *labtest.Multihomed, m mode, down bool, d time.Duration) iperf.Flow {
	f := iperf.Flow{Client: tb.MN, Server: tb.CN, Dst: testbed.CNAddr, Bind: tb.Addrs["aa"], Duration: d, Reverse: down}
	if m.mptcp {
		f.Wrap = mptcp.Wrap
	}
	return f
}

// linkBytes reads MN's interface counters on every access network: the
// octets sent (tx) or received.
func linkBytes(t *testing.T, tb *labtest.Multihomed, tx bool) map[string]uint64 {
	t.Helper()
	b := map[string]uint64{}
	for _, an := range testbed.AccessNets {
		s, err := tb.MN.LinkStats(an.Name)
		if err != nil {
			t.Fatal(err)
		}
		b[an.Name] = s.RXBytes
		if tx {
			b[an.Name] = s.TXBytes
		}
	}
	return b
}

// shares are each network's fraction of what MN's interfaces counted
// between two readings of linkBytes, in AccessNets order.
func shares(before, after map[string]uint64) []float64 {
	var total uint64
	for _, an := range testbed.AccessNets {
		total += after[an.Name] - before[an.Name]
	}
	out := make([]float64, len(testbed.AccessNets))
	for i, an := range testbed.AccessNets {
		if total > 0 {
			out[i] = float64(after[an.Name]-before[an.Name]) / float64(total)
		}
	}
	return out
}

// percents writes shares as "33/33/33%".
func percents(sh []float64) string {
	var p []string
	for _, s := range sh {
		p = append(p, fmt.Sprintf("%.0f", 100*s))
	}
	return strings.Join(p, "/") + "%"
}

// joined is how many MPTCP subflows have joined connections at CN.
func joined(t *testing.T, tb *labtest.Multihomed) uint64 {
	t.Helper()
	n, err := mptcp.Joined(context.Background(), tb.CN)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkJoins fails the test if an MPTCP flow ran on fewer than the
// three networks: the yardstick would not be MPTCP over three paths.
func checkJoins(t *testing.T, what string, before, after uint64) {
	t.Helper()
	if after-before < uint64(len(testbed.AccessNets)-1) {
		t.Errorf("MPTCP %s: %d subflows joined its connection at CN, want %d (one a network beyond the first)",
			what, after-before, len(testbed.AccessNets)-1)
	}
}

// logSubflows logs the MPTCP state of both ends, e.g. while a flow runs.
func logSubflows(t *testing.T, tb *labtest.Multihomed, what string) {
	t.Helper()
	ctx := context.Background()
	t.Logf("MPTCP %s:\n%s%s", what, mptcp.State(ctx, tb.MN), mptcp.State(ctx, tb.CN))
}

func mbps(bps float64) string { return fmt.Sprintf("%.2f", bps/1e6) }

// table aligns rows (the first a header) in columns, right-aligned.
func table(rows [][]string) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, r := range rows {
		fmt.Fprintln(w, strings.Join(r, "\t")+"\t")
	}
	w.Flush()
	return b.String()
}

// start starts a flow, to be killed when the test ends if it still
// runs, and waits for its receiver's first report: it returns the run
// and the flow's start by the receiver's clock (iperf.Run.Origin).
func start(t *testing.T, f iperf.Flow) (*iperf.Run, time.Time) {
	t.Helper()
	run, err := iperf.Start(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Kill)
	origin, err := run.Origin(20 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return run, origin
}

// sleepUntil sleeps until at.
func sleepUntil(at time.Time) { time.Sleep(time.Until(at)) }

// describe writes links as "8/4/1 Mbit/s, 5/15/40 ms one way".
func describe(links [3]testbed.Link) string {
	var r, d []string
	for _, l := range links {
		r = append(r, fmt.Sprintf("%g", float64(l.Rate)/1e6))
		d = append(d, fmt.Sprintf("%g", float64(l.Delay.Microseconds())/1e3))
	}
	return strings.Join(r, "/") + " Mbit/s, " + strings.Join(d, "/") + " ms one way"
}
