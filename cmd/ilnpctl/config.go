package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpctl/view"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// The bounds of the peer limit, as the kernel checks them
// (ILNP_A_MAX_PEERS: 16 to 1048576).
const (
	minMaxPeers = 16
	maxMaxPeers = 1 << 20
)

// The settings of config set, by the names config show prints them with.
const (
	keyNonceLen = "nonce-len"
	keyMaxPeers = "max-peers"
)

func (a *app) configShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "show the namespace's ILNP settings",
		Long: `Show the namespace's ILNP settings, one a line, named as 'config set'
takes them:

  nid        the local Node Identifier (see 'ilnpctl nid show --help')
  nonce-len  the length of the nonces this host chooses for the sessions
             it creates from now on: 4 octets (32 bits, the default) or
             12 octets (96 bits), with the length in bits in parentheses
  max-peers  the entries the ILCC keeps at most (4096 by default)

With -j: an object with the keys nid, nonce_len (octets), nonce_bits and
max_peers.`,
		Example: "  ilnpctl config show\n  ilnpctl -n mn -j config show | jq .nonce_len",
		Args:    nargs(0, 0),
		RunE: query(a, func(s *session) (ilnpnl.Config, error) { return s.Config() },
			func(c ilnpnl.Config) any { return view.ConfigOf(c) }, writeConfig),
	}
}

func (a *app) configSetCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "set [nonce-len 4|12|32|96] [max-peers N]",
		Short: "set the namespace's ILNP settings",
		Long: `Set any of the namespace's ILNP settings, given as pairs of a name and a
value, in one request: the kernel applies all of them or none.

  nonce-len  the length of the nonces (RFC 6744) this host chooses for
             its sessions: 4 or 12 in octets, or the same in bits, 32 or
             96 (the two sets do not overlap). A session keeps the length it
             was created with, so the new length applies to the
             correspondents registered or learned after the change; a
             peer registered before has to be deleted and added again.
             Each end chooses its own length: the nonces of a session
             may have 4 octets one way and 12 the other.
  max-peers  the entries the ILCC keeps at most, 16 to 1048576 (4096 by
             default); see Documentation/networking/ilnp.rst for what is
             evicted when it is full.

A value out of these ranges is refused before the kernel is asked (exit
status 2). Needs CAP_NET_ADMIN.`,
		Example: "  ilnpctl config set nonce-len 12\n  ilnpctl config set nonce-len 96 max-peers 65536\n  ilnpctl -n mn config set nonce-len 4",
		Args:    cobra.ArbitraryArgs,
		RunE: action(func(cmd *cobra.Command, argv []string) error {
			ch, err := parseConfigSet(argv)
			if err != nil {
				return usagef("%s: %w", cmdName(cmd), err)
			}
			return a.withSession(func(s *session) error { return s.SetConfig(ch) })
		}),
	}
}

// parseConfigSet reads the NAME VALUE pairs of config set.
func parseConfigSet(args []string) (ilnpnl.ConfigChange, error) {
	var ch ilnpnl.ConfigChange
	if len(args) == 0 {
		return ch, fmt.Errorf("nothing to set: give %s 4|12|32|96, %s N or both", keyNonceLen, keyMaxPeers)
	}
	for i := 0; i < len(args); i += 2 {
		key := args[i]
		if key != keyNonceLen && key != keyMaxPeers {
			return ilnpnl.ConfigChange{}, fmt.Errorf("unknown setting %q: one of %s, %s", key, keyNonceLen, keyMaxPeers)
		}
		if i+1 == len(args) {
			return ilnpnl.ConfigChange{}, fmt.Errorf("%s: missing value", key)
		}
		if err := setConfigKey(&ch, key, args[i+1]); err != nil {
			return ilnpnl.ConfigChange{}, err
		}
	}
	return ch, nil
}

// setConfigKey sets one setting of ch from its value on the command line.
func setConfigKey(ch *ilnpnl.ConfigChange, key, value string) error {
	var (
		dst   **int
		parse func(string) (int, error)
	)
	switch key {
	case keyNonceLen:
		dst, parse = &ch.NonceLen, parseNonceLen
	case keyMaxPeers:
		dst, parse = &ch.MaxPeers, parseMaxPeers
	}
	if *dst != nil {
		return fmt.Errorf("%s given twice", key)
	}
	v, err := parse(value)
	if err != nil {
		return fmt.Errorf("%s %q: %w", key, value, err)
	}
	*dst = &v
	return nil
}

// parseNonceLen reads a nonce length in octets (4, 12) or bits (32, 96)
// and returns it in octets.
func parseNonceLen(s string) (int, error) {
	switch s {
	case "4", "32":
		return ilnp.NonceLen32, nil
	case "12", "96":
		return ilnp.NonceLen96, nil
	}
	return 0, errors.New("the nonce length is 4 or 12 octets, or 32 or 96 bits")
}

// parseMaxPeers reads a peer limit, a decimal within the kernel's bounds.
func parseMaxPeers(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < minMaxPeers || n > maxMaxPeers {
		return 0, fmt.Errorf("the peer limit is a number from %d to %d", minMaxPeers, maxMaxPeers)
	}
	return n, nil
}

// writeConfig prints the settings as config show does, a NAME VALUE
// line each.
func writeConfig(w io.Writer, c ilnpnl.Config) error {
	var b strings.Builder
	fmt.Fprintf(&b, "nid %s\n", c.NID)
	fmt.Fprintf(&b, "%s %d (%d bits)\n", keyNonceLen, c.NonceLen, 8*c.NonceLen)
	fmt.Fprintf(&b, "%s %d\n", keyMaxPeers, c.MaxPeers)
	_, err := io.WriteString(w, b.String())
	return err
}
