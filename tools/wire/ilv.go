package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// NID is an ILNP Node Identifier: the low 64 bits of an IL-V. It names a
// node and stays fixed for the life of a transport session.
type NID uint64

// L64 is an ILNP Locator: the high 64 bits of an IL-V, an IPv6 routing
// prefix. It names a network and changes as the node moves.
type L64 uint64

// String formats the NID as four colon-separated hexadecimal groups
// without leading zeros, e.g. "d250:99ff:fed1:5a0c".
func (n NID) String() string { return groups(uint64(n), ':') }

// String formats the locator as four colon-separated hexadecimal groups
// without leading zeros, e.g. "2001:2:dd:dd".
func (l L64) String() string { return groups(uint64(l), ':') }

// MarshalText implements encoding.TextMarshaler with the String form.
func (n NID) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// MarshalText implements encoding.TextMarshaler with the String form.
func (l L64) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; it accepts the
// String form (':' between groups) and the hosts-file form ('-').
func (n *NID) UnmarshalText(b []byte) error {
	v, err := parseGroups(string(b), ':', '-')
	if err != nil {
		return fmt.Errorf("parse NID %q: %w", b, err)
	}
	*n = NID(v)
	return nil
}

// UnmarshalText implements encoding.TextUnmarshaler; it accepts the
// String form (':' between groups) and the hosts-file form ('+').
func (l *L64) UnmarshalText(b []byte) error {
	v, err := parseGroups(string(b), ':', '+')
	if err != nil {
		return fmt.Errorf("parse locator %q: %w", b, err)
	}
	*l = L64(v)
	return nil
}

// ILV is an Identifier-Locator Vector: an IPv6 address read as a locator
// (upper 64 bits) and a node identifier (lower 64 bits). The zero ILV is
// the unspecified address "::". ILV is comparable and can key a map.
type ILV struct {
	L64 L64
	NID NID
}

// ILVFrom16 splits a 16-octet IPv6 address into its L64 and NID.
func ILVFrom16(a [16]byte) ILV {
	return ILV{
		L64: L64(binary.BigEndian.Uint64(a[:8])),
		NID: NID(binary.BigEndian.Uint64(a[8:])),
	}
}

// ILVFromAddr converts an IPv6 address. IPv4 and IPv4-mapped addresses
// have no IL-V form and are rejected, as are zoned addresses.
func ILVFromAddr(a netip.Addr) (ILV, error) {
	switch {
	case !a.IsValid():
		return ILV{}, errors.New("invalid address")
	case !a.Is6() || a.Is4In6():
		return ILV{}, fmt.Errorf("%s is not an IPv6 address", a)
	case a.Zone() != "":
		return ILV{}, fmt.Errorf("%s: zoned addresses are not IL-Vs", a)
	}
	return ILVFrom16(a.As16()), nil
}

// As16 returns the IL-V as the 16 octets of an IPv6 address.
func (v ILV) As16() [16]byte {
	var a [16]byte
	binary.BigEndian.PutUint64(a[:8], uint64(v.L64))
	binary.BigEndian.PutUint64(a[8:], uint64(v.NID))
	return a
}

// Addr returns the IL-V as an IPv6 address.
func (v ILV) Addr() netip.Addr { return netip.AddrFrom16(v.As16()) }

// String formats the IL-V as an IPv6 address, e.g. "2001:2:dd:dd:d250:99ff:fed1:5a0c".
func (v ILV) String() string { return v.Addr().String() }

// HostsForm formats the IL-V in the paper's hosts-file syntax
// "n-n-n-n.l+l+l+l", e.g. "d250-99ff-fed1-5a0c.2001+2+dd+dd".
func (v ILV) HostsForm() string {
	return groups(uint64(v.NID), '-') + "." + groups(uint64(v.L64), '+')
}

// MarshalText implements encoding.TextMarshaler with the IPv6 form.
func (v ILV) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; see ParseILV.
func (v *ILV) UnmarshalText(b []byte) error {
	p, err := ParseILV(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// ParseILV parses an IL-V written either as an IPv6 address
// ("2001:2:dd:dd:d250:99ff:fed1:5a0c") or in the hosts-file syntax
// ("d250-99ff-fed1-5a0c.2001+2+dd+dd").
func ParseILV(s string) (ILV, error) {
	if strings.ContainsAny(s, "-+") {
		return ParseHostsILV(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return ILV{}, fmt.Errorf("parse IL-V %q: %w", s, err)
	}
	v, err := ILVFromAddr(a)
	if err != nil {
		return ILV{}, fmt.Errorf("parse IL-V %q: %w", s, err)
	}
	return v, nil
}

// ParseHostsILV parses the hosts-file syntax "n-n-n-n.l+l+l+l": exactly
// four NID groups joined by '-', a dot, and exactly four locator groups
// joined by '+'; each group is 1 to 4 hexadecimal digits.
func ParseHostsILV(s string) (ILV, error) {
	nidPart, locPart, ok := strings.Cut(s, ".")
	if !ok {
		return ILV{}, fmt.Errorf("parse IL-V %q: want n-n-n-n.l+l+l+l, no '.' found", s)
	}
	nid, err := parseGroups(nidPart, '-')
	if err != nil {
		return ILV{}, fmt.Errorf("parse IL-V %q: NID: %w", s, err)
	}
	loc, err := parseGroups(locPart, '+')
	if err != nil {
		return ILV{}, fmt.Errorf("parse IL-V %q: locator: %w", s, err)
	}
	return ILV{L64: L64(loc), NID: NID(nid)}, nil
}

// HostsEntry is one line of a hosts file in the paper's IL-V syntax.
type HostsEntry struct {
	ILV   ILV
	Names []string // canonical name first, then aliases
}

// String formats the entry as a hosts-file line, e.g.
// "d250-99ff-fed1-5a0c.2001+2+dd+dd mn-ddd-ilnp".
func (e HostsEntry) String() string {
	return e.ILV.HostsForm() + " " + strings.Join(e.Names, " ")
}

// ParseHostsLine parses one hosts-file line. Text after '#' is a comment.
// A blank or comment-only line returns ok == false and no error.
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
	v, err := ParseHostsILV(f[0])
	if err != nil {
		return HostsEntry{}, false, err
	}
	return HostsEntry{ILV: v, Names: f[1:]}, true, nil
}

// ParseHosts reads a whole hosts file in the IL-V syntax. Errors name the
// line number.
func ParseHosts(r io.Reader) ([]HostsEntry, error) {
	var out []HostsEntry
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		e, ok, err := ParseHostsLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if ok {
			out = append(out, e)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read hosts: %w", err)
	}
	return out, nil
}

// groups formats v as four 16-bit hexadecimal groups joined by sep.
func groups(v uint64, sep byte) string {
	b := make([]byte, 0, 19)
	for i := 3; i >= 0; i-- {
		b = strconv.AppendUint(b, (v>>(16*uint(i)))&0xffff, 16)
		if i > 0 {
			b = append(b, sep)
		}
	}
	return string(b)
}

// parseGroups parses exactly four 1-4 digit hexadecimal groups joined by
// any one of seps (the same separator throughout).
func parseGroups(s string, seps ...byte) (uint64, error) {
	for _, sep := range seps {
		parts := strings.Split(s, string(sep))
		if len(parts) == 1 {
			continue
		}
		if len(parts) != 4 {
			return 0, fmt.Errorf("%d groups separated by %q, want 4", len(parts), sep)
		}
		var v uint64
		for _, p := range parts {
			if len(p) == 0 || len(p) > 4 {
				return 0, fmt.Errorf("group %q: want 1 to 4 hex digits", p)
			}
			g, err := strconv.ParseUint(p, 16, 16)
			if err != nil {
				return 0, fmt.Errorf("group %q: not hexadecimal", p)
			}
			v = v<<16 | g
		}
		return v, nil
	}
	return 0, fmt.Errorf("%q: want four hex groups", s)
}
