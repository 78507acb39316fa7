package mptcp

import (
	"net/netip"
	"strings"
	"testing"
)

func TestEndpointArgs(t *testing.T) {
	got := endpointArgs([]Endpoint{
		{netip.MustParseAddr("2001:2:aa:aa::1"), "aa"},
		{netip.MustParseAddr("2001:2:bb:bb::1"), "bb"},
	})
	want := []string{
		"mptcp endpoint add 2001:2:aa:aa::1 dev aa subflow fullmesh",
		"mptcp endpoint add 2001:2:bb:bb::1 dev bb subflow fullmesh",
	}
	if len(got) != len(want) {
		t.Fatalf("%q, want %q", got, want)
	}
	for i := range want {
		if g := strings.Join(got[i], " "); g != want[i] {
			t.Errorf("ip %s\nwant ip %s", g, want[i])
		}
	}
}

func TestNstatValue(t *testing.T) {
	out := "#kernel\nMPTcpExtMPJoinAckRx             2                  0.0\n"
	for _, tt := range []struct {
		out, counter string
		want         uint64
		ok           bool
	}{
		{out, "MPTcpExtMPJoinAckRx", 2, true},
		{out, "MPTcpExtMPJoinSynRx", 0, false},
		{"MPTcpExtMPJoinAckRx x\n", "MPTcpExtMPJoinAckRx", 0, false},
	} {
		got, err := nstatValue(tt.out, tt.counter)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("nstatValue(%q, %s) = %d, %v; want %d, ok %t", tt.out, tt.counter, got, err, tt.want, tt.ok)
		}
	}
}
