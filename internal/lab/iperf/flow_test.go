package iperf

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestFlowArgs(t *testing.T) {
	dst := netip.MustParseAddr("2001:2:dd:dd::c")
	src := netip.MustParseAddr("2001:2:aa:aa::1")
	for _, tt := range []struct {
		name           string
		flow           Flow
		server, client string
	}{
		{"tcp", Flow{Dst: dst, Duration: 15 * time.Second},
			"stdbuf -oL iperf -V -y C -i 1 -p 5001 -s",
			"stdbuf -oL iperf -V -y C -i 1 -p 5001 -c 2001:2:dd:dd::c -t 15"},
		{"mptcp reverse", Flow{Dst: dst, Bind: src, Duration: 15 * time.Second, Reverse: true, Wrap: []string{"mptcpize", "run"}, Port: 5002},
			"mptcpize run stdbuf -oL iperf -V -y C -i 1 -p 5002 -s",
			"mptcpize run stdbuf -oL iperf -V -y C -i 1 -p 5002 -c 2001:2:dd:dd::c -t 15 -B 2001:2:aa:aa::1 -R"},
		{"udp", Flow{Dst: dst, Duration: 1500 * time.Millisecond, UDPRate: 6e6, Length: 1400},
			"stdbuf -oL iperf -V -y C -i 1 -p 5001 -s -u -w 4M",
			"stdbuf -oL iperf -V -y C -i 1 -p 5001 -c 2001:2:dd:dd::c -t 1.5 -u -b 6000000 -l 1400"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(tt.flow.serverArgs(), " "); got != tt.server {
				t.Errorf("server: %s\nwant:   %s", got, tt.server)
			}
			if got := strings.Join(tt.flow.clientArgs(), " "); got != tt.client {
				t.Errorf("client: %s\nwant:   %s", got, tt.client)
			}
		})
	}
}
