// Package scenario runs the paper's mobility-multihoming experiment
// (section 5) on the testbed: iperf2 flows in both directions between MN
// and CN, both ILNP hosts, while MN follows a procedure of gaining and
// losing access networks, with captures at MN and CN. The duality
// selftests and `make demo` both run it.
package scenario

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ilnp-linux/ilnp/internal/lab/iperf"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// Config describes one run.
type Config struct {
	Dir   string        // where the captures go; it must exist
	Delay time.Duration // round-trip delay added at CN: 0, 20 or 200 ms
	Proto string        // "udp" or "tcp"
	Rate  string        // iperf2 -b, e.g. "10M"
	// Length is iperf2's datagram length (-l) for UDP; 0 keeps iperf2's
	// default.
	Length int
	Steps  []testbed.Step
	Dwell  time.Duration // before each step, and after the last
	// Lead is how long the flows run before the first step.
	Lead time.Duration
	// Progress, if set, is told what happens as it happens.
	Progress func(format string, args ...any)
	// Setup, if set, runs once the testbed is built and both ends are
	// ILNP hosts, before the captures and the flows start: to put a
	// firewall on the way, say.
	Setup func(ctx context.Context, tb *testbed.Testbed) error
	// After, if set, runs once the flows and captures have stopped,
	// whether the run went well or not, before the testbed is torn
	// down: to read what Setup put in place, say.
	After func(ctx context.Context, tb *testbed.Testbed) error
}

// Report is an iperf2 server's view of one flow (its CSV report).
type Report struct {
	Duration   time.Duration
	Bytes      int64
	Lost       int64 // UDP only, like the three below
	Total      int64
	OutOfOrder int64
}

// Result is what a run leaves.
type Result struct {
	MNAddr               netip.Addr // MN's canonical address (on aa)
	MNCapture, CNCapture string
	// MNDropped and CNDropped count the packets each capture missed.
	MNDropped, CNDropped int
	Up, Down             Report // MN->CN and CN->MN, as their receivers saw them
	Procedure            time.Duration
	MNStats              ilnpnl.Stats
	// Drops are MN's and CN's IPv6 and UDP drop counters and the
	// neighbour tables' unresolved discards, for telling where a loss
	// happened.
	Drops string
}

// dropCounters names the counters that count a packet dropped on its way.
var dropCounters = []string{"Ip6InDiscards", "Ip6InNoRoutes", "Ip6OutDiscards", "Ip6OutNoRoutes",
	"Udp6InErrors", "Udp6RcvbufErrors", "Udp6SndbufErrors", "Udp6InCsumErrors"}

func drops(ctx context.Context, tb *testbed.Testbed) string {
	var b strings.Builder
	for _, h := range []*testbed.Host{tb.MN, tb.CN} {
		out, _ := h.Run(ctx, "nstat", append([]string{"-az"}, dropCounters...)...)
		fmt.Fprintf(&b, "%s:\n%s", h.Name, out)
	}
	if nd, err := os.ReadFile("/proc/net/stat/ndisc_cache"); err == nil {
		fmt.Fprintf(&b, "ndisc_cache:\n%s", nd)
	}
	return b.String()
}

func (c *Config) progress(format string, args ...any) {
	if c.Progress != nil {
		c.Progress(format, args...)
	}
}

// Run builds the testbed with MN on aa, runs the flows and the
// procedure, and tears the testbed down.
func Run(ctx context.Context, cfg Config) (res Result, err error) {
	if cfg.Proto != "udp" && cfg.Proto != "tcp" {
		return res, fmt.Errorf("scenario: protocol %q, want udp or tcp", cfg.Proto)
	}
	cfg.progress("building the testbed (%s added delay)", cfg.Delay)
	tb, err := testbed.New(ctx, testbed.Options{Dir: cfg.Dir, Delay: cfg.Delay, MNNetworks: []string{"aa"}})
	if err != nil {
		return res, err
	}
	defer func() { err = errors.Join(err, tb.Close()) }()
	addrs, err := tb.WaitSLAAC(ctx, 10*time.Second)
	if err != nil {
		return res, err
	}
	mn := addrs["aa"]
	res.MNAddr = mn
	if err := ilnpBoth(tb, mn); err != nil {
		return res, err
	}
	// Complete checksums on the wire at CN, so that its capture can be
	// checked; MN keeps its offloads.
	for _, h := range []*testbed.Host{tb.R4, tb.CN} {
		if _, err := h.Run(ctx, "ethtool", "-K", "dd", "tx", "off"); err != nil {
			return res, err
		}
	}

	if cfg.Setup != nil {
		if err := cfg.Setup(ctx, tb); err != nil {
			return res, fmt.Errorf("scenario: setup: %w", err)
		}
	}
	if cfg.After != nil {
		// Once the flows and captures have stopped, whether or not
		// the run went well, while the testbed still stands.
		defer func() {
			if e := cfg.After(ctx, tb); e != nil {
				err = errors.Join(err, fmt.Errorf("scenario: after: %w", e))
			}
		}()
	}

	res.MNCapture = filepath.Join(cfg.Dir, "mn.pcap")
	res.CNCapture = filepath.Join(cfg.Dir, "cn.pcap")
	// Headers and iperf2's sequence number are all the metrics need.
	opts := testbed.CaptureOptions{Snaplen: 128}
	mnCap, err := tb.MN.StartCaptureWith("any", res.MNCapture, opts)
	if err != nil {
		return res, err
	}
	defer func() {
		err = errors.Join(err, mnCap.Stop())
		res.MNDropped = mnCap.Dropped
	}()
	cnCap, err := tb.CN.StartCaptureWith("dd", res.CNCapture, opts)
	if err != nil {
		return res, err
	}
	defer func() {
		err = errors.Join(err, cnCap.Stop())
		res.CNDropped = cnCap.Dropped
	}()

	srvArgs := []string{"-s", "-V", "-y", "C"}
	cliArgs := []string{"-V", "-b", cfg.Rate, "-t", "3600"}
	if cfg.Proto == "udp" {
		// A receive buffer large enough that a busy guest does not
		// drop datagrams the network delivered.
		srvArgs = append(srvArgs, "-u", "-w", "4M")
		cliArgs = append(cliArgs, "-u")
		if cfg.Length > 0 {
			cliArgs = append(cliArgs, "-l", strconv.Itoa(cfg.Length))
		}
	}
	srvMN, err := tb.MN.Start("stdbuf", append([]string{"-oL", "iperf"}, srvArgs...)...)
	if err != nil {
		return res, err
	}
	defer srvMN.Kill()
	srvCN, err := tb.CN.Start("stdbuf", append([]string{"-oL", "iperf"}, srvArgs...)...)
	if err != nil {
		return res, err
	}
	defer srvCN.Kill()
	for _, h := range []*testbed.Host{tb.MN, tb.CN} {
		if err := h.WaitListening(ctx, cfg.Proto, 5001, 10*time.Second); err != nil {
			return res, err
		}
	}

	cfg.progress("starting iperf2 %s at %s bit/s in both directions", strings.ToUpper(cfg.Proto), cfg.Rate)
	up, err := tb.MN.Start("iperf", append([]string{"-c", testbed.CNAddr.String()}, cliArgs...)...)
	if err != nil {
		return res, err
	}
	defer up.Kill()
	down, err := tb.CN.Start("iperf", append([]string{"-c", mn.String()}, cliArgs...)...)
	if err != nil {
		return res, err
	}
	defer down.Kill()

	mover, err := tb.NewMover()
	if err != nil {
		return res, err
	}
	defer mover.Close()
	time.Sleep(cfg.Lead)
	began := time.Now()
	var prev time.Duration
	err = mover.Run(ctx, cfg.Steps, cfg.Dwell, func(s testbed.Step, at time.Duration) {
		// The step's own time, after its dwell: the wait for the
		// address, if a gain, and for the LU's acknowledgment.
		cfg.progress("%6.1f s  %-4s -> MN on %s (the step took %d ms)", at.Seconds(), s, attached(tb), (at - prev - cfg.Dwell).Milliseconds())
		prev = at
	})
	if err != nil {
		return res, err
	}
	time.Sleep(cfg.Dwell)
	res.Procedure = time.Since(began)

	// iperf2 clients end a test cleanly on SIGINT: UDP ones send their
	// final datagram, so that the servers report.
	cfg.progress("stopping the flows")
	for _, p := range []*testbed.Proc{up, down} {
		if err := p.Interrupt(30 * time.Second); err != nil {
			return res, fmt.Errorf("iperf2 client: %w\n%s", err, p.Output())
		}
	}
	// A server reports once the connection or the flow has ended, after
	// whatever was still queued has arrived.
	for _, srv := range []*testbed.Proc{srvMN, srvCN} {
		waitReport(srv, 20*time.Second)
		_ = srv.Interrupt(5 * time.Second) // the report is what counts
	}
	res.Drops = drops(ctx, tb)
	if res.Up, err = ParseReport(srvCN.Output(), cfg.Proto == "udp"); err != nil {
		return res, fmt.Errorf("MN->CN: %w; the client said:\n%s", err, up.Output())
	}
	if res.Down, err = ParseReport(srvMN.Output(), cfg.Proto == "udp"); err != nil {
		return res, fmt.Errorf("CN->MN: %w; the client said:\n%s", err, down.Output())
	}
	c, err := ilnpnl.Dial(&ilnpnl.Options{NetNS: tb.MN.NSFd()})
	if err != nil {
		return res, err
	}
	defer c.Close()
	if res.MNStats, err = c.Stats(); err != nil {
		return res, err
	}
	return res, nil
}

// ilnpBoth makes MN and CN ILNP hosts that know each other.
func ilnpBoth(tb *testbed.Testbed, mn netip.Addr) error {
	for _, h := range []*testbed.Host{tb.MN, tb.CN} {
		if err := h.WriteSysctl("net.ipv6.handoff_mode", "1"); err != nil {
			return err
		}
	}
	for _, p := range []struct {
		h    *testbed.Host
		addr netip.Addr
	}{{tb.MN, testbed.CNAddr}, {tb.CN, mn}} {
		c, err := ilnpnl.Dial(&ilnpnl.Options{NetNS: p.h.NSFd()})
		if err != nil {
			return err
		}
		v := ilnp.ILVFrom16(p.addr.As16())
		err = c.AddPeer(ilnpnl.Peer{NID: v.NID, Locators: []ilnpnl.Locator{{L64: v.L64}}})
		c.Close()
		if err != nil {
			return fmt.Errorf("host %s: peer %s: %w", p.h.Name, p.addr, err)
		}
	}
	return nil
}

// attached names MN's access networks that are up.
func attached(tb *testbed.Testbed) string {
	var up []string
	for _, an := range testbed.AccessNets {
		if l, err := tb.MN.Link(an.Name); err == nil && l.Flags&syscall.IFF_UP != 0 {
			up = append(up, an.Name)
		}
	}
	return strings.Join(up, "+")
}

// ParseReport reads the report of an iperf2 server (-y C) on the whole
// flow: its final one, or else its last.
func ParseReport(out string, udp bool) (Report, error) {
	rep, err := iperf.Parse(out)
	if err != nil {
		return Report{}, err
	}
	last := rep.Final
	if last == nil {
		last = &rep.Intervals[len(rep.Intervals)-1]
	}
	if udp && !last.UDP {
		return Report{}, fmt.Errorf("no iperf2 UDP report in %q", out)
	}
	return Report{Duration: last.End, Bytes: last.Bytes, Lost: last.Lost, Total: last.Total, OutOfOrder: last.OutOfOrder}, nil
}

// waitReport waits until an iperf2 server has printed a CSV report.
func waitReport(p *testbed.Proc, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if _, err := ParseReport(p.Output(), false); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
