package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/miekg/dns"
	"github.com/spf13/cobra"

	"github.com/ilnp-linux/ilnp/tools/ilnpctl/view"
	"github.com/ilnp-linux/ilnp/tools/ilnpdns"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

func (a *app) dnsPublishCmd() *cobra.Command {
	var (
		o                 dnsOptions
		zone, name, key   string
		ttl               uint32
		timeout, retryMax time.Duration
	)
	cmd := &cobra.Command{
		Use:   "publish --zone ZONE --name NAME --key FILE",
		Short: "keep this host's L64 records current in the DNS",
		Long: `Keep this host's ILNP records in the DNS current, for a mobile server
(RFC 6742 records, updated by RFC 2136 dynamic update signed with TSIG as
RFC 3007 secures it). Runs until interrupted (SIGINT or SIGTERM; the exit
status is then 0).

At the start and whenever the kernel reports a change of the local
locators (the locator_state events of 'monitor'), it sends the zone's
primary one update that replaces NAME's L64 records with the host's
ACTIVE locators (each with its preference, TTL --ttl) and, with the
first update, adds a NID record for the local NID if NAME has none for
it. Nothing else is touched:
not the other NID records, not LP, AAAA or any other type, not other
names. A set with no ACTIVE locator is not published (the records stay as
they were while the host is between networks).

An update that fails (the server unreachable, or refusing) is tried again
after 250ms, doubling up to --retry-max, and at once on the next change.

FILE is a TSIG key as tsig-keygen(8) writes it (key "NAME" { algorithm
hmac-sha256; secret "..."; };); the zone must allow-update (or
update-policy) it. The primary is --server, or the first nameserver of
resolv.conf.

Prints a line per update; with -j, a JSON object per update (event
published or failed, name, nid, locators, took_us, and error and retry_ms
when it failed), with the time.

Needs no privilege towards the kernel; the key is the credential.`,
		Example: `  ilnpctl dns publish --zone example. --name cn.example. --key /etc/ilnp/cn.key --server 2001:2:53:53::53
  ilnpctl -n cn -j dns publish --zone example. --name cn.example. --key cn.key`,
		Args: nargs(0, 0),
	}
	o.addDNSFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&zone, "zone", "", "the `ZONE` to update (required)")
	f.StringVar(&name, "name", "", "the host's `NAME` in the zone (required)")
	f.StringVar(&key, "key", "", "the TSIG key `FILE` (required)")
	f.Uint32Var(&ttl, "ttl", 5, "the TTL of the records written, in `SECONDS`")
	f.DurationVar(&timeout, "timeout", time.Second, "bound one exchange with the server to `DURATION`")
	f.DurationVar(&retryMax, "retry-max", 2*time.Second, "back off up to `DURATION` between tries of a failed update")
	for _, req := range []string{"zone", "name", "key"} {
		_ = cmd.MarkFlagRequired(req)
	}
	cmd.RunE = action(func(cmd *cobra.Command, _ []string) error {
		if !dns.IsSubDomain(dns.Fqdn(zone), dns.Fqdn(name)) {
			return usagef("dns publish: %s is not in the zone %s", dns.Fqdn(name), dns.Fqdn(zone))
		}
		k, err := ilnpdns.ReadKeyFile(key)
		if err != nil {
			return err
		}
		r, err := o.resolver()
		if err != nil {
			return err
		}
		p := &ilnpdns.Publisher{Server: r.Servers[0], Zone: dns.Fqdn(zone), Name: dns.Fqdn(name), Key: k, TTL: ttl,
			Timeout: timeout, MinBackoff: min(250*time.Millisecond, retryMax), MaxBackoff: retryMax}
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return a.withSession(func(s *session) error {
			m, err := s.Monitor(ctx)
			if err != nil {
				return err
			}
			defer m.Close()
			src := &kernelSource{c: s, changed: make(chan struct{}, 1)}
			ctx, cancel := context.WithCancelCause(ctx)
			go func() { cancel(src.watch(ctx, m, a.warn)) }()
			err = p.Run(ctx, src, func(r ilnpdns.Report) { a.report(p.Name, r) })
			return errors.Join(err, ignoreCanceled(context.Cause(ctx)))
		})
	})
	return cmd
}

// ignoreCanceled is err, or nil for the end of a context.
func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	return err
}

func (a *app) warn(err error) { fmt.Fprintf(a.stderr, "ilnpctl: warning: %v\n", err) }

// report prints what the publisher did.
func (a *app) report(name string, r ilnpdns.Report) {
	v := view.PublishedOf(name, r, time.Now())
	if a.json {
		_ = writeJSON(a.stdout, v, a.pretty)
		return
	}
	var locs []string
	for _, l := range v.Locators {
		locs = append(locs, fmt.Sprintf("%s pref %d", l.L64, l.Preference))
	}
	if r.Err != nil {
		fmt.Fprintf(a.stdout, "%s failed %s: %v; again in %s\n", v.Time, name, r.Err, r.Retry)
		return
	}
	fmt.Fprintf(a.stdout, "%s published %s nid %s l64 %v in %s\n", v.Time, name, v.NID, locs, r.Took.Round(time.Microsecond))
}

// kernelSource is the local NID and ACTIVE locators of the session's
// namespace, changed whenever the kernel reports a local locator event.
type kernelSource struct {
	c       client
	changed chan struct{}
}

func (k *kernelSource) State() (ilnpdns.State, error) {
	nid, err := k.c.NID()
	if err != nil {
		return ilnpdns.State{}, err
	}
	locs, err := k.c.Locators()
	if err != nil {
		return ilnpdns.State{}, err
	}
	s := ilnpdns.State{NID: nid}
	if nid == 0 {
		return s, nil // no NID yet (no global address): nothing to publish
	}
	for _, l := range locs {
		if l.State == ilnpnl.LocatorActive {
			s.Locators = append(s.Locators, ilnpdns.Locator{L64: l.L64, Preference: l.Preference})
		}
	}
	return s, nil
}

func (k *kernelSource) Changed() <-chan struct{} { return k.changed }

// watch reads the events until ctx ends or the monitor fails, and
// signals a change for every local locator event, and when events were
// lost (a change may be among them).
func (k *kernelSource) watch(ctx context.Context, m events, warn func(error)) error {
	for {
		ev, err := m.Next()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, ilnpnl.ErrEventsLost):
			warn(err)
		case err != nil:
			return fmt.Errorf("dns publish: %w", err)
		case ev.Type != ilnpnl.EventLocatorState || ev.Locator == nil || ev.Locator.Ifindex == 0:
			continue
		}
		select {
		case k.changed <- struct{}{}:
		default: // one is pending already
		}
	}
}
