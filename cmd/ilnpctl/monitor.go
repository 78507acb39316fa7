package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ilnp-linux/ilnp/tools/ilnpctl/view"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

func (a *app) monitorCmd() *cobra.Command {
	var timestamps bool
	cmd := &cobra.Command{
		Use:   "monitor",
		Short: "print ILNP events as they happen",
		Long: `Print the kernel's ILNP events, one a line, as they happen, until
interrupted (SIGINT or SIGTERM; the exit status is then 0):

  session_created, session_expired   an ILCC entry for a peer
  session_verified                   a probe proved the peer's nonce (the
                                     peer's flags now include verified)
  nonce_mismatch                     a packet with a wrong nonce
  lu_sent, lu_acked, lu_retransmitted, lu_failed
                                     our Locator Update to the peer, with
                                     retries (its retransmissions so far)
                                     and, for lu_acked, rtt (its round trip
                                     from the last transmission)
  lu_received                        a Locator Update from the peer
  lu_unconfirmed                     a Locator Update from the peer that
                                     would change its locators, dropped:
                                     the probes that were to confirm it
                                     went unanswered (forged or replayed)
  locator_state                      a locator appeared or changed state:
                                     its L64, for a local one its interface
                                     (dev), and its state, active, valid or
                                     gone (a local locator went away)
  fallback                           a peer fell back to plain IPv6
  path_state                         an end of the peer's paths went down
                                     or came back: path, its side (local:
                                     ours; peer: the peer's) and L64, its
                                     state (down, or up again), silent
                                     (since it last showed delivery) and
                                     probes (of its round; see 'ilnpctl
                                     show paths --help')

With -j each event is one JSON object on a line of its own, with the keys
event, nid and flags (the peer, if any), lu_retries and lu_rtt_us
(microseconds) when the event has them, locator (an object with l64,
ifindex, ifname, state), path (an object with l64, local, state,
silent_ms, probes) and, with -t, time. When the kernel drops events
because ilnpctl reads too slowly, a warning goes to standard error and the
monitor goes on.`,
		Example: "  ilnpctl monitor\n  ilnpctl -n mn monitor -t\n  ilnpctl -j monitor | jq -c 'select(.event == \"lu_acked\") | {nid, lu_rtt_us}'",
		Args:    nargs(0, 0),
	}
	cmd.Flags().BoolVarP(&timestamps, "timestamp", "t", false, "prefix each event with the time it was received")
	cmd.RunE = action(func(cmd *cobra.Command, _ []string) error {
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return a.withSession(func(s *session) error {
			ifname, err := s.ifnames()
			if err != nil {
				return err
			}
			m, err := s.Monitor(ctx)
			if err != nil {
				return err
			}
			defer m.Close()
			return a.printEvents(m, ifname, timestamps)
		})
	})
	return cmd
}

// printEvents prints the events of m until its context ends.
func (a *app) printEvents(m events, ifname view.Ifname, timestamps bool) error {
	for {
		ev, err := m.Next()
		switch {
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return nil
		case errors.Is(err, ilnpnl.ErrEventsLost):
			fmt.Fprintf(a.stderr, "ilnpctl: warning: %v\n", err)
			continue
		case err != nil:
			return err
		}
		var at time.Time
		if timestamps {
			at = time.Now()
		}
		if a.json {
			err = writeJSON(a.stdout, view.EventOf(ev, ifname, at), a.pretty)
		} else {
			_, err = fmt.Fprintln(a.stdout, formatEvent(ev, ifname, at))
		}
		if err != nil {
			return err
		}
	}
}
