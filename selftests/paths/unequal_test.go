//go:build vmbench

package paths

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/internal/lab/iperf"
	"github.com/ilnp-linux/ilnp/internal/lab/labtest"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
)

// unequal are the links of a phone on Wi-Fi and cellular: aa fast and
// near, bb slower and farther, cc slow and far.
var unequal = [3]testbed.Link{
	{Rate: 8e6, Delay: 5 * time.Millisecond},
	{Rate: 4e6, Delay: 15 * time.Millisecond},
	{Rate: 1e6, Delay: 40 * time.Millisecond},
}

// unequalSeconds is each flow's length.
const unequalSeconds = 15 * time.Second

// unequalUDPRate is the UDP flows' rate: less than the links' sum
// (13 Mbit/s), more than the slowest link's share of an equal split.
const unequalUDPRate = 6e6

// TestUnequalPaths: over links of 8, 4 and 1 Mbit/s with 5, 15 and 40 ms
// one way, one iperf2 TCP flow of 15 s in each direction with plain IPv6
// on aa, ILNP on aa only, ILNP on all three and MPTCP on all three (the
// issue's table); ILNP on three must give at least what ILNP on aa alone
// gives and at least 0.9 times MPTCP on three, both ways; and UDP at
// 6 Mbit/s over ILNP on three must lose under 1%.
func TestUnequalPaths(t *testing.T) {
	tb := bed(t, unequal)
	dirs := []struct {
		name string
		down bool
	}{{"MN->CN", false}, {"CN->MN", true}}
	tcp := map[string][2]float64{}
	share := map[string][2]string{}
	run := func(m mode) {
		t.Helper()
		use(t, tb, m)
		var rates [2]float64
		var sh [2]string
		for i, d := range dirs {
			j0 := joined(t, tb)
			before := linkBytes(t, tb, !d.down)
			r, origin := start(t, tcpFlow(tb, m, d.down, unequalSeconds))
			if m.mptcp {
				sleepUntil(origin.Add(3 * time.Second))
				logSubflows(t, tb, d.name+" at 3 s")
			}
			res, err := r.Wait()
			if err != nil {
				t.Fatalf("%s %s: %v", m.name, d.name, err)
			}
			if res.ClientErr != nil {
				t.Logf("%s %s: the client: %v\n%s", m.name, d.name, res.ClientErr, res.Sender)
			}
			rates[i], sh[i] = res.Mean(), percents(shares(before, linkBytes(t, tb, !d.down)))
			if m.mptcp {
				checkJoins(t, d.name, j0, joined(t, tb))
			}
		}
		tcp[m.name], share[m.name] = rates, sh
	}
	// ILNP first and MPTCP last: the mode changes twice in the boot.
	run(ilnpAA)
	run(ilnp3)
	udp := udpLoss(t, tb)
	run(plainAA)
	run(mptcp3)

	rows := [][]string{{"", "MN->CN", "CN->MN", "shares MN->CN", "shares CN->MN"}}
	for _, m := range []mode{plainAA, ilnpAA, ilnp3, mptcp3} {
		r, s := tcp[m.name], share[m.name]
		rows = append(rows, []string{m.name, mbps(r[0]), mbps(r[1]), s[0], s[1]})
	}
	var b strings.Builder
	for i, d := range dirs {
		fmt.Fprintf(&b, "UDP %s at %s Mbit/s over ILNP on all three: %s\n", d.name, mbps(unequalUDPRate), udp[i])
	}
	t.Logf("links aa/bb/cc %s; one iperf2 TCP flow of %s each, Mbit/s at the receiver; MN's aa/bb/cc shares of the octets\n%s%s",
		describe(unequal), unequalSeconds, table(rows), b.String())

	for i, d := range dirs {
		three, one, mp := tcp[ilnp3.name][i], tcp[ilnpAA.name][i], tcp[mptcp3.name][i]
		if three < one {
			t.Errorf("%s: ILNP on all three %s Mbit/s, less than ILNP on aa only (%s Mbit/s): %.2fx",
				d.name, mbps(three), mbps(one), three/one)
		}
		if three < 0.9*mp {
			t.Errorf("%s: ILNP on all three %s Mbit/s, %.2fx MPTCP on all three (%s Mbit/s), want at least 0.9x",
				d.name, mbps(three), three/mp, mbps(mp))
		}
		if !udp[i].ok() {
			t.Errorf("UDP %s over ILNP on all three lost %.2f%%, want under 1%%", d.name, 100*udp[i].ratio())
		}
	}
}

// udpResult is what a UDP receiver counted of a flow.
type udpResult struct {
	lost, total int64
	rate        float64
	shares      string
}

func (u udpResult) ratio() float64 {
	if u.total == 0 {
		return 1
	}
	return float64(u.lost) / float64(u.total)
}

// ok says whether the flow lost under 1% of its datagrams.
func (u udpResult) ok() bool { return u.total > 0 && u.ratio() < 0.01 }

func (u udpResult) String() string {
	return fmt.Sprintf("%s Mbit/s received, %.2f%% lost (%d of %d), shares %s",
		mbps(u.rate), 100*u.ratio(), u.lost, u.total, u.shares)
}

// udpLoss runs a UDP flow at unequalUDPRate over ILNP on all three
// networks each way (the mode must be ilnp3) and returns what its
// receiver counted: MN->CN, then CN->MN.
func udpLoss(t *testing.T, tb *labtest.Multihomed) [2]udpResult {
	t.Helper()
	var out [2]udpResult
	for i, f := range []iperf.Flow{
		{Client: tb.MN, Server: tb.CN, Dst: testbed.CNAddr},
		{Client: tb.CN, Server: tb.MN, Dst: tb.MNAddr},
	} {
		f.Duration, f.UDPRate, f.Length = unequalSeconds, unequalUDPRate, datagram
		before := linkBytes(t, tb, i == 0)
		res, err := iperf.Do(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		u := udpResult{rate: res.Mean(), shares: percents(shares(before, linkBytes(t, tb, i == 0)))}
		if res.Final != nil {
			u.lost, u.total = res.Final.Lost, res.Final.Total
		} else {
			u.lost, u.total = res.Loss(0, f.Duration+time.Second)
		}
		out[i] = u
	}
	return out
}
