package ilnp

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strings"
)

// HostsEntry is one line of a hosts file in the paper's IL-V syntax,
// "n-n-n-n.l+l+l+l name [alias...]".
type HostsEntry struct {
	ILV   ILV
	Names []string // canonical name first, then aliases
	Line  int      // the line number, from 1; 0 when not read from a file
}

// String formats the entry as a hosts-file line, e.g.
// "d250-99ff-fed1-5a0c.2001+2+dd+dd mn-ddd-ilnp".
func (e HostsEntry) String() string {
	return e.ILV.HostsForm() + " " + strings.Join(e.Names, " ")
}

// ParseHostsLine parses one hosts-file line in the IL-V syntax. Text
// after '#' is a comment. A blank or comment-only line returns ok ==
// false and no error.
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
