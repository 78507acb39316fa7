package testbed

import (
	"context"
	"fmt"
	"math"
	"time"
)

// A Link is the shaping of one of MN's access links: the same rate and
// one-way delay in both directions, netem on MN's interface (MN to the
// router) and on the router's (the router to MN).
type Link struct {
	Rate  uint64        // bit/s; 0 leaves the rate alone
	Delay time.Duration // one way
	// Queue is how much traffic netem's queue holds beyond the packets
	// on the delay line, as the time it takes to send it at Rate; 0
	// means DefaultQueue.
	Queue time.Duration
}

// DefaultQueue is a Link's queue unless it says otherwise: about what a
// Wi-Fi or cellular access point buffers, several round trips of the
// testbed's paths.
const DefaultQueue = 100 * time.Millisecond

// frameBits is an MTU-sized Ethernet frame (1500 octets and the header),
// the packet netem's limit counts once segmentation offloads are off.
const frameBits = 8 * 1514

// minLimit keeps a slow link's queue from holding less than a few
// packets, so that a burst of one window does not overflow it at once.
const minLimit = 10

// unlimited is netem's limit on a link with no rate: a delay line only,
// as the testbed's Options.Delay at CN.
const unlimited = 10000

// limit is netem's queue limit in packets for l: those on the delay
// line at Rate and those that Queue holds.
func (l Link) limit() int {
	if l.Rate == 0 {
		return unlimited
	}
	q := l.Queue
	if q == 0 {
		q = DefaultQueue
	}
	n := int(math.Ceil(float64(l.Rate) * (l.Delay + q).Seconds() / frameBits))
	return max(n, minLimit)
}

// netemArgs are tc's arguments that shape dev as l says.
func (l Link) netemArgs(dev string) []string {
	args := []string{"qdisc", "replace", "dev", dev, "root", "netem",
		"delay", fmt.Sprintf("%dus", l.Delay.Microseconds())}
	if l.Rate > 0 {
		args = append(args, "rate", fmt.Sprintf("%dbit", l.Rate))
	}
	return append(args, "limit", fmt.Sprint(l.limit()))
}

// offloadsOff are ethtool's arguments that stop the stack building
// packets larger than the MTU for dev (TCP segmentation and generic
// segmentation offload), so that netem queues and times MTU-sized
// packets and its limit, which counts packets, bounds its queue in time.
func offloadsOff(dev string) []string {
	return []string{"-K", dev, "tso", "off", "gso", "off"}
}

// Shape shapes MN's link to the access network name as l says, replacing
// any shaping it had. Segmentation offloads go off where the packets
// that cross the link are built: MN's interface, and CN's towards R4
// (a router forwards what CN built as it is).
func (tb *Testbed) Shape(ctx context.Context, name string, l Link) error {
	an, r, err := tb.accessRouter(name)
	if err != nil {
		return err
	}
	for _, e := range []struct {
		h   *Host
		dev string
	}{{tb.MN, an.Name}, {r, an.Name}, {tb.CN, "dd"}} {
		if _, err := e.h.Run(ctx, "ethtool", offloadsOff(e.dev)...); err != nil {
			return fmt.Errorf("testbed: shape %s: %w", name, err)
		}
	}
	for _, h := range []*Host{tb.MN, r} {
		if _, err := h.Run(ctx, "tc", l.netemArgs(an.Name)...); err != nil {
			return fmt.Errorf("testbed: shape %s: %w", name, err)
		}
	}
	return nil
}
