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
CAP_NET_ADMIN callers), a table of its L64s:

  STATE     active (used to send and receive) or valid (accepted on
            receive only)
  PREF      preference
  LIFETIME  remaining lifetime, or forever
  SCORE     Deficit Round-Robin score; the lowest is used next
  TX_PKTS, TX_BYTES, RX_PKTS, RX_BYTES
            packets and bytes sent to and received from that L64
  TX%, RX%  that L64's share of the bytes sent to and received from the
            peer ("-" before any)

then a "paths" line that sums up the ends of the session's paths (absent
while it has none): ours (local), then the peer's (peer), each with its
L64, its state (up, probing or down) and the probes of its current round
if any, and rtt, the smoothed round trip of the path probes, if there has
been one (see 'ilnpctl show paths --help'); and last the peer's counters
(see 'ilnpctl stats --help').

With -j: an array of objects with the keys nid, flags (an array),
local_ilv, remote_ilv, nonce_tx, nonce_rx (hex; absent when not reported),
idle_ms, lu_pending (retransmissions so far; absent when no Locator Update
is pending), locators (an array of objects with l64, state, preference,
lifetime, drr_score, tx_packets, tx_bytes, rx_packets, rx_bytes, tx_share,
rx_share; shares as fractions from 0 to 1, four decimals, 0 before any
traffic), paths (an array of objects with l64, local, state, silent_ms,
probes, as in 'ilnpctl show paths' but without ifname), path_rtt_us
(absent when there has been no path probe) and stats.`,
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

func (a *app) showPathsCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "paths",
		Aliases: []string{"path"},
		Short:   "show the path ends of each peer's session and their liveness",
		Long: `Show the path ends of each correspondent's session, one a line, and
whether they carry its packets. Each session has a path end for each of our
locators and each of the peer's that carried its packets. An end shows
delivery when a packet of the session arrives through it; one that has
carried our packets without showing delivery for longer than the silence
interval (500 ms plus three probe round trips) is probed, through it and a
working end of the other side, and after 3 unanswered probes it is down:
the round-robin leaves its locator out while another of its side is usable,
and probes it again, with a backoff of up to 2 s, until an answer readmits
it (see "Path liveness" in Documentation/networking/ilnp.rst).

  PEER       the peer's NID
  SIDE       local (one of our locators) or peer (one of the peer's)
  L64        the locator
  DEV        for a local end, the interface of the local locator with that
             L64 (as in 'ilnpctl show locators'); - for the peer's ends and
             for an L64 that is no longer a local locator
  STATE      up (it carries the session's packets, or is not in use),
             probing (silent for too long; being probed), down (its
             probes went unanswered; left out of the round-robin) or slow
             (up, but its least round trip is more than twice its side's
             best plus 5 ms: left out while a faster end lives)
  SILENT_MS  milliseconds since it last showed delivery
  PROBES     probes of the current round (0 to 3)
  MIN_RTT    the least round trip of its probes; - before one
  RTT        the smoothed round trip of the peer's path probes (the same on
             each of its lines); - when there has been none

Each peer's local ends come first, then the peer's, each side in the
kernel's order. Peers without path ends have no line; with none at all,
nothing is printed. 'ilnpctl show ilcc' sums each peer's ends up on its
"paths" line; 'ilnpctl monitor' reports an end going down or coming back
(path_state).

With -j: an array with an object for each peer, with the keys nid,
path_rtt_us (the RTT in microseconds; absent when there has been none)
and paths (an array, empty for none, of objects with l64, local (true for
ours), ifname (a local end's DEV; absent otherwise), state (up, probing
or down), slow (true when slow; absent otherwise), silent_ms, probes and
min_rtt_us (absent before a round trip was measured)).`,
		Example: "  ilnpctl show paths\n  ilnpctl -n mn show paths\n  ilnpctl -j show paths | jq -c '.[] | {nid, down: [.paths[] | select(.state != \"up\") | .l64]}'",
		Args:    nargs(0, 0),
		RunE: query(a, peerPaths,
			func(p paths) any { return view.Paths(p.peers, p.dev) },
			func(w io.Writer, p paths) error { return writePaths(w, p.peers, p.dev) }),
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

// paths are the peers, for their path ends, and the interfaces of the
// local locators, for the local ends.
type paths struct {
	peers []ilnpnl.Peer
	dev   view.LocalDev
}

func peerPaths(s *session) (paths, error) {
	peers, err := s.Peers()
	if err != nil {
		return paths{}, err
	}
	l, err := localLocators(s)
	if err != nil {
		return paths{}, err
	}
	return paths{peers, view.DevOf(l.locs, l.ifname)}, nil
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
