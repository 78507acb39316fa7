// Package firewall puts stateful nftables firewalls on testbed hosts,
// with the rules that firewalld and ufw set up (established and related
// traffic accepted, what connection tracking finds invalid dropped, new
// connections accepted to the listed ports only), plus the one rule an
// ILNP network needs on top of them: Locator Updates accepted before the
// invalid ones are dropped. docs/firewalls.md quotes these rulesets; a
// test keeps the two the same.
package firewall

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
)

// Hook is where a ruleset filters: the forward hook on a router, the
// input hook on a host.
type Hook string

// Hooks.
const (
	Forward Hook = "forward"
	Input   Hook = "input"
)

// LocatorUpdates is the rule that lets ILNP's Locator Updates, their
// acknowledgements and the path probes built on them (ICMPv6 type 156)
// through. Connection tracking cannot pair them as it pairs echo
// requests and replies, so it marks each one invalid, and the usual
// "ct state invalid drop" would drop them: after a move the
// correspondent would never learn the new locators.
const LocatorUpdates = "icmpv6 type 156 accept"

// Ruleset is the firewall of one hook, accepting new TCP and UDP
// connections to ports. The rule that drops invalid packets counts them
// (see Invalid).
func Ruleset(hook Hook, ports ...int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "table inet filter {\n\tchain %s {\n", hook)
	fmt.Fprintf(&b, "\t\ttype filter hook %s priority filter; policy drop;\n", hook)
	b.WriteString("\t\tct state established,related accept\n")
	if hook == Input {
		b.WriteString("\t\tiifname \"lo\" accept\n")
	}
	fmt.Fprintf(&b, "\t\t%s\n", LocatorUpdates)
	b.WriteString("\t\t" + invalidRule + "\n")
	b.WriteString("\t\tmeta l4proto ipv6-icmp accept\n")
	for _, p := range ports {
		fmt.Fprintf(&b, "\t\ttcp dport %d ct state new accept\n", p)
		fmt.Fprintf(&b, "\t\tudp dport %d ct state new accept\n", p)
	}
	b.WriteString("\t}\n}\n")
	return b.String()
}

// Apply replaces h's whole ruleset with ruleset.
func Apply(ctx context.Context, h *testbed.Host, ruleset string) error {
	dir, err := os.MkdirTemp("", "nft-")
	if err != nil {
		return fmt.Errorf("firewall %s: %w", h.Name, err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ruleset.nft")
	if err := os.WriteFile(path, []byte("flush ruleset\n"+ruleset), 0o644); err != nil {
		return fmt.Errorf("firewall %s: %w", h.Name, err)
	}
	if out, err := h.Run(ctx, "nft", "-f", path); err != nil {
		return fmt.Errorf("firewall %s: nft -f: %w\n%s", h.Name, err, out)
	}
	return nil
}

// invalidRule drops what connection tracking finds invalid, counting it.
const invalidRule = "ct state invalid counter drop"

var counterRE = regexp.MustCompile(`ct state invalid counter packets (\d+) bytes \d+ drop`)

// Invalid is how many packets h's firewall (one of Ruleset's, at hook)
// dropped as invalid.
func Invalid(ctx context.Context, h *testbed.Host, hook Hook) (uint64, error) {
	out, err := h.Run(ctx, "nft", "list", "chain", "inet", "filter", string(hook))
	if err != nil {
		return 0, fmt.Errorf("firewall %s: nft list chain: %w\n%s", h.Name, err, out)
	}
	return parseCounter(out)
}

func parseCounter(out string) (uint64, error) {
	m := counterRE.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("firewall: no count of invalid packets in %q", out)
	}
	return strconv.ParseUint(m[1], 10, 64)
}

// LiberalTCP is the connection tracking setting that a router's stateful
// firewall on the way of a multihomed ILNP session needs: each locator
// pair of a session is a connection of its own to the router's
// connection tracking, which sees only the segments that took that pair,
// while the acknowledgements it carries cover the segments of every
// pair. Tracking TCP windows strictly, it finds those acknowledgements
// above anything it saw sent and marks them invalid. An ILNP host's own
// firewall does not need it: it sees each flow on its canonical
// addresses, one connection.
const LiberalTCP = "net.netfilter.nf_conntrack_tcp_be_liberal"

// TrackLiberally sets LiberalTCP to 1 in h's namespace: connection
// tracking still follows each connection's state, without judging its
// segments against the windows it has seen.
func TrackLiberally(h *testbed.Host) error {
	if err := h.WriteSysctl(LiberalTCP, "1"); err != nil {
		return fmt.Errorf("firewall %s: %w", h.Name, err)
	}
	return nil
}
