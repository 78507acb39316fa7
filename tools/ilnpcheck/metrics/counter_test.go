package metrics

import (
	"testing"
	"time"
)

// A frame stamped before the capture's first one (a clock stepped back)
// must not crash the bucketing.
func TestCounterClockSteppedBack(t *testing.T) {
	t0 := time.Date(2024, 10, 1, 12, 0, 0, 0, time.UTC)
	var c counter
	c.add(t0, 0, 100)
	c.add(t0.Add(-3*time.Second), -3, 50)
	if c.packets != 2 || c.bytes != 150 || len(c.buckets) != 1 || c.buckets[0] != 150 {
		t.Fatalf("counter after a step back: %+v", c)
	}
}
