package testbed

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// An AccessNet is one of the networks that MN can attach to.
type AccessNet struct {
	Name   string       // interface name on MN and on its router
	Prefix netip.Prefix // the /64 its router advertises
	Router string       // the router's host name
	Uplink netip.Prefix // the router-R4 link; R4 is ::4, the router ::1
	Table  uint32       // MN's routing table for traffic from Prefix
}

// The paper's networks (section 5, Figure 7).
var (
	AccessNets = []AccessNet{
		{"aa", netip.MustParsePrefix("2001:2:aa:aa::/64"), "r1", netip.MustParsePrefix("2001:2:0:14::/64"), 101},
		{"bb", netip.MustParsePrefix("2001:2:bb:bb::/64"), "r2", netip.MustParsePrefix("2001:2:0:24::/64"), 102},
		{"cc", netip.MustParsePrefix("2001:2:cc:cc::/64"), "r3", netip.MustParsePrefix("2001:2:0:34::/64"), 103},
	}
	// CNNet is the network CN sits on behind R4; CN has a static address.
	CNNet    = netip.MustParsePrefix("2001:2:dd:dd::/64")
	CNAddr   = netip.MustParseAddr("2001:2:dd:dd::c")
	R4CNAddr = netip.MustParseAddr("2001:2:dd:dd::1")
	// RouterLL is every router's only link-local address on an access
	// network, so that MN's default routes name a known gateway.
	RouterLL = netip.MustParseAddr("fe80::1")
	anyNet   = netip.MustParsePrefix("::/0")

	// AttackerNet is the network of the off-path attacker EE behind R4
	// (Options.Attacker); EE is AttackerAddr on it, R4 R4EEAddr.
	AttackerNet  = netip.MustParsePrefix("2001:2:ee:ee::/64")
	AttackerAddr = netip.MustParseAddr("2001:2:ee:ee::1")
	R4EEAddr     = netip.MustParseAddr("2001:2:ee:ee::4")
	// AttackerSpace is routed by R4 to EE, so that whatever answers the
	// sources EE forges there (a /64 each if it likes) reaches EE
	// without R4 resolving every address.
	AttackerSpace = netip.MustParsePrefix("2001:2:ef::/48")

	// CNNet2 is CN's second network behind R4 (Options.CNMobile), to
	// which it moves as a mobile server; CN is ::c there too (CNAddr2),
	// R4 ::1.
	CNNet2    = netip.MustParsePrefix("2001:2:ff:ff::/64")
	CNAddr2   = netip.MustParseAddr("2001:2:ff:ff::c")
	R4CNAddr2 = netip.MustParseAddr("2001:2:ff:ff::1")

	// DNSNet is the network of NS, the testbed's DNS server
	// (Options.DNS), behind R4; NS is NSAddr on it, R4 ::4.
	DNSNet   = netip.MustParsePrefix("2001:2:53:53::/64")
	NSAddr   = netip.MustParseAddr("2001:2:53:53::53")
	R4NSAddr = netip.MustParseAddr("2001:2:53:53::4")

	// ClientNet is the network of CL, a second correspondent of CN
	// (Options.Client), behind R4; CL is ClientAddr on it, R4 ::4.
	ClientNet    = netip.MustParsePrefix("2001:2:c1:c1::/64")
	ClientAddr   = netip.MustParseAddr("2001:2:c1:c1::c1")
	R4ClientAddr = netip.MustParseAddr("2001:2:c1:c1::4")
)

// CNNetworks are the names of CN's networks (and of its interfaces on
// them): dd, and with Options.CNMobile ff.
var CNNetworks = map[string]struct {
	Prefix netip.Prefix
	Addr   netip.Addr // CN's
	R4     netip.Addr // R4's, CN's gateway
	Metric int        // of CN's default route through it
}{
	"dd": {CNNet, CNAddr, R4CNAddr, 1024},
	"ff": {CNNet2, CNAddr2, R4CNAddr2, 2048},
}

// MNHardwareAddr is the MAC of MN's interface on the i-th access network;
// MN's SLAAC interface identifier follows from it (EUI-64).
func MNHardwareAddr(i int) net.HardwareAddr {
	return net.HardwareAddr{0x02, 0x00, 0x00, 0x00, byte(0xa0 + i), 0x01}
}

// Router advertisement timers of the paper's Table 6.
const (
	MaxRtrAdvInterval = 5 * time.Second
	MinRtrAdvInterval = 3 * time.Second
	ValidLifetime     = 15 * time.Second
	PreferredLifetime = 9 * time.Second
)

// MNSysctls returns the paper's Table 3 settings for MN's interfaces:
// names under net.ipv6.conf.IFNAME and their values.
func MNSysctls() map[string]string { return maps.Clone(mnSysctls) }

// mnSysctls are the paper's Table 3 settings for MN's interfaces.
var mnSysctls = map[string]string{
	"router_solicitation_delay":    "0",
	"router_solicitation_interval": "1",
	"optimistic_dad":               "1",
	"use_optimistic":               "1",
}

// Options tune a testbed.
type Options struct {
	// Dir holds the testbed's files (radvd configurations, logs); it
	// must exist. A temporary directory is fine.
	Dir string
	// Delay is the round-trip delay added on the CN side (netem on CN's
	// interface towards R4): 0, 20 ms or 200 ms in the paper.
	Delay time.Duration
	// Prefix is prepended to the namespace names, so that testbeds do
	// not collide; empty means none.
	Prefix string
	// MNNetworks names the access networks whose interface on MN is up
	// at the start; nil means all of them.
	MNNetworks []string
	// MNToken, when valid, is the interface identifier MN's SLAAC
	// addresses get on every network (ip token), so that they share
	// one NID as an ILNP host's addresses do.
	MNToken netip.Addr
	// MNILNP makes MN an ILNP host (net.ipv6.handoff_mode) before it
	// attaches to any network, so that the kernel forms its SLAAC
	// addresses as L64:NID with one NID on every network.
	MNILNP bool
	// Attacker adds EE, an off-path host on a network of its own
	// (AttackerNet) behind R4, routed like the others; it forges what
	// it sends with raw and packet sockets.
	Attacker bool
	// CNMobile gives CN a second network, ff (CNNet2), behind R4 beside
	// dd, so that CN can move from dd to ff as a mobile server
	// (NewCNMover, AttachCN): CN's interface there is down until it is
	// attached, which gives it its address there (CNAddr2) and a default
	// route through it of a lower priority than dd's.
	CNMobile bool
	// DNS adds NS, a host on a network of its own behind R4 (DNSNet)
	// for a DNS server (internal/lab/dnsserver).
	DNS bool
	// Client adds CL, a host on a network of its own behind R4
	// (ClientNet): a second correspondent of CN.
	Client bool
}

// Testbed is the paper's topology, built and running.
type Testbed struct {
	MN, R1, R2, R3, R4, CN *Host
	Routers                []*Host // R1, R2, R3 in AccessNets order
	// EE is the off-path attacker of Options.Attacker; nil without.
	EE *Host
	// NS is the DNS server's host of Options.DNS, CL the second
	// correspondent of Options.Client; nil without.
	NS, CL *Host

	opts  Options
	hosts []*Host
	procs []*exec.Cmd
	ruled map[string]bool // MN's access networks with a source rule
}

// New builds the testbed: namespaces, links, addresses, routes, radvd on
// R1-R3 and netem on CN. MN's interfaces are up and soliciting; use
// WaitSLAAC to wait for its addresses.
func New(ctx context.Context, opts Options) (_ *Testbed, err error) {
	if opts.Dir == "" {
		return nil, errors.New("testbed: Options.Dir is required")
	}
	// Receivers may ask for large socket buffers (iperf2 -w), so that a
	// guest whose CPUs are emulated does not drop datagrams that the
	// network delivered while the receiving thread waits for a CPU. The
	// limit is global, not per namespace.
	if err := raiseRmemMax(8 << 20); err != nil {
		return nil, fmt.Errorf("testbed: %w", err)
	}
	tb := &Testbed{opts: opts, ruled: make(map[string]bool)}
	defer func() {
		if err != nil {
			err = errors.Join(err, tb.Close())
		}
	}()
	for _, p := range []struct {
		h    **Host
		name string
	}{{&tb.MN, "mn"}, {&tb.R1, "r1"}, {&tb.R2, "r2"}, {&tb.R3, "r3"}, {&tb.R4, "r4"}, {&tb.CN, "cn"}} {
		h, err := NewHost(opts.Prefix + p.name)
		if err != nil {
			return nil, fmt.Errorf("testbed: %w", err)
		}
		*p.h = h
		tb.hosts = append(tb.hosts, h)
	}
	tb.Routers = []*Host{tb.R1, tb.R2, tb.R3}
	stubs := []struct {
		on     bool
		h      **Host
		name   string
		addr   netip.Addr
		r4addr netip.Addr
	}{
		{opts.Attacker, &tb.EE, "ee", AttackerAddr, R4EEAddr},
		{opts.DNS, &tb.NS, "ns", NSAddr, R4NSAddr},
		{opts.Client, &tb.CL, "cl", ClientAddr, R4ClientAddr},
	}
	for _, st := range stubs {
		if !st.on {
			continue
		}
		if *st.h, err = NewHost(opts.Prefix + st.name); err != nil {
			return nil, fmt.Errorf("testbed: %w", err)
		}
		tb.hosts = append(tb.hosts, *st.h)
	}

	if err := tb.wireCore(); err != nil {
		return nil, fmt.Errorf("testbed: %w", err)
	}
	for _, st := range stubs {
		if !st.on {
			continue
		}
		if err := tb.wireStub(*st.h, st.name, st.addr, st.r4addr); err != nil {
			return nil, fmt.Errorf("testbed: %w", err)
		}
	}
	if tb.EE != nil {
		if err := tb.R4.AddRoute(AttackerSpace, AttackerAddr, "ee"); err != nil {
			return nil, fmt.Errorf("testbed: %w", err)
		}
	}
	if opts.CNMobile {
		if err := tb.CN.Veth("ff", tb.R4, "ff", nil); err != nil {
			return nil, fmt.Errorf("testbed: %w", err)
		}
		if err := tb.R4.AddAddr("ff", netip.PrefixFrom(R4CNAddr2, 64)); err != nil {
			return nil, fmt.Errorf("testbed: %w", err)
		}
		if err := tb.R4.SetLinkUp("ff"); err != nil {
			return nil, fmt.Errorf("testbed: %w", err)
		}
	}
	if err := tb.wireAccess(); err != nil {
		return nil, fmt.Errorf("testbed: %w", err)
	}
	if opts.Delay > 0 {
		if _, err := tb.CN.Run(ctx, "tc", "qdisc", "add", "dev", "dd", "root", "netem",
			"delay", fmt.Sprintf("%dus", opts.Delay.Microseconds()), "limit", "10000"); err != nil {
			return nil, fmt.Errorf("testbed: netem: %w", err)
		}
		// The delay line holds Neighbor Discovery too: resolving CN
		// and R4 to each other takes the delay, and a neighbour entry
		// being resolved queues only about a hundred MTU-sized packets
		// (unres_qlen_bytes), drops the oldest beyond and bursts the
		// rest at the next hop. At 200 ms that is half the first
		// 200 ms of a 10 Mbit/s flow, a loss of no handover's. A ping
		// across the link resolves both ends before any flow starts.
		if _, err := tb.CN.Run(ctx, "ping", "-6", "-c", "1", "-W", "5", R4CNAddr.String()); err != nil {
			return nil, fmt.Errorf("testbed: neighbours across the delay: %w", err)
		}
	}
	for i, an := range AccessNets {
		if err := tb.startRadvd(tb.Routers[i], an); err != nil {
			return nil, fmt.Errorf("testbed: %w", err)
		}
	}
	if opts.MNILNP {
		if err := tb.MN.WriteSysctl("net.ipv6.handoff_mode", "1"); err != nil {
			return nil, fmt.Errorf("testbed: %w", err)
		}
	}
	for _, an := range tb.mnNets() {
		if opts.MNToken.IsValid() {
			// rtnetlink has no setter for IFLA_INET6_TOKEN; ip has.
			if _, err := tb.MN.Run(ctx, "ip", "token", "set", opts.MNToken.String(), "dev", an.Name); err != nil {
				return nil, fmt.Errorf("testbed: %w", err)
			}
		}
		if err := tb.AttachMN(an.Name); err != nil {
			return nil, err
		}
	}
	return tb, nil
}

const rmemMax = "/proc/sys/net/core/rmem_max"

func raiseRmemMax(n int) error {
	b, err := os.ReadFile(rmemMax)
	if err != nil {
		return err
	}
	if cur, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && cur >= n {
		return nil
	}
	return os.WriteFile(rmemMax, []byte(strconv.Itoa(n)), 0o644)
}

func accessNet(name string) (AccessNet, error) {
	for _, an := range AccessNets {
		if an.Name == name {
			return an, nil
		}
	}
	return AccessNet{}, fmt.Errorf("testbed: no access network %q", name)
}

// accessRouter finds the access network name and its router.
func (tb *Testbed) accessRouter(name string) (AccessNet, *Host, error) {
	for i, an := range AccessNets {
		if an.Name == name {
			return an, tb.Routers[i], nil
		}
	}
	return AccessNet{}, nil, fmt.Errorf("testbed: no access network %q", name)
}

// AttachMN brings MN's interface on the access network up, as when MN
// gains that network: it solicits a Router Advertisement and forms its
// address (see WaitMNAddr). Traffic from the network's prefix leaves
// through it (a source-specific default route), so that plain IPv6 flows
// from an address on a network use that network.
func (tb *Testbed) AttachMN(name string) error {
	an, err := accessNet(name)
	if err != nil {
		return err
	}
	if err := tb.MN.SetLinkUp(an.Name); err != nil {
		return fmt.Errorf("testbed: %w", err)
	}
	// Routes through an interface go away with it; the rule stays.
	if tb.ruled[an.Name] {
		err = tb.MN.addRoute(an.Table, anyNet, RouterLL, an.Name)
	} else {
		err = tb.MN.AddSourceRoute(an.Table, an.Prefix, anyNet, RouterLL, an.Name)
	}
	if err != nil {
		return fmt.Errorf("testbed: %w", err)
	}
	tb.ruled[an.Name] = true
	return nil
}

// DetachMN takes MN's interface on the access network down, as when MN
// loses that network; its addresses and routes there go away.
func (tb *Testbed) DetachMN(name string) error {
	an, err := accessNet(name)
	if err != nil {
		return err
	}
	if err := tb.MN.SetLinkDown(an.Name); err != nil {
		return fmt.Errorf("testbed: %w", err)
	}
	return nil
}

// WaitMNAddr waits until MN has a global address from the prefix of the
// access network and returns it.
func (tb *Testbed) WaitMNAddr(ctx context.Context, name string, timeout time.Duration) (netip.Addr, error) {
	an, err := accessNet(name)
	if err != nil {
		return netip.Addr{}, err
	}
	return waitAddr(ctx, tb.MN, an.Name, an.Prefix, timeout)
}

// wireCore builds R1-R3 to R4 and R4 to CN, with static routes.
func (tb *Testbed) wireCore() error {
	for _, h := range []*Host{tb.R1, tb.R2, tb.R3, tb.R4} {
		if err := h.WriteSysctl("net.ipv6.conf.all.forwarding", "1"); err != nil {
			return err
		}
	}
	for i, an := range AccessNets {
		r := tb.Routers[i]
		// The router's uplink is named "r4"; R4's end is named after the router.
		rIf, r4If := "r4", r.Name[len(tb.opts.Prefix):]
		if err := r.Veth(rIf, tb.R4, r4If, nil); err != nil {
			return err
		}
		rAddr := netip.PrefixFrom(hostAddr(an.Uplink, 1), 64)
		r4Addr := netip.PrefixFrom(hostAddr(an.Uplink, 4), 64)
		if err := up2(r, rIf, rAddr, tb.R4, r4If, r4Addr); err != nil {
			return err
		}
		if err := r.AddRoute(anyNet, r4Addr.Addr(), rIf); err != nil {
			return err
		}
		if err := tb.R4.AddRoute(an.Prefix, rAddr.Addr(), r4If); err != nil {
			return err
		}
	}
	if err := tb.CN.Veth("dd", tb.R4, "dd", nil); err != nil {
		return err
	}
	if err := up2(tb.CN, "dd", netip.PrefixFrom(CNAddr, 64), tb.R4, "dd", netip.PrefixFrom(R4CNAddr, 64)); err != nil {
		return err
	}
	return tb.CN.AddRoute(anyNet, R4CNAddr, "dd")
}

// wireStub puts a host on a network of its own behind R4, its interface
// and R4's named ifname: the host is addr there, R4 r4addr, and the
// host's default route goes through R4.
func (tb *Testbed) wireStub(h *Host, ifname string, addr, r4addr netip.Addr) error {
	if err := h.Veth(ifname, tb.R4, ifname, nil); err != nil {
		return err
	}
	if err := up2(h, ifname, netip.PrefixFrom(addr, 64), tb.R4, ifname, netip.PrefixFrom(r4addr, 64)); err != nil {
		return err
	}
	return h.AddRoute(anyNet, r4addr, ifname)
}

// up2 addresses and brings up both ends of a point-to-point link.
func up2(a *Host, aIf string, aAddr netip.Prefix, b *Host, bIf string, bAddr netip.Prefix) error {
	for _, e := range []struct {
		h    *Host
		ifn  string
		addr netip.Prefix
	}{{a, aIf, aAddr}, {b, bIf, bAddr}} {
		if err := e.h.AddAddr(e.ifn, e.addr); err != nil {
			return err
		}
		if err := e.h.SetLinkUp(e.ifn); err != nil {
			return err
		}
	}
	return nil
}

// wireAccess connects MN to R1-R3. Each router's access interface has
// fe80::1 as its only link-local address and the ::1 address of its
// prefix; MN's interfaces get the Table 3 sysctls and stay down.
func (tb *Testbed) wireAccess() error {
	for _, k := range []string{"all", "default"} {
		for s, v := range mnSysctls {
			if err := tb.MN.WriteSysctl("net.ipv6.conf."+k+"."+s, v); err != nil {
				return err
			}
		}
	}
	for i, an := range AccessNets {
		r := tb.Routers[i]
		if err := tb.MN.Veth(an.Name, r, an.Name, MNHardwareAddr(i)); err != nil {
			return err
		}
		for s, v := range mnSysctls {
			if err := tb.MN.WriteSysctl("net.ipv6.conf."+an.Name+"."+s, v); err != nil {
				return err
			}
		}
		// No automatic link-local address: fe80::1 is set by hand.
		if err := r.WriteSysctl("net.ipv6.conf."+an.Name+".addr_gen_mode", "1"); err != nil {
			return err
		}
		if err := r.AddAddr(an.Name, netip.PrefixFrom(RouterLL, 64)); err != nil {
			return err
		}
		if err := r.AddAddr(an.Name, netip.PrefixFrom(hostAddr(an.Prefix, 1), 64)); err != nil {
			return err
		}
		if err := r.SetLinkUp(an.Name); err != nil {
			return err
		}
	}
	return nil
}

// radvdConf is the router's configuration with the paper's Table 6 timers.
func radvdConf(an AccessNet) string {
	return fmt.Sprintf(`interface %s {
	AdvSendAdvert on;
	MaxRtrAdvInterval %d;
	MinRtrAdvInterval %d;
	prefix %s {
		AdvOnLink on;
		AdvAutonomous on;
		AdvValidLifetime %d;
		AdvPreferredLifetime %d;
	};
};
`, an.Name, int(MaxRtrAdvInterval.Seconds()), int(MinRtrAdvInterval.Seconds()), an.Prefix,
		int(ValidLifetime.Seconds()), int(PreferredLifetime.Seconds()))
}

func (tb *Testbed) startRadvd(r *Host, an AccessNet) error {
	conf := filepath.Join(tb.opts.Dir, r.Name+"-radvd.conf")
	if err := os.WriteFile(conf, []byte(radvdConf(an)), 0o644); err != nil {
		return fmt.Errorf("radvd config: %w", err)
	}
	logf, err := os.Create(filepath.Join(tb.opts.Dir, r.Name+"-radvd.log"))
	if err != nil {
		return fmt.Errorf("radvd log: %w", err)
	}
	defer logf.Close()
	// The context of a test would kill radvd when the test ends; the
	// testbed's lifetime is its own, so Close stops it.
	cmd := r.Command(context.Background(), "radvd", "--nodaemon", "--config", conf,
		"--pidfile", filepath.Join(tb.opts.Dir, r.Name+"-radvd.pid"), "--logmethod", "stderr")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: start radvd: %w", r.Name, err)
	}
	tb.procs = append(tb.procs, cmd)
	return nil
}

// mnNets are the access networks MN is attached to at the start.
func (tb *Testbed) mnNets() []AccessNet {
	if tb.opts.MNNetworks == nil {
		return AccessNets
	}
	var nets []AccessNet
	for _, an := range AccessNets {
		for _, name := range tb.opts.MNNetworks {
			if an.Name == name {
				nets = append(nets, an)
			}
		}
	}
	return nets
}

// WaitSLAAC waits until MN has a global address from the prefix of each
// access network it is attached to and returns them by interface name.
func (tb *Testbed) WaitSLAAC(ctx context.Context, timeout time.Duration) (map[string]netip.Addr, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	nets := tb.mnNets()
	for {
		got := make(map[string]netip.Addr)
		for _, an := range nets {
			addrs, err := tb.MN.Addrs(an.Name, an.Prefix)
			if err != nil {
				return nil, err
			}
			if len(addrs) > 0 {
				got[an.Name] = addrs[0]
			}
		}
		if len(got) == len(nets) {
			return got, nil
		}
		select {
		case <-ctx.Done():
			return got, fmt.Errorf("testbed: MN has addresses on %d of %d networks after %s (%v)",
				len(got), len(nets), timeout, got)
		case <-tick.C:
		}
	}
}

// Close stops the testbed's daemons and deletes its namespaces.
func (tb *Testbed) Close() error {
	var errs []error
	for _, p := range tb.procs {
		_ = p.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			_ = p.Process.Kill()
			<-done
		}
	}
	tb.procs = nil
	for _, h := range tb.hosts {
		if err := h.Delete(); err != nil {
			errs = append(errs, err)
		}
	}
	tb.hosts = nil
	return errors.Join(errs...)
}

// hostAddr is the address with interface identifier id in a /64.
func hostAddr(p netip.Prefix, id uint16) netip.Addr {
	b := p.Masked().Addr().As16()
	b[14], b[15] = byte(id>>8), byte(id)
	return netip.AddrFrom16(b)
}
