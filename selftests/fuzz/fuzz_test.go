//go:build vmtest

package fuzz

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"

	"github.com/ilnp-linux/ilnp/internal/lab/attack"
	"github.com/ilnp-linux/ilnp/internal/lab/fuzz"
	"github.com/ilnp-linux/ilnp/internal/lab/labtest"
	"github.com/ilnp-linux/ilnp/internal/lab/scenario"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// Knobs (the harness passes FUZZ_* through to the guest).
const (
	secondsEnv = "FUZZ_SECONDS" // each fuzzer's budget; default defaultSeconds
	seedEnv    = "FUZZ_SEED"    // the seed of every fuzzer; default from the clock
	// childEnv names the configuration file of a netlink fuzzer that
	// this binary runs as a child with other credentials.
	childEnv = "ILNP_FUZZ_NETLINK_CHILD"

	defaultSeconds = 30
	// commands bounds the generic netlink commands tried most of the
	// time: the ilnp family's (1 to 8 today) and some past them.
	commands = 12
)

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		os.Exit(netlinkChild(path))
	}
	os.Exit(m.Run())
}

// budget is each fuzzer's time.
func budget(t *testing.T) time.Duration {
	t.Helper()
	s := os.Getenv(secondsEnv)
	if s == "" {
		return defaultSeconds * time.Second
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a number of seconds", secondsEnv, s)
	}
	return time.Duration(n) * time.Second
}

// seed is the fuzzers' seed, printed so that a run can be repeated.
func seed(t *testing.T) uint64 {
	t.Helper()
	s := os.Getenv(seedEnv)
	if s == "" {
		v := uint64(time.Now().UnixNano())
		t.Logf("seed %d (repeat with %s=%d)", v, seedEnv, v)
		return v
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: want an unsigned integer", seedEnv, s)
	}
	t.Logf("seed %d (from %s)", v, seedEnv)
	return v
}

// mnToken gives MN one NID on aa and bb.
var mnToken = netip.MustParseAddr("::a:1")

// live is the testbed with sessions between MN (on aa and bb) and CN and
// the attacker EE.
type live struct {
	*labtest.Testbed
	mnNL, cnNL *ilnpnl.Client
}

func newLive(t *testing.T) *live {
	t.Helper()
	tb := labtest.NewTestbedWith(t, true, testbed.Options{MNNetworks: []string{"aa", "bb"}, MNToken: mnToken, Attacker: true})
	l := &live{Testbed: tb}
	var err error
	if l.mnNL, err = ilnpnl.Dial(&ilnpnl.Options{NetNS: tb.MN.NSFd()}); err != nil {
		t.Fatal(err)
	}
	if l.cnNL, err = ilnpnl.Dial(&ilnpnl.Options{NetNS: tb.CN.NSFd()}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.mnNL.Close(); l.cnNL.Close() })
	if err := os.WriteFile("/proc/sys/net/core/netdev_max_backlog", []byte("100000"), 0o644); err != nil {
		t.Fatal(err)
	}
	l.works(t, "before fuzzing")
	return l
}

// entry is a host's entry for the peer of addr's NID.
func entry(t *testing.T, c *ilnpnl.Client, addr netip.Addr) ilnpnl.Peer {
	t.Helper()
	nid := ilnp.ILVFrom16(addr.As16()).NID
	peers, err := c.Peers()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range peers {
		if p.NID == nid {
			return p
		}
	}
	t.Fatalf("no ILCC entry for %s", addr)
	return ilnpnl.Peer{}
}

// works checks the genuine sessions: pings both ways, an iperf2 TCP
// transfer MN->CN complete to the byte, an iperf2 UDP stream CN->MN that
// loses nothing.
func (l *live) works(t *testing.T, when string) {
	t.Helper()
	ctx := context.Background()
	for _, p := range []struct {
		h  *testbed.Host
		to netip.Addr
	}{{l.MN, testbed.CNAddr}, {l.CN, l.MNAddr}} {
		if out, err := p.h.Run(ctx, "ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", p.to.String()); err != nil {
			t.Errorf("%s: %s cannot ping %s: %v\n%s", when, p.h.Name, p.to, err, out)
		}
	}
	srvT, err := l.CN.Start("stdbuf", "-oL", "iperf", "-s", "-V", "-y", "C")
	if err != nil {
		t.Fatal(err)
	}
	defer srvT.Kill()
	srvU, err := l.MN.Start("stdbuf", "-oL", "iperf", "-s", "-u", "-V", "-y", "C", "-w", "4M")
	if err != nil {
		t.Fatal(err)
	}
	defer srvU.Kill()
	for _, w := range []struct {
		h     *testbed.Host
		proto string
	}{{l.CN, "tcp"}, {l.MN, "udp"}} {
		if err := w.h.WaitListening(ctx, w.proto, labtest.IperfPort, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	const tcpBytes = 1 << 20
	if out, err := l.MN.Run(ctx, "iperf", "-c", testbed.CNAddr.String(), "-V", "-n", "1M"); err != nil {
		t.Errorf("%s: iperf TCP MN->CN: %v\n%s", when, err, out)
	}
	if out, err := l.CN.Run(ctx, "iperf", "-c", l.MNAddr.String(), "-u", "-V", "-b", "1M", "-l", "1200", "-t", "2"); err != nil {
		t.Errorf("%s: iperf UDP CN->MN: %v\n%s", when, err, out)
	}
	tcp, terr := waitReport(srvT, false)
	udp, uerr := waitReport(srvU, true)
	switch {
	case terr != nil:
		t.Errorf("%s: TCP MN->CN: %v\n%s", when, terr, l.paths(ctx, t))
	case tcp.Bytes != tcpBytes:
		t.Errorf("%s: TCP MN->CN: CN received %d of %d bytes\n%s", when, tcp.Bytes, tcpBytes, l.paths(ctx, t))
	}
	switch {
	case uerr != nil:
		t.Errorf("%s: UDP CN->MN: %v", when, uerr)
	case udp.Total == 0 || udp.Lost != 0:
		t.Errorf("%s: UDP CN->MN: %d of %d datagrams lost", when, udp.Lost, udp.Total)
	}
	t.Logf("%s: TCP MN->CN %d bytes; UDP CN->MN %d of %d datagrams lost", when, tcp.Bytes, udp.Lost, udp.Total)
}

// paths is what MN and CN know of their paths and sockets, for a flow
// that failed.
func (l *live) paths(ctx context.Context, t *testing.T) string {
	var b strings.Builder
	for _, h := range []*testbed.Host{l.MN, l.CN} {
		for _, args := range [][]string{{labtest.Bin(t, "ilnpctl"), "show", "paths"}, {labtest.Bin(t, "ilnpctl"), "stats"}, {"ss", "-tni"}} {
			out, err := h.Run(ctx, args[0], args[1:]...)
			fmt.Fprintf(&b, "%s: %v: %v\n%s\n", h.Name, args[1:], err, out)
		}
	}
	return b.String()
}

func waitReport(srv *testbed.Proc, udp bool) (scenario.Report, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		rep, err := scenario.ParseReport(srv.Output(), udp)
		if err == nil || time.Now().After(deadline) {
			return rep, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestPacketFuzz: EE sends MN and CN, which have live sessions with each
// other, mutated nonce options, Locator Updates of every operation and
// ICMPv6 errors quoting mutated ILNP packets, for the budget; the kernel
// must report nothing and the sessions must work afterwards.
func TestPacketFuzz(t *testing.T) {
	l := newLive(t)
	mn, cn := entry(t, l.mnNL, testbed.CNAddr), entry(t, l.cnNL, l.MNAddr)
	sessions := []fuzz.Session{
		{Victim: testbed.CNAddr, Peer: l.MNAddr, VictimNonce: cn.NonceTx.Bytes(), PeerNonce: cn.NonceRx.Bytes(), Ports: []uint16{labtest.IperfPort},
			PeerLocators: []netip.Prefix{testbed.AccessNets[0].Prefix, testbed.AccessNets[1].Prefix}},
		{Victim: l.MNAddr, Peer: testbed.CNAddr, VictimNonce: mn.NonceTx.Bytes(), PeerNonce: mn.NonceRx.Bytes(), Ports: []uint16{labtest.IperfPort},
			PeerLocators: []netip.Prefix{testbed.CNNet}},
	}
	eeIdx, err := l.EE.LinkIndex("ee")
	if err != nil {
		t.Fatal(err)
	}
	r4, err := l.R4.Link("ee")
	if err != nil {
		t.Fatal(err)
	}
	s, err := attack.NewPacketSender(l.EE.Do, int(eeIdx), r4.Attributes.Address)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before, err := l.cnNL.Stats()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := fuzz.Packets(context.Background(), fuzz.PacketConfig{
		Seed: seed(t), Budget: budget(t), Rate: 1000, Sessions: sessions,
		Spoof: testbed.AttackerSpace, Sender: s, Progress: t.Logf,
	})
	t.Logf("packet fuzzer: %s", rep)
	if err != nil {
		t.Fatal(err)
	}
	// Let the victims drain their queues before the check.
	time.Sleep(2 * time.Second)
	after, err := l.cnNL.Stats()
	if err != nil {
		t.Fatal(err)
	}
	var moved []string
	for _, c := range ilnpnl.Counters() {
		if d := after[c.Stat] - before[c.Stat]; d != 0 {
			moved = append(moved, fmt.Sprintf("%s +%d", c.Name, d))
		}
	}
	t.Logf("CN's counters over the run: %s", strings.Join(moved, ", "))
	l.works(t, "after fuzzing")
}

// fuzzNS is a namespace of its own for the root netlink fuzzer (which
// may delete, add and renumber anything): an ILNP host with peers and
// local locators, so that the family's dumps have something to say.
func fuzzNS(t *testing.T) *testbed.Host {
	t.Helper()
	h, err := testbed.NewHost("fz")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Delete() })
	ctx := context.Background()
	if err := h.WriteSysctl("net.ipv6.handoff_mode", "1"); err != nil {
		t.Fatal(err)
	}
	for i, p := range []string{"2001:db8:1::1/64", "2001:db8:2::1/64"} {
		dev := fmt.Sprintf("d%d", i)
		if _, err := h.Run(ctx, "ip", "link", "add", dev, "type", "dummy"); err != nil {
			t.Fatal(err)
		}
		if err := h.SetLinkUp(dev); err != nil {
			t.Fatal(err)
		}
		if err := h.AddAddr(dev, netip.MustParsePrefix(p)); err != nil {
			t.Fatal(err)
		}
	}
	c, err := ilnpnl.Dial(&ilnpnl.Options{NetNS: h.NSFd()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 4 {
		addr := netip.MustParseAddr(fmt.Sprintf("2001:db8:9::%x", 0x100+i))
		v := ilnp.ILVFrom16(addr.As16())
		l64, nid := v.L64, v.NID
		if err := c.AddPeer(ilnpnl.Peer{NID: nid, Locators: []ilnpnl.Locator{{L64: l64}, {L64: l64 + 1}}}); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// dialFamily opens generic netlink in a namespace and resolves ilnp.
func dialFamily(ns int) (*genetlink.Conn, genetlink.Family, error) {
	c, err := genetlink.Dial(&netlink.Config{NetNS: ns})
	if err != nil {
		return nil, genetlink.Family{}, err
	}
	f, err := c.GetFamily(ilnpnl.FamilyName)
	if err != nil {
		c.Close()
		return nil, genetlink.Family{}, err
	}
	return c, f, nil
}

// TestNetlinkFuzzRoot: the ilnp family's every command with mutated
// attributes, as root, in a namespace of its own; the kernel answers
// each request and reports nothing.
func TestNetlinkFuzzRoot(t *testing.T) {
	h := fuzzNS(t)
	c, f, err := dialFamily(h.NSFd())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	seeds := fuzz.Seeds(c, f, commands)
	if len(seeds) == 0 {
		t.Fatal("the ilnp family's dumps returned nothing to start from")
	}
	t.Logf("%d attribute sets from the family's dumps to mutate", len(seeds))
	rep, err := fuzz.Netlink(context.Background(), fuzz.NetlinkConfig{
		Seed: seed(t), Budget: budget(t) / 2, Conn: c, Family: f, Seeds: seeds, Commands: commands,
	})
	t.Logf("netlink fuzzer (root): %s", rep)
	if err != nil {
		t.Fatal(err)
	}
	// The family still answers.
	cl, err := ilnpnl.Dial(&ilnpnl.Options{NetNS: h.NSFd()})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := cl.Stats(); err != nil {
		t.Errorf("after fuzzing the family does not answer: %v", err)
	}
}

// childConfig is what a netlink fuzzer child is told.
type childConfig struct {
	Seed    uint64
	Budget  time.Duration
	Seeds   [][]byte
	Report  string // where the child writes its report
	Process string // what the child is, for its report
}

// TestNetlinkFuzzUnprivileged: the same fuzzer without privileges: as
// nobody in MN's namespace, whose session with CN must come out of it
// unchanged and working, and as the root of a user namespace of its own
// (owning a network namespace of its own) when the kernel has user
// namespaces.
func TestNetlinkFuzzUnprivileged(t *testing.T) {
	l := newLive(t)
	h := fuzzNS(t)
	c, f, err := dialFamily(h.NSFd())
	if err != nil {
		t.Fatal(err)
	}
	seeds := fuzz.Seeds(c, f, commands)
	c.Close()
	sd, b := seed(t), budget(t)/4

	before := entryState(entry(t, l.mnNL, testbed.CNAddr))
	// As nobody in MN's namespace: the child starts from a thread
	// that has entered it.
	err = l.MN.Do(func() error {
		return runChild(t, childConfig{Seed: sd, Budget: b, Seeds: seeds, Process: "nobody in MN's namespace"},
			&syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}})
	})
	if err != nil {
		t.Error(err)
	}
	if after := entryState(entry(t, l.mnNL, testbed.CNAddr)); after != before {
		t.Errorf("an unprivileged user changed MN's entry for CN:\n  before: %s\n  after:  %s", before, after)
	}

	// As the root of a user namespace, in a network namespace it owns.
	err = runChild(t, childConfig{Seed: sd + 1, Budget: b, Seeds: seeds, Process: "root of its own user namespace"},
		&syscall.SysProcAttr{
			Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET,
			UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 65534, Size: 1}},
			GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 65534, Size: 1}},
		})
	switch {
	case errors.Is(err, syscall.EINVAL) && !userNamespaces():
		t.Log("user namespaces: this kernel has none (CONFIG_USER_NS); the fuzzer ran as nobody only")
	case err != nil:
		t.Error(err)
	}
	l.works(t, "after the unprivileged fuzzers")
}

func userNamespaces() bool {
	_, err := os.Stat("/proc/self/ns/user")
	return err == nil
}

// entryState is what of an entry a user without privileges must not
// change: the session's identity, nonces and each locator's
// configuration. A locator's traffic counters and DRR score are left
// out, since the session's own packets (path probes among them) move
// them while the fuzzer runs.
func entryState(p ilnpnl.Peer) string {
	var b strings.Builder
	fmt.Fprintf(&b, "flags %s remote %s local %s nonces %s/%s locators [", p.Flags, p.RemoteILV, p.LocalILV, p.NonceTx.Hex(), p.NonceRx.Hex())
	for i, l := range p.Locators {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "{%s pref %d %s lifetime %s}", l.L64, l.Preference, l.State, l.Lifetime)
	}
	b.WriteByte(']')
	return b.String()
}

// runChild runs this test binary as a netlink fuzzer child with attr's
// credentials and namespaces and logs its report.
func runChild(t *testing.T, cfg childConfig, attr *syscall.SysProcAttr) error {
	dir, err := os.MkdirTemp("", "fuzz-child")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o777); err != nil {
		return err
	}
	cfg.Report = filepath.Join(dir, "report")
	b, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = attr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("netlink fuzzer as %s: %w", cfg.Process, err)
	}
	err = cmd.Wait()
	rep, _ := os.ReadFile(cfg.Report)
	t.Logf("netlink fuzzer (%s): %s%s", cfg.Process, rep, out.String())
	if err != nil {
		return fmt.Errorf("netlink fuzzer as %s: %v", cfg.Process, err)
	}
	return nil
}

// netlinkChild is the child: it fuzzes the family in the namespace it
// was started in with the credentials it was given.
func netlinkChild(path string) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fail(err)
	}
	var cfg childConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		return fail(err)
	}
	c, f, err := dialFamily(0)
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	rep, err := fuzz.Netlink(context.Background(), fuzz.NetlinkConfig{
		Seed: cfg.Seed, Budget: cfg.Budget, Conn: c, Family: f, Seeds: cfg.Seeds, Commands: commands,
	})
	if werr := os.WriteFile(cfg.Report, []byte(fmt.Sprintf("uid %d: %s", os.Getuid(), rep)), 0o644); werr != nil {
		return fail(werr)
	}
	if err != nil {
		return fail(err)
	}
	return 0
}
