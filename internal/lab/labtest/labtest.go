// Package labtest holds what the VM selftests of ILNP share: the paper's
// testbed with MN and CN as ILNP hosts, the project's binaries, and
// ilnpctl's output read into its own JSON views (tools/ilnpctl/view), for
// tests (it takes a testing.TB and fails the test on errors). The
// selftests under selftests/ use it; product code does not.
package labtest

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpctl/view"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// Bin is the path of a project binary built by `make tools`.
func Bin(t testing.TB, name string) string {
	t.Helper()
	root := os.Getenv("ILNP_ROOT")
	if root == "" {
		t.Fatal("ILNP_ROOT is not set: run through make selftests")
	}
	p := filepath.Join(root, "build", "bin", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s: %v (make tools)", name, err)
	}
	return p
}

// Testbed is the paper's testbed with MN (and CN if asked) in ILNP mode
// and CN registered as MN's peer.
type Testbed struct {
	*testbed.Testbed
	MNAddr netip.Addr // MN's first address on the first network it is on
}

// NewTestbed is NewTestbedWith MN on aa only.
func NewTestbed(t testing.TB, cnILNP bool) *Testbed {
	t.Helper()
	return NewTestbedWith(t, cnILNP, testbed.Options{MNNetworks: []string{"aa"}})
}

// PlainTestbed builds the testbed with opts (Dir, if empty, is a
// temporary directory of the test) in plain IPv6 mode and tears it down
// when the test ends.
func PlainTestbed(t testing.TB, opts testbed.Options) *testbed.Testbed {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	tb, err := testbed.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tb.Close(); err != nil {
			t.Error(err)
		}
	})
	return tb
}

// NewTestbedWith builds the testbed with opts (its Dir is set here),
// waits for MN's addresses and turns ILNP on; the testbed is torn down
// when the test ends.
func NewTestbedWith(t testing.TB, cnILNP bool, opts testbed.Options) *Testbed {
	t.Helper()
	opts.Dir = t.TempDir()
	tb := PlainTestbed(t, opts)
	addrs, err := tb.WaitSLAAC(context.Background(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := tb.MN.WriteSysctl("net.ipv6.handoff_mode", "1"); err != nil {
		t.Fatal(err)
	}
	if cnILNP {
		if err := tb.CN.WriteSysctl("net.ipv6.handoff_mode", "1"); err != nil {
			t.Fatal(err)
		}
	}
	Ctl(t, tb.MN, "peer", "add", testbed.CNAddr.String())
	first := "aa"
	if len(opts.MNNetworks) > 0 {
		first = opts.MNNetworks[0]
	}
	return &Testbed{Testbed: tb, MNAddr: addrs[first]}
}

// Ctl runs ilnpctl on a host and returns its output.
func Ctl(t testing.TB, h *testbed.Host, args ...string) string {
	t.Helper()
	out, err := h.Run(context.Background(), Bin(t, "ilnpctl"), args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ctlJSON(t testing.TB, h *testbed.Host, v any, args ...string) {
	t.Helper()
	out := Ctl(t, h, append([]string{"-j"}, args...)...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("ilnpctl -j %v: %v\n%s", args, err, out)
	}
}

// ShowILCC is `ilnpctl -j show ilcc` on a host.
func ShowILCC(t testing.TB, h *testbed.Host) []view.Peer {
	t.Helper()
	var peers []view.Peer
	ctlJSON(t, h, &peers, "show", "ilcc")
	return peers
}

// LocalLocators is `ilnpctl -j show locators` on a host.
func LocalLocators(t testing.TB, h *testbed.Host) []view.Locator {
	t.Helper()
	var locs []view.Locator
	ctlJSON(t, h, &locs, "show", "locators")
	return locs
}

// ReadStats is `ilnpctl -j stats` on a host.
func ReadStats(t testing.TB, h *testbed.Host) ilnpnl.Stats {
	t.Helper()
	var c ilnpnl.Stats
	ctlJSON(t, h, &c, "stats")
	return c
}

// NID is the NID of an address (its lower 64 bits).
func NID(addr netip.Addr) ilnp.NID { return ilnp.ILVFrom16(addr.As16()).NID }

// PeerByNID finds the entry with the NID of addr.
func PeerByNID(peers []view.Peer, addr netip.Addr) (view.Peer, bool) {
	want := NID(addr)
	for _, p := range peers {
		if p.NID == want {
			return p, true
		}
	}
	return view.Peer{}, false
}

// IperfPort is iperf2's port.
const IperfPort = 5001

// StartIperfServers runs iperf2 TCP and UDP servers on a host until the
// test ends.
func StartIperfServers(t testing.TB, h *testbed.Host) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	for _, args := range [][]string{{"-s", "-V"}, {"-s", "-u", "-V"}} {
		srv := h.Command(ctx, "iperf", args...)
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cancel(); _ = srv.Wait() })
	}
	for _, proto := range []string{"tcp", "udp"} {
		if err := h.WaitListening(ctx, proto, IperfPort, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
}

// EachPacket calls fn with every frame of a pcap capture and its number
// (from 1, as tshark numbers frames), decoded lazily.
func EachPacket(t testing.TB, pcap string, fn func(frame int, pkt gopacket.Packet)) {
	t.Helper()
	f, err := os.Open(pcap)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", pcap, err)
	}
	src := gopacket.NewPacketSource(r, r.LinkType())
	src.DecodeOptions = gopacket.DecodeOptions{Lazy: true, NoCopy: true}
	frame := 0
	for pkt := range src.Packets() {
		frame++
		fn(frame, pkt)
	}
}

// TCPResets counts the TCP segments of a capture and those with RST.
func TCPResets(t testing.TB, pcap string) (segments, resets int) {
	t.Helper()
	EachPacket(t, pcap, func(_ int, pkt gopacket.Packet) {
		tcp, ok := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if !ok {
			return
		}
		segments++
		if tcp.RST {
			resets++
		}
	})
	return segments, resets
}
