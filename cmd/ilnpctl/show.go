package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ilnp-linux/ilnp/tools/ilnpctl/view"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

func (a *app) showILCCCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "ilcc",
		Short: "show the correspondent peers of the ILCC",
		Long: `Show the correspondent peers of the ILNP Communication Cache.

For each peer: its NID, its flags (static: registered by an administrator;
learned: learned from an inbound nonce; ipv6_only: it answered our nonce
with an ICMPv6 Parameter Problem, so the flow carries on as plain IPv6), the
time since its last packet, "lu pending (N retransmissions)" while our
Locator Update to it awaits its acknowledgement (N: retransmissions so
far), the canonical IL-Vs that sockets see (local and remote), the nonces
(tx: ours, sent to the peer; rx: theirs, checked on receive; shown only to
CAP_NET_ADMIN callers), and a table of its L64s:

  STATE     active (used to send and receive) or valid (accepted on
            receive only)
  PREF      preference
  LIFETIME  remaining lifetime, or forever
  SCORE     Deficit Round-Robin score; the lowest is used next
  TX_PKTS, TX_BYTES, RX_PKTS, RX_BYTES
            packets and bytes sent to and received from that L64
  TX%, RX%  that L64's share of the bytes sent to and received from the
            peer ("-" before any)

and the peer's counters (see 'ilnpctl stats --help').

With -j: an array of objects with the keys nid, flags (an array),
local_ilv, remote_ilv, nonce_tx, nonce_rx (hex; absent when not reported),
idle_ms, lu_pending (retransmissions so far; absent when no Locator Update
is pending), locators (an array of objects with l64, state, preference,
lifetime, drr_score, tx_packets, tx_bytes, rx_packets, rx_bytes, tx_share,
rx_share; shares as fractions from 0 to 1, four decimals, 0 before any
traffic) and stats.`,
		Example: "  ilnpctl show ilcc\n  ilnpctl -j show ilcc | jq '.[].locators[] | {l64, tx_share}'",
		Args:    nargs(0, 0),
		RunE: query(a, func(s *session) ([]ilnpnl.Peer, error) { return s.Peers() },
			func(p []ilnpnl.Peer) any { return view.Peers(p) }, writePeers),
	}
}

func (a *app) showLocatorsCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "locators",
		Aliases: []string{"locator", "loc"},
		Short:   "show the local locators",
		Long: `Show the local locators (L64s) of the namespace: each one's interface
(DEV; ifN when the interface has gone), state (active: used to send and
receive; valid: accepted on receive only, e.g. on an interface listed in
net.ipv6.disabled_interface), preference, remaining lifetime, Deficit
Round-Robin score, packet and byte counters, and TX% and RX%, its share of
the bytes sent and received over all the local locators ("-" before any).

With -j: an array of objects with the keys l64, ifindex, ifname, state,
preference, lifetime, drr_score, tx_packets, tx_bytes, rx_packets,
rx_bytes, tx_share, rx_share (shares as fractions from 0 to 1, four
decimals, 0 before any traffic).`,
		Example: "  ilnpctl show locators\n  ilnpctl -n mn -j -p show locators",
		Args:    nargs(0, 0),
		RunE: query(a, localLocators,
			func(l locators) any { return view.Locators(l.locs, l.ifname) },
			func(w io.Writer, l locators) error { return writeLocators(w, l.locs, l.ifname) }),
	}
}

func (a *app) statsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "stats",
		Short: "show the ILNP counters of the namespace",
		Long: `Show the ILNP counters of the namespace, one a line, as the kernel names
them (ILNP_STATS_A_* in include/uapi/linux/ilnp.h, in lower case without
the prefix; Documentation/networking/ilnp.rst describes them):

` + counterList() + `
With -j: an object with these keys.`,
		Example: "  ilnpctl stats\n  ilnpctl -j stats",
		Args:    nargs(0, 0),
		RunE: query(a, func(s *session) (ilnpnl.Stats, error) { return s.Stats() },
			func(st ilnpnl.Stats) any { return st }, writeStats),
	}
}

// locators are the local locators and the names of their interfaces.
type locators struct {
	locs   []ilnpnl.Locator
	ifname view.Ifname
}

func localLocators(s *session) (locators, error) {
	locs, err := s.Locators()
	if err != nil {
		return locators{}, err
	}
	ifname, err := s.ifnames()
	return locators{locs, ifname}, err
}

// counterList lists the kernel's counters for the help, with the
// description the UAPI header or the YAML spec gives each one.
func counterList() string {
	var b strings.Builder
	for _, c := range ilnpnl.Counters() {
		line := "  " + c.Name
		if c.Doc != "" {
			line = fmt.Sprintf("  %-18s  %s", c.Name, c.Doc)
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
