// Package iperf runs iperf2 flows between hosts of the testbed and reads
// their receivers' CSV reports (-y C): one record a second (-i 1) and a
// final one for the whole flow, from which it computes rates and losses
// over windows of the flow.
package iperf

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// A Record is one CSV report line of iperf2.
type Record struct {
	Start, End time.Duration // the interval, from the flow's start
	Bytes      int64
	// UDP reports carry what a receiver counted of the datagrams.
	UDP                     bool
	Lost, Total, OutOfOrder int64
}

// Seconds is the record's length in seconds.
func (r Record) Seconds() float64 { return (r.End - r.Start).Seconds() }

// Report is a receiver's view of one flow.
type Report struct {
	Intervals []Record // in order
	// Final is the report of the whole flow (the largest, if the
	// receiver reported several); nil if the receiver gave none (a flow
	// that never ended cleanly).
	Final *Record
}

// finalAfter tells a final report (from 0 to the end of the flow) from
// an interval report of -i 1, which never lasts much more than 1 s.
const finalAfter = 1500 * time.Millisecond

// Parse reads the CSV report lines of iperf2's output, ignoring others.
// It fails if there is none.
func Parse(out string) (Report, error) {
	var rep Report
	for _, line := range strings.Split(out, "\n") {
		r, ok := parseRecord(strings.TrimSpace(line))
		if !ok {
			continue
		}
		if r.Start == 0 && r.End-r.Start > finalAfter {
			// A UDP server may report a stray flow of a few
			// datagrams (a late retry of the client's last one)
			// after the real one: the flow is the largest.
			if rep.Final == nil || r.Bytes >= rep.Final.Bytes {
				rep.Final = &r
			}
			continue
		}
		rep.Intervals = append(rep.Intervals, r)
	}
	if rep.Final == nil && len(rep.Intervals) == 0 {
		return rep, fmt.Errorf("iperf: no CSV report in %q", out)
	}
	return rep, nil
}

// parseRecord reads one CSV line: timestamp, source address and port,
// destination address and port, id, interval, bytes, bit/s; for UDP
// then jitter, lost, total, lost percent and out of order.
func parseRecord(line string) (Record, bool) {
	f := strings.Split(line, ",")
	if len(f) < 9 {
		return Record{}, false
	}
	from, to, ok := strings.Cut(f[6], "-")
	if !ok {
		return Record{}, false
	}
	start, err1 := strconv.ParseFloat(from, 64)
	end, err2 := strconv.ParseFloat(to, 64)
	bytes, err3 := strconv.ParseInt(f[7], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return Record{}, false
	}
	r := Record{Start: seconds(start), End: seconds(end), Bytes: bytes}
	if len(f) >= 14 {
		n := make([]int64, 0, 3)
		for _, i := range []int{10, 11, 13} {
			v, err := strconv.ParseInt(f[i], 10, 64)
			if err != nil {
				return Record{}, false
			}
			n = append(n, v)
		}
		r.UDP, r.Lost, r.Total, r.OutOfOrder = true, n[0], n[1], n[2]
	}
	return r, true
}

// seconds converts iperf2's decimal seconds, rounded to the microsecond
// so that 4.1 is 4.1 s and not a nanosecond short.
func seconds(s float64) time.Duration {
	return time.Duration(math.Round(s*1e6)) * time.Microsecond
}

// slack absorbs the rounding of iperf2's interval boundaries (printed
// to a tenth of a second or better) when a window's edges are compared.
const slack = 50 * time.Millisecond

// Within are the interval records that lie wholly in [from, to].
func (rep Report) Within(from, to time.Duration) []Record {
	var in []Record
	for _, r := range rep.Intervals {
		if r.Start >= from-slack && r.End <= to+slack {
			in = append(in, r)
		}
	}
	return in
}

// Rate is the rate received in [from, to], in bit/s, from the interval
// records: a second the receiver did not report counts as nothing
// received, as when a stalled TCP flow delivers nothing.
func (rep Report) Rate(from, to time.Duration) float64 {
	var bytes int64
	for _, r := range rep.Within(from, to) {
		bytes += r.Bytes
	}
	return float64(8*bytes) / (to - from).Seconds()
}

// Mean is the flow's rate in bit/s: the final report's if there is one,
// else the interval records' over the time they span from 0.
func (rep Report) Mean() float64 {
	if f := rep.Final; f != nil && f.End > f.Start {
		return float64(8*f.Bytes) / f.Seconds()
	}
	if len(rep.Intervals) == 0 {
		return 0
	}
	return rep.Rate(0, rep.Intervals[len(rep.Intervals)-1].End)
}

// Loss is what a UDP receiver counted in [from, to]: datagrams lost and
// expected, from the interval records.
func (rep Report) Loss(from, to time.Duration) (lost, total int64) {
	for _, r := range rep.Within(from, to) {
		lost += r.Lost
		total += r.Total
	}
	return lost, total
}

// LossStopped says when a UDP flow stopped losing datagrams in [from,
// to]: after the end of the last interval record in the window that
// counted a loss, as a time from from (0 if none did). stopped is false
// if the window's last record counted a loss, or the window has none.
func (rep Report) LossStopped(from, to time.Duration) (after time.Duration, stopped bool) {
	in := rep.Within(from, to)
	if len(in) == 0 {
		return 0, false
	}
	for _, r := range in {
		if r.Lost > 0 {
			after = max(r.End-from, 0)
		}
	}
	return after, in[len(in)-1].Lost == 0
}
