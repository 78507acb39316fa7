package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ilnp-linux/ilnp/tools/ilnpctl/view"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

func (a *app) peerAddCmd() *cobra.Command {
	var o dnsOptions
	cmd := &cobra.Command{
		Use:   "add ADDR|NAME...",
		Short: "register correspondent peers",
		Long: `Register correspondent peers, so that this host speaks ILNP to them.

Each ADDR is an IL-V: an IPv6 address whose upper 64 bits are the peer's
L64 and lower 64 bits its NID (2001:2:dd:dd:d250:99ff:fed1:5a0c), or the
hosts-file form n-n-n-n.l+l+l+l (d250-99ff-fed1-5a0c.2001+2+dd+dd). ADDRs
with the same NID make one peer with several locators; ilnpctl sends one
request per NID. When a request fails, the other peers are still
registered and the failures are reported together.

A NAME (a domain name with a dot, cn.example.) is looked up in the DNS as
'resolve' does (RFC 6742 NID, L64 and LP records; resolv.conf's
nameservers or --server), and registered with every NID at every locator,
each with the preference of its record. A name with no NID record is not
an ILNP host: ilnpctl says so, names its AAAA addresses (reached by plain
IPv6) and registers nothing for it. The names are kept, with their TTLs,
for 'peer refresh'.

Needs CAP_NET_ADMIN.`,
		Example: `  ilnpctl peer add 2001:2:dd:dd::c
  ilnpctl peer add 2001:2:aa:aa::1 2001:2:bb:bb::1   # one peer, NID ::1, two L64s
  ilnpctl peer add cn.example.
  ilnpctl -n mn peer add --server 2001:2:53:53::53 cn.example.`,
		Args: nargs(1, -1),
	}
	o.addDNSFlags(cmd)
	o.addCacheFlag(cmd)
	cmd.RunE = action(func(cmd *cobra.Command, argv []string) error {
		var (
			ts    []target
			names []string
		)
		for _, s := range argv {
			v, err := parseILV(s)
			switch {
			case err == nil:
				ts = append(ts, target{ilv: v})
			case isName(s):
				names = append(names, s)
			default:
				return usagef("peer add: %w", err)
			}
		}
		resolved, err := a.lookup(cmd.Context(), &o, names)
		if err != nil {
			return err
		}
		var learned []view.Name
		for _, n := range resolved {
			if !n.ILNP {
				a.fallback(n)
				continue
			}
			ts = append(ts, targetsOfName(n)...)
			learned = append(learned, n)
		}
		if len(ts) == 0 {
			return nil
		}
		err = a.addPeers(groupPeers(ts))
		if len(learned) > 0 {
			err = errors.Join(err, remember(a.cachePath(&o), learned))
		}
		return err
	})
	return cmd
}

// addPeers registers each peer with its own request and reports every
// failure.
func (a *app) addPeers(peers []ilnpnl.Peer) error {
	return a.withSession(func(s *session) error {
		var errs []error
		for _, p := range peers {
			if err := s.AddPeer(p); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	})
}

func (a *app) peerDelCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "del ADDR|NID",
		Aliases: []string{"delete"},
		Short:   "remove a correspondent peer",
		Long: `Remove a correspondent peer, and its session, from the ILCC.

The peer is named by its NID (d250:99ff:fed1:5a0c, d250-99ff-fed1-5a0c or
::c) or by any of its IL-Vs, whose NID is used.

Needs CAP_NET_ADMIN.`,
		Example: "  ilnpctl peer del d250:99ff:fed1:5a0c\n  ilnpctl peer del 2001:2:dd:dd::c",
		Args:    nargs(1, 1),
		RunE: action(func(cmd *cobra.Command, argv []string) error {
			nid, err := parseNID(argv[0], true)
			if err != nil {
				return usagef("peer del: %w", err)
			}
			return a.withSession(func(s *session) error { return s.DelPeer(nid) })
		}),
	}
}

func (a *app) hostsLoadCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "load FILE",
		Short: "register every peer of a hosts file",
		Long: `Register every peer listed in FILE, a hosts file in an IL-V syntax:

  n-n-n-n.l+l+l+l[/PREF] name [alias...]   the paper's, NID first
  l+l+l+l.n-n-n-n[/PREF] name [alias...]   St Andrews' glibc and FreeBSD

e.g. "d250-99ff-fed1-5a0c.2001+2+dd+dd mn-ddd-ilnp" is NID
d250:99ff:fed1:5a0c at L64 2001:2:dd:dd. '-' joins the NID's groups and '+'
the locator's; where both halves use one separator, the half in 2000::/3
is taken as the locator with a warning, and a line where that does not
tell is an error. /PREF is the locator's preference (0-65535, lower
preferred). Text from '#' to the end of a line
is a comment; blank lines are skipped, and so are ordinary hosts entries
whose address is a plain IPv4 or IPv6 address, so FILE may be /etc/hosts.
Entries with the same NID make one peer with several locators, as with
'peer add'. A line that does not parse is named and nothing is registered;
"-" reads standard input.

Needs CAP_NET_ADMIN.`,
		Example: "  ilnpctl hosts load /etc/hosts\n  ilnpctl -n cn hosts load testbed.hosts",
		Args:    nargs(1, 1),
		RunE: action(func(cmd *cobra.Command, argv []string) error {
			name := argv[0]
			f := os.Stdin
			if name != "-" {
				var err error
				if f, err = os.Open(name); err != nil {
					return err
				}
				defer f.Close()
			}
			ts, err := readHosts(f, func(line int, msg string) {
				fmt.Fprintf(a.stderr, "ilnpctl: warning: %s: line %d: %s\n", name, line, msg)
			})
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			return a.addPeers(groupPeers(ts))
		}),
	}
}
