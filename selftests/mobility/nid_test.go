//go:build vmtest

package mobility

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/internal/lab/labtest"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
)

// TestOneNIDAttachingAtOnce: MN, an ILNP host without a NID yet,
// attaches to aa, bb and cc at once, with Duplicate Address Detection
// that is not optimistic and takes three seconds, so that every address is
// formed before any is usable and could name the host. All three must
// have one NID, the host's (a phone that boots on Wi-Fi and cellular).
// Before the first address formed claimed the NID, each took its own
// interface's EUI-64.
func TestOneNIDAttachingAtOnce(t *testing.T) {
	tb := labtest.PlainTestbed(t, testbed.Options{MNNetworks: []string{}, MNILNP: true})
	// addrconf takes a namespace-wide "all" of 1 for optimistic DAD
	// over an interface's 0.
	for _, key := range []string{"conf.all.optimistic_dad", "conf.all.use_optimistic"} {
		if err := tb.MN.WriteSysctl("net.ipv6."+key, "0"); err != nil {
			t.Fatal(err)
		}
	}
	for _, an := range testbed.AccessNets {
		for key, v := range map[string]string{
			"conf." + an.Name + ".optimistic_dad":   "0",
			"conf." + an.Name + ".use_optimistic":   "0",
			"conf." + an.Name + ".dad_transmits":    "3",
			"neigh." + an.Name + ".retrans_time_ms": "1000",
		} {
			if err := tb.MN.WriteSysctl("net.ipv6."+key, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, an := range testbed.AccessNets {
		if err := tb.AttachMN(an.Name); err != nil {
			t.Fatal(err)
		}
	}
	addrs := map[string]netip.Addr{}
	for deadline := time.Now().Add(10 * time.Second); len(addrs) < len(testbed.AccessNets); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("MN's SLAAC addresses after 10 s: %v", addrs)
		}
		for _, an := range testbed.AccessNets {
			a, err := tb.MN.Addrs(an.Name, an.Prefix)
			if err != nil {
				t.Fatal(err)
			}
			if len(a) > 0 {
				addrs[an.Name] = a[0]
			}
		}
	}
	nid, ok := "", true
	for _, an := range testbed.AccessNets {
		n := labtest.NID(addrs[an.Name]).String()
		if nid == "" {
			nid = n
		}
		ok = ok && n == nid
	}
	t.Logf("MN's addresses: aa %s, bb %s, cc %s", addrs["aa"], addrs["bb"], addrs["cc"])
	if !ok {
		t.Errorf("MN's addresses have different NIDs: %v", addrs)
	}
	if out := labtest.Ctl(t, tb.MN, "nid", "show"); out != "nid "+nid+"\n" {
		t.Errorf("ilnpctl nid show: %q, want the addresses' NID %s", out, nid)
	}
}
