package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// TestDocsCounters: the counter table of docs/ilnpctl.md (section
// "stats") names the kernel's counters, each once, no more and no less.
func TestDocsCounters(t *testing.T) {
	b, err := os.ReadFile("../../docs/ilnpctl.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n### stats\n")
	if !ok {
		t.Fatal(`docs/ilnpctl.md has no "### stats" section`)
	}
	section, _, _ = strings.Cut(section, "\n### ")
	name := regexp.MustCompile("`([a-z0-9_]+)`")
	var documented []string
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(line, "|"), "|")
		for _, m := range name.FindAllStringSubmatch(first, -1) {
			documented = append(documented, m[1])
		}
	}
	for _, c := range ilnpnl.Counters() {
		switch n := strings.Count(" "+strings.Join(documented, " ")+" ", " "+c.Name+" "); n {
		case 0:
			t.Errorf("docs/ilnpctl.md's counter table does not describe %s (%s)", c.Name, c.CName)
		case 1:
		default:
			t.Errorf("docs/ilnpctl.md's counter table names %s %d times", c.Name, n)
		}
	}
	for _, d := range documented {
		if !slices.ContainsFunc(ilnpnl.Counters(), func(c ilnpnl.Counter) bool { return c.Name == d }) {
			t.Errorf("docs/ilnpctl.md's counter table names %s, which the kernel's table does not have", d)
		}
	}
}
