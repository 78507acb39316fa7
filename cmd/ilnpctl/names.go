package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/spf13/cobra"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpctl/view"
	"github.com/ilnp-linux/ilnp/tools/ilnpdns"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// dnsOptions are the flags of the commands that ask the DNS.
type dnsOptions struct {
	server     string // a nameserver instead of resolv.conf's
	resolvConf string
	cache      string // where names resolved for peers are kept
}

// addDNSFlags adds the resolver's flags to cmd.
func (o *dnsOptions) addDNSFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.server, "server", "", "ask the nameserver `ADDR` (port 53 unless given, [ADDR]:PORT) instead of those of resolv.conf")
	f.StringVar(&o.resolvConf, "resolv-conf", ilnpdns.DefaultResolvConf, "the resolver configuration `FILE`")
}

// addCacheFlag adds the flag naming the cache of names resolved for
// peers.
func (o *dnsOptions) addCacheFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.cache, "cache", "", "keep the names resolved for peers in `FILE` (default /run/ilnp/names[-NETNS].json)")
}

func (o *dnsOptions) resolver() (*ilnpdns.Resolver, error) {
	return ilnpdns.NewResolver(o.server, o.resolvConf)
}

// isName reports whether an ADDR that is not an IL-V is a domain name to
// resolve: a name with at least one dot (cn.example.), so that a typo in
// an address is not sent to the DNS, and no hosts-file IL-V (an
// ambiguous one is an error of its own).
func isName(s string) bool {
	if _, err := ilnp.ParseHostsAddr(s); err == nil || errors.Is(err, ilnp.ErrAmbiguous) {
		return false
	}
	_, ok := dns.IsDomainName(s)
	return ok && strings.Contains(strings.TrimSuffix(s, "."), ".") && !strings.ContainsAny(s, ":+/")
}

// lookup resolves names and says on stderr what could not be registered
// as ILNP: a name with AAAA records only is reached by plain IPv6.
func (a *app) lookup(ctx context.Context, o *dnsOptions, names []string) ([]view.Name, error) {
	r, err := o.resolver()
	if err != nil {
		return nil, err
	}
	var out []view.Name
	for _, name := range names {
		h, err := r.Lookup(ctx, name)
		if err != nil {
			return out, err
		}
		out = append(out, view.NameOf(h, time.Now()))
	}
	return out, nil
}

func (a *app) resolveCmd() *cobra.Command {
	var o dnsOptions
	cmd := &cobra.Command{
		Use:   "resolve NAME",
		Short: "look up a name's ILNP records in the DNS",
		Long: `Look up NAME's ILNP records (RFC 6742) in the DNS and print them: its NID
records, its L64 records and, for each LP record, the L64 records of the
FQDN it names (with the LP record's preference), and the IL-Vs they make.
A name without NID records is printed with its AAAA records: it is
reached by plain IPv6. Lower preferences are preferred; TTLs are in
seconds, and the name's is the smallest of its records'.

The nameservers are those of resolv.conf (--resolv-conf) or --server;
NAME is taken as fully qualified (there is no search list). Changes
nothing: needs no privilege.`,
		Example: "  ilnpctl resolve cn.example.\n  ilnpctl -j resolve --server 2001:2:53:53::53 cn.example.",
		Args:    nargs(1, 1),
	}
	o.addDNSFlags(cmd)
	cmd.RunE = action(func(cmd *cobra.Command, argv []string) error {
		names, err := a.lookup(cmd.Context(), &o, argv)
		if err != nil {
			return err
		}
		return a.output(names[0], func(w io.Writer) error { return writeName(w, names[0]) })
	})
	return cmd
}

// writeName prints a resolved name.
func writeName(w io.Writer, n view.Name) error {
	if !n.ILNP {
		fmt.Fprintf(w, "%s no NID record: plain IPv6, ttl %ds\n", n.Name, n.TTL)
		for _, a := range n.AAAA {
			fmt.Fprintf(w, "    aaaa %s\n", a)
		}
		return nil
	}
	fmt.Fprintf(w, "%s ttl %ds\n", n.Name, n.TTL)
	t := newTable(w, "    ")
	t.row("RECORD", "VALUE", "PREF", "TTL", "VIA")
	for _, id := range n.NIDs {
		t.row("nid", id.NID.String(), fmt.Sprint(id.Preference), fmt.Sprintf("%ds", id.TTL), "-")
	}
	for _, l := range n.Locators {
		via := l.Via
		if via == "" {
			via = "-"
		}
		t.row("l64", l.L64.String(), fmt.Sprint(l.Preference), fmt.Sprintf("%ds", l.TTL), via)
	}
	if err := t.flush(); err != nil {
		return err
	}
	for _, v := range n.ILVs {
		fmt.Fprintf(w, "    ilv %s\n", v)
	}
	return nil
}

// targetsOfName are the IL-Vs of a resolved name with the preferences of
// their locators.
func targetsOfName(n view.Name) []target {
	var ts []target
	for _, id := range n.NIDs {
		for _, l := range n.Locators {
			ts = append(ts, target{ilv: ilnp.ILV{L64: l.L64, NID: id.NID}, pref: l.Preference})
		}
	}
	return ts
}

// fallback says that a name has no ILNP records and is reached by plain
// IPv6.
func (a *app) fallback(n view.Name) {
	addrs := make([]string, len(n.AAAA))
	for i, ad := range n.AAAA {
		addrs[i] = ad.String()
	}
	fmt.Fprintf(a.stderr, "ilnpctl: %s has no NID record: not an ILNP host; it is reached by plain IPv6 at %s, and no peer is registered for it\n",
		n.Name, strings.Join(addrs, ", "))
}

// cachePath is where the names resolved for peers of the namespace are
// kept.
func (a *app) cachePath(o *dnsOptions) string {
	if o.cache != "" {
		return o.cache
	}
	if a.netns == "" {
		return "/run/ilnp/names.json"
	}
	return "/run/ilnp/names-" + strings.ReplaceAll(strings.Trim(a.netns, "/"), "/", "_") + ".json"
}

// readCache reads the names kept for peers; a missing file is none.
func readCache(path string) ([]view.Name, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []view.Name
	if err := json.Unmarshal(b, &names); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return names, nil
}

// remember keeps names in the cache, replacing entries of the same name.
func remember(path string, names []view.Name) error {
	kept, err := readCache(path)
	if err != nil {
		return err
	}
	for _, n := range names {
		i := slices.IndexFunc(kept, func(k view.Name) bool { return strings.EqualFold(k.Name, n.Name) })
		if i >= 0 {
			kept[i] = n
		} else {
			kept = append(kept, n)
		}
	}
	b, err := json.MarshalIndent(kept, "", "    ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("name cache: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("name cache: %w", err)
	}
	return os.Rename(tmp, path)
}

func (a *app) peerRefreshCmd() *cobra.Command {
	var (
		o     dnsOptions
		force bool
	)
	cmd := &cobra.Command{
		Use:   "refresh [NAME...]",
		Short: "resolve again the names of peers registered by name",
		Long: `Resolve again the names that 'peer add NAME' registered (all of them, or
those given) whose TTL has run out, or all of them with --force, and bring
their peers up to date: a peer whose locators or preferences in the DNS
differ from the ILCC's is registered anew with the DNS's, unless it has a
live session (a packet received in the last 60 seconds): its locators
then follow its Locator Updates, which are newer than any DNS record, and
it is left alone. A peer that is gone from the ILCC is registered again.
Prints a line per name. The names are kept, with the time they were
resolved and their TTL, in the --cache file.

Run it from cron or a timer for a refresh as the TTLs run out. Needs
CAP_NET_ADMIN.`,
		Example: "  ilnpctl peer refresh\n  ilnpctl -n mn peer refresh --force --server 2001:2:53:53::53 cn.example.",
		Args:    nargs(0, -1),
	}
	o.addDNSFlags(cmd)
	o.addCacheFlag(cmd)
	cmd.Flags().BoolVarP(&force, "force", "f", false, "resolve every name again, whether or not its TTL has run out")
	cmd.RunE = action(func(cmd *cobra.Command, argv []string) error {
		path := a.cachePath(&o)
		kept, err := readCache(path)
		if err != nil {
			return err
		}
		var due []string
		for _, n := range kept {
			if len(argv) > 0 && !slices.ContainsFunc(argv, func(s string) bool { return strings.EqualFold(dns.Fqdn(s), n.Name) }) {
				continue
			}
			exp, err := time.Parse(view.TimeFormat, n.Expires)
			if force || err != nil || !time.Now().Before(exp) {
				due = append(due, n.Name)
			} else {
				fmt.Fprintf(a.stdout, "%s fresh for %s\n", n.Name, time.Until(exp).Round(time.Second))
			}
		}
		for _, s := range argv {
			if !slices.ContainsFunc(kept, func(n view.Name) bool { return strings.EqualFold(dns.Fqdn(s), n.Name) }) {
				return fmt.Errorf("peer refresh: %s was not registered by name (peer add NAME)", dns.Fqdn(s))
			}
		}
		if len(due) == 0 {
			return nil
		}
		names, err := a.lookup(cmd.Context(), &o, due)
		if err != nil {
			return err
		}
		err = a.withSession(func(s *session) error {
			current, err := s.Peers()
			if err != nil {
				return err
			}
			var errs []error
			for _, n := range names {
				msg, err := refreshPeers(s, current, n)
				if err != nil {
					errs = append(errs, err)
				}
				fmt.Fprintf(a.stdout, "%s %s\n", n.Name, msg)
			}
			return errors.Join(errs...)
		})
		return errors.Join(err, remember(path, names))
	})
	return cmd
}

// liveIdle is how recently a peer must have sent a packet for its
// session to be live, and left to its Locator Updates by peer refresh.
const liveIdle = 60 * time.Second

// refreshPeers brings the ILCC's peers for a resolved name up to date
// and says what it did.
func refreshPeers(s *session, current []ilnpnl.Peer, n view.Name) (string, error) {
	if !n.ILNP {
		return "has no NID record any more: plain IPv6; its peers are left alone", nil
	}
	var did []string
	var errs []error
	for _, want := range groupPeers(targetsOfName(n)) {
		i := slices.IndexFunc(current, func(p ilnpnl.Peer) bool { return p.NID == want.NID })
		switch {
		case i < 0:
			errs = append(errs, s.AddPeer(want))
			did = append(did, fmt.Sprintf("peer %s registered again", want.NID))
		case sameLocators(current[i].Locators, want.Locators):
			did = append(did, fmt.Sprintf("peer %s unchanged", want.NID))
		case current[i].Stats[ilnpnl.StatPktsIn] > 0 && current[i].Idle < liveIdle:
			did = append(did, fmt.Sprintf("peer %s has a live session: left to its Locator Updates", want.NID))
		default:
			err := s.DelPeer(want.NID)
			if err == nil {
				err = s.AddPeer(want)
			}
			errs = append(errs, err)
			did = append(did, fmt.Sprintf("peer %s registered anew", want.NID))
		}
	}
	return strings.Join(did, ", "), errors.Join(errs...)
}

// sameLocators reports whether the ILCC's locators of a peer are the
// ones wanted, with the same preferences.
func sameLocators(have, want []ilnpnl.Locator) bool {
	type lp struct {
		l ilnp.L64
		p uint16
	}
	set := func(ls []ilnpnl.Locator) []lp {
		out := make([]lp, len(ls))
		for i, l := range ls {
			out[i] = lp{l.L64, l.Preference}
		}
		slices.SortFunc(out, func(a, b lp) int { return cmp.Or(cmp.Compare(a.l, b.l), cmp.Compare(a.p, b.p)) })
		return out
	}
	return slices.Equal(set(have), set(want))
}
