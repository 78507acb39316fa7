//go:build vmtest

package multihoming

import (
	"fmt"
	"math"
	"strings"
)

// judgeSpan judges the per-locator buckets of a flow (bits per second,
// bucket i covering [i, i+1) intervals from the capture's first frame)
// over the flow's own span, from its first packet (first, in seconds on
// the same axis) to its last (last). Only the buckets wholly inside the
// span are judged: those before the flow's first packet (a capture on
// "any" starts with Router Advertisements and Neighbor Discovery, and
// the sender may start seconds later under TCG) and the partial ones at
// either end are not. A run of buckets in which no locator carried a
// packet is a stall of the whole flow, reported with its length; a
// bucket in which some locators carried nothing while others carried is
// a sharing failure, reported per locator. It returns the problems, none
// when the flow is well shared.
func judgeSpan(l64s []string, buckets map[string][]float64, first, last, interval float64) []string {
	const eps = 1e-9
	from := int(math.Ceil(first/interval - eps))
	to := int(math.Floor(last/interval+eps)) - 1 // the last full bucket
	var problems []string
	stall := -1 // first bucket of the stall under way
	endStall := func(i int) {
		if stall >= 0 {
			problems = append(problems, fmt.Sprintf("stall of %g s at t=%.3f s of the flow (capture buckets %d-%d): no locator carried a packet",
				float64(i-stall)*interval, float64(stall)*interval-first, stall, i-1))
			stall = -1
		}
	}
	for i := from; i <= to; i++ {
		var idle, busy []string
		for _, l := range l64s {
			if b := buckets[l]; i < len(b) && b[i] > 0 {
				busy = append(busy, l)
			} else {
				idle = append(idle, l)
			}
		}
		if len(busy) == 0 {
			if stall < 0 {
				stall = i
			}
			continue
		}
		endStall(i)
		for _, l := range idle {
			problems = append(problems, fmt.Sprintf("%s idle in the %g s bucket %d (t=%.3f s of the flow) while %s carried",
				l, interval, i, float64(i)*interval-first, strings.Join(busy, " and ")))
		}
	}
	endStall(to + 1)
	return problems
}
