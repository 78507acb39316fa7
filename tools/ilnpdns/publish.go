package ilnpdns

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/miekg/dns"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
)

// State is what a Publisher publishes of a host: its NID and its
// current locators with their preferences (the locators' TTL and Via are
// not used).
type State struct {
	NID      ilnp.NID
	Locators []Locator
}

// Equal reports whether two states publish the same records, whatever
// the order of the locators.
func (s State) Equal(o State) bool {
	key := func(l Locator) [2]uint64 { return [2]uint64{uint64(l.L64), uint64(l.Preference)} }
	a, b := make([][2]uint64, len(s.Locators)), make([][2]uint64, len(o.Locators))
	for i, l := range s.Locators {
		a[i] = key(l)
	}
	for i, l := range o.Locators {
		b[i] = key(l)
	}
	order := func(x, y [2]uint64) int { return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1])) }
	slices.SortFunc(a, order)
	slices.SortFunc(b, order)
	return s.NID == o.NID && slices.Equal(a, b)
}

// A Publisher keeps one name's ILNP records current in its zone by
// dynamic update (RFC 2136), signed with a TSIG key (RFC 3007).
type Publisher struct {
	Server string // the zone's primary server, host:port
	Zone   string // fully qualified
	Name   string // fully qualified, in Zone
	Key    Key
	TTL    uint32 // of the records it writes, in seconds

	// Timeout bounds one exchange with the server.
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before an update that
	// failed is tried again; it doubles from one to the other.
	MinBackoff, MaxBackoff time.Duration
}

// NIDPreference is the preference of the NID record a Publisher adds.
const NIDPreference = 10

// UpdateMsg is the RFC 2136 update that makes the name's L64 RRset
// exactly s.Locators and, with addNID, adds the NID record for s.NID. No
// other RRset is touched, and NID records are only ever added.
func (p *Publisher) UpdateMsg(s State, addNID bool) *dns.Msg {
	m := new(dns.Msg)
	m.SetUpdate(dns.Fqdn(p.Zone))
	name := dns.Fqdn(p.Name)
	hdr := func(t uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: p.TTL}
	}
	m.RemoveRRset([]dns.RR{&dns.L64{Hdr: hdr(dns.TypeL64)}})
	var rrs []dns.RR
	if addNID {
		rrs = append(rrs, &dns.NID{Hdr: hdr(dns.TypeNID), Preference: NIDPreference, NodeID: uint64(s.NID)})
	}
	for _, l := range s.Locators {
		rrs = append(rrs, &dns.L64{Hdr: hdr(dns.TypeL64), Preference: l.Preference, Locator64: uint64(l.L64)})
	}
	m.Insert(rrs)
	return m
}

// Publish asks the server for the name's NID records and sends the
// update for s, signed, adding the NID record if the server has none
// for s.NID (whatever its preference); it checks the answer.
func (p *Publisher) Publish(ctx context.Context, s State) error { return p.publish(ctx, s, true) }

// publish is Publish; without checkNID it trusts that the NID record is
// there (Run published it already) and sends the update alone.
func (p *Publisher) publish(ctx context.Context, s State, checkNID bool) error {
	if len(s.Locators) == 0 {
		return fmt.Errorf("ilnpdns: update %s: no locator to publish", p.Name)
	}
	addNID := false
	if checkNID {
		r := &Resolver{Servers: []string{p.Server}, Timeout: p.Timeout}
		have, err := r.ask(ctx, p.Name, dns.TypeNID)
		if err != nil && !errors.Is(err, ErrNoSuchName) {
			return fmt.Errorf("ilnpdns: update %s: %w", p.Name, err)
		}
		addNID = !slices.ContainsFunc(nids(have), func(n Identifier) bool { return n.NID == s.NID })
	}
	m := p.UpdateMsg(s, addNID)
	m.SetTsig(p.Key.Name, p.Key.Algorithm, 300, time.Now().Unix())
	c := &dns.Client{Net: "udp", Timeout: p.Timeout, TsigSecret: map[string]string{p.Key.Name: p.Key.Secret}}
	resp, _, err := c.ExchangeContext(ctx, m, p.Server)
	if err == nil && resp.Truncated {
		c.Net = "tcp"
		resp, _, err = c.ExchangeContext(ctx, m, p.Server)
	}
	if err != nil {
		return fmt.Errorf("ilnpdns: update %s at %s: %w", p.Name, p.Server, err)
	}
	if resp.Rcode != dns.RcodeSuccess {
		return fmt.Errorf("ilnpdns: update %s at %s: refused: %s", p.Name, p.Server, dns.RcodeToString[resp.Rcode])
	}
	return nil
}

// A Source is the host whose records a Publisher keeps: its current
// state, and a channel that receives when it may have changed.
type Source interface {
	State() (State, error)
	Changed() <-chan struct{}
}

// Report says what Run did: published a state, or failed and will try
// again after Retry.
type Report struct {
	State State
	// Took is how long the update took, from the change (or the retry)
	// to the server's answer.
	Took  time.Duration
	Err   error         // nil when published
	Retry time.Duration // with Err: the wait before the next try
}

// Run publishes src's state, and again whenever it changes, until ctx
// is done (it then returns nil). A state with no locator is not
// published (the records stay as they were: a host between networks
// keeps its last ones). A failed update is tried again after a backoff
// that doubles from MinBackoff to MaxBackoff, or at once when the state
// changes; report, if not nil, is called after each try. Only the first
// update (and the first after a change of NID) asks for the NID records
// first. An error of src ends Run.
func (p *Publisher) Run(ctx context.Context, src Source, report func(Report)) error {
	var (
		published *State
		backoff   = p.MinBackoff
		retry     <-chan time.Time
	)
	for {
		began := time.Now()
		s, err := src.State()
		if err != nil {
			return err
		}
		if len(s.Locators) > 0 && (published == nil || !published.Equal(s)) {
			// The NID record is checked for until an update with this
			// NID went through; then the update is one round trip.
			err := p.publish(ctx, s, published == nil || published.NID != s.NID)
			if ctx.Err() != nil {
				return nil
			}
			r := Report{State: s, Took: time.Since(began), Err: err}
			if err != nil {
				r.Retry = backoff
				retry = time.After(backoff)
				backoff = min(2*backoff, p.MaxBackoff)
			} else {
				published, backoff, retry = &s, p.MinBackoff, nil
			}
			if report != nil {
				report(r)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-src.Changed():
		case <-retry:
		}
	}
}
