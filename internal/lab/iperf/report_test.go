package iperf

import (
	"testing"
	"time"
)

const s = time.Second

// tcpOut is a TCP receiver's output with -i 1 over 4 s: the third
// second missing (a stall), then the final report.
const tcpOut = `------------------------------------------------------------
Server listening on TCP port 5001
20261203130211,2001:2:dd:dd::c,5001,2001:2:aa:aa::1,33854,1,0.0-1.0,1000000,8000000
20261203130212,2001:2:dd:dd::c,5001,2001:2:aa:aa::1,33854,1,1.0-2.0,500000,4000000
20261203130214,2001:2:dd:dd::c,5001,2001:2:aa:aa::1,33854,1,3.0-4.0,250000,2000000
20261203130214,2001:2:dd:dd::c,5001,2001:2:aa:aa::1,33854,1,0.0-4.1,1750000,3414634
`

// udpOut is a UDP receiver's: loss in the second and third seconds.
const udpOut = `20261203130211,2001:2:dd:dd::c,5001,2001:2:aa:aa::1,40000,3,0.0-1.0,375000,3000000,0.010,0,267,0.000,0
20261203130212,2001:2:dd:dd::c,5001,2001:2:aa:aa::1,40000,3,1.0-2.0,250000,2000000,0.020,89,267,33.333,1
20261203130213,2001:2:dd:dd::c,5001,2001:2:aa:aa::1,40000,3,2.0-3.0,370000,2960000,0.010,3,267,1.124,0
20261203130214,2001:2:dd:dd::c,5001,2001:2:aa:aa::1,40000,3,3.0-4.0,375000,3000000,0.010,0,267,0.000,0
20261203130214,2001:2:dd:dd::c,5001,2001:2:aa:aa::1,40000,3,0.0-4.0,1370000,2740000,0.010,92,1068,8.614,1
`

func TestParse(t *testing.T) {
	rep, err := Parse(tcpOut)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Intervals) != 3 || rep.Final == nil {
		t.Fatalf("%d intervals, final %v; want 3 and a final", len(rep.Intervals), rep.Final)
	}
	if got, want := *rep.Final, (Record{Start: 0, End: 4100 * time.Millisecond, Bytes: 1750000}); got != want {
		t.Errorf("final %+v, want %+v", got, want)
	}
	u, err := Parse(udpOut)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.Intervals[1], (Record{Start: s, End: 2 * s, Bytes: 250000, UDP: true, Lost: 89, Total: 267, OutOfOrder: 1}); got != want {
		t.Errorf("second interval %+v, want %+v", got, want)
	}
	stray := udpOut + "20261203130215,2001:2:dd:dd::c,5001,2001:2:aa:aa::1,40001,4,0.0-2.0,2800,11200,0.000,1,3,33.333,0\n"
	if u, err := Parse(stray); err != nil || u.Final == nil || u.Final.Total != 1068 {
		t.Errorf("with a stray flow reported last, the final report is %+v (%v), want the flow of 1068 datagrams", u.Final, err)
	}
	if _, err := Parse("connect failed: Connection refused\n"); err == nil {
		t.Error("Parse of no report succeeded")
	}
}

func TestRate(t *testing.T) {
	rep, err := Parse(tcpOut)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		from, to time.Duration
		want     float64
	}{
		{0, s, 8e6},
		{0, 2 * s, 6e6},
		{s, 4 * s, 6e6 / 3}, // the missing second counts as nothing
		{2 * s, 3 * s, 0},
		{1500 * time.Millisecond, 4 * s, 8 * 250000 / 2.5}, // a partly covered second is left out
	} {
		if got := rep.Rate(tt.from, tt.to); got != tt.want {
			t.Errorf("Rate(%s, %s) = %g, want %g", tt.from, tt.to, got, tt.want)
		}
	}
	if got, want := rep.Mean(), 8*1750000/4.1; got != want {
		t.Errorf("Mean = %g, want %g (the final report's)", got, want)
	}
	rep.Final = nil
	if got, want := rep.Mean(), 8*1750000/4.0; got != want {
		t.Errorf("Mean without a final report = %g, want %g", got, want)
	}
}

func TestLoss(t *testing.T) {
	rep, err := Parse(udpOut)
	if err != nil {
		t.Fatal(err)
	}
	if lost, total := rep.Loss(s, 3*s); lost != 92 || total != 534 {
		t.Errorf("Loss(1 s, 3 s) = %d of %d, want 92 of 534", lost, total)
	}
	for _, tt := range []struct {
		from, to time.Duration
		after    time.Duration
		stopped  bool
	}{
		{0, 4 * s, 3 * s, true},
		{s, 4 * s, 2 * s, true},
		{1500 * time.Millisecond, 4 * s, 1500 * time.Millisecond, true},
		{0, 3 * s, 3 * s, false}, // still losing at the window's end
		{3 * s, 4 * s, 0, true},  // no loss at all
		{5 * s, 6 * s, 0, false}, // nothing reported
	} {
		after, stopped := rep.LossStopped(tt.from, tt.to)
		if after != tt.after || stopped != tt.stopped {
			t.Errorf("LossStopped(%s, %s) = %s, %t; want %s, %t", tt.from, tt.to, after, stopped, tt.after, tt.stopped)
		}
	}
}
