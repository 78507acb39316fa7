package labtest

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
)

// Multihomed is the testbed with MN on aa, bb and cc from the start,
// both ends ILNP hosts knowing all of each other's locators.
type Multihomed struct {
	*Testbed
	// Addrs are MN's addresses, one NID at each network's prefix, by
	// access network name.
	Addrs map[string]netip.Addr
}

// ILVs are MN's addresses in AccessNets order.
func (m *Multihomed) ILVs() []string {
	var ilvs []string
	for _, an := range testbed.AccessNets {
		ilvs = append(ilvs, m.Addrs[an.Name].String())
	}
	return ilvs
}

// NewMultihomed builds the multihomed testbed; it is torn down when the
// test ends. Checksums are complete on the wire at CN (no transmit
// checksum offload on the R4-CN link), so that captures there can be
// checked.
func NewMultihomed(t testing.TB) *Multihomed {
	t.Helper()
	tb := NewTestbedWith(t, true, testbed.Options{MNILNP: true})
	addrs, err := tb.WaitSLAAC(context.Background(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m := &Multihomed{Testbed: tb, Addrs: addrs}
	for _, an := range testbed.AccessNets {
		if a := addrs[an.Name]; NID(a) != NID(tb.MNAddr) {
			t.Fatalf("MN's address on %s is %s: not one NID with %s", an.Name, a, tb.MNAddr)
		}
	}
	Ctl(t, tb.CN, append([]string{"peer", "add"}, m.ILVs()...)...)
	for _, h := range []*testbed.Host{tb.R4, tb.CN} {
		if _, err := h.Run(context.Background(), "ethtool", "-K", "dd", "tx", "off"); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// WaitLUAcked waits until h has no Locator Update to the peer at addr
// awaiting its acknowledgement, as after a change of its locators.
func WaitLUAcked(t testing.TB, h *testbed.Host, addr netip.Addr) {
	t.Helper()
	const limit = 10 * time.Second
	for deadline := time.Now().Add(limit); ; time.Sleep(100 * time.Millisecond) {
		p, ok := PeerByNID(ShowILCC(t, h), addr)
		if ok && p.LUPending == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("host %s: the Locator Update to %s is not acknowledged after %s (peer found: %t)", h.Name, addr, limit, ok)
		}
	}
}
