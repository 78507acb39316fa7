package view

import (
	"net/netip"
	"time"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpdns"
)

// Name is what the DNS said of a name (resolve, peer add NAME), as
// ilnpctl prints it and keeps it for peer refresh.
type Name struct {
	Name     string        `json:"name"` // fully qualified
	ILNP     bool          `json:"ilnp"` // false: no NID record, plain IPv6 (AAAA)
	NIDs     []NameNID     `json:"nids"`
	Locators []NameLocator `json:"locators"`
	ILVs     []ilnp.ILV    `json:"ilvs"` // every NID at every locator
	AAAA     []netip.Addr  `json:"aaaa,omitempty"`
	TTL      uint32        `json:"ttl"`      // seconds: the smallest of the records'
	Resolved string        `json:"resolved"` // when, in TimeFormat
	Expires  string        `json:"expires"`  // Resolved + TTL, in TimeFormat
}

// NameNID is a NID record.
type NameNID struct {
	NID        ilnp.NID `json:"nid"`
	Preference uint16   `json:"preference"`
	TTL        uint32   `json:"ttl"`
}

// NameLocator is an L64 record of the name, or of the FQDN of one of its
// LP records (Via).
type NameLocator struct {
	L64        ilnp.L64 `json:"l64"`
	Preference uint16   `json:"preference"`
	TTL        uint32   `json:"ttl"`
	Via        string   `json:"via,omitempty"`
}

func seconds(d time.Duration) uint32 { return uint32(d / time.Second) }

// NameOf is the view of a host resolved at the time at.
func NameOf(h ilnpdns.Host, at time.Time) Name {
	n := Name{
		Name: h.Name, ILNP: h.ILNP(), NIDs: []NameNID{}, Locators: []NameLocator{}, ILVs: h.ILVs(),
		AAAA: h.AAAA, TTL: seconds(h.TTL),
		Resolved: at.Format(TimeFormat), Expires: at.Add(h.TTL).Format(TimeFormat),
	}
	if n.ILVs == nil {
		n.ILVs = []ilnp.ILV{}
	}
	for _, id := range h.NIDs {
		n.NIDs = append(n.NIDs, NameNID{NID: id.NID, Preference: id.Preference, TTL: seconds(id.TTL)})
	}
	for _, l := range h.Locators {
		n.Locators = append(n.Locators, NameLocator{L64: l.L64, Preference: l.Preference, TTL: seconds(l.TTL), Via: l.Via})
	}
	return n
}

// Published is one line of `dns publish -j`: an update of the zone that
// went through (event "published") or failed ("failed", retried after
// retry_ms).
type Published struct {
	Time     string         `json:"time"` // in TimeFormat
	Event    string         `json:"event"`
	Name     string         `json:"name"`
	NID      ilnp.NID       `json:"nid"`
	Locators []PublishedL64 `json:"locators"`
	TookUS   int64          `json:"took_us"` // from the change (or retry) to the answer
	Error    string         `json:"error,omitempty"`
	RetryMS  int64          `json:"retry_ms,omitempty"`
}

// PublishedL64 is an L64 record written.
type PublishedL64 struct {
	L64        ilnp.L64 `json:"l64"`
	Preference uint16   `json:"preference"`
}

// PublishedOf is the view of a publisher's report about the name at
// the time at.
func PublishedOf(name string, r ilnpdns.Report, at time.Time) Published {
	p := Published{Time: at.Format(TimeFormat), Event: "published", Name: name, NID: r.State.NID,
		Locators: []PublishedL64{}, TookUS: r.Took.Microseconds()}
	for _, l := range r.State.Locators {
		p.Locators = append(p.Locators, PublishedL64{L64: l.L64, Preference: l.Preference})
	}
	if r.Err != nil {
		p.Event, p.Error, p.RetryMS = "failed", r.Err.Error(), r.Retry.Milliseconds()
	}
	return p
}
