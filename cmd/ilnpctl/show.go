package main

import (
	"io"

	"github.com/spf13/cobra"
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
		RunE: action(func(cmd *cobra.Command, _ []string) error {
			s, err := a.open()
			if err != nil {
				return err
			}
			defer s.Close()
			peers, err := s.Peers()
			if err != nil {
				return err
			}
			return a.output(peersJSON(peers), func(w io.Writer) error { return writePeers(w, peers) })
		}),
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
		RunE: action(func(cmd *cobra.Command, _ []string) error {
			s, err := a.open()
			if err != nil {
				return err
			}
			defer s.Close()
			locs, err := s.Locators()
			if err != nil {
				return err
			}
			ifname, err := s.ifnames()
			if err != nil {
				return err
			}
			return a.output(locatorsJSON(locs, ifname), func(w io.Writer) error { return writeLocators(w, locs, ifname) })
		}),
	}
}

func (a *app) statsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "stats",
		Short: "show the ILNP counters of the namespace",
		Long: `Show the ILNP counters of the namespace:

  pkts_in, pkts_out   ILNP packets received and sent
  bad_nonce           packets dropped because their nonce was wrong
  no_session          packets with a nonce option but no session
  lu_sent             Locator Updates sent
  lu_received         Locator Updates received
  lu_acked            Locator Updates the peer acknowledged
  lu_retransmitted    Locator Update retransmissions
  lu_failed           Locator Updates given up after the last retransmission
  lu_malformed        malformed Locator Updates dropped
  fallbacks           peers that fell back to plain IPv6
  sessions_created, sessions_expired
                      ILCC entries created and expired

With -j: an object with these keys.`,
		Example: "  ilnpctl stats\n  ilnpctl -j stats",
		Args:    nargs(0, 0),
		RunE: action(func(cmd *cobra.Command, _ []string) error {
			s, err := a.open()
			if err != nil {
				return err
			}
			defer s.Close()
			st, err := s.Stats()
			if err != nil {
				return err
			}
			return a.output(toStatsJSON(st), func(w io.Writer) error { return writeStats(w, st) })
		}),
	}
}
