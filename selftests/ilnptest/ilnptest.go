// Package ilnptest holds what the VM selftests of ILNP share: the paper's
// testbed with MN and CN as ILNP hosts, the project's binaries, and
// ilnpctl's JSON views of the ILCC, the local locators and the counters.
package ilnptest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/ilnp-linux/ilnp/selftests/testbed"
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

// NewTestbedWith builds the testbed with opts (its Dir is set here),
// waits for MN's addresses and turns ILNP on; the testbed is torn down
// when the test ends.
func NewTestbedWith(t testing.TB, cnILNP bool, opts testbed.Options) *Testbed {
	t.Helper()
	opts.Dir = t.TempDir()
	tb, err := testbed.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tb.Close(); err != nil {
			t.Error(err)
		}
	})
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

// Locator is a locator in ilnpctl's JSON.
type Locator struct {
	L64       string  `json:"l64"`
	State     string  `json:"state"`
	Ifname    string  `json:"ifname,omitempty"` // local locators only
	Lifetime  uint32  `json:"lifetime"`
	DRRScore  int64   `json:"drr_score"`
	TxPackets uint64  `json:"tx_packets"`
	TxBytes   uint64  `json:"tx_bytes"`
	RxPackets uint64  `json:"rx_packets"`
	RxBytes   uint64  `json:"rx_bytes"`
	TxShare   float64 `json:"tx_share"`
	RxShare   float64 `json:"rx_share"`
}

// Peer is an ILCC entry in ilnpctl's JSON.
type Peer struct {
	NID       string    `json:"nid"`
	Flags     []string  `json:"flags"`
	RemoteILV string    `json:"remote_ilv"`
	LocalILV  string    `json:"local_ilv"`
	NonceTx   string    `json:"nonce_tx"`
	NonceRx   string    `json:"nonce_rx"`
	LUPending *int      `json:"lu_pending"`
	Locators  []Locator `json:"locators"`
	Stats     struct {
		PktsIn   uint64 `json:"pkts_in"`
		PktsOut  uint64 `json:"pkts_out"`
		BadNonce uint64 `json:"bad_nonce"`
	} `json:"stats"`
}

// Counters are the namespace's counters in ilnpctl's JSON.
type Counters struct {
	PktsIn          uint64 `json:"pkts_in"`
	PktsOut         uint64 `json:"pkts_out"`
	BadNonce        uint64 `json:"bad_nonce"`
	NoSession       uint64 `json:"no_session"`
	Fallbacks       uint64 `json:"fallbacks"`
	LUSent          uint64 `json:"lu_sent"`
	LUReceived      uint64 `json:"lu_received"`
	LUAcked         uint64 `json:"lu_acked"`
	LURetransmitted uint64 `json:"lu_retransmitted"`
	LUFailed        uint64 `json:"lu_failed"`
	LUMalformed     uint64 `json:"lu_malformed"`
	SessionsCreated uint64 `json:"sessions_created"`
	SessionsExpired uint64 `json:"sessions_expired"`
}

func ctlJSON(t testing.TB, h *testbed.Host, v any, args ...string) {
	t.Helper()
	out := Ctl(t, h, append([]string{"-j"}, args...)...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("ilnpctl -j %v: %v\n%s", args, err, out)
	}
}

// ShowILCC is `ilnpctl -j show ilcc` on a host.
func ShowILCC(t testing.TB, h *testbed.Host) []Peer {
	t.Helper()
	var peers []Peer
	ctlJSON(t, h, &peers, "show", "ilcc")
	return peers
}

// LocalLocators is `ilnpctl -j show locators` on a host.
func LocalLocators(t testing.TB, h *testbed.Host) []Locator {
	t.Helper()
	var locs []Locator
	ctlJSON(t, h, &locs, "show", "locators")
	return locs
}

// ReadStats is `ilnpctl -j stats` on a host.
func ReadStats(t testing.TB, h *testbed.Host) Counters {
	t.Helper()
	var c Counters
	ctlJSON(t, h, &c, "stats")
	return c
}

// NIDString is the NID of an address as ilnpctl writes it.
func NIDString(addr netip.Addr) string {
	b := addr.As16()
	return fmt.Sprintf("%x:%x:%x:%x", uint16(b[8])<<8|uint16(b[9]), uint16(b[10])<<8|uint16(b[11]),
		uint16(b[12])<<8|uint16(b[13]), uint16(b[14])<<8|uint16(b[15]))
}

// PeerByNID finds the entry with the NID of addr.
func PeerByNID(peers []Peer, addr netip.Addr) (Peer, bool) {
	want := NIDString(addr)
	for _, p := range peers {
		if p.NID == want {
			return p, true
		}
	}
	return Peer{}, false
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

// TCPResets counts the TCP segments of a capture and those with RST.
func TCPResets(t testing.TB, pcap string) (segments, resets int) {
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
	for pkt := range src.Packets() {
		tcp, ok := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if !ok {
			continue
		}
		segments++
		if tcp.RST {
			resets++
		}
	}
	return segments, resets
}
