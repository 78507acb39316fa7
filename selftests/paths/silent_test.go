//go:build vmtest

package paths

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/internal/lab/iperf"
	"github.com/ilnp-linux/ilnp/internal/lab/labtest"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
)

// Three equal links, and the one whose router fails silently: not aa,
// where MN's connections start (MPTCP's first subflow, ILNP's canonical
// locator), so that what is judged is a path's liveness and not that
// special case.
var (
	equal4 = [3]testbed.Link{
		{Rate: 4e6, Delay: 5 * time.Millisecond},
		{Rate: 4e6, Delay: 5 * time.Millisecond},
		{Rate: 4e6, Delay: 5 * time.Millisecond},
	}
	failedNet = "bb"
)

// The silent failure's timeline, from the flow's start at its receiver.
const (
	failAt     = 10 * time.Second
	tcpSeconds = 40 * time.Second
	// The UDP flow's path comes back at liftAt, and has until
	// readmitWithin to carry its share again (polled every
	// readmitPoll, and measured until readmitGiveUp).
	liftAt        = 20 * time.Second
	udpSeconds    = 30 * time.Second
	udpRate       = 3e6
	stopWithin    = 3 * time.Second
	readmitWithin = 5 * time.Second
	readmitPoll   = 250 * time.Millisecond
	readmitGiveUp = 9 * time.Second
	// readmitShare is the share of MN's octets sent in a poll interval
	// that shows a path carrying the flow again (a third on equal
	// links), well above probes and Neighbor Discovery.
	readmitShare = 0.10
)

// TestSilentFailure: over three equal links (4 Mbit/s, 5 ms one way),
// 10 s into a 40 s iperf2 TCP flow MN->CN, bb's router starts dropping
// everything it forwards from and to MN's prefix there while the link
// stays up and its Router Advertisements keep the prefix valid. ILNP's
// TCP flow must keep, in its last 10 s, at least 0.6 times its rate of
// 1-10 s (MPTCP's same figure is printed beside it). An ILNP UDP flow at
// 3 Mbit/s must stop losing within 3 s of the failure (by its
// receiver's reports a second), and once the drop is lifted MN must
// send its share on bb again within 5 s.
func TestSilentFailure(t *testing.T) {
	tb := bed(t, equal4)

	use(t, tb, ilnp3)
	ilnpTCP := tcpFailure(t, tb, ilnp3)
	u := udpFailure(t, tb)
	use(t, tb, mptcp3)
	j0 := joined(t, tb)
	mptcpTCP := tcpFailure(t, tb, mptcp3)
	checkJoins(t, "MN->CN", j0, joined(t, tb))

	rows := [][]string{{"TCP, 40 s", "before (1-10 s)", "last 10 s (30-40 s)", "ratio", "failure at"}}
	for _, r := range []struct {
		name string
		f    tcpFailureResult
	}{{"ILNP", ilnpTCP}, {"MPTCP", mptcpTCP}} {
		rows = append(rows, []string{r.name, mbps(r.f.before), mbps(r.f.after),
			fmt.Sprintf("%.2fx", r.f.after/r.f.before), fmt.Sprintf("%.2f-%.2f s", r.f.failing.Seconds(), r.f.failed.Seconds())})
	}
	t.Logf("three links %s; %s's router drops MN's traffic there from %s; one iperf2 flow MN->CN, Mbit/s at the receiver\n%sILNP UDP %s Mbit/s: %s",
		describe(equal4), failedNet, failAt, table(rows), mbps(udpRate), u)

	if ilnpTCP.after < 0.6*ilnpTCP.before {
		t.Errorf("ILNP TCP: %s Mbit/s in the last 10 s, %.2fx its %s Mbit/s before the failure, want at least 0.6x (MPTCP: %.2fx)",
			mbps(ilnpTCP.after), ilnpTCP.after/ilnpTCP.before, mbps(ilnpTCP.before), mptcpTCP.after/mptcpTCP.before)
	}
	if !u.stopped || u.stopAfter > stopWithin {
		t.Errorf("ILNP UDP: %s, want no loss from %s after the failure on", u.stopText(), stopWithin)
	}
	if !u.readmitted || u.readmitAfter > readmitWithin {
		t.Errorf("ILNP UDP: %s, want within %s of the drop being lifted", u.readmitText(), readmitWithin)
	}
}

type tcpFailureResult struct {
	before, after float64 // bit/s in 1-10 s and in the last 10 s
	// The drop was put in place between failing and failed, on the
	// flow's clock.
	failing, failed time.Duration
}

// tcpFailure runs a TCP flow MN->CN for tcpSeconds in mode m, makes
// failedNet's router drop MN's traffic at failAt and lifts the drop once
// the flow has ended.
func tcpFailure(t *testing.T, tb *labtest.Multihomed, m mode) tcpFailureResult {
	t.Helper()
	ctx := context.Background()
	run, origin := start(t, tcpFlow(tb, m, false, tcpSeconds))
	if m.mptcp {
		sleepUntil(origin.Add(5 * time.Second))
		logSubflows(t, tb, "at 5 s")
	}
	sleepUntil(origin.Add(failAt))
	failing := time.Since(origin)
	if err := tb.Blackhole(ctx, failedNet); err != nil {
		t.Fatal(err)
	}
	failed := time.Since(origin)
	res, err := run.Wait()
	if err != nil {
		t.Fatalf("%s: %v", m.name, err)
	}
	if err := tb.LiftBlackhole(ctx, failedNet); err != nil {
		t.Fatal(err)
	}
	if res.ClientErr != nil {
		t.Logf("%s: the client: %v\n%s", m.name, res.ClientErr, res.Sender)
	}
	t.Logf("%s: the receiver's reports:\n%s", m.name, res.Receiver)
	// Time for whatever the failure left (retransmission timers, a
	// path out of use) to settle before the next flow.
	time.Sleep(3 * time.Second)
	return tcpFailureResult{before: res.Rate(time.Second, failAt), after: res.Rate(tcpSeconds-10*time.Second, tcpSeconds),
		failing: failing, failed: failed}
}

type udpFailureResult struct {
	before, during          float64 // bit/s in 1-10 s and during the failure
	lostBefore, totalBefore int64
	lost, total             int64 // during the failure
	// The drop was put in place between failing and failed and lifted
	// between lifting and lifted, on the flow's clock.
	failing, failed, lifting, lifted time.Duration
	stopAfter                        time.Duration // since the failure's second began
	stopped                          bool
	failShare                        float64 // failedNet's share of MN's octets sent late in the failure
	readmitAfter                     time.Duration
	readmitted                       bool
}

func (u udpFailureResult) stopText() string {
	if !u.stopped {
		return fmt.Sprintf("still losing in the last second of the failure (%.0f s after it)", (u.lifting - u.failed).Seconds())
	}
	if u.stopAfter == 0 {
		return "lost nothing after the failure"
	}
	return fmt.Sprintf("stopped losing %s after the failure (to the second)", u.stopAfter)
}

func (u udpFailureResult) readmitText() string {
	if !u.readmitted {
		return fmt.Sprintf("%s not readmitted %s after the drop was lifted", failedNet, readmitGiveUp)
	}
	return fmt.Sprintf("%s readmitted %s after the drop was lifted", failedNet, u.readmitAfter.Round(time.Millisecond))
}

func (u udpFailureResult) String() string {
	pct := func(l, n int64) float64 {
		if n == 0 {
			return 0
		}
		return 100 * float64(l) / float64(n)
	}
	return fmt.Sprintf("before (1-10 s) %s Mbit/s, %.2f%% lost; drop put in place %.2f-%.2f s, lifted %.2f-%.2f s; during the failure's whole seconds %s Mbit/s, %.2f%% lost (%d of %d); %s; %s's share of MN's octets sent in the failure's last 3 s %.0f%%; %s",
		mbps(u.before), pct(u.lostBefore, u.totalBefore), u.failing.Seconds(), u.failed.Seconds(), u.lifting.Seconds(), u.lifted.Seconds(),
		mbps(u.during), pct(u.lost, u.total), u.lost, u.total, u.stopText(), failedNet, 100*u.failShare, u.readmitText())
}

// udpFailure runs a UDP flow MN->CN at udpRate over ILNP on all three
// networks for udpSeconds, with failedNet's router dropping MN's traffic
// from failAt to liftAt, and watches MN's interfaces until failing
// carries its share again.
func udpFailure(t *testing.T, tb *labtest.Multihomed) udpFailureResult {
	t.Helper()
	ctx := context.Background()
	run, origin := start(t, iperf.Flow{Client: tb.MN, Server: tb.CN, Dst: testbed.CNAddr,
		Duration: udpSeconds, UDPRate: udpRate, Length: datagram})
	var u udpFailureResult
	sleepUntil(origin.Add(failAt))
	u.failing = time.Since(origin)
	if err := tb.Blackhole(ctx, failedNet); err != nil {
		t.Fatal(err)
	}
	u.failed = time.Since(origin)
	sleepUntil(origin.Add(liftAt - 3*time.Second))
	late := linkBytes(t, tb, true)
	sleepUntil(origin.Add(liftAt))
	now := linkBytes(t, tb, true)
	u.failShare = shares(late, now)[index(failedNet)]
	u.lifting = time.Since(origin)
	if err := tb.LiftBlackhole(ctx, failedNet); err != nil {
		t.Fatal(err)
	}
	u.lifted = time.Since(origin)
	lifted := time.Now()
	for prev := now; time.Since(lifted) < readmitGiveUp; {
		time.Sleep(readmitPoll)
		cur := linkBytes(t, tb, true)
		if shares(prev, cur)[index(failedNet)] >= readmitShare {
			u.readmitAfter, u.readmitted = time.Since(lifted), true
			break
		}
		prev = cur
	}
	res, err := run.Wait()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ILNP UDP: the receiver's reports:\n%s", res.Receiver)
	// The failure's seconds as the receiver reports them: from the
	// one in which the drop was in place to the last before the lift
	// began.
	from, to := u.failed.Truncate(time.Second), u.lifting.Truncate(time.Second)
	u.before, u.during = res.Rate(time.Second, failAt), res.Rate(from, to)
	u.lostBefore, u.totalBefore = res.Loss(time.Second, failAt)
	u.lost, u.total = res.Loss(from, to)
	u.stopAfter, u.stopped = res.LossStopped(from, to)
	return u
}

// index is the position of an access network in AccessNets.
func index(name string) int {
	for i, an := range testbed.AccessNets {
		if an.Name == name {
			return i
		}
	}
	panic("no access network " + name)
}
