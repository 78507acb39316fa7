package testbed

import (
	"net/netip"
	"strings"
	"testing"
)

func TestBlackholeFilters(t *testing.T) {
	got := blackholeFilters("bb", netip.MustParsePrefix("2001:2:bb:bb::/64"))
	want := []string{
		"qdisc add dev bb clsact",
		"filter add dev bb ingress prio 1 protocol ipv6 u32 match ip6 src 2001:2:bb:bb::/64 match ip6 dst 2001:2:bb:bb::/64 action pass",
		"filter add dev bb ingress prio 2 protocol ipv6 u32 match ip6 src 2001:2:bb:bb::/64 match ip6 dst 2000::/3 action drop",
		"filter add dev bb egress prio 1 protocol ipv6 u32 match ip6 src 2001:2:bb:bb::/64 match ip6 dst 2001:2:bb:bb::/64 action pass",
		"filter add dev bb egress prio 2 protocol ipv6 u32 match ip6 src 2000::/3 match ip6 dst 2001:2:bb:bb::/64 action drop",
	}
	if len(got) != len(want) {
		t.Fatalf("%d commands, want %d: %q", len(got), len(want), got)
	}
	for i := range want {
		if g := strings.Join(got[i], " "); g != want[i] {
			t.Errorf("command %d: tc %s\nwant tc %s", i, g, want[i])
		}
	}
}
