package ilnp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// ErrAmbiguous is returned (wrapped) by ParseHostsAddr for a hosts-file
// IL-V whose halves cannot be told apart.
var ErrAmbiguous = errors.New("ambiguous")

// HostsOrder says which half of a hosts-file IL-V comes first.
type HostsOrder uint8

const (
	// NIDFirst is the paper's and this project's "n-n-n-n.l+l+l+l".
	NIDFirst HostsOrder = iota
	// LocatorFirst is "l+l+l+l.n-n-n-n", as the St Andrews glibc and
	// FreeBSD parsers write it.
	LocatorFirst
)

func (o HostsOrder) String() string {
	if o == LocatorFirst {
		return "locator first"
	}
	return "NID first"
}

// HostsAddr is the address field of a hosts-file line: an IL-V in
// either order, with an optional preference ("/PREF", a decimal
// 0-65535, the RFC 6742 L64 preference: lower is preferred).
type HostsAddr struct {
	ILV        ILV
	Preference *uint16 // nil when the field has no "/PREF"
	Order      HostsOrder
	// Warning is set when the separators did not tell the order (both
	// halves joined by '-' or both by '+') and the order was guessed
	// from which half can be a global unicast locator (2000::/3).
	Warning string
}

// ParseHostsAddr parses the address field of a hosts-file line:
//
//	n-n-n-n.l+l+l+l[/PREF]   NID first (the paper's syntax)
//	l+l+l+l.n-n-n-n[/PREF]   locator first (St Andrews' glibc and FreeBSD)
//
// The separators tell the halves apart: '-' joins the NID's groups, '+'
// the locator's. When both halves use the same separator, the half that
// can be a global unicast locator (its first group in 2000::/3) is taken
// as the L64 and Warning says so; when neither or both can, the field is
// ambiguous and an error.
func ParseHostsAddr(s string) (HostsAddr, error) {
	field, prefStr, hasPref := strings.Cut(s, "/")
	var out HostsAddr
	if hasPref {
		p, err := strconv.ParseUint(prefStr, 10, 16)
		if err != nil {
			return HostsAddr{}, fmt.Errorf("parse IL-V %q: preference %q: want a decimal 0-65535", s, prefStr)
		}
		pref := uint16(p)
		out.Preference = &pref
	}
	first, second, ok := strings.Cut(field, ".")
	switch {
	case !ok:
		return HostsAddr{}, fmt.Errorf("parse IL-V %q: want n-n-n-n.l+l+l+l or l+l+l+l.n-n-n-n, no '.' found", s)
	case strings.Contains(second, "."):
		return HostsAddr{}, fmt.Errorf("parse IL-V %q: want n-n-n-n.l+l+l+l or l+l+l+l.n-n-n-n, more than one '.'", s)
	}
	s1, err := separator(first)
	if err != nil {
		return HostsAddr{}, fmt.Errorf("parse IL-V %q: %w", s, err)
	}
	s2, err := separator(second)
	if err != nil {
		return HostsAddr{}, fmt.Errorf("parse IL-V %q: %w", s, err)
	}
	g1, err := parseGroups(first, s1)
	if err != nil {
		return HostsAddr{}, fmt.Errorf("parse IL-V %q: %s: %w", s, half(s1, 0), err)
	}
	g2, err := parseGroups(second, s2)
	if err != nil {
		return HostsAddr{}, fmt.Errorf("parse IL-V %q: %s: %w", s, half(s2, 1), err)
	}
	var warn string
	if s1 == s2 {
		same := s1
		switch l1, l2 := globalL64(g1), globalL64(g2); {
		case l1 == l2:
			return HostsAddr{}, fmt.Errorf("parse IL-V %q: %w: both halves are joined by %q and either could be the locator; join the NID's groups with '-' and the locator's with '+'", s, ErrAmbiguous, same)
		case l1:
			s1, s2 = '+', '-'
		default:
			s1, s2 = '-', '+'
		}
		warn = fmt.Sprintf("both halves are joined by %q: read %%s, taking the half in 2000::/3 as the locator", same)
	}
	if s1 == '+' {
		out.Order, out.ILV = LocatorFirst, ILV{L64: L64(g1), NID: NID(g2)}
	} else {
		out.Order, out.ILV = NIDFirst, ILV{L64: L64(g2), NID: NID(g1)}
	}
	if warn != "" {
		out.Warning = fmt.Sprintf(warn, out.Order)
	}
	return out, nil
}

// separator is the one separator of a half, '-' or '+'.
func separator(part string) (byte, error) {
	minus, plus := strings.Contains(part, "-"), strings.Contains(part, "+")
	switch {
	case minus && plus:
		return 0, fmt.Errorf("%q mixes '-' and '+'", part)
	case minus:
		return '-', nil
	case plus:
		return '+', nil
	}
	return 0, fmt.Errorf("%q: want four groups joined by '-' (a NID) or '+' (a locator)", part)
}

// half names a half in errors by its separator ('-' the NID, '+' the
// locator) or, without one, by its position.
func half(sep byte, pos int) string {
	switch sep {
	case '-':
		return "NID"
	case '+':
		return "locator"
	}
	return [2]string{"first half", "second half"}[pos]
}

// globalL64 reports whether v can be a global unicast locator: 2000::/3.
func globalL64(v uint64) bool { return v>>61 == 1 }

// HostsEntry is one line of a hosts file in an IL-V syntax,
// "n-n-n-n.l+l+l+l[/PREF] name [alias...]" or its locator-first form.
type HostsEntry struct {
	ILV        ILV
	Preference *uint16  // the locator's preference, nil when not given
	Names      []string // canonical name first, then aliases
	Line       int      // the line number, from 1; 0 when not read from a file
	Warning    string   // see HostsAddr.Warning; empty when the form was clear
}

// String formats the entry as a hosts-file line in the paper's order,
// e.g. "d250-99ff-fed1-5a0c.2001+2+dd+dd mn-ddd-ilnp".
func (e HostsEntry) String() string {
	addr := e.ILV.HostsForm()
	if e.Preference != nil {
		addr += "/" + strconv.FormatUint(uint64(*e.Preference), 10)
	}
	return addr + " " + strings.Join(e.Names, " ")
}

// ParseHostsLine parses one hosts-file line in an IL-V syntax (see
// ParseHostsAddr). Text after '#' is a comment. A blank or comment-only
// line returns ok == false and no error.
func ParseHostsLine(line string) (e HostsEntry, ok bool, err error) {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	f := strings.Fields(line)
	if len(f) == 0 {
		return HostsEntry{}, false, nil
	}
	if len(f) < 2 {
		return HostsEntry{}, false, fmt.Errorf("hosts line %q: no host name after the IL-V", line)
	}
	a, err := ParseHostsAddr(f[0])
	if err != nil {
		return HostsEntry{}, false, err
	}
	return HostsEntry{ILV: a.ILV, Preference: a.Preference, Names: f[1:], Warning: a.Warning}, true, nil
}

// ParseHosts reads the IL-V entries of a hosts file. Comments and blank
// lines are skipped, and so are ordinary entries whose address is a plain
// IPv4 or IPv6 address, so that /etc/hosts itself can be read. Each
// entry records its line number, and errors name it.
func ParseHosts(r io.Reader) ([]HostsEntry, error) {
	var out []HostsEntry
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if f := strings.Fields(strings.SplitN(line, "#", 2)[0]); len(f) > 0 {
			if _, err := netip.ParseAddr(f[0]); err == nil {
				continue // an ordinary hosts entry
			}
		}
		e, ok, err := ParseHostsLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if ok {
			e.Line = n
			out = append(out, e)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read hosts: %w", err)
	}
	return out, nil
}
