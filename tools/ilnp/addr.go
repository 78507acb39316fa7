package ilnp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// NID is an ILNP Node Identifier: the low 64 bits of an IL-V, as a host
// integer, so that NID(0xd250_99ff_fed1_5a0c) is d250:99ff:fed1:5a0c. It
// names a node and stays fixed for the life of a transport session.
type NID uint64

// L64 is an ILNP Locator: the high 64 bits of an IL-V (a /64 routing
// prefix), as a host integer, so that L64(0x2001_0002_00dd_00dd) is
// 2001:2:dd:dd. It names a network and changes as the node moves.
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

// ParseNID parses a NID written as four hexadecimal groups joined by ':'
// or '-' (d250:99ff:fed1:5a0c, d250-99ff-fed1-5a0c), or as an IPv6
// address whose upper 64 bits are zero (::c, ::d250:99ff:fed1:5a0c).
func ParseNID(s string) (NID, error) {
	if strings.Count(s, "-") == 3 && !strings.ContainsAny(s, ".:+") ||
		strings.Count(s, ":") == 3 && !strings.Contains(s, "::") {
		var n NID
		if err := n.UnmarshalText([]byte(s)); err != nil {
			return 0, fmt.Errorf("%q: not a NID: want four hexadecimal groups like d250:99ff:fed1:5a0c", s)
		}
		return n, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return 0, fmt.Errorf("%q: not a NID: write it as d250:99ff:fed1:5a0c, d250-99ff-fed1-5a0c or ::c", s)
	}
	v, err := ILVFromAddr(a)
	if err != nil {
		return 0, fmt.Errorf("%q: not a NID: write it as d250:99ff:fed1:5a0c, d250-99ff-fed1-5a0c or ::c", s)
	}
	if v.L64 != 0 {
		return 0, fmt.Errorf("%q: not a NID: its upper 64 bits (%s) are not zero; write the NID as four groups (d250:99ff:fed1:5a0c) or as ::c", s, v.L64)
	}
	return v.NID, nil
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

// IsZero reports whether v is the zero ILV, "::" (encoding/json's
// omitzero omits it).
func (v ILV) IsZero() bool { return v == ILV{} }

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

// ParseHostsILV parses an IL-V in a hosts-file syntax: the paper's
// "n-n-n-n.l+l+l+l" (NID first) or St Andrews' "l+l+l+l.n-n-n-n"
// (locator first), each half exactly four groups of 1 to 4 hexadecimal
// digits, the NID's joined by '-' and the locator's by '+'. A form whose
// order the separators do not tell (both halves joined alike) is an
// error here; ParseHostsAddr reads it with a warning where it can.
func ParseHostsILV(s string) (ILV, error) {
	a, err := ParseHostsAddr(s)
	switch {
	case err != nil:
		return ILV{}, err
	case a.Preference != nil:
		return ILV{}, fmt.Errorf("parse IL-V %q: a preference belongs in a hosts file, not an IL-V", s)
	case a.Warning != "":
		return ILV{}, fmt.Errorf("parse IL-V %q: %s", s, a.Warning)
	}
	return a.ILV, nil
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
