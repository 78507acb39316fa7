package testbed

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// globalUnicast is where every address the testbed routes lies.
var globalUnicast = netip.MustParsePrefix("2000::/3")

// blackholeFilters are tc's commands that make a router drop what it
// forwards from and to the prefix on its interface dev towards MN, and
// nothing else: on ingress, packets from the prefix to a global address
// off the link; on egress, packets to the prefix from a global address
// off the link. What stays on the link passes (Neighbor Discovery,
// Router Advertisements and Solicitations, link-local and multicast
// traffic, the router's own addresses), so that the link stays up, its
// neighbours reachable and its prefix advertised: a path that fails
// silently, as a Wi-Fi whose uplink is gone.
func blackholeFilters(dev string, p netip.Prefix) [][]string {
	filter := func(hook string, prio int, matches ...string) []string {
		args := []string{"filter", "add", "dev", dev, hook, "prio", fmt.Sprint(prio), "protocol", "ipv6", "u32"}
		for i := 0; i+1 < len(matches); i += 2 {
			args = append(args, "match", "ip6", matches[i], matches[i+1])
		}
		return args
	}
	pass := func(args []string) []string { return append(args, "action", "pass") }
	drop := func(args []string) []string { return append(args, "action", "drop") }
	on, global := p.Masked().String(), globalUnicast.String()
	return [][]string{
		{"qdisc", "add", "dev", dev, "clsact"},
		pass(filter("ingress", 1, "src", on, "dst", on)),
		drop(filter("ingress", 2, "src", on, "dst", global)),
		pass(filter("egress", 1, "src", on, "dst", on)),
		drop(filter("egress", 2, "src", global, "dst", on)),
	}
}

// Blackhole makes the router of the access network name drop everything
// it forwards from and to MN's prefix there, while the link stays up and
// radvd keeps advertising the prefix (see blackholeFilters). The
// router's interface must not have a clsact qdisc of its own.
// LiftBlackhole undoes it.
func (tb *Testbed) Blackhole(ctx context.Context, name string) error {
	an, r, err := tb.accessRouter(name)
	if err != nil {
		return err
	}
	// One tc for all the commands: a busy guest under TCG takes
	// seconds to start each process in a namespace.
	var batch strings.Builder
	for _, args := range blackholeFilters(an.Name, an.Prefix) {
		batch.WriteString(strings.Join(args, " ") + "\n")
	}
	file := filepath.Join(tb.opts.Dir, r.Name+"-blackhole.tc")
	if err := os.WriteFile(file, []byte(batch.String()), 0o644); err != nil {
		return fmt.Errorf("testbed: blackhole %s: %w", name, err)
	}
	if _, err := r.Run(ctx, "tc", "-batch", file); err != nil {
		return fmt.Errorf("testbed: blackhole %s: %w", name, err)
	}
	return nil
}

// LiftBlackhole makes the router of the access network name forward MN's
// traffic there again.
func (tb *Testbed) LiftBlackhole(ctx context.Context, name string) error {
	an, r, err := tb.accessRouter(name)
	if err != nil {
		return err
	}
	if _, err := r.Run(ctx, "tc", "qdisc", "del", "dev", an.Name, "clsact"); err != nil {
		return fmt.Errorf("testbed: lift blackhole %s: %w", name, err)
	}
	return nil
}
