//go:build vmtest

package adversary

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ilnp-linux/ilnp/internal/lab/attack"
	"github.com/ilnp-linux/ilnp/internal/lab/labtest"
	"github.com/ilnp-linux/ilnp/internal/lab/scenario"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// Ports of the lab.
const (
	// sinkPort is where MN and CN each run a sink: a UDP socket of the
	// test that keeps what reaches it, so that a forged datagram an
	// application received is seen.
	sinkPort = 9999
	// routerPort is R1's listener in the hijack row.
	routerPort = 7777
	// discardPort is closed everywhere.
	discardPort = 9
	// forgedPort is the source port of forged datagrams.
	forgedPort = 40000
)

// lab is the paper's testbed with the attacker EE, MN on aa, MN and CN
// ILNP hosts, and the attacker's means.
type lab struct {
	*labtest.Testbed
	t *testing.T
	// ee sends from EE's link to R4 (a packet socket: EE's stack
	// neither routes nor checks what it sends), eeRaw through EE's own
	// routing (a raw socket). onLink sends on CN's network from R4's
	// namespace, standing for a host on CN's link, to CN; onLinkAll
	// there to the all-nodes group.
	ee, eeRaw, onLink, onLinkAll attack.Sender
	mnSink, cnSink               *sink
	mnNL, cnNL                   *ilnpnl.Client
	mover                        *testbed.Mover
	srv                          servers
	rng                          *rand.Rand
	// ctl is a copy of ilnpctl in the guest's memory (started from the
	// 9p root, a Go binary takes seconds to load under TCG), for what
	// the rows ask of it as an administrator would.
	ctl string
	// clean says the sessions are as the last reset left them, so the
	// next row may start on them.
	clean bool
}

func newLab(t *testing.T) *lab {
	t.Helper()
	tb := labtest.NewTestbedWith(t, true, testbed.Options{MNNetworks: []string{"aa"}, Attacker: true})
	l := &lab{Testbed: tb, t: t, rng: rand.New(rand.NewPCG(11, 6740)), ctl: inMemory(t, labtest.Bin(t, "ilnpctl"))}
	// A flood queues at each hop of a guest whose CPUs are emulated
	// instead of being dropped before ILNP sees it (the limit is
	// global, not per namespace).
	if err := os.WriteFile("/proc/sys/net/core/netdev_max_backlog", []byte("100000"), 0o644); err != nil {
		t.Fatal(err)
	}
	var err error
	if l.ee, err = attack.NewPacketSender(tb.EE.Do, linkIndex(t, tb.EE, "ee"), linkAddr(t, tb.R4, "ee")); err != nil {
		t.Fatal(err)
	}
	if l.eeRaw, err = attack.NewRawSender(tb.EE.Do); err != nil {
		t.Fatal(err)
	}
	if l.onLink, err = attack.NewPacketSender(tb.R4.Do, linkIndex(t, tb.R4, "dd"), linkAddr(t, tb.CN, "dd")); err != nil {
		t.Fatal(err)
	}
	allNodes := net.HardwareAddr{0x33, 0x33, 0, 0, 0, 1}
	if l.onLinkAll, err = attack.NewPacketSender(tb.R4.Do, linkIndex(t, tb.R4, "dd"), allNodes); err != nil {
		t.Fatal(err)
	}
	for _, s := range []attack.Sender{l.ee, l.eeRaw, l.onLink, l.onLinkAll} {
		t.Cleanup(func() { s.Close() })
	}
	// EE keeps quiet: the ICMPv6 errors of its own stack (a Parameter
	// Problem for the nonce option it does not know, unreachable ports)
	// would tell its victims that it is no ILNP host. A real attacker
	// sends only what it forges; tc drops the rest (ICMPv6 types 0-7).
	ctx := context.Background()
	for _, args := range [][]string{
		{"qdisc", "add", "dev", "ee", "clsact"},
		{"filter", "add", "dev", "ee", "egress", "protocol", "ipv6", "u32",
			"match", "u8", "58", "0xff", "at", "6", "match", "u8", "0", "0xf8", "at", "40", "action", "drop"},
	} {
		if _, err := tb.EE.Run(ctx, "tc", args...); err != nil {
			t.Fatal(err)
		}
	}
	if l.mnNL, err = ilnpnl.Dial(&ilnpnl.Options{NetNS: tb.MN.NSFd()}); err != nil {
		t.Fatal(err)
	}
	if l.cnNL, err = ilnpnl.Dial(&ilnpnl.Options{NetNS: tb.CN.NSFd()}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.mnNL.Close(); l.cnNL.Close() })
	l.mnSink = openSink(t, tb.MN, sinkPort)
	l.cnSink = openSink(t, tb.CN, sinkPort)
	if l.mover, err = tb.NewMover(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.mover.Close() })
	// EE is off the path but reaches both ends.
	for _, dst := range []netip.Addr{testbed.CNAddr, tb.MNAddr} {
		if out, err := tb.EE.Run(ctx, "ping", "-6", "-c", "1", "-W", "5", dst.String()); err != nil {
			t.Fatalf("EE cannot reach %s: %v\n%s", dst, err, out)
		}
	}
	l.startServers(t)
	return l
}

// inMemory copies a binary to the guest's tmpfs and returns the copy.
func inMemory(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}

// counters are a host's ILNP counters by name (ilnpctl's JSON keys):
// those the kernel reported and the counter table knows, so that a
// missing one shows.
func (l *lab) counters(t *testing.T, h *testbed.Host) map[string]uint64 {
	t.Helper()
	c := l.nl(h)
	if c == nil {
		var err error
		if c, err = ilnpnl.Dial(&ilnpnl.Options{NetNS: h.NSFd()}); err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	st, err := c.Stats()
	if err != nil {
		t.Fatalf("%s: %v", h.Name, err)
	}
	m := make(map[string]uint64, len(st))
	for stat, v := range st {
		m[stat.String()] = v
	}
	return m
}

func linkIndex(t *testing.T, h *testbed.Host, name string) int {
	t.Helper()
	idx, err := h.LinkIndex(name)
	if err != nil {
		t.Fatal(err)
	}
	return int(idx)
}

func linkAddr(t *testing.T, h *testbed.Host, name string) net.HardwareAddr {
	t.Helper()
	l, err := h.Link(name)
	if err != nil {
		t.Fatal(err)
	}
	return l.Attributes.Address
}

// forget empties both ILCCs (whatever earlier rows made them learn) and
// registers CN with MN again, which leaves MN's entry for CN without
// CN's nonce until CN speaks.
func (l *lab) forget(t *testing.T) {
	t.Helper()
	for _, c := range []*ilnpnl.Client{l.mnNL, l.cnNL} {
		peers, err := c.Peers()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range peers {
			if err := c.DelPeer(p.NID); err != nil {
				// An entry a kernel learned but netlink cannot name
				// (NID 0) stays; rows compare before and after.
				t.Logf("forget: %v", err)
			}
		}
	}
	v := ilnp.ILVFrom16(testbed.CNAddr.As16())
	l4, nid := v.L64, v.NID
	if err := l.mnNL.AddPeer(ilnpnl.Peer{NID: nid, Locators: []ilnpnl.Locator{{L64: l4}}}); err != nil {
		t.Fatal(err)
	}
	l.clean = false
}

// reset starts a row on fresh sessions unless the last row left them as
// it found them.
func (l *lab) reset(t *testing.T) {
	t.Helper()
	if l.clean {
		return
	}
	l.forget(t)
	l.establish(t)
}

// establish waits until MN and CN speak ILNP to each other: MN talks
// first (it knows CN), CN learns MN (and proves it, on a kernel that
// does), and the echo requests each one sends carry its nonce.
func (l *lab) establish(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		mnOut := l.peerOut(t, l.MN, testbed.CNAddr)
		cnOut := l.peerOut(t, l.CN, l.MNAddr)
		_, _ = l.MN.Run(ctx, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "1", testbed.CNAddr.String())
		_, _ = l.CN.Run(ctx, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "1", l.MNAddr.String())
		if l.peerOut(t, l.MN, testbed.CNAddr) >= mnOut+2 && l.peerOut(t, l.CN, l.MNAddr) >= cnOut+2 {
			l.clean = true
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("MN and CN do not speak ILNP to each other after 30 s:\nMN: %+v\nCN: %+v",
				l.peers(t, l.MN), l.peers(t, l.CN))
		}
	}
}

// nl is the ilnp netlink client of MN or CN, nil for another host.
func (l *lab) nl(h *testbed.Host) *ilnpnl.Client {
	switch h {
	case l.MN:
		return l.mnNL
	case l.CN:
		return l.cnNL
	}
	return nil
}

// peers dumps a host's ILCC (as admin: nonces included).
func (l *lab) peers(t *testing.T, h *testbed.Host) []ilnpnl.Peer {
	t.Helper()
	peers, err := l.nl(h).Peers()
	if err != nil {
		t.Fatalf("%s: %v", h.Name, err)
	}
	return peers
}

// entry is a host's ILCC entry for the peer of addr's NID.
func (l *lab) entry(t *testing.T, h *testbed.Host, addr netip.Addr) (ilnpnl.Peer, bool) {
	t.Helper()
	nid := ilnp.ILVFrom16(addr.As16()).NID
	for _, p := range l.peers(t, h) {
		if p.NID == nid {
			return p, true
		}
	}
	return ilnpnl.Peer{}, false
}

// peerOut counts the ILNP packets a host has sent to the peer of addr's
// NID (0 without an entry).
func (l *lab) peerOut(t *testing.T, h *testbed.Host, addr netip.Addr) uint64 {
	t.Helper()
	p, ok := l.entry(t, h, addr)
	if !ok {
		return 0
	}
	return p.Stats[ilnpnl.StatPktsOut]
}

// entryState is what of an ILCC entry no attack may change: flags,
// canonical IL-Vs, nonces, the pending LU, and the locators with their
// states and preferences.
func entryState(p ilnpnl.Peer) string {
	locs := make([]string, 0, len(p.Locators))
	for _, l := range p.Locators {
		locs = append(locs, fmt.Sprintf("%s %s pref %d", l.L64, l.State, l.Preference))
	}
	sort.Strings(locs)
	return fmt.Sprintf("flags %s remote %s local %s nonce tx %s rx %s lu_pending %v locators [%s]",
		p.Flags, p.RemoteILV, p.LocalILV, p.NonceTx.Hex(), p.NonceRx.Hex(), p.LUPending != nil, strings.Join(locs, ", "))
}

// nids lists the NIDs of a host's ILCC.
func (l *lab) nids(t *testing.T, h *testbed.Host) []string {
	t.Helper()
	var out []string
	for _, p := range l.peers(t, h) {
		out = append(out, p.NID.String())
	}
	sort.Strings(out)
	return out
}

// snmp6 reads one counter of a host's /proc/net/snmp6.
func snmp6(t *testing.T, h *testbed.Host, name string) uint64 {
	t.Helper()
	var v uint64
	found := false
	err := h.Do(func() error {
		// /proc/net is the namespace of the process's first thread.
		b, err := os.ReadFile("/proc/thread-self/net/snmp6")
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == name {
				v, err = strconv.ParseUint(f[1], 10, 64)
				found = true
				return err
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatalf("%s: /proc/net/snmp6 has no %s", h.Name, name)
	}
	return v
}

// A datagram that reached a sink.
type datagram struct {
	src     netip.AddrPort
	payload string
	oob     []byte // ancillary data (IPV6_RECVDSTOPTS)
}

// sink is a UDP socket on a port of a host's namespace that keeps what
// reaches it, with the destination options the kernel hands up.
type sink struct {
	conn *net.UDPConn
	mu   sync.Mutex
	got  []datagram
}

func openSink(t *testing.T, h *testbed.Host, port int) *sink {
	t.Helper()
	s := &sink{}
	err := h.Do(func() error {
		c, err := net.ListenUDP("udp6", &net.UDPAddr{Port: port})
		if err != nil {
			return err
		}
		s.conn = c
		raw, err := c.SyscallConn()
		if err != nil {
			return err
		}
		var serr error
		if err := raw.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_RECVDSTOPTS, 1)
		}); err != nil {
			return err
		}
		return serr
	})
	if err != nil {
		t.Fatalf("%s: sink: %v", h.Name, err)
	}
	if err := s.conn.SetReadBuffer(4 << 20); err != nil {
		t.Fatal(err)
	}
	go s.read()
	t.Cleanup(func() { s.conn.Close() })
	return s
}

func (s *sink) read() {
	buf, oob := make([]byte, 2048), make([]byte, 512)
	for {
		n, oobn, _, src, err := s.conn.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			return
		}
		d := datagram{src: src, payload: string(buf[:n]), oob: append([]byte(nil), oob[:oobn]...)}
		s.mu.Lock()
		s.got = append(s.got, d)
		s.mu.Unlock()
	}
}

// with returns the datagrams whose payload starts with prefix.
func (s *sink) with(prefix string) []datagram {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []datagram
	for _, d := range s.got {
		if strings.HasPrefix(d.payload, prefix) {
			out = append(out, d)
		}
	}
	return out
}

// waitFor waits up to limit for a datagram whose payload starts with
// prefix.
func (s *sink) waitFor(prefix string, limit time.Duration) (datagram, bool) {
	deadline := time.Now().Add(limit)
	for {
		if got := s.with(prefix); len(got) > 0 {
			return got[0], true
		}
		if time.Now().After(deadline) {
			return datagram{}, false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sendUDP sends payload from a socket in h's namespace to dst, through
// h's own stack (so with ILNP, when dst is a peer).
func sendUDP(h *testbed.Host, dst netip.AddrPort, payloads ...string) error {
	return h.Do(func() error {
		c, err := net.DialUDP("udp6", nil, net.UDPAddrFromAddrPort(dst))
		if err != nil {
			return err
		}
		defer c.Close()
		for _, p := range payloads {
			if _, err := c.Write([]byte(p)); err != nil && !errors.Is(err, syscall.ECONNREFUSED) {
				return err
			}
			time.Sleep(20 * time.Millisecond)
		}
		return nil
	})
}

// servers are the iperf2 servers of the flows, TCP on CN and UDP on MN;
// they serve row after row, each row reading the reports printed after
// it began.
type servers struct {
	tcp, udp *testbed.Proc
	dirty    bool // a flow failed: its connection may linger
}

// startServers (re)starts the iperf2 servers.
func (l *lab) startServers(t *testing.T) {
	t.Helper()
	for _, p := range []*testbed.Proc{l.srv.tcp, l.srv.udp} {
		if p != nil {
			p.Kill()
		}
	}
	start := func(h *testbed.Host, name string, args ...string) *testbed.Proc {
		p, err := h.Start(name, args...)
		if err != nil {
			t.Fatal(err)
		}
		l.t.Cleanup(p.Kill)
		return p
	}
	ctx := context.Background()
	l.srv.tcp = start(l.CN, "stdbuf", "-oL", "iperf", "-s", "-V", "-y", "C")
	l.srv.udp = start(l.MN, "stdbuf", "-oL", "iperf", "-s", "-u", "-V", "-y", "C", "-w", "4M")
	if err := l.CN.WaitListening(ctx, "tcp", labtest.IperfPort, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := l.MN.WaitListening(ctx, "udp", labtest.IperfPort, time.Minute); err != nil {
		t.Fatal(err)
	}
}

// flows are the genuine traffic of a row: an iperf2 TCP transfer of a
// fixed size from MN to CN, paced at about 2 Mbit/s, and an iperf2 UDP
// stream at 1 Mbit/s from CN to MN, both as long as the row asks.
type flows struct {
	l                *lab
	secs             int
	tcpBytes         int64
	tcpCli, udpCli   *testbed.Proc
	tcpFrom, udpFrom int    // where the servers' output stood when the flows began
	tcpPort          uint16 // MN's port of the TCP connection
}

// flowResult is what the receivers of the flows saw.
type flowResult struct {
	tcp, udp       scenario.Report
	tcpErr, udpErr error // a client that failed, or no report
}

func (l *lab) startFlows(t *testing.T, secs int) *flows {
	t.Helper()
	if l.srv.tcp == nil || l.srv.dirty {
		l.startServers(t)
		l.srv.dirty = false
	}
	f := &flows{l: l, secs: secs, tcpBytes: int64(secs) * 256 << 10,
		tcpFrom: len(l.srv.tcp.Output()), udpFrom: len(l.srv.udp.Output())}
	start := func(h *testbed.Host, name string, args ...string) *testbed.Proc {
		p, err := h.Start(name, args...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Kill)
		return p
	}
	f.tcpCli = start(l.MN, "iperf", "-c", testbed.CNAddr.String(), "-V", "-n", strconv.FormatInt(f.tcpBytes>>10, 10)+"K", "-b", "2M")
	f.udpCli = start(l.CN, "iperf", "-c", l.MNAddr.String(), "-u", "-V", "-b", "1M", "-l", "1200", "-t", strconv.Itoa(secs))
	f.tcpPort = l.tcpPort(t)
	return f
}

// tcpPort waits for MN's TCP connection to CN's iperf2 server and returns
// MN's port, read from MN's /proc/net/tcp6 (0 if it does not come).
func (l *lab) tcpPort(t *testing.T) uint16 {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var port uint64
		err := l.MN.Do(func() error {
			b, err := os.ReadFile("/proc/thread-self/net/tcp6")
			if err != nil {
				return err
			}
			// sl local_address rem_address st ...: addresses as hex
			// with ":port", state 01 is ESTABLISHED.
			want := fmt.Sprintf(":%04X", labtest.IperfPort)
			for _, line := range strings.Split(string(b), "\n") {
				f := strings.Fields(line)
				if len(f) > 3 && strings.HasSuffix(f[2], want) && f[3] == "01" {
					_, hexPort, _ := strings.Cut(f[1], ":")
					port, err = strconv.ParseUint(hexPort, 16, 16)
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if port != 0 {
			return uint16(port)
		}
		if time.Now().After(deadline) {
			// The row goes on: what the flows and counters show is
			// its figure.
			t.Error("MN's TCP connection to CN's iperf2 server does not show after 20 s")
			return 0
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// finish waits for both flows and reads their receivers' reports; a
// flow that failed leaves the servers to be restarted.
func (f *flows) finish() flowResult {
	var res flowResult
	limit := time.Duration(f.secs)*time.Second + 30*time.Second
	if err := f.tcpCli.Wait(limit); err != nil {
		res.tcpErr = fmt.Errorf("iperf TCP client: %v\n%s", err, f.tcpCli.Output())
	}
	if err := f.udpCli.Wait(limit); err != nil {
		res.udpErr = fmt.Errorf("iperf UDP client: %v\n%s", err, f.udpCli.Output())
	}
	var err error
	if res.tcp, err = report(f.l.srv.tcp, f.tcpFrom, false); err != nil && res.tcpErr == nil {
		res.tcpErr = err
	}
	if res.udp, err = report(f.l.srv.udp, f.udpFrom, true); err != nil && res.udpErr == nil {
		res.udpErr = err
	}
	if res.tcpErr != nil || res.udpErr != nil {
		f.l.srv.dirty = true
	}
	return res
}

// report waits a little for the CSV report an iperf2 server prints after
// offset from in its output.
func report(srv *testbed.Proc, from int, udp bool) (scenario.Report, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		rep, err := scenario.ParseReport(srv.Output()[from:], udp)
		if err == nil || time.Now().After(deadline) {
			return rep, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
