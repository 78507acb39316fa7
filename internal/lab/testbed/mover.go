package testbed

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// A Step of a mobility procedure: MN gains (Up) or loses an access network.
type Step struct {
	Net string
	Up  bool
}

func (s Step) String() string {
	if s.Up {
		return "+" + s.Net
	}
	return "-" + s.Net
}

// DualitySteps is the paper's procedure (section 5, Figure 8) from MN on
// aa alone: gain bb, then cc, lose aa, then bb, and so on until every
// network has been gained and lost twice, ending on aa alone.
var DualitySteps = []Step{
	{"bb", true}, {"cc", true}, {"aa", false}, {"bb", false},
	{"aa", true}, {"bb", true}, {"cc", false}, {"aa", false},
	{"cc", true}, {"aa", true}, {"bb", false}, {"cc", false},
}

// A Mover moves a host (MN between its access networks, or CN, a mobile
// server, between dd and ff) the way an ILNP host hands traffic off
// without loss: a network is lost by listing its interface in
// net.ipv6.disabled_interface, waiting until every correspondent has
// acknowledged the Locator Update that follows, and only then taking
// the interface down; a network is gained by bringing its interface up
// and waiting for its address and the acknowledgments.
//
// The waits need a correspondent with a live session: a Mover is for a
// testbed with traffic running.
type Mover struct {
	host     *Host
	ilnp     *ilnpnl.Client
	disabled map[string]bool
	attach   func(name string) error
	detach   func(name string) error
	waitAddr func(ctx context.Context, name string, timeout time.Duration) (netip.Addr, error)
	// Timeout bounds each wait for an address or an acknowledgment.
	Timeout time.Duration
}

// NewMover opens the ilnp netlink family in MN's namespace, for MN's
// moves between access networks.
func (tb *Testbed) NewMover() (*Mover, error) {
	return newMover(tb.MN, tb.AttachMN, tb.DetachMN, tb.WaitMNAddr)
}

// NewCNMover opens the ilnp netlink family in CN's namespace, for CN's
// moves between its networks (dd and, with Options.CNMobile, ff).
func (tb *Testbed) NewCNMover() (*Mover, error) {
	attach := func(name string) error { return tb.AttachCN(context.Background(), name) }
	return newMover(tb.CN, attach, tb.DetachCN, tb.WaitCNAddr)
}

func newMover(h *Host, attach, detach func(string) error, wait func(context.Context, string, time.Duration) (netip.Addr, error)) (*Mover, error) {
	c, err := ilnpnl.Dial(&ilnpnl.Options{NetNS: h.NSFd()})
	if err != nil {
		return nil, fmt.Errorf("testbed: mover: %w", err)
	}
	return &Mover{host: h, ilnp: c, disabled: make(map[string]bool), attach: attach, detach: detach, waitAddr: wait,
		Timeout: 20 * time.Second}, nil
}

// Close releases the netlink socket.
func (m *Mover) Close() error { return m.ilnp.Close() }

// Gain attaches the host to the network and waits until its
// correspondents have acknowledged the new locator. It returns the
// host's address there.
func (m *Mover) Gain(ctx context.Context, name string) (addr netip.Addr, err error) {
	sent, err := m.luSent()
	if err != nil {
		return addr, err
	}
	if m.disabled[name] {
		delete(m.disabled, name)
		if err := m.writeDisabled(); err != nil {
			return addr, err
		}
	}
	if err := m.attach(name); err != nil {
		return addr, err
	}
	if addr, err = m.waitAddr(ctx, name, m.Timeout); err != nil {
		return addr, err
	}
	return addr, m.Settle(ctx, sent, "+"+name)
}

// Lose hands the host's traffic off the network, waits for the
// acknowledgments and takes the interface down.
func (m *Mover) Lose(ctx context.Context, name string) error {
	sent, err := m.luSent()
	if err != nil {
		return err
	}
	m.disabled[name] = true
	if err := m.writeDisabled(); err != nil {
		return err
	}
	if err := m.Settle(ctx, sent, "-"+name); err != nil {
		return err
	}
	return m.detach(name)
}

// Do takes one step.
func (m *Mover) Do(ctx context.Context, s Step) error {
	if s.Up {
		_, err := m.Gain(ctx, s.Net)
		return err
	}
	return m.Lose(ctx, s.Net)
}

// Run takes the steps in turn, dwelling between them, and reports each
// one taken with the time since the start.
func (m *Mover) Run(ctx context.Context, steps []Step, dwell time.Duration, report func(Step, time.Duration)) error {
	began := time.Now()
	for _, s := range steps {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(dwell):
		}
		if err := m.Do(ctx, s); err != nil {
			return fmt.Errorf("step %s: %w", s, err)
		}
		if report != nil {
			report(s, time.Since(began))
		}
	}
	return nil
}

func (m *Mover) writeDisabled() error {
	names := make([]string, 0, len(m.disabled))
	for n := range m.disabled {
		names = append(names, n)
	}
	sort.Strings(names)
	return m.host.WriteSysctl("net.ipv6.disabled_interface", strings.Join(names, " "))
}

func (m *Mover) luSent() (uint64, error) {
	s, err := m.ilnp.Stats()
	if err != nil {
		return 0, fmt.Errorf("testbed: mover: %w", err)
	}
	return s[ilnpnl.StatLUSent], nil
}

// errLUFailed is returned when the host gave up an LU while a step
// waited.
var errLUFailed = errors.New("a Locator Update failed")

// Settle waits until the host has sent an LU since it had sent sent0
// and no correspondent has one pending; what names the wait in errors.
func (m *Mover) Settle(ctx context.Context, sent0 uint64, what string) error {
	ctx, cancel := context.WithTimeout(ctx, m.Timeout)
	defer cancel()
	s0, err := m.ilnp.Stats()
	if err != nil {
		return fmt.Errorf("testbed: mover: %w", err)
	}
	for {
		s, err := m.ilnp.Stats()
		if err != nil {
			return fmt.Errorf("testbed: mover: %w", err)
		}
		if s[ilnpnl.StatLUFailed] > s0[ilnpnl.StatLUFailed] {
			return fmt.Errorf("testbed: %s: %w", what, errLUFailed)
		}
		if s[ilnpnl.StatLUSent] > sent0 {
			peers, err := m.ilnp.Peers()
			if err != nil {
				return fmt.Errorf("testbed: mover: %w", err)
			}
			pending := false
			for _, p := range peers {
				pending = pending || p.LUPending != nil
			}
			if !pending {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("testbed: %s: no acknowledged Locator Update after %s (sent %d, acked %d)",
				what, m.Timeout, s[ilnpnl.StatLUSent], s[ilnpnl.StatLUAcked])
		case <-time.After(20 * time.Millisecond):
		}
	}
}
