package testbed

import (
	"context"
	"fmt"
	"net/netip"
	"time"
)

// cnNet is one of CN's networks by name.
func cnNet(name string) (netip.Prefix, netip.Addr, netip.Addr, int, error) {
	n, ok := CNNetworks[name]
	if !ok {
		return netip.Prefix{}, netip.Addr{}, netip.Addr{}, 0, fmt.Errorf("testbed: CN has no network %q", name)
	}
	return n.Prefix, n.Addr, n.R4, n.Metric, nil
}

// AttachCN brings CN's interface on one of its networks (dd, or ff with
// Options.CNMobile) up, with CN's static address there and its default
// route through R4 (dd's preferred to ff's), as when CN, a server with
// static addresses, gains that network.
func (tb *Testbed) AttachCN(ctx context.Context, name string) error {
	prefix, addr, r4, metric, err := cnNet(name)
	if err != nil {
		return err
	}
	if err := tb.CN.SetLinkUp(name); err != nil {
		return fmt.Errorf("testbed: %w", err)
	}
	have, err := tb.CN.Addrs(name, prefix)
	if err != nil {
		return fmt.Errorf("testbed: %w", err)
	}
	if len(have) == 0 {
		if err := tb.CN.AddAddr(name, netip.PrefixFrom(addr, prefix.Bits())); err != nil {
			return fmt.Errorf("testbed: %w", err)
		}
	}
	// rtnetlink's route add has no metric here; ip's has.
	if _, err := tb.CN.Run(ctx, "ip", "-6", "route", "replace", "default", "via", r4.String(), "dev", name, "metric", fmt.Sprint(metric)); err != nil {
		return fmt.Errorf("testbed: %w", err)
	}
	return nil
}

// DetachCN takes CN's interface on the network down, as when CN loses
// it; its address and routes there go away.
func (tb *Testbed) DetachCN(name string) error {
	if _, _, _, _, err := cnNet(name); err != nil {
		return err
	}
	if err := tb.CN.SetLinkDown(name); err != nil {
		return fmt.Errorf("testbed: %w", err)
	}
	return nil
}

// WaitCNAddr waits until CN has its address on the network and returns
// it.
func (tb *Testbed) WaitCNAddr(ctx context.Context, name string, timeout time.Duration) (netip.Addr, error) {
	prefix, _, _, _, err := cnNet(name)
	if err != nil {
		return netip.Addr{}, err
	}
	return waitAddr(ctx, tb.CN, name, prefix, timeout)
}

// waitAddr waits until the host has a global address from prefix on the
// interface and returns it.
func waitAddr(ctx context.Context, h *Host, ifname string, prefix netip.Prefix, timeout time.Duration) (netip.Addr, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		addrs, err := h.Addrs(ifname, prefix)
		if err != nil {
			return netip.Addr{}, err
		}
		if len(addrs) > 0 {
			return addrs[0], nil
		}
		select {
		case <-ctx.Done():
			return netip.Addr{}, fmt.Errorf("testbed: %s has no address on %s after %s", h.Name, ifname, timeout)
		case <-tick.C:
		}
	}
}
