package firewall

import (
	"os"
	"strings"
	"testing"
)

func TestParseCounter(t *testing.T) {
	for _, tc := range []struct {
		out  string
		want uint64
		ok   bool
	}{
		{"table inet filter {\n\tchain forward {\n\t\tct state established,related accept\n\t\tct state invalid counter packets 17 bytes 1360 drop\n\t}\n}\n", 17, true},
		{"\t\tct state invalid counter packets 0 bytes 0 drop\n", 0, true},
		{"\t\ttcp dport 22 counter packets 5 bytes 300 accept\n", 0, false},
		{"Error: No such file or directory", 0, false},
	} {
		got, err := parseCounter(tc.out)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseCounter(%q) = %d, %v; want %d, ok %v", tc.out, got, err, tc.want, tc.ok)
		}
	}
}

func TestRuleset(t *testing.T) {
	for _, tc := range []struct {
		hook Hook
		want []string
		not  []string
	}{
		{Forward, []string{"hook forward", "tcp dport 443 ct state new accept", "udp dport 443"}, []string{"iifname"}},
		{Input, []string{"hook input", "iifname \"lo\" accept"}, nil},
	} {
		r := Ruleset(tc.hook, 443)
		for _, w := range tc.want {
			if !strings.Contains(r, w) {
				t.Errorf("%s ruleset lacks %q:\n%s", tc.hook, w, r)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(r, n) {
				t.Errorf("%s ruleset has %q:\n%s", tc.hook, n, r)
			}
		}
		// Locator Updates must pass before the invalid ones are dropped.
		if lu, inv := strings.Index(r, LocatorUpdates), strings.Index(r, "ct state invalid"); lu < 0 || lu > inv {
			t.Errorf("%s ruleset: Locator Updates at %d, invalid drop at %d:\n%s", tc.hook, lu, inv, r)
		}
	}
}

// TestDocs: docs/firewalls.md shows the rulesets the tests use.
func TestDocs(t *testing.T) {
	b, err := os.ReadFile("../../../docs/firewalls.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{Ruleset(Input, 22), Ruleset(Forward, 443)} {
		if !strings.Contains(string(b), r) {
			t.Errorf("docs/firewalls.md does not show the ruleset:\n%s", r)
		}
	}
}
