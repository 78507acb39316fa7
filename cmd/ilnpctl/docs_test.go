package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// docSection returns the section of docs/ilnpctl.md under the heading
// "### heading", up to the next "### " heading.
func docSection(t *testing.T, heading string) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/ilnpctl.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n### "+heading+"\n")
	if !ok {
		t.Fatalf("docs/ilnpctl.md has no %q section", "### "+heading)
	}
	section, _, _ = strings.Cut(section, "\n### ")
	return section
}

// tableNames returns the names in backquotes in the first column of the
// Markdown table rows of section.
func tableNames(section string) []string {
	name := regexp.MustCompile("`([a-z0-9_]+)`")
	var names []string
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(line, "|"), "|")
		for _, m := range name.FindAllStringSubmatch(first, -1) {
			names = append(names, m[1])
		}
	}
	return names
}

// helpNames returns the names of the left column of a two-column list
// in a command's Long help: the lines indented by exactly two spaces,
// up to a gap of two spaces or the line's end, names separated by ", ".
func helpNames(long string) []string {
	entry := regexp.MustCompile(`(?m)^  ([a-z0-9_]+(?:, [a-z0-9_]+)*)(?:  |$)`)
	var names []string
	for _, m := range entry.FindAllStringSubmatch(long, -1) {
		names = append(names, strings.Split(m[1], ", ")...)
	}
	return names
}

// checkNamed reports each of known that documented does not name exactly
// once, and each name of documented that known does not have. where
// says what documented is; describe describes a known name.
func checkNamed(t *testing.T, where string, documented, known []string, describe func(string) string) {
	t.Helper()
	for _, k := range known {
		switch n := strings.Count(" "+strings.Join(documented, " ")+" ", " "+k+" "); n {
		case 0:
			t.Errorf("%s does not describe %s", where, describe(k))
		case 1:
		default:
			t.Errorf("%s names %s %d times", where, k, n)
		}
	}
	for _, d := range documented {
		if !slices.Contains(known, d) {
			t.Errorf("%s names %s, which the kernel's table does not have", where, d)
		}
	}
}

// TestDocsCounters: the counter table of docs/ilnpctl.md (section
// "stats") names the kernel's counters, each once, no more and no less.
func TestDocsCounters(t *testing.T) {
	cnames := map[string]string{}
	var known []string
	for _, c := range ilnpnl.Counters() {
		known = append(known, c.Name)
		cnames[c.Name] = c.CName
	}
	checkNamed(t, "docs/ilnpctl.md's counter table", tableNames(docSection(t, "stats")), known,
		func(n string) string { return n + " (" + cnames[n] + ")" })
}

// TestDocsEvents: the event table of docs/ilnpctl.md (section "monitor")
// and the event list of 'ilnpctl monitor --help' name the event types the
// kernel sends (the generated table, EventUnspec aside), each once, no
// more and no less.
func TestDocsEvents(t *testing.T) {
	var known []string
	for _, e := range ilnpnl.EventTypes() {
		known = append(known, e.String())
	}
	tests := []struct {
		where string
		names []string
	}{
		{"docs/ilnpctl.md's event table", tableNames(docSection(t, "monitor [-t]"))},
		{"'ilnpctl monitor --help'", helpNames((&app{}).monitorCmd().Long)},
	}
	for _, tc := range tests {
		t.Run(tc.where, func(t *testing.T) {
			if len(tc.names) == 0 {
				t.Fatalf("%s lists no events", tc.where)
			}
			checkNamed(t, tc.where, tc.names, known, func(n string) string { return "the " + n + " event" })
		})
	}
}
