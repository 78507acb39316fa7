package ilnpdns

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/miekg/dns"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
)

// Identifier is a NID record (RFC 6742 section 2.1).
type Identifier struct {
	NID        ilnp.NID
	Preference uint16 // lower is preferred
	TTL        time.Duration
}

// Locator is a locator of a host: an L64 record (RFC 6742 section 2.3)
// at the host's name, or at the FQDN of one of its LP records (Via).
type Locator struct {
	L64 ilnp.L64
	// Preference is the L64 record's, or for a locator reached through
	// an LP record, the LP record's (the host's preference for that
	// network); lower is preferred.
	Preference uint16
	TTL        time.Duration // the smaller of the L64's and the LP's
	Via        string        // the LP record's FQDN; empty for the name's own
}

// Host is what the DNS says of a name.
type Host struct {
	Name     string // fully qualified
	NIDs     []Identifier
	Locators []Locator
	// AAAA are the name's IPv6 addresses, asked for only when it has no
	// NID record: such a host is reached by plain IPv6.
	AAAA []netip.Addr
	// TTL is the smallest TTL of the records the answer was made of: how
	// long it may be kept before it is asked again.
	TTL time.Duration
}

// ILNP reports whether the host can be reached by ILNP: it has a NID and
// at least one locator.
func (h Host) ILNP() bool { return len(h.NIDs) > 0 && len(h.Locators) > 0 }

// ILVs are the host's IL-Vs: every NID at every locator, the most
// preferred first.
func (h Host) ILVs() []ilnp.ILV {
	var out []ilnp.ILV
	for _, n := range h.NIDs {
		for _, l := range h.Locators {
			out = append(out, ilnp.ILV{L64: l.L64, NID: n.NID})
		}
	}
	return out
}

func ttlOf(h dns.RR_Header) time.Duration { return time.Duration(h.Ttl) * time.Second }

// nids are the NID records among rrs, the most preferred first.
func nids(rrs []dns.RR) []Identifier {
	var out []Identifier
	for _, rr := range rrs {
		if r, ok := rr.(*dns.NID); ok {
			out = append(out, Identifier{NID: ilnp.NID(r.NodeID), Preference: r.Preference, TTL: ttlOf(r.Hdr)})
		}
	}
	slices.SortStableFunc(out, func(a, b Identifier) int { return cmp.Compare(a.Preference, b.Preference) })
	return out
}

// l64s are the L64 records among rrs, reached via the LP record lp (nil
// for the name's own), the most preferred first.
func l64s(rrs []dns.RR, lp *dns.LP) []Locator {
	var out []Locator
	for _, rr := range rrs {
		r, ok := rr.(*dns.L64)
		if !ok {
			continue
		}
		l := Locator{L64: ilnp.L64(r.Locator64), Preference: r.Preference, TTL: ttlOf(r.Hdr)}
		if lp != nil {
			l.Preference, l.Via, l.TTL = lp.Preference, lp.Fqdn, min(l.TTL, ttlOf(lp.Hdr))
		}
		out = append(out, l)
	}
	sortLocators(out)
	return out
}

func sortLocators(l []Locator) {
	slices.SortStableFunc(l, func(a, b Locator) int { return cmp.Compare(a.Preference, b.Preference) })
}

// lps are the LP records among rrs, the most preferred first.
func lps(rrs []dns.RR) []*dns.LP {
	var out []*dns.LP
	for _, rr := range rrs {
		if r, ok := rr.(*dns.LP); ok {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b *dns.LP) int { return cmp.Compare(a.Preference, b.Preference) })
	return out
}

// aaaas are the AAAA records among rrs.
func aaaas(rrs []dns.RR) []netip.Addr {
	var out []netip.Addr
	for _, rr := range rrs {
		if r, ok := rr.(*dns.AAAA); ok {
			if a, ok := netip.AddrFromSlice(r.AAAA); ok {
				out = append(out, a)
			}
		}
	}
	return out
}

// minTTL is the smallest TTL of rrs, or cur when it is smaller (0: none
// yet).
func minTTL(cur time.Duration, rrs []dns.RR) time.Duration {
	for _, rr := range rrs {
		if t := ttlOf(*rr.Header()); cur == 0 || t < cur {
			cur = t
		}
	}
	return cur
}
