package ilnpdns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/miekg/dns"
)

// DefaultResolvConf is the system's resolver configuration.
const DefaultResolvConf = "/etc/resolv.conf"

// ErrNoSuchName is returned (wrapped) by Lookup for a name that does not
// exist (NXDOMAIN).
var ErrNoSuchName = errors.New("no such name")

// ErrNoAddress is returned (wrapped) by Lookup for a name that exists but
// has neither ILNP records (a NID and a locator) nor AAAA records.
var ErrNoAddress = errors.New("no NID, L64 or AAAA records")

// A Resolver asks recursive or authoritative servers, in turn, for ILNP
// records.
type Resolver struct {
	// Servers are host:port addresses, asked in turn until one answers.
	Servers []string
	// Timeout bounds each exchange with one server.
	Timeout time.Duration
}

// NewResolver makes a resolver that asks server (an address, with or
// without a port; 53 by default), or when server is empty, the
// nameservers of the resolv.conf(5) file conf.
func NewResolver(server, conf string) (*Resolver, error) {
	r := &Resolver{Timeout: 2 * time.Second}
	if server != "" {
		r.Servers = []string{HostPort(server)}
		return r, nil
	}
	cc, err := dns.ClientConfigFromFile(conf)
	if err != nil {
		return nil, fmt.Errorf("ilnpdns: resolver configuration: %w", err)
	}
	if len(cc.Servers) == 0 {
		return nil, fmt.Errorf("ilnpdns: %s lists no nameserver", conf)
	}
	for _, s := range cc.Servers {
		r.Servers = append(r.Servers, net.JoinHostPort(s, cc.Port))
	}
	if cc.Timeout > 0 {
		r.Timeout = time.Duration(cc.Timeout) * time.Second
	}
	return r, nil
}

// HostPort adds DNS's port 53 to an address that has none:
// "2001:2:53:53::53" becomes "[2001:2:53:53::53]:53".
func HostPort(s string) string {
	if _, _, err := net.SplitHostPort(s); err == nil {
		return s
	}
	return net.JoinHostPort(s, "53")
}

// Lookup resolves name (made fully qualified; there is no search list)
// to a Host: its NID records and, if it has some, its L64 records and the
// L64 records of the FQDNs of its LP records; else its AAAA records.
func (r *Resolver) Lookup(ctx context.Context, name string) (Host, error) {
	h := Host{Name: dns.Fqdn(name)}
	ans, err := r.ask(ctx, h.Name, dns.TypeNID)
	if err != nil {
		return h, err
	}
	h.NIDs, h.TTL = nids(ans), minTTL(0, ans)
	if len(h.NIDs) == 0 {
		if ans, err = r.ask(ctx, h.Name, dns.TypeAAAA); err != nil {
			return h, err
		}
		if h.AAAA, h.TTL = aaaas(ans), minTTL(0, ans); len(h.AAAA) == 0 {
			return h, fmt.Errorf("ilnpdns: %s: %w", h.Name, ErrNoAddress)
		}
		return h, nil
	}
	if ans, err = r.ask(ctx, h.Name, dns.TypeL64); err != nil {
		return h, err
	}
	h.Locators, h.TTL = l64s(ans, nil), minTTL(h.TTL, ans)
	if ans, err = r.ask(ctx, h.Name, dns.TypeLP); err != nil {
		return h, err
	}
	h.TTL = minTTL(h.TTL, ans)
	for _, lp := range lps(ans) {
		via, err := r.ask(ctx, lp.Fqdn, dns.TypeL64)
		if err != nil && !errors.Is(err, ErrNoSuchName) {
			return h, fmt.Errorf("ilnpdns: %s: LP %s: %w", h.Name, lp.Fqdn, err)
		}
		h.Locators = append(h.Locators, l64s(via, lp)...)
		h.TTL = minTTL(h.TTL, via)
	}
	sortLocators(h.Locators)
	if len(h.Locators) == 0 {
		return h, fmt.Errorf("ilnpdns: %s has NID records but no L64 records, directly or through LP", h.Name)
	}
	return h, nil
}

// ask returns the answer records of type t for name from the first
// server that answers; an empty answer (NODATA) is no error.
func (r *Resolver) ask(ctx context.Context, name string, t uint16) ([]dns.RR, error) {
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), t)
	q.SetEdns0(4096, false)
	var errs []error
	for _, srv := range r.Servers {
		resp, err := exchange(ctx, q, srv, r.Timeout)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch resp.Rcode {
		case dns.RcodeSuccess:
			var out []dns.RR
			for _, rr := range resp.Answer {
				if rr.Header().Rrtype == t {
					out = append(out, rr)
				}
			}
			return out, nil
		case dns.RcodeNameError:
			return nil, fmt.Errorf("ilnpdns: %s: %w", name, ErrNoSuchName)
		default:
			errs = append(errs, fmt.Errorf("%s answered %s", srv, dns.RcodeToString[resp.Rcode]))
		}
	}
	return nil, fmt.Errorf("ilnpdns: %s %s: %w", name, dns.TypeToString[t], errors.Join(errs...))
}

// exchange sends m to srv over UDP, and over TCP when the answer was
// truncated.
func exchange(ctx context.Context, m *dns.Msg, srv string, timeout time.Duration) (*dns.Msg, error) {
	c := &dns.Client{Net: "udp", Timeout: timeout}
	resp, _, err := c.ExchangeContext(ctx, m, srv)
	if err == nil && resp.Truncated {
		c.Net = "tcp"
		resp, _, err = c.ExchangeContext(ctx, m, srv)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", srv, err)
	}
	return resp, nil
}
