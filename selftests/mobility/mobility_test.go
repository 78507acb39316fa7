//go:build vmtest

package mobility

import (
	"context"
	"fmt"
	"net/netip"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/internal/lab/labtest"
	"github.com/ilnp-linux/ilnp/internal/lab/scenario"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpctl/view"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// luFilter captures ICMPv6 Locator Updates behind an 8-octet destination
// options header (a 32-bit nonce), the form every LU of these tests has.
const luFilter = "ip6[6] == 60 and ip6[40] == 58 and ip6[48] == 156"

// flowSeconds is how long the iperf2 flows of a move run.
const flowSeconds = 30

// mobile is the testbed with MN on aa only and both ends in ILNP mode,
// each knowing the other.
type mobile struct {
	*labtest.Testbed
	t     *testing.T
	mover *testbed.Mover
}

func newMobile(t *testing.T, delay time.Duration) *mobile {
	t.Helper()
	tb := labtest.NewTestbedWith(t, true, testbed.Options{MNNetworks: []string{"aa"}, Delay: delay})
	labtest.Ctl(t, tb.CN, "peer", "add", tb.MNAddr.String())
	// Complete checksums on the wire at CN, so that captures there can
	// be checked: R4 towards CN and CN itself compute them in software.
	for _, h := range []*testbed.Host{tb.R4, tb.CN} {
		if _, err := h.Run(context.Background(), "ethtool", "-K", "dd", "tx", "off"); err != nil {
			t.Fatal(err)
		}
	}
	mover, err := tb.NewMover()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mover.Close() })
	return &mobile{Testbed: tb, t: t, mover: mover}
}

// cnPeer is MN's ILCC entry for CN.
func (m *mobile) cnPeer() view.Peer {
	m.t.Helper()
	p, ok := labtest.PeerByNID(labtest.ShowILCC(m.t, m.MN), testbed.CNAddr)
	if !ok {
		m.t.Fatal("MN has no ILCC entry for CN")
	}
	return p
}

// cnView is CN's view of MN's locators: state by L64.
func (m *mobile) cnView() map[string]string {
	m.t.Helper()
	p, ok := labtest.PeerByNID(labtest.ShowILCC(m.t, m.CN), m.MNAddr)
	if !ok {
		m.t.Fatal("CN has no ILCC entry for MN")
	}
	states := make(map[string]string)
	for _, l := range p.Locators {
		states[l.L64.String()] = l.State.String()
	}
	return states
}

// attach gives MN the access network and waits until CN has acknowledged
// the LU that follows. MN's address there, which it returns, must be
// L64:NID with the NID of its first address: the kernel forms it so.
func (m *mobile) attach(name string) netip.Addr {
	m.t.Helper()
	addr, err := m.mover.Gain(context.Background(), name)
	if err != nil {
		m.t.Fatal(err)
	}
	if got, want := labtest.NID(addr), labtest.NID(m.MNAddr); got != want {
		m.t.Errorf("MN's address on %s is %s: NID %s, want %s", name, addr, got, want)
	}
	return addr
}

// lose hands MN's traffic off the network with disabled_interface and
// takes it down after CN's acknowledgment.
func (m *mobile) lose(name string) {
	m.t.Helper()
	if err := m.mover.Lose(context.Background(), name); err != nil {
		m.t.Fatal(err)
	}
}

var rttRE = regexp.MustCompile(`= [0-9.]+/([0-9.]+)/`)

// pingRTT is the average round trip from MN to CN over 5 pings.
func (m *mobile) pingRTT() time.Duration {
	m.t.Helper()
	out, err := m.MN.Run(context.Background(), "ping", "-6", "-c", "5", "-i", "0.2", "-W", "2", testbed.CNAddr.String())
	if err != nil {
		m.t.Fatalf("ping: %v\n%s", err, out)
	}
	sm := rttRE.FindStringSubmatch(out)
	if sm == nil {
		m.t.Fatalf("no rtt in ping's output:\n%s", out)
	}
	ms, _ := strconv.ParseFloat(sm[1], 64)
	return time.Duration(ms * float64(time.Millisecond))
}

// start runs a command in the background on a host until the test ends.
func start(t *testing.T, h *testbed.Host, name string, args ...string) *testbed.Proc {
	t.Helper()
	p, err := h.Start(name, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	return p
}

// listening waits until an iperf2 server listens on the host.
func listening(t *testing.T, h *testbed.Host, proto string) {
	t.Helper()
	if err := h.WaitListening(context.Background(), proto, labtest.IperfPort, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// report stops an iperf2 server and reads its report.
func report(t *testing.T, srv *testbed.Proc, udp bool) scenario.Report {
	t.Helper()
	_ = srv.Interrupt(5 * time.Second) // the report is what counts
	rep, err := scenario.ParseReport(srv.Output(), udp)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// luPacket is a Locator Update message as tshark decodes it, with its
// Operation (which tshark does not decode) from labtest.LUOps.
type luPacket struct {
	at       time.Time
	src, dst netip.Addr
	op       ilnp.LUOp
	nonce    string
	checksum string // tshark's checksum status: 1 is Good
}

func readLUs(t *testing.T, pcap string) []luPacket {
	t.Helper()
	out, err := exec.Command("tshark", "-r", pcap, "-T", "fields", "-E", "separator=|",
		"-e", "frame.time_epoch", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "icmpv6.type",
		"-e", "ipv6.opt.ilnp_nonce", "-e", "icmpv6.checksum.status", "-e", "frame.number").Output()
	if err != nil {
		t.Fatalf("tshark %s: %v", pcap, err)
	}
	ops := labtest.LUOps(t, pcap)
	var lus []luPacket
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		if len(f) < 7 || f[3] != "156" {
			continue
		}
		sec, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			t.Fatalf("tshark time %q: %v", f[0], err)
		}
		frame, err := strconv.Atoi(f[6])
		if err != nil {
			t.Fatalf("tshark frame number %q: %v", f[6], err)
		}
		op, ok := ops[frame]
		if !ok {
			t.Errorf("frame %d: a Locator Update that does not decode", frame)
			continue
		}
		lus = append(lus, luPacket{
			at:  time.Unix(0, int64(sec*1e9)),
			src: netip.MustParseAddr(f[1]), dst: netip.MustParseAddr(f[2]),
			op: op, nonce: strings.ReplaceAll(f[4], ":", ""), checksum: f[5],
		})
	}
	return lus
}

// checkLUs checks the Locator Update messages captured at MN: each
// advertisement from MN carries MN's nonce and is acknowledged by CN with
// CN's nonce; every checksum is good as tshark sees it. MN's path probes
// and their replies (patch 12's liveness and round trips) are counted. CN applies an
// advertisement that changes MN's set only once MN answered CN's probe
// (return routability), so the ack comes within two round trips plus 50
// ms when a probe and its reply lie between, within one otherwise.
func (m *mobile) checkLUs(pcap string, rtt time.Duration, wantAdverts int) {
	m.t.Helper()
	p := m.cnPeer()
	lus := readLUs(m.t, pcap)
	var adverts, acks, probes, replies, pathProbes int
	var pending *luPacket
	var probed, answered bool
	for i := range lus {
		lu := &lus[i]
		if lu.checksum != "1" {
			m.t.Errorf("LU %s %s -> %s: tshark checksum status %q, want 1 (Good)", lu.op, lu.src, lu.dst, lu.checksum)
		}
		fromMN := labtest.NID(lu.src) == labtest.NID(m.MNAddr)
		want := p.NonceRx.Hex()
		if fromMN {
			want = p.NonceTx.Hex()
		}
		if lu.nonce != want {
			m.t.Errorf("LU %s %s -> %s carries nonce %q, want %q", lu.op, lu.src, lu.dst, lu.nonce, want)
		}
		switch {
		case lu.op == ilnp.LUAdvertisement && fromMN:
			adverts++
			if pending == nil {
				probed, answered = false, false
			}
			pending = lu
		case lu.op == ilnp.LUProbe && !fromMN:
			probes++
			probed = pending != nil
		case lu.op == ilnp.LUProbeReply && fromMN:
			replies++
			answered = probed
		case lu.op == ilnp.LUProbe || lu.op == ilnp.LUProbeReply:
			// MN's path probes (liveness and round trip) and CN's
			// replies: under the nonces checked above.
			pathProbes++
		case lu.op == ilnp.LUAck && !fromMN:
			acks++
			if pending == nil {
				m.t.Errorf("LU-ack at %s answers no LU", lu.at.Format("15:04:05.000"))
				continue
			}
			d, bound := lu.at.Sub(pending.at), rtt+50*time.Millisecond
			if answered {
				bound += rtt
			}
			m.t.Logf("LU %s -> %s acknowledged in %s (ping RTT %s, probed %v)", pending.src, pending.dst, d, rtt, answered)
			if d > bound {
				m.t.Errorf("LU round trip %s, want at most %s", d, bound)
			}
			pending = nil
		default:
			m.t.Errorf("LU %s from %s -> %s: not a message of the handover", lu.op, lu.src, lu.dst)
		}
	}
	m.t.Logf("captured %d path probes and replies of MN's", pathProbes)
	if adverts != wantAdverts || acks != wantAdverts {
		m.t.Errorf("captured %d LUs and %d LU-acks, want %d of each", adverts, acks, wantAdverts)
	}
	if probes == 0 || replies == 0 {
		m.t.Errorf("captured %d probes from CN and %d replies from MN: CN applied a new locator unconfirmed", probes, replies)
	}
}

// validate runs ilnpcheck on a capture: every ILNP packet must be valid.
func validate(t *testing.T, pcap string) {
	t.Helper()
	out, err := exec.Command(labtest.Bin(t, "ilnpcheck"), pcap).CombinedOutput()
	if err != nil {
		t.Errorf("ilnpcheck %s: %v\n%s", pcap, err, out)
	}
}

// move runs the handover of the acceptance: MN on aa gains bb, hands
// its traffic off aa with disabled_interface and takes aa down after
// the ack. It returns the number of LUs MN sent and when aa went down.
func (m *mobile) move() (lus int, aaDown time.Time) {
	time.Sleep(3 * time.Second)
	m.attach("bb")
	time.Sleep(3 * time.Second)
	m.lose("aa")
	aaDown = time.Now()
	if got := m.cnView(); got["2001:2:bb:bb"] != "active" || got["2001:2:aa:aa"] != "valid" {
		m.t.Errorf("after the move CN has MN's locators %v, want bb active and aa valid", got)
	}
	return 2, aaDown
}

// udpCounters are MN's UDP drop counters, for telling a loss on the way
// from a receive buffer that overflowed in a busy guest.
func (m *mobile) udpCounters() string {
	out, _ := m.MN.Run(context.Background(), "nstat", "-az", "Udp6InErrors", "Udp6RcvbufErrors", "Ip6InDiscards", "Ip6InNoRoutes")
	return out
}

func delays() []time.Duration { return []time.Duration{0, 20 * time.Millisecond} }

// TestMoveUDP: iperf2 UDP at 10 Mbit/s from CN to MN while MN moves from
// aa to bb: no datagram lost, the flow goes on over bb, the LUs and their
// acks are valid on the wire and take a round trip, two when CN
// confirms the advertised locators by a probe first (see checkLUs).
func TestMoveUDP(t *testing.T) {
	for _, delay := range delays() {
		t.Run(fmt.Sprintf("delay=%s", delay), func(t *testing.T) {
			m := newMobile(t, delay)
			rtt := m.pingRTT()
			dir := t.TempDir()
			luCap, err := m.MN.StartCaptureWith("any", filepath.Join(dir, "mn-lu.pcap"), testbed.CaptureOptions{Filter: luFilter})
			if err != nil {
				t.Fatal(err)
			}
			cnCap, err := m.CN.StartCapture("dd", filepath.Join(dir, "cn.pcap"))
			if err != nil {
				t.Fatal(err)
			}
			// A receive buffer large enough that a busy guest does not
			// drop datagrams the network delivered.
			srv := start(t, m.MN, "stdbuf", "-oL", "iperf", "-s", "-u", "-V", "-y", "C", "-w", "4M")
			listening(t, m.MN, "udp")
			began := time.Now()
			cli := start(t, m.CN, "iperf", "-c", m.MNAddr.String(), "-u", "-V", "-b", "10M",
				"-t", strconv.Itoa(flowSeconds))
			lus, aaDown := m.move()
			bbAtMove, err := m.MN.LinkStats("bb")
			if err != nil {
				t.Fatal(err)
			}
			if err := cli.Wait(2 * flowSeconds * time.Second); err != nil {
				t.Errorf("iperf client: %v\n%s", err, cli.Output())
			}
			time.Sleep(time.Second)
			rep := report(t, srv, true)
			t.Logf("MN received %d datagrams (%d bytes), %d lost, %d out of order", rep.Total, rep.Bytes, rep.Lost, rep.OutOfOrder)
			if rep.Total == 0 || rep.Lost != 0 {
				t.Errorf("iperf2 reports %d of %d datagrams lost, want 0 of a flow; MN's counters:\n%s",
					rep.Lost, rep.Total, m.udpCounters())
			}
			// After aa went down the flow went on over bb: at least
			// half of what the flow's own average rate brings in the
			// time left (a debug kernel does not reach 10 Mbit/s).
			bb, err := m.MN.LinkStats("bb")
			if err != nil {
				t.Fatal(err)
			}
			left := began.Add(flowSeconds * time.Second).Sub(aaDown)
			want := uint64(float64(rep.Bytes) * left.Seconds() / flowSeconds / 2)
			if got := bb.RXBytes - bbAtMove.RXBytes; got < want {
				t.Errorf("bb received %d bytes in the %s after aa went down, want at least %d", got, left, want)
			}
			for _, c := range []*testbed.Capture{luCap, cnCap} {
				if err := c.Stop(); err != nil {
					t.Fatal(err)
				}
			}
			m.checkLUs(luCap.Path, rtt, lus)
			validate(t, cnCap.Path)
		})
	}
}

// TestMoveTCP: the same move with iperf2 TCP in both directions at once;
// both connections survive and complete, and no segment carries RST.
func TestMoveTCP(t *testing.T) {
	for _, delay := range delays() {
		t.Run(fmt.Sprintf("delay=%s", delay), func(t *testing.T) {
			m := newMobile(t, delay)
			cnCap, err := m.CN.StartCaptureWith("dd", filepath.Join(t.TempDir(), "cn.pcap"), testbed.CaptureOptions{Snaplen: 128})
			if err != nil {
				t.Fatal(err)
			}
			srvMN := start(t, m.MN, "stdbuf", "-oL", "iperf", "-s", "-V", "-y", "C")
			srvCN := start(t, m.CN, "stdbuf", "-oL", "iperf", "-s", "-V", "-y", "C")
			listening(t, m.MN, "tcp")
			listening(t, m.CN, "tcp")
			secs := strconv.Itoa(flowSeconds)
			down := start(t, m.CN, "iperf", "-c", m.MNAddr.String(), "-V", "-b", "10M", "-t", secs)
			up := start(t, m.MN, "iperf", "-c", testbed.CNAddr.String(), "-V", "-b", "10M", "-t", secs)
			m.move()
			for _, c := range []*testbed.Proc{down, up} {
				if err := c.Wait(2 * flowSeconds * time.Second); err != nil {
					t.Errorf("%s: %v\n%s", c, err, c.Output())
				}
			}
			time.Sleep(time.Second)
			// Each side must have received most of 30 s at 10 Mbit/s.
			const want = flowSeconds * 10e6 / 8 / 2
			for name, srv := range map[string]*testbed.Proc{"MN": srvMN, "CN": srvCN} {
				rep := report(t, srv, false)
				t.Logf("%s received %d bytes", name, rep.Bytes)
				if rep.Bytes < want {
					t.Errorf("%s received %d bytes, want at least %d", name, rep.Bytes, int64(want))
				}
			}
			if err := cnCap.Stop(); err != nil {
				t.Fatal(err)
			}
			segs, resets := labtest.TCPResets(t, cnCap.Path)
			if segs == 0 || resets != 0 {
				t.Errorf("capture at CN: %d TCP segments, %d with RST; want segments and no RST", segs, resets)
			}
		})
	}
}

// TestLostLU: the first LU is dropped on its way out of MN; its
// retransmission completes the handover and is counted and reported.
func TestLostLU(t *testing.T) {
	m := newMobile(t, 0)
	m.pingRTT() // a live session
	mon := start(t, m.MN, labtest.Bin(t, "ilnpctl"), "-j", "monitor")
	ctx := context.Background()
	for _, args := range [][]string{
		{"qdisc", "add", "dev", "aa", "clsact"},
		{"filter", "add", "dev", "aa", "egress", "protocol", "ipv6", "prio", "1", "u32",
			"match", "u8", "60", "0xff", "at", "6", "match", "u8", "58", "0xff", "at", "40",
			"match", "u8", "156", "0xff", "at", "48", "action", "drop"},
	} {
		if out, err := m.MN.Run(ctx, "tc", args...); err != nil {
			t.Fatalf("tc %v: %v\n%s", args, err, out)
		}
	}
	before := labtest.ReadStats(t, m.MN)
	if err := m.AttachMN("bb"); err != nil {
		t.Fatal(err)
	}
	// The LU has passed the filter once MN counts it sent.
	deadline := time.Now().Add(10 * time.Second)
	for labtest.ReadStats(t, m.MN)[ilnpnl.StatLUSent] == before[ilnpnl.StatLUSent] {
		if time.Now().After(deadline) {
			t.Fatal("MN sent no LU after gaining bb")
		}
		time.Sleep(20 * time.Millisecond)
	}
	out, err := m.MN.Run(ctx, "tc", "-s", "filter", "show", "dev", "aa", "egress")
	if err != nil {
		t.Fatal(err)
	}
	// The first LU, and on a slow kernel maybe a retransmission or two
	// before the filter goes.
	sm := regexp.MustCompile(`Sent \d+ bytes (\d+) pkt`).FindStringSubmatch(out)
	if sm == nil {
		t.Fatalf("no filter statistics:\n%s", out)
	}
	dropped, _ := strconv.ParseUint(sm[1], 10, 64)
	if dropped == 0 {
		t.Fatalf("the filter dropped no LU:\n%s", out)
	}
	if out, err := m.MN.Run(ctx, "tc", "filter", "del", "dev", "aa", "egress", "prio", "1"); err != nil {
		t.Fatalf("tc filter del: %v\n%s", err, out)
	}
	if err := m.mover.Settle(ctx, before[ilnpnl.StatLUSent], "+bb"); err != nil {
		t.Fatal(err)
	}
	after := labtest.ReadStats(t, m.MN)
	if d := after[ilnpnl.StatLURetransmitted] - before[ilnpnl.StatLURetransmitted]; d < dropped {
		t.Errorf("MN counts %d LU retransmissions, want at least the %d LUs dropped", d, dropped)
	}
	if d := after[ilnpnl.StatLUAcked] - before[ilnpnl.StatLUAcked]; d != 1 {
		t.Errorf("MN counts %d acked LUs, want 1", d)
	}
	if got := m.cnView(); got["2001:2:aa:aa"] != "active" || got["2001:2:bb:bb"] != "active" {
		t.Errorf("after the retransmission CN has MN's locators %v, want aa and bb active", got)
	}
	time.Sleep(200 * time.Millisecond)
	_ = mon.Interrupt(5 * time.Second)
	events := mon.Output()
	for _, want := range []string{`"event":"lu_sent"`, `"event":"lu_retransmitted"`, `"event":"lu_acked"`, `"lu_rtt_us"`} {
		if !strings.Contains(events, want) {
			t.Errorf("ilnpctl monitor printed no %s:\n%s", want, events)
		}
	}
}

// TestRoundTrip: MN goes aa -> aa+bb -> aa+bb+cc -> bb+cc -> cc -> aa
// (back home) while a TCP flow runs; the flow survives and completes.
func TestRoundTrip(t *testing.T) {
	m := newMobile(t, 0)
	cnCap, err := m.CN.StartCaptureWith("dd", filepath.Join(t.TempDir(), "cn.pcap"), testbed.CaptureOptions{Snaplen: 128})
	if err != nil {
		t.Fatal(err)
	}
	srv := start(t, m.CN, "stdbuf", "-oL", "iperf", "-s", "-V", "-y", "C")
	listening(t, m.CN, "tcp")
	// Each step waits for a Router Advertisement, which radvd rate-limits
	// to one per 3 s: the flow must outlast six of them.
	const secs = 60
	cli := start(t, m.MN, "iperf", "-c", testbed.CNAddr.String(), "-V", "-b", "5M", "-t", strconv.Itoa(secs))
	began := time.Now()
	step := func(what string, f func()) {
		time.Sleep(2 * time.Second)
		f()
		t.Logf("%5.1f s: %s", time.Since(began).Seconds(), what)
	}
	step("aa+bb", func() { m.attach("bb") })
	step("aa+bb+cc", func() { m.attach("cc") })
	step("bb+cc", func() { m.lose("aa") })
	step("cc", func() { m.lose("bb") })
	step("aa+cc", func() { m.attach("aa") })
	step("aa", func() { m.lose("cc") })
	moves := time.Since(began)
	if got := m.cnView(); got["2001:2:aa:aa"] != "active" || got["2001:2:bb:bb"] == "active" || got["2001:2:cc:cc"] == "active" {
		t.Errorf("back home, CN has MN's locators %v, want only aa active", got)
	}
	if err := cli.Wait(2 * secs * time.Second); err != nil {
		t.Errorf("iperf client: %v\n%s", err, cli.Output())
	}
	time.Sleep(time.Second)
	rep := report(t, srv, false)
	const want = secs * 5e6 / 8 / 2
	t.Logf("CN received %d bytes in %s; the moves took %s", rep.Bytes, rep.Duration, moves)
	if rep.Duration < moves {
		t.Errorf("the flow lasted %s, less than the moves (%s)", rep.Duration, moves)
	}
	if rep.Bytes < want {
		t.Errorf("CN received %d bytes, want at least %d", rep.Bytes, int64(want))
	}
	if err := cnCap.Stop(); err != nil {
		t.Fatal(err)
	}
	if segs, resets := labtest.TCPResets(t, cnCap.Path); segs == 0 || resets != 0 {
		t.Errorf("capture at CN: %d TCP segments, %d with RST; want segments and no RST", segs, resets)
	}
}
