package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

// ilv is one Identifier-Locator Vector from the command line or a hosts
// file.
type ilv struct {
	l64 ilnpnl.L64
	nid ilnpnl.NID
}

func (v ilv) String() string { return ilnpnl.ILV(v.l64, v.nid).String() }

// parseILV parses an ADDR of `peer add`: an IPv6 address, whose upper 64
// bits are the L64 and lower 64 bits the NID (2001:2:dd:dd:d250:99ff:fed1:5a0c,
// 2001:2:dd:dd::c), or the paper's hosts-file form n-n-n-n.l+l+l+l
// (d250-99ff-fed1-5a0c.2001+2+dd+dd).
func parseILV(s string) (ilv, error) {
	if strings.ContainsAny(s, "-+") {
		v, err := wire.ParseHostsILV(s)
		if err != nil {
			return ilv{}, err
		}
		return checkILV(s, ilv{l64: ilnpnl.L64(v.L64), nid: ilnpnl.NID(v.NID)})
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() || a.Is4In6() || a.Zone() != "" {
		return ilv{}, fmt.Errorf("%q: not an IL-V: want an IPv6 address such as 2001:2:dd:dd::c, or n-n-n-n.l+l+l+l", s)
	}
	l, n := ilnpnl.SplitILV(a)
	return checkILV(s, ilv{l64: l, nid: n})
}

// checkILV rejects what cannot name a peer: a zero NID or L64, and
// addresses that are not global unicast.
func checkILV(s string, v ilv) (ilv, error) {
	a := ilnpnl.ILV(v.l64, v.nid)
	switch {
	case v.l64 == 0:
		return ilv{}, fmt.Errorf("%q: no locator: the upper 64 bits (the L64) are zero", s)
	case v.nid == 0:
		return ilv{}, fmt.Errorf("%q: no identifier: the lower 64 bits (the NID) are zero", s)
	case a.IsMulticast(), a.IsLinkLocalUnicast(), a.IsLoopback():
		return ilv{}, fmt.Errorf("%q: not a global unicast address", s)
	}
	return v, nil
}

// parseNID parses a NID: four hexadecimal groups joined by ':' or '-'
// (d250:99ff:fed1:5a0c, d250-99ff-fed1-5a0c), or an IPv6 address whose
// upper 64 bits are zero (::c). With anyILV, a whole IL-V in either
// syntax is accepted as well and stands for its NID.
func parseNID(s string, anyILV bool) (ilnpnl.NID, error) {
	switch {
	case strings.Count(s, "-") == 3 && !strings.ContainsAny(s, ".:+"),
		strings.Count(s, ":") == 3 && !strings.Contains(s, "::"):
		var n ilnpnl.NID
		if err := n.UnmarshalText([]byte(strings.ReplaceAll(s, "-", ":"))); err != nil {
			return 0, fmt.Errorf("%q: not a NID: want four hexadecimal groups like d250:99ff:fed1:5a0c", s)
		}
		return n, nil
	case anyILV && strings.ContainsAny(s, "+."):
		v, err := wire.ParseILV(s)
		if err != nil {
			return 0, err
		}
		return ilnpnl.NID(v.NID), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() || a.Is4In6() || a.Zone() != "" {
		return 0, fmt.Errorf("%q: not a NID: write it as d250:99ff:fed1:5a0c, d250-99ff-fed1-5a0c or ::c", s)
	}
	l, n := ilnpnl.SplitILV(a)
	if l != 0 && !anyILV {
		return 0, fmt.Errorf("%q: not a NID: its upper 64 bits (%s) are not zero; write the NID as four groups (d250:99ff:fed1:5a0c) or as ::c", s, l)
	}
	return n, nil
}

// groupPeers makes one peer per NID, in the order the NIDs first appear,
// with each of its L64s once, in the order they appear.
func groupPeers(ilvs []ilv) []ilnpnl.Peer {
	var peers []ilnpnl.Peer
	index := map[ilnpnl.NID]int{}
	for _, v := range ilvs {
		i, ok := index[v.nid]
		if !ok {
			i = len(peers)
			index[v.nid] = i
			peers = append(peers, ilnpnl.Peer{NID: v.nid})
		}
		p := &peers[i]
		dup := false
		for _, l := range p.Locators {
			dup = dup || l.L64 == v.l64
		}
		if !dup {
			p.Locators = append(p.Locators, ilnpnl.Locator{L64: v.l64})
		}
	}
	return peers
}

// hostsEntry is an IL-V of a hosts file and the line it came from.
type hostsEntry struct {
	line  int
	ilv   ilv
	names []string
}

// readHosts reads the IL-V entries of a hosts file in the paper's syntax,
// "n-n-n-n.l+l+l+l name [alias...]". Comments (from '#') and blank lines
// are skipped, and so are ordinary entries whose address is a plain IPv4
// or IPv6 address, so that /etc/hosts itself can be read. An error names
// the line.
func readHosts(r io.Reader) ([]hostsEntry, error) {
	var entries []hostsEntry
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if f := strings.Fields(strings.SplitN(line, "#", 2)[0]); len(f) > 0 {
			if _, err := netip.ParseAddr(f[0]); err == nil {
				continue // an ordinary hosts entry
			}
		}
		e, ok, err := wire.ParseHostsLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if !ok {
			continue
		}
		v, err := checkILV(e.ILV.HostsForm(), ilv{l64: ilnpnl.L64(e.ILV.L64), nid: ilnpnl.NID(e.ILV.NID)})
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		entries = append(entries, hostsEntry{line: n, ilv: v, names: e.Names})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, errors.New("no IL-V entries (n-n-n-n.l+l+l+l name)")
	}
	return entries, nil
}
