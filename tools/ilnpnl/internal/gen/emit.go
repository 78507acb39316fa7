package main

import (
	"bytes"
	"fmt"
	"go/format"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A group is the set of header names with one prefix and how they become
// Go: the prefix of the Go names, their type, and the table of names the
// package prints, if it keeps one.
type group struct {
	prefix   string // C prefix, e.g. "ILNP_EVENT_"
	goPrefix string // Go prefix, e.g. "Event"
	goType   string // "" for untyped constants
	title    string
	// table names the generated map from value to the lower-case C
	// suffix ("lu_acked"), which the type's String uses; "" for none.
	table string
	// notTable lists C suffixes that are not values of goType nor in the
	// group's tables (unspec, padding); they become untyped constants
	// named with notTablePrefix.
	notTable       []string
	notTablePrefix string
	// counters: the group is the counter table (Counters).
	counters bool
	hex      bool // bit flags: values in hexadecimal
}

// groups maps the header's prefixes to Go. A name takes the group of
// its longest matching prefix; every ILNP_ name has one, the last.
var groups = []group{
	{prefix: "ILNP_GENL_", goPrefix: "Family", title: "Family identity (ILNP_GENL_*)."},
	{prefix: "ILNP_CMD_", goPrefix: "cmd", goType: "uint8", title: "Commands (ILNP_CMD_*)."},
	{prefix: "ILNP_A_", goPrefix: "attr", goType: "uint16", title: "Top-level attributes (ILNP_A_*)."},
	{prefix: "ILNP_PEER_A_", goPrefix: "peerAttr", goType: "uint16", title: "Peer attributes (ILNP_PEER_A_*)."},
	{prefix: "ILNP_LOC_A_", goPrefix: "locAttr", goType: "uint16", title: "Locator attributes (ILNP_LOC_A_*)."},
	{prefix: "ILNP_PATH_A_", goPrefix: "pathAttr", goType: "uint16", title: "Path end attributes (ILNP_PATH_A_*)."},
	{prefix: "ILNP_STATS_A_", goPrefix: "Stat", goType: "Stat", title: "Counters (ILNP_STATS_A_*): the attributes of the statistics nest.",
		notTable: []string{"UNSPEC", "PAD"}, notTablePrefix: "statsAttr", counters: true},
	{prefix: "ILNP_EVENT_", goPrefix: "Event", goType: "EventType", title: "Event types (enum ilnp_event).", table: "eventNames"},
	{prefix: "ILNP_PEER_F_", goPrefix: "Peer", goType: "PeerFlags", title: "Peer flags (ILNP_PEER_F_*).", table: "peerFlagNames", hex: true},
	{prefix: "ILNP_LOC_STATE_", goPrefix: "Locator", goType: "LocatorState", title: "Locator states (enum ilnp_locator_state).", table: "locatorStateNames"},
	{prefix: "ILNP_PATH_", goPrefix: "Path", goType: "PathState", title: "Path end states (enum ilnp_path_state).", table: "pathStateNames"},
	{prefix: "ILNP_", goPrefix: "uapi", title: "The header's other constants."},
}

// initialisms are the words of C names that Go spells in capitals (or
// its own way), after the Go naming conventions.
var initialisms = map[string]string{
	"NID": "NID", "L64": "L64", "LU": "LU", "ILV": "ILV", "RTT": "RTT", "US": "US", "MS": "MS",
	"DRR": "DRR", "ID": "ID", "IP": "IP", "IPV6": "IPv6", "ICMPV6": "ICMPv6", "MTU": "MTU",
	"TCP": "TCP", "UDP": "UDP", "RA": "RA",
}

// goName turns the suffix of a C name into a Go name: "LU_RTT_US" with
// prefix "attr" is attrLURTTUS, "IPV6_ONLY" with "Peer" PeerIPv6Only.
func goName(goPrefix, suffix string) string {
	var b strings.Builder
	b.WriteString(goPrefix)
	for _, w := range strings.Split(suffix, "_") {
		if w == "" {
			continue
		}
		if s, ok := initialisms[w]; ok {
			b.WriteString(s)
			continue
		}
		b.WriteString(w[:1] + strings.ToLower(w[1:]))
	}
	return b.String()
}

// groupOf returns the group of a C name and the name's suffix.
func groupOf(name string) (*group, string, bool) {
	var best *group
	for i := range groups {
		g := &groups[i]
		if strings.HasPrefix(name, g.prefix) && (best == nil || len(g.prefix) > len(best.prefix)) {
			best = g
		}
	}
	if best == nil {
		return nil, "", false
	}
	return best, strings.TrimPrefix(name, best.prefix), true
}

// typeWord is the C or netlink type that a UAPI comment on an attribute
// starts with ("u8: ...", "nest, ILNP_PEER_A_*", "binary, struct in6_addr: ...").
var typeWord = regexp.MustCompile(`^(?:[us](?:8|16|32|64)|__be(?:16|32|64)|nest|binary|string|flag)\b`)

// describe returns the one-line description of a name: the spec's doc,
// else the header's comment on it, unless the comment only says the
// attribute's type. A comment that starts with the type and then has a
// colon ("u8: length of ...") describes with what follows the first
// colon; one with the type and no colon ("u64, each counter below too")
// does not describe.
func describe(spec, comment string) string {
	if spec != "" {
		return spec
	}
	if !typeWord.MatchString(comment) {
		return comment
	}
	if _, rest, ok := strings.Cut(comment, ":"); ok {
		return strings.TrimSpace(rest)
	}
	return ""
}

// constant is one generated constant.
type constant struct {
	c, goName, doc string
	value          string // Go literal
	suffix         string
	untyped        bool // not a value of the group's type, nor in its tables
}

// emit writes the Go source: one const block per group in the order of
// groups, the groups' name tables and the counter table.
func emit(h *header, docs map[string]string) ([]byte, error) {
	byGroup := map[*group][]constant{}
	seen := map[string]string{} // Go name -> C name
	for _, name := range h.names {
		if h.sentinel[name] {
			continue
		}
		g, suffix, ok := groupOf(name)
		if !ok {
			return nil, fmt.Errorf("%s: not an ILNP_ name; gen knows no Go name for it", name)
		}
		k := constant{c: name, goName: goName(g.goPrefix, suffix), suffix: suffix,
			doc: describe(docs[name], h.comments[name])}
		if slices.Contains(g.notTable, suffix) {
			k.goName, k.untyped = goName(g.notTablePrefix, suffix), true
		}
		if other, dup := seen[k.goName]; dup {
			return nil, fmt.Errorf("%s and %s both become %s: add an initialism or a group to gen", other, name, k.goName)
		}
		seen[k.goName] = name
		if s, ok := h.strs[name]; ok {
			if g.goType != "" {
				return nil, fmt.Errorf("%s is a string, but %s* are %s", name, g.prefix, g.goType)
			}
			k.value = strconv.Quote(s)
		} else if v := h.ints[name]; g.hex {
			k.value = "0x" + strconv.FormatInt(v, 16)
		} else {
			k.value = strconv.FormatInt(v, 10)
		}
		byGroup[g] = append(byGroup[g], k)
	}

	var b bytes.Buffer
	b.WriteString("// Code generated by tools/ilnpnl/internal/gen from the kernel series; DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "// The numbers of the ilnp generic netlink family as %s defines\n", headerPath)
	fmt.Fprintf(&b, "// them once patches/series is applied, with the docs of %s.\n", specPath)
	b.WriteString("// Regenerate with: go generate ./tools/ilnpnl/...\n\n")
	b.WriteString("package ilnpnl\n")
	for i := range groups {
		g := &groups[i]
		ks := byGroup[g]
		if len(ks) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n// %s\nconst (\n", g.title)
		for _, k := range ks {
			typ := ""
			if g.goType != "" && !k.untyped {
				typ = " " + g.goType
			}
			fmt.Fprintf(&b, "\t%s%s = %s // %s%s\n", k.goName, typ, k.value, k.c, docSuffix(k.doc))
		}
		b.WriteString(")\n")
		if g.table != "" {
			fmt.Fprintf(&b, "\n// %s names the %s values as the header does, in lower case.\nvar %s = map[%s]string{\n", g.table, g.goType, g.table, g.goType)
			for _, k := range ks {
				if !k.untyped {
					fmt.Fprintf(&b, "\t%s: %q,\n", k.goName, strings.ToLower(k.suffix))
				}
			}
			b.WriteString("}\n")
		}
		if g.counters {
			b.WriteString("\n// counters is the counter table, in attribute order: see Counters.\nvar counters = []Counter{\n")
			for _, k := range ks {
				if !k.untyped {
					fmt.Fprintf(&b, "\t{Stat: %s, CName: %q, Name: %q, Doc: %q},\n", k.goName, k.c, strings.ToLower(k.suffix), k.doc)
				}
			}
			b.WriteString("}\n")
		}
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("format the generated source: %w\n%s", err, b.Bytes())
	}
	return src, nil
}

func docSuffix(doc string) string {
	if doc == "" {
		return ""
	}
	return ": " + doc
}
