// Package mptcp sets up Multipath TCP on the testbed as the yardstick of
// ILNP multihoming: the kernel's in-kernel path manager, a fullmesh
// subflow endpoint for each of the client's addresses (each address
// leaves through its own interface, by the testbed's source routes),
// the path manager's limits raised on both ends, and unmodified iperf2
// run under mptcpize. Both hosts must be in plain IPv6 mode
// (net.ipv6.handoff_mode=0), so that what is measured is MPTCP alone.
package mptcp

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
)

// Limits of the in-kernel path manager on both ends: more than the
// testbed's three networks need, so that no subflow or announced
// address is refused.
const (
	MaxSubflows        = 8
	MaxAddAddrAccepted = 8
)

// Wrap is the command prefix that makes a program's TCP sockets MPTCP
// ones (LD_PRELOAD), e.g. for iperf.Flow.Wrap.
var Wrap = []string{"mptcpize", "run"}

// An Endpoint is one of the client's addresses and its interface.
type Endpoint struct {
	Addr netip.Addr
	Dev  string
}

// Setup enables MPTCP on the client and the server, raises the path
// manager's limits on both, and replaces the client's endpoints with a
// fullmesh subflow endpoint for each of eps: a connection the client
// opens from one of them gets a subflow from every other to each of the
// server's addresses.
func Setup(ctx context.Context, client, server *testbed.Host, eps []Endpoint) error {
	for _, h := range []*testbed.Host{client, server} {
		if err := h.WriteSysctl("net.mptcp.enabled", "1"); err != nil {
			return fmt.Errorf("mptcp: %w", err)
		}
		if _, err := h.Run(ctx, "ip", "mptcp", "limits", "set",
			"subflow", strconv.Itoa(MaxSubflows), "add_addr_accepted", strconv.Itoa(MaxAddAddrAccepted)); err != nil {
			return fmt.Errorf("mptcp: %w", err)
		}
	}
	if _, err := client.Run(ctx, "ip", "mptcp", "endpoint", "flush"); err != nil {
		return fmt.Errorf("mptcp: %w", err)
	}
	for _, args := range endpointArgs(eps) {
		if _, err := client.Run(ctx, "ip", args...); err != nil {
			return fmt.Errorf("mptcp: %w", err)
		}
	}
	return nil
}

// endpointArgs are ip's arguments that add eps as fullmesh subflow
// endpoints.
func endpointArgs(eps []Endpoint) [][]string {
	var cmds [][]string
	for _, e := range eps {
		cmds = append(cmds, []string{"mptcp", "endpoint", "add", e.Addr.String(), "dev", e.Dev, "subflow", "fullmesh"})
	}
	return cmds
}

// Joined is how many subflows have joined MPTCP connections on the
// host so far, as the server counts them (MPTcpExtMPJoinAckRx: the
// third packet of a join's handshake): the subflows beyond each
// connection's first.
func Joined(ctx context.Context, h *testbed.Host) (uint64, error) {
	const counter = "MPTcpExtMPJoinAckRx"
	// Absolute (-a) and without touching nstat's history file (-s),
	// which the namespaces share.
	out, err := h.Run(ctx, "nstat", "-asz", counter)
	if err != nil {
		return 0, fmt.Errorf("mptcp: %w", err)
	}
	return nstatValue(out, counter)
}

// nstatValue reads one counter of nstat's output.
func nstatValue(out, counter string) (uint64, error) {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == counter {
			v, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("mptcp: nstat %s: %w", counter, err)
			}
			return v, nil
		}
	}
	return 0, fmt.Errorf("mptcp: nstat has no %s in %q", counter, out)
}

// State describes the host's MPTCP setup and what it did, for a test
// whose flow did not use the paths it should have: its endpoints and
// limits, its TCP connections (an MPTCP connection's subflows among
// them) and its MPTCP counters that are not 0.
func State(ctx context.Context, h *testbed.Host) string {
	var b strings.Builder
	for _, cmd := range [][]string{
		{"ip", "mptcp", "endpoint", "show"},
		{"ip", "mptcp", "limits", "show"},
		{"ss", "-Htn"},
		{"nstat", "-as", "MPTcp*"},
	} {
		out, err := h.Run(ctx, cmd[0], cmd[1:]...)
		if err != nil {
			out = err.Error()
		}
		fmt.Fprintf(&b, "%s# %s\n%s", h.Name, strings.Join(cmd, " "), out)
	}
	return b.String()
}
