// Package metrics computes the measurements of the paper's evaluation
// (Yanagida & Bhatti 2024, section 5.4) from captures: throughput per
// flow and per wire locator pair in fixed time buckets and overall, UDP
// loss, misordering and duplicates from iperf2's sequence numbers, TCP
// misordering and duplicates from sequence and acknowledgement numbers,
// and the Locator Update events on the timeline.
//
// A flow is one direction of a transport conversation identified by its
// NIDs, not its addresses: (protocol, source NID, source port,
// destination NID, destination port). Its packets travel on wire locator
// pairs (source L64, destination L64), the paths.
//
// A fragmented datagram counts with the flow of its first fragment, which
// holds the transport header: every fragment's octets count towards the
// flow and its path, the datagram once towards the UDP and TCP figures.
//
// Every ratio is defined in docs/ilnpcheck.md and next to the field that
// holds it.
package metrics

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/decode"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

// FlowKey identifies a flow by NIDs and ports.
type FlowKey struct {
	Proto   layers.IPProtocol
	SrcNID  ilnp.NID
	SrcPort uint16
	DstNID  ilnp.NID
	DstPort uint16
}

func (k FlowKey) String() string {
	return fmt.Sprintf("%s %v.%d -> %v.%d", decode.ProtoName(k.Proto), k.SrcNID, k.SrcPort, k.DstNID, k.DstPort)
}

// PathKey is a pair of wire locators.
type PathKey struct {
	Src, Dst ilnp.L64
}

func (p PathKey) String() string { return fmt.Sprintf("%v -> %v", p.Src, p.Dst) }

// Options tune an Analyzer.
type Options struct {
	// Interval is the throughput bucket width (default 1 s).
	Interval time.Duration
	// Series keeps every packet's time and sequence number for plots.
	Series bool
	// Reassembly bounds the tracking of fragmented datagrams (zero: the
	// defaults, 4096 datagrams, 60 s, 64 MiB).
	Reassembly decode.ReassemblyOptions
}

// Analyzer measures the flows of one capture, fed in order.
type Analyzer struct {
	opts  Options
	first time.Time
	last  time.Time
	n     int
	flows map[FlowKey]*flowState
	order []*flowState
	lus   []LUEvent

	frags        *decode.Reassembler
	fragmented   int // datagrams whose first fragment made a flow
	unattributed int // fragments whose first fragment was not seen
}

// NewAnalyzer returns an Analyzer.
func NewAnalyzer(opts Options) *Analyzer {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	return &Analyzer{opts: opts, flows: make(map[FlowKey]*flowState), frags: decode.NewReassembler(opts.Reassembly)}
}

// counter accumulates packets and IPv6 payload octets.
type counter struct {
	packets     int
	bytes       int64
	first, last time.Time
	buckets     []int64 // octets per interval since the capture's first frame
}

// add counts a packet of n octets at t, in capture order.
func (c *counter) add(t time.Time, bucket int, n int64) {
	if c.packets == 0 {
		c.first = t
	}
	c.packets++
	c.bytes += n
	c.last = t
	// A clock that stepped back before the capture's first frame
	// counts in the first bucket rather than out of range.
	bucket = max(bucket, 0)
	if bucket >= len(c.buckets) {
		c.buckets = append(c.buckets, make([]int64, bucket+1-len(c.buckets))...)
	}
	c.buckets[bucket] += n
}

// addUnordered counts a packet that may come out of capture order: a
// fragment that arrived before its first fragment, counted when that one
// arrives.
func (c *counter) addUnordered(t time.Time, bucket int, n int64) {
	first, last := c.first, c.last
	c.add(t, bucket, n)
	if c.packets > 1 {
		if first.Before(t) {
			c.first = first
		}
		if last.After(t) {
			c.last = last
		}
	}
}

type pathState struct {
	key PathKey
	counter
}

type flowState struct {
	key      FlowKey
	index    int // in Analyzer.order
	all      counter
	paths    []*pathState // few: a linear search beats a map
	hopSum   int64
	udp      *udpState
	tcp      *tcpState
	series   []Point
	lastPath int
}

// Add measures one packet. Only TCP and UDP over IPv6 form flows; every
// decodable Locator Update becomes an event.
func (a *Analyzer) Add(p *decode.Packet) {
	t := p.Frame.Timestamp
	if a.n == 0 {
		a.first = t
	}
	a.n++
	a.last = t
	if p.Kind != decode.KindIPv6 {
		return
	}
	if p.Fragment {
		a.addFragment(p)
		return
	}
	src, dst := p.SrcILV(), p.DstILV()
	if p.LU != nil {
		ev := LUEvent{
			Frame: p.Frame.Number, Time: t, Offset: t.Sub(a.first).Seconds(), Src: src, Dst: dst,
			Operation: p.LU.Operation, Locators: locators(p.LU.Locators),
		}
		if p.LU.Operation.IsProbe() {
			ch := p.LU.Challenge
			ev.Challenge = &ch
		}
		a.lus = append(a.lus, ev)
		return
	}
	var sport, dport uint16
	switch {
	case p.TCP != nil:
		sport, dport = uint16(p.TCP.SrcPort), uint16(p.TCP.DstPort)
	case p.UDP != nil:
		sport, dport = uint16(p.UDP.SrcPort), uint16(p.UDP.DstPort)
	default:
		return
	}
	key := FlowKey{Proto: p.Proto, SrcNID: src.NID, SrcPort: sport, DstNID: dst.NID, DstPort: dport}
	f := a.flows[key]
	if f == nil {
		f = a.flow(key)
	}
	bucket := int(t.Sub(a.first) / a.opts.Interval)
	n := int64(p.IPv6.Length)
	f.all.add(t, bucket, n)
	f.hopSum += int64(p.IPv6.HopLimit)
	path := f.path(PathKey{src.L64, dst.L64})
	f.paths[path].add(t, bucket, n)

	var seq int64
	var keep bool
	if p.TCP != nil {
		if f.tcp == nil {
			f.tcp = &tcpState{}
		}
		seq, keep = f.tcp.add(p.TCP, p.UpperLen)
	} else {
		if f.udp == nil {
			f.udp = &udpState{}
		}
		seq, keep = f.udp.add(p.UDP.Payload)
	}
	if keep && a.opts.Series {
		f.series = append(f.series, Point{Offset: t.Sub(a.first).Seconds(), Seq: seq, Path: path})
	}
}

func (a *Analyzer) flow(key FlowKey) *flowState {
	f := a.flows[key]
	if f == nil {
		f = &flowState{key: key, index: len(a.order)}
		a.flows[key] = f
		a.order = append(a.order, f)
	}
	return f
}

func (a *Analyzer) addTCP(f *flowState, t time.Time, path int, tcp *layers.TCP, upperLen int) {
	if f.tcp == nil {
		f.tcp = &tcpState{}
	}
	if seq, keep := f.tcp.add(tcp, upperLen); keep && a.opts.Series {
		f.series = append(f.series, Point{Offset: t.Sub(a.first).Seconds(), Seq: seq, Path: path})
	}
}

func (a *Analyzer) addUDP(f *flowState, t time.Time, path int, payload []byte) {
	if f.udp == nil {
		f.udp = &udpState{}
	}
	if seq, keep := f.udp.add(payload); keep && a.opts.Series {
		f.series = append(f.series, Point{Offset: t.Sub(a.first).Seconds(), Seq: seq, Path: path})
	}
}

// addFragment counts a fragment with the flow of its datagram: at once
// when the first fragment has arrived, else when it arrives. The first
// fragment carries the transport header: a UDP datagram's iperf2 number
// is taken from it; a TCP segment, whose length only the whole datagram
// tells, counts in the TCP figures when the datagram is complete.
func (a *Analyzer) addFragment(p *decode.Packet) {
	d := a.frags.Add(p)
	switch {
	case p.FirstFragment() && d.First == len(d.Fragments)-1:
		if p.TCP == nil && p.UDP == nil {
			break
		}
		f := a.flow(FlowKey{Proto: d.Proto, SrcNID: ilnp.ILVFrom16(d.Src).NID, SrcPort: d.SrcPort, DstNID: ilnp.ILVFrom16(d.Dst).NID, DstPort: d.DstPort})
		d.Tag = f.index + 1
		a.fragmented++
		for _, fr := range d.Fragments {
			a.countFragment(f, d, fr)
		}
		if p.UDP != nil {
			path := f.path(datagramPath(d))
			a.addUDP(f, p.Frame.Timestamp, path, p.UDP.Payload)
		}
	case d.Tag > 0:
		a.countFragment(a.order[d.Tag-1], d, d.Fragments[len(d.Fragments)-1])
	}
	for _, fd := range a.frags.Finished() {
		a.datagramDone(fd)
	}
}

func datagramPath(d *decode.Datagram) PathKey {
	return PathKey{ilnp.ILVFrom16(d.Src).L64, ilnp.ILVFrom16(d.Dst).L64}
}

// countFragment counts fragment fr of datagram d with flow f and its
// path.
func (a *Analyzer) countFragment(f *flowState, d *decode.Datagram, fr decode.FragmentRef) {
	bucket := int(fr.Time.Sub(a.first) / a.opts.Interval)
	n := int64(fr.Length)
	f.all.addUnordered(fr.Time, bucket, n)
	f.hopSum += int64(fr.HopLimit)
	f.paths[f.path(datagramPath(d))].addUnordered(fr.Time, bucket, n)
}

// datagramDone counts the fragments of a datagram whose first fragment
// never came as unattributed, and a complete TCP segment in the TCP
// figures.
func (a *Analyzer) datagramDone(d *decode.Datagram) {
	switch {
	case d.First < 0:
		a.unattributed += len(d.Fragments)
	case d.Tag > 0 && d.Proto == layers.IPProtocolTCP:
		var tcp layers.TCP
		up := d.Upper()
		if up == nil || tcp.DecodeFromBytes(up, gopacket.NilDecodeFeedback) != nil {
			return
		}
		f := a.order[d.Tag-1]
		a.addTCP(f, d.Fragments[d.First].Time, f.path(datagramPath(d)), &tcp, len(up))
	}
}

func (f *flowState) path(k PathKey) int {
	if f.lastPath < len(f.paths) && f.paths[f.lastPath].key == k {
		return f.lastPath
	}
	for i, p := range f.paths {
		if p.key == k {
			f.lastPath = i
			return i
		}
	}
	f.paths = append(f.paths, &pathState{key: k})
	f.lastPath = len(f.paths) - 1
	return f.lastPath
}

// udpState follows iperf2's sequence numbers: the first 4 octets of the
// UDP payload, a big-endian signed 32-bit counter; iperf2 marks the end
// of a test by sending the final datagram(s) with the number negated.
type udpState struct {
	datagrams  int // with a sequence number >= 0
	fin        int // with a negative one
	short      int // payload shorter than 4 octets
	duplicates int
	misordered int // below the previous new sequence number
	reordered  int // below the highest sequence number seen before
	seen       seqSet
	prev, high int64
	min        int64
}

func (u *udpState) add(payload []byte) (int64, bool) {
	if len(payload) < 4 {
		u.short++
		return 0, false
	}
	s := int32(binary.BigEndian.Uint32(payload))
	if s < 0 {
		u.fin++
		return 0, false
	}
	v := int64(s)
	u.datagrams++
	if !u.seen.add(uint32(s)) {
		u.duplicates++
		return v, true
	}
	if u.seen.n == 1 {
		u.prev, u.high, u.min = v, v, v
		return v, true
	}
	if v < u.prev {
		u.misordered++
	}
	if v < u.high {
		u.reordered++
	}
	u.prev = v
	u.high = max(u.high, v)
	u.min = min(u.min, v)
	return v, true
}

// tcpState follows TCP sequence and acknowledgement numbers.
type tcpState struct {
	segments     int
	dataSegments int
	dataBytes    int64
	seqDup       int // data wholly inside data seen before
	seqMisorder  int // new data below the previous new data segment
	seqU         unwrapper
	seen         ranges
	prevSeq      int64
	havePrev     bool
	firstSeq     int64

	ackSegments int
	ackMisorder int // acknowledgement number below the previous one
	dupAcks     int // RFC 5681 duplicate acknowledgements
	ackU        unwrapper
	prevAck     int64
	prevWindow  uint16
	haveAck     bool
	highAck     int64
}

// add follows segment t, whose TCP header and data are upperLen octets.
func (s *tcpState) add(t *layers.TCP, upperLen int) (int64, bool) {
	s.segments++
	hlen := int(t.DataOffset) * 4
	dlen := upperLen - hlen
	if dlen < 0 {
		dlen = 0
	}
	// SYN and FIN occupy a sequence number but carry no data here.
	var seq int64
	hasData := dlen > 0
	if hasData {
		seq = s.seqU.unwrap(t.Seq)
		if s.dataSegments == 0 {
			s.firstSeq = seq
		}
		s.dataSegments++
		s.dataBytes += int64(dlen)
		end := seq + int64(dlen)
		switch {
		case s.seen.covers(seq, end):
			s.seqDup++
		default:
			if s.havePrev && seq < s.prevSeq {
				s.seqMisorder++
			}
			s.prevSeq, s.havePrev = seq, true
			s.seen.add(seq, end)
		}
	} else if !s.seqU.valid {
		s.seqU.unwrap(t.Seq)
	}
	if t.ACK {
		s.ackSegments++
		ack := s.ackU.unwrap(t.Ack)
		if s.haveAck {
			if ack < s.prevAck {
				s.ackMisorder++
			}
			if !hasData && !t.SYN && !t.FIN && !t.RST && ack == s.highAck && t.Window == s.prevWindow {
				s.dupAcks++
			}
		}
		if !s.haveAck || ack > s.highAck {
			s.highAck = ack
		}
		s.prevAck, s.prevWindow, s.haveAck = ack, t.Window, true
	}
	if !hasData {
		return 0, false
	}
	return seq - s.firstSeq, true
}

// Point is one packet of a flow's sequence progression: seconds since
// the capture's first frame, the TCP sequence number relative to the
// flow's first data segment or the iperf2 sequence number, and the index
// of its path in Flow.Paths.
type Point struct {
	Offset float64
	Seq    int64
	Path   int
}

func locators(recs []wire.LocatorRecord) []ilnp.L64 {
	out := make([]ilnp.L64, len(recs))
	for i, r := range recs {
		out[i] = r.Locator
	}
	return out
}
