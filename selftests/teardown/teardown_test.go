//go:build vmtest

package teardown

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// sessions is how many correspondents the dying namespace has an LU
// pending for.
const sessions = 1000

// A moment is when in A's life a round deletes it: each hits another
// part of ILNP's teardown at work.
type moment struct {
	name string
	// retransmitted waits until that many of the thousand LUs have been
	// retransmitted (a burst of timers), then delay more.
	retransmitted uint64
	delay         time.Duration
	// relocating gives A another locator just before (an address: the
	// locator work, not the caller, sends the thousand LUs that
	// follow), as the namespace goes.
	relocating bool
}

var moments = []moment{
	// The namespace's ILNP state goes a second or so after the
	// deletion (its devices go first): during the first burst of
	// retransmissions, or about when the second (2 s after the first)
	// begins.
	{name: "retransmitting", retransmitted: 100},
	{name: "before-the-next-retransmissions", retransmitted: sessions, delay: time.Second},
	{name: "relocating", relocating: true},
}

var (
	// A's network with B; A is ::1, B ::2.
	linkNet = netip.MustParsePrefix("2001:db8:a::/64")
	aAddr   = netip.MustParseAddr("2001:db8:a::1")
	bAddr   = netip.MustParseAddr("2001:db8:a::2")
	// The correspondents that never answer, behind B (which does not
	// forward): NIDs peerNID0 and up.
	peerNet = netip.MustParsePrefix("2001:db8:f::/64")
	// newLocator is the locator A gains, which makes it send every
	// correspondent a Locator Update, and anotherLocator the one it
	// gains as it goes.
	newLocator     = netip.MustParsePrefix("2001:db8:b::1/64")
	anotherLocator = netip.MustParsePrefix("2001:db8:c::1/64")
)

const peerNID0 = 0x1000

// TestTeardown: namespace A has a thousand ILNP sessions (peers added by
// its administrator, each sent a datagram) to addresses that never
// answer; A gains a locator, so that every one of them gets a Locator
// Update that is never acknowledged; then A is deleted while B, an ILNP
// peer that does answer, sends it datagrams, and A's own sender stops
// only as A goes: in one round while the LUs are being retransmitted, in
// one a second after (so that A's ILNP state goes about when the next
// retransmissions are due), in one just after A gained another locator
// (a thousand new LUs from the locator work). B is deleted after A is
// gone. Each round waits until the
// kernel has destroyed A (B's end of their link goes with it) and long
// enough for every retransmission timer of A to have fired had it
// survived. The kernel must report nothing on its console.
func TestTeardown(t *testing.T) {
	for round, m := range moments {
		t.Run(fmt.Sprintf("round%d-%s", round+1, m.name), func(t *testing.T) { teardownRound(t, round, m) })
	}
	kmemleakScan(t)
}

func teardownRound(t *testing.T, round int, m moment) {
	ctx := context.Background()
	a, b := newHost(t, fmt.Sprintf("td%da", round)), newHost(t, fmt.Sprintf("td%db", round))
	aGone := false
	t.Cleanup(func() {
		if !aGone {
			_ = a.Delete()
		}
		_ = b.Delete()
	})
	if err := a.Veth("b", b, "a", nil); err != nil {
		t.Fatal(err)
	}
	for _, h := range []*testbed.Host{a, b} {
		if err := h.WriteSysctl("net.ipv6.handoff_mode", "1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := addAddr(a, "b", netip.PrefixFrom(aAddr, 64)); err != nil {
		t.Fatal(err)
	}
	if err := addAddr(b, "a", netip.PrefixFrom(bAddr, 64)); err != nil {
		t.Fatal(err)
	}
	if err := a.AddRoute(netip.MustParsePrefix("::/0"), bAddr, "b"); err != nil {
		t.Fatal(err)
	}

	aNL, err := ilnpnl.Dial(&ilnpnl.Options{NetNS: a.NSFd()})
	if err != nil {
		t.Fatal(err)
	}
	bNL, err := ilnpnl.Dial(&ilnpnl.Options{NetNS: b.NSFd()})
	if err != nil {
		aNL.Close()
		t.Fatal(err)
	}
	defer bNL.Close()
	// A and B know each other; A knows the thousand that never answer.
	addPeer(t, aNL, bAddr)
	addPeer(t, bNL, aAddr)
	for i := range sessions {
		addPeer(t, aNL, peerAddr(i))
	}
	// A datagram to each makes the sessions live: they have a local
	// IL-V and were used a moment ago.
	if err := a.Do(func() error { return sendEach(peerAddrs(), 1) }); err != nil {
		t.Fatal(err)
	}
	if err := a.Do(func() error { return sendEach([]netip.Addr{bAddr}, 3) }); err != nil {
		t.Fatal(err)
	}

	// A gains a locator: every live session gets an LU, none is acked
	// but B's.
	if _, err := a.Run(ctx, "ip", "link", "add", "d0", "type", "dummy"); err != nil {
		t.Fatal(err)
	}
	if err := a.SetLinkUp("d0"); err != nil {
		t.Fatal(err)
	}
	if err := addAddr(a, "d0", newLocator); err != nil {
		t.Fatal(err)
	}
	pending := waitPending(t, aNL, sessions, 20*time.Second)
	st, err := aNL.Stats()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("round %d: A has %d peers with an LU pending (lu_sent %d, lu_acked %d)", round+1, pending, st[ilnpnl.StatLUSent], st[ilnpnl.StatLUAcked])

	// Traffic into A (B's datagrams, with B's nonce) and out of A (to
	// the thousand) while A is deleted.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var fromB, fromA atomic.Int64
	wg.Add(2)
	go func() {
		defer wg.Done()
		_ = b.Do(func() error { return flood(stop, []netip.Addr{aAddr}, &fromB) })
	}()
	aStopped := make(chan struct{})
	go func() {
		defer wg.Done()
		_ = a.Do(func() error { return flood(aStopped, peerAddrs(), &fromA) })
	}()
	time.Sleep(500 * time.Millisecond)

	if m.retransmitted > 0 {
		n := waitRetransmitting(t, aNL, st[ilnpnl.StatLURetransmitted], m.retransmitted, 20*time.Second)
		t.Logf("round %d: %d LU retransmissions", round+1, n)
		time.Sleep(m.delay)
	}
	aNL.Close()
	if m.relocating {
		if err := a.AddAddr("d0", anotherLocator); err != nil {
			t.Fatal(err)
		}
	}
	// A goes: its sender closes its socket (the last thing that holds
	// the namespace but the handles) as the namespace is deleted, at
	// once, by this process.
	close(aStopped)
	if err := deleteNow(a); err != nil {
		t.Fatal(err)
	}
	aGone = true
	gone := waitLinkGone(t, b, "a", 60*time.Second)
	close(stop)
	wg.Wait()
	t.Logf("round %d: A deleted with %d datagrams from B and %d from A sent; B's end of the link went after %s",
		round+1, fromB.Load(), fromA.Load(), gone.Round(10*time.Millisecond))
	if fromB.Load() == 0 || fromA.Load() == 0 {
		t.Errorf("no traffic flowed: %d datagrams from B, %d from A", fromB.Load(), fromA.Load())
	}
	// Every retransmission A had scheduled would have fired by now had
	// its timers outlived it (1, 2, 4 and 8 s after the LU).
	time.Sleep(10 * time.Second)
}

// deleteNow deletes a host's namespace the way `ip netns del` does, but
// without the time a process takes to start: its handles closed, its
// name unmounted and removed.
func deleteNow(h *testbed.Host) error {
	err := h.Close()
	path := filepath.Join("/run/netns", h.Name)
	if uerr := unix.Unmount(path, unix.MNT_DETACH); uerr != nil {
		return errors.Join(err, fmt.Errorf("unmount %s: %w", path, uerr))
	}
	return errors.Join(err, os.Remove(path))
}

func newHost(t *testing.T, name string) *testbed.Host {
	t.Helper()
	h, err := testbed.NewHost(name)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// addAddr adds a global address without DAD (Host.AddAddr).
func addAddr(h *testbed.Host, ifname string, p netip.Prefix) error {
	if err := h.AddAddr(ifname, p); err != nil {
		return err
	}
	return h.SetLinkUp(ifname)
}

func addPeer(t *testing.T, c *ilnpnl.Client, addr netip.Addr) {
	t.Helper()
	v := ilnp.ILVFrom16(addr.As16())
	l64, nid := v.L64, v.NID
	if err := c.AddPeer(ilnpnl.Peer{NID: nid, Locators: []ilnpnl.Locator{{L64: l64}}}); err != nil {
		t.Fatal(err)
	}
}

func peerAddr(i int) netip.Addr {
	b := peerNet.Addr().As16()
	b[14], b[15] = byte((peerNID0+i)>>8), byte(peerNID0+i)
	return netip.AddrFrom16(b)
}

func peerAddrs() []netip.Addr {
	out := make([]netip.Addr, sessions)
	for i := range out {
		out[i] = peerAddr(i)
	}
	return out
}

// sendEach sends n datagrams to each address from one socket of the
// calling thread's namespace.
func sendEach(addrs []netip.Addr, n int) error {
	c, err := net.ListenUDP("udp6", nil)
	if err != nil {
		return err
	}
	defer c.Close()
	for range n {
		for _, a := range addrs {
			if _, err := c.WriteToUDPAddrPort([]byte("teardown"), netip.AddrPortFrom(a, 9)); err != nil && !transient(err) {
				return fmt.Errorf("send to %s: %w", a, err)
			}
		}
	}
	return nil
}

// flood sends datagrams to the addresses in turn until stop closes,
// counting them; the socket closes when it returns.
func flood(stop <-chan struct{}, addrs []netip.Addr, sent *atomic.Int64) error {
	c, err := net.ListenUDP("udp6", nil)
	if err != nil {
		return err
	}
	defer c.Close()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return nil
		default:
		}
		if _, err := c.WriteToUDPAddrPort([]byte("teardown"), netip.AddrPortFrom(addrs[i%len(addrs)], 9)); err == nil {
			sent.Add(1)
		} else if !transient(err) {
			return err
		}
		if i%64 == 63 {
			time.Sleep(time.Millisecond)
		}
	}
}

// transient are the errors a sender meets while its peer or its own
// namespace goes away.
func transient(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOBUFS) ||
		errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENODEV) || errors.Is(err, syscall.EADDRNOTAVAIL)
}

// waitPending waits until at least want of the peers have an LU pending
// and returns how many have.
func waitPending(t *testing.T, c *ilnpnl.Client, want int, limit time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		peers, err := c.Peers()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, p := range peers {
			if p.LUPending != nil {
				n++
			}
		}
		if n >= want {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d peers have an LU pending after %s", n, len(peers), limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitRetransmitting waits until the namespace has retransmitted at
// least n LUs more than it had (from) and returns how many it has.
func waitRetransmitting(t *testing.T, c *ilnpnl.Client, from uint64, n uint64, limit time.Duration) uint64 {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		st, err := c.Stats()
		if err != nil {
			t.Fatal(err)
		}
		if got := st[ilnpnl.StatLURetransmitted]; got >= from+n {
			return got - from
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d LU retransmissions after %s, want %d", st[ilnpnl.StatLURetransmitted]-from, limit, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitLinkGone waits until the host's interface is gone: the kernel
// destroyed the namespace at its other end.
func waitLinkGone(t *testing.T, h *testbed.Host, name string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if _, err := h.Link(name); err != nil && strings.Contains(err.Error(), "no interface") {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("%s's interface %s is still there %s after its peer's namespace was deleted", h.Name, name, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kmemleakScan asks a kernel with kmemleak for a scan now, so that a leak
// of the rounds is reported on the console before the run ends (the
// harness fails the run on it), and logs what it found.
func kmemleakScan(t *testing.T) {
	const path = "/sys/kernel/debug/kmemleak"
	if _, err := os.Stat(path); err != nil {
		t.Log("no kmemleak in this kernel: the debug kernel checks for leaks")
		return
	}
	start := time.Now()
	if err := os.WriteFile(path, []byte("scan"), 0o600); err != nil {
		t.Fatalf("kmemleak scan: %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("kmemleak scan took %s; %d octets of report", time.Since(start).Round(time.Second), len(b))
	// A leak of ILNP's is this test's; others (from boot, say) are
	// the console scan's to judge.
	if strings.Contains(string(b), "ilnp") {
		t.Errorf("kmemleak suspects leaks of ILNP:\n%s", first(string(b), 4000))
	} else if len(b) > 0 {
		t.Logf("kmemleak suspects leaks outside ILNP:\n%s", first(string(b), 2000))
	}
}

func first(s string, n int) string {
	if len(s) > n {
		return s[:n] + "\n..."
	}
	return s
}
