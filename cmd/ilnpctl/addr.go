package main

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// parseILV parses an ADDR of `peer add`: an IPv6 address, whose upper 64
// bits are the L64 and lower 64 bits the NID (2001:2:dd:dd:d250:99ff:fed1:5a0c,
// 2001:2:dd:dd::c), or the paper's hosts-file form n-n-n-n.l+l+l+l
// (d250-99ff-fed1-5a0c.2001+2+dd+dd).
func parseILV(s string) (ilnp.ILV, error) {
	v, err := ilnp.ParseILV(s)
	switch {
	case err != nil && strings.ContainsAny(s, "-+"):
		return ilnp.ILV{}, err // the hosts-file form, and what is wrong with it
	case err != nil:
		return ilnp.ILV{}, fmt.Errorf("%q: not an IL-V: want an IPv6 address such as 2001:2:dd:dd::c, n-n-n-n.l+l+l+l, or a domain name with a dot such as cn.example.", s)
	}
	return checkILV(s, v)
}

// checkILV rejects what cannot name a peer: a zero NID or L64, and
// addresses that are not global unicast.
func checkILV(s string, v ilnp.ILV) (ilnp.ILV, error) {
	a := v.Addr()
	switch {
	case v.L64 == 0:
		return ilnp.ILV{}, fmt.Errorf("%q: no locator: the upper 64 bits (the L64) are zero", s)
	case v.NID == 0:
		return ilnp.ILV{}, fmt.Errorf("%q: no identifier: the lower 64 bits (the NID) are zero", s)
	case a.IsMulticast(), a.IsLinkLocalUnicast(), a.IsLoopback():
		return ilnp.ILV{}, fmt.Errorf("%q: not a global unicast address", s)
	}
	return v, nil
}

// parseNID parses a NID as ilnp.ParseNID does: four hexadecimal groups
// joined by ':' or '-' (d250:99ff:fed1:5a0c, d250-99ff-fed1-5a0c), or an
// IPv6 address whose upper 64 bits are zero (::c). With anyILV, a whole
// IL-V in either syntax is accepted as well and stands for its NID.
func parseNID(s string, anyILV bool) (ilnp.NID, error) {
	if anyILV {
		if strings.ContainsAny(s, "+.") {
			v, err := ilnp.ParseILV(s)
			return v.NID, err
		}
		if a, err := netip.ParseAddr(s); err == nil {
			if v, err := ilnp.ILVFromAddr(a); err == nil {
				return v.NID, nil
			}
		}
	}
	return ilnp.ParseNID(s)
}

// target is one locator of a peer to register: an IL-V and the
// locator's preference (0, the kernel's default, when none was given).
type target struct {
	ilv  ilnp.ILV
	pref uint16
}

// targetsOf are IL-Vs with no preference.
func targetsOf(ilvs []ilnp.ILV) []target {
	ts := make([]target, len(ilvs))
	for i, v := range ilvs {
		ts[i] = target{ilv: v}
	}
	return ts
}

// groupPeers makes one peer per NID, in the order the NIDs first appear,
// with each of its L64s once (with the first preference given for it),
// in the order they appear.
func groupPeers(ts []target) []ilnpnl.Peer {
	var peers []ilnpnl.Peer
	index := map[ilnp.NID]int{}
	for _, t := range ts {
		v := t.ilv
		i, ok := index[v.NID]
		if !ok {
			i = len(peers)
			index[v.NID] = i
			peers = append(peers, ilnpnl.Peer{NID: v.NID})
		}
		p := &peers[i]
		dup := false
		for _, l := range p.Locators {
			dup = dup || l.L64 == v.L64
		}
		if !dup {
			p.Locators = append(p.Locators, ilnpnl.Locator{L64: v.L64, Preference: t.pref})
		}
	}
	return peers
}

// readHosts reads the IL-V entries of a hosts file in either order
// (ilnp.ParseHosts: ordinary entries are skipped, so that /etc/hosts
// itself can be read) and checks that each can name a peer. An error
// names the line; warn is told of each entry whose order was guessed.
func readHosts(r io.Reader, warn func(line int, msg string)) ([]target, error) {
	entries, err := ilnp.ParseHosts(r)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, errors.New("no IL-V entries (n-n-n-n.l+l+l+l name)")
	}
	ts := make([]target, len(entries))
	for i, e := range entries {
		v, err := checkILV(e.ILV.HostsForm(), e.ILV)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", e.Line, err)
		}
		if e.Warning != "" {
			warn(e.Line, e.Warning)
		}
		ts[i] = target{ilv: v}
		if e.Preference != nil {
			ts[i].pref = *e.Preference
		}
	}
	return ts, nil
}
