package decode

import (
	"fmt"
	"time"

	"github.com/google/gopacket/layers"
)

// Reassembly limits (ReassemblyOptions' defaults).
const (
	// DefaultMaxDatagrams is how many datagrams may be in reassembly at
	// once.
	DefaultMaxDatagrams = 4096
	// DefaultReassemblyTimeout is how long, in capture time from its
	// first fragment, a datagram waits for the rest: Linux's
	// net.ipv6.ip6frag_time.
	DefaultReassemblyTimeout = 60 * time.Second
	// DefaultMaxReassemblyBytes bounds the fragment data and bookkeeping
	// held for the datagrams in reassembly.
	DefaultMaxReassemblyBytes = 64 << 20
)

// maxDatagram is the longest fragmentable part a datagram can have: its
// reassembled payload cannot exceed 65535 octets.
const maxDatagram = 65535

// maxFragments bounds the fragments of one datagram (duplicates
// included), so that a flood of fragments cannot make the work per
// fragment grow; a 65535-octet datagram has 54 at the minimum MTU.
const maxFragments = 1024

// ReassemblyOptions bound a Reassembler; zero fields take the defaults.
type ReassemblyOptions struct {
	MaxDatagrams int
	Timeout      time.Duration
	MaxBytes     int
}

// DoneReason says why a Datagram left reassembly.
type DoneReason uint8

// Reasons.
const (
	// DatagramComplete: every fragment, the first included, arrived.
	DatagramComplete DoneReason = iota + 1
	// DatagramTimedOut: the timeout passed since its first fragment
	// arrived (measured by the time of a later fragment).
	DatagramTimedOut
	// DatagramEvicted: more datagrams or octets were in reassembly than
	// allowed, and it was the oldest; or it had too many fragments
	// (Problem says so).
	DatagramEvicted
	// DatagramFlushed: the capture ended before it was complete.
	DatagramFlushed
)

func (r DoneReason) String() string {
	switch r {
	case DatagramComplete:
		return "complete"
	case DatagramTimedOut:
		return "timed out"
	case DatagramEvicted:
		return "evicted"
	case DatagramFlushed:
		return "capture ended"
	}
	return "in reassembly"
}

// FragmentRef describes one fragment of a Datagram.
type FragmentRef struct {
	Frame    int
	Time     time.Time
	Offset   int   // octets into the fragmentable part
	Len      int   // fragment data octets, by the IPv6 header
	Length   int   // the IPv6 Payload Length field
	HopLimit uint8 // of the IPv6 header
	// Nonce: the fragment carries an ILNP Nonce option itself (in front
	// of its Fragment header).
	Nonce bool
}

// Datagram is a fragmented datagram: the fragments that share source,
// destination and identification (RFC 8200 section 4.5). Its fields from
// the first fragment are valid once First >= 0.
type Datagram struct {
	Src, Dst [16]byte
	ID       uint32
	// Fragments lists the fragments in the order they arrived,
	// duplicates included.
	Fragments []FragmentRef
	// First is the index in Fragments of the first fragment (offset 0),
	// -1 until it arrives.
	First int
	// From the first fragment: the upper-layer protocol, whether it
	// carries a Nonce option (an ILNP datagram), and the ports of a TCP
	// or UDP header.
	Proto            layers.IPProtocol
	ILNP             bool
	SrcPort, DstPort uint16

	// Reason is why the datagram left reassembly, 0 while it is in it.
	Reason DoneReason
	// Problem says why a datagram cannot be reassembled whatever arrives
	// (overlapping fragments, RFC 5722; a fragment that is not the last
	// and not a multiple of 8 octets; fragments past the end; more than
	// 65535 octets); "" if none.
	Problem string
	// Truncated: a fragment was cut by the snap length.
	Truncated bool
	// Tag is for the caller (zero when the datagram is created).
	Tag int

	buf      []byte   // the fragmentable part as far as it arrived
	have     [][2]int // received [from, to) ranges, sorted, merged
	total    int      // length of the fragmentable part, -1 until the last fragment
	upperOff int      // where the upper layer starts in buf, -1 if unknown
	created  time.Time
	cost     int
	gen      uint32
}

// FirstFrame returns the frame number of the first fragment, 0 if it has
// not arrived.
func (d *Datagram) FirstFrame() int {
	if d.First < 0 {
		return 0
	}
	return d.Fragments[d.First].Frame
}

// Upper returns the reassembled upper-layer packet (transport header and
// data, without the extension headers of the fragmentable part) of a
// complete datagram without problems, nil otherwise. It is valid until
// the datagram is recycled (see Reassembler.Finished).
func (d *Datagram) Upper() []byte {
	if d.Reason != DatagramComplete || d.Problem != "" || d.Truncated || d.upperOff < 0 || d.upperOff > d.total {
		return nil
	}
	return d.buf[d.upperOff:d.total]
}

func (d *Datagram) problem(format string, args ...any) {
	if d.Problem == "" {
		d.Problem = fmt.Sprintf(format, args...)
	}
}

// complete reports whether the first fragment, the last one and
// everything between them arrived.
func (d *Datagram) complete() bool {
	return d.First >= 0 && d.total >= 0 && len(d.have) == 1 && d.have[0] == [2]int{0, d.total}
}

// addRange records [from, to) and reports whether it overlaps what
// arrived before.
func (d *Datagram) addRange(from, to int) (overlap bool) {
	h := d.have
	i := 0
	for i < len(h) && h[i][1] < from {
		i++
	}
	j := i
	for j < len(h) && h[j][0] <= to {
		if h[j][0] < to && from < h[j][1] {
			overlap = true
		}
		from, to = min(from, h[j][0]), max(to, h[j][1])
		j++
	}
	if i == j {
		h = append(h, [2]int{})
		copy(h[i+1:], h[i:])
		h[i] = [2]int{from, to}
	} else {
		h[i] = [2]int{from, to}
		h = append(h[:i+1], h[j:]...)
	}
	d.have = h
	return overlap
}

type fragKey struct {
	src, dst [16]byte
	id       uint32
}

type queued struct {
	d   *Datagram
	gen uint32
}

// datagramCost is the bookkeeping counted for a datagram besides its
// buffer, and refCost that of each fragment it lists.
const (
	datagramCost = 256
	refCost      = 64
)

// Reassembler follows fragmented datagrams through a capture: it
// attributes every fragment to its datagram, so that the fragments after
// the first can be counted with the flow of the first, and puts the
// fragments together so that the transport checksum can be verified. It
// holds at most MaxDatagrams datagrams and MaxBytes octets (the oldest
// datagram leaves first) and lets a datagram wait at most Timeout of
// capture time for its fragments. It is not safe for concurrent use.
type Reassembler struct {
	opts     ReassemblyOptions
	table    map[fragKey]*Datagram
	queue    []queued // in order of creation; stale entries are skipped
	head     int
	bytes    int
	finished []*Datagram
	free     []*Datagram
}

// NewReassembler returns a Reassembler.
func NewReassembler(opts ReassemblyOptions) *Reassembler {
	if opts.MaxDatagrams <= 0 {
		opts.MaxDatagrams = DefaultMaxDatagrams
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultReassemblyTimeout
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxReassemblyBytes
	}
	return &Reassembler{opts: opts, table: make(map[fragKey]*Datagram)}
}

// InFlight returns the number of datagrams in reassembly.
func (r *Reassembler) InFlight() int { return len(r.table) }

// Add files the fragment p (p.Fragment must be set; nil is returned
// otherwise) with its datagram and returns the datagram, which is valid
// until the next Add or Flush. The fragment is the last of
// d.Fragments. When it completes the datagram, the datagram has left
// reassembly (Reason is set) and is among Finished; so may be others that
// timed out or were evicted.
func (r *Reassembler) Add(p *Packet) *Datagram {
	r.recycle()
	if !p.Fragment {
		return nil
	}
	now := p.Frame.Timestamp
	r.expire(now)
	key := fragKey{src: p.Src, dst: p.Dst, id: p.FragHdr.ID}
	d := r.table[key]
	if d == nil {
		d = r.newDatagram(key, now)
	}
	r.bytes -= d.cost
	r.file(d, p)
	d.cost = datagramCost + cap(d.buf) + refCost*cap(d.Fragments) + 16*cap(d.have)
	r.bytes += d.cost
	switch {
	case d.complete():
		r.finish(d, DatagramComplete)
	case len(d.Fragments) >= maxFragments:
		d.problem("more than %d fragments", maxFragments-1)
		r.finish(d, DatagramEvicted)
	}
	for len(r.table) > r.opts.MaxDatagrams || r.bytes > r.opts.MaxBytes {
		if !r.finishOldest(DatagramEvicted) {
			break
		}
	}
	return d
}

// Finished returns the datagrams that left reassembly during the last Add
// or Flush; they and their Upper are valid until the next Add or Flush.
func (r *Reassembler) Finished() []*Datagram { return r.finished }

// Flush ends reassembly (at the end of a capture): every datagram in it
// is finished with DatagramFlushed, oldest first.
func (r *Reassembler) Flush() {
	r.recycle()
	for r.finishOldest(DatagramFlushed) {
	}
	r.queue, r.head = r.queue[:0], 0
}

func (r *Reassembler) newDatagram(key fragKey, now time.Time) *Datagram {
	var d *Datagram
	if n := len(r.free); n > 0 {
		d, r.free = r.free[n-1], r.free[:n-1]
		gen := d.gen + 1
		*d = Datagram{Fragments: d.Fragments[:0], buf: d.buf[:0], have: d.have[:0], gen: gen}
	} else {
		d = &Datagram{}
	}
	d.Src, d.Dst, d.ID = key.src, key.dst, key.id
	d.First, d.total, d.upperOff, d.created = -1, -1, -1, now
	r.table[key] = d
	// Entries before head are spent, and datagrams that completed stay
	// in the queue until the expiry reaches them: drop both when they
	// outnumber the datagrams in reassembly.
	if n := len(r.queue); n > 1024 && n > 2*len(r.table) {
		q := r.queue[:0]
		for _, e := range r.queue[r.head:] {
			if e.d.gen == e.gen && e.d.Reason == 0 {
				q = append(q, e)
			}
		}
		clear(r.queue[len(q):])
		r.queue, r.head = q, 0
	}
	r.queue = append(r.queue, queued{d, d.gen})
	return d
}

// file adds fragment p to d.
func (r *Reassembler) file(d *Datagram, p *Packet) {
	off, n := p.FragHdr.OffsetBytes(), p.FragLen
	d.Fragments = append(d.Fragments, FragmentRef{
		Frame: p.Frame.Number, Time: p.Frame.Timestamp, Offset: off, Len: n,
		Length: int(p.IPv6.Length), HopLimit: p.IPv6.HopLimit, Nonce: p.NonceBeforeFragment(),
	})
	end := off + n
	if off == 0 && d.First < 0 {
		d.First = len(d.Fragments) - 1
		d.Proto, d.ILNP = p.Proto, p.ILNP()
		switch {
		case p.TCP != nil:
			d.SrcPort, d.DstPort = uint16(p.TCP.SrcPort), uint16(p.TCP.DstPort)
		case p.UDP != nil:
			d.SrcPort, d.DstPort = uint16(p.UDP.SrcPort), uint16(p.UDP.DstPort)
		}
		if !IsExtensionHeader(p.Proto) {
			d.upperOff = p.FragLen - p.UpperLen
		}
	}
	if len(p.FragData) < n {
		d.Truncated = true
	}
	if p.FragHdr.More && n%8 != 0 {
		d.problem("fragment in frame %d is not the last and its %d octets are not a multiple of 8", p.Frame.Number, n)
	}
	if end > maxDatagram {
		d.problem("fragment in frame %d ends at octet %d, past the 65535 a datagram can hold", p.Frame.Number, end)
		return
	}
	if !p.FragHdr.More {
		switch {
		case d.total < 0 && len(d.have) > 0 && d.have[len(d.have)-1][1] > end:
			d.problem("fragments reach past the end %d that the last fragment (frame %d) sets", end, p.Frame.Number)
		case d.total >= 0 && d.total != end:
			d.problem("last fragments disagree on the length: %d and %d (frame %d)", d.total, end, p.Frame.Number)
		}
		if d.total < 0 {
			d.total = end
		}
	} else if d.total >= 0 && end > d.total {
		d.problem("fragment in frame %d reaches past the end %d that the last fragment sets", p.Frame.Number, d.total)
	}
	if n == 0 {
		return
	}
	if d.addRange(off, end) {
		// A fragment seen before (a duplicate in the capture) is
		// ignored, as Linux ignores it; any other overlap makes the
		// datagram invalid (RFC 5722).
		if !d.duplicate() {
			d.problem("fragment in frame %d (octets %d-%d) overlaps another fragment (RFC 5722)", p.Frame.Number, off, end)
		}
		return
	}
	if end > len(d.buf) {
		if end > cap(d.buf) {
			nb := make([]byte, end, max(end, 2*cap(d.buf)))
			copy(nb, d.buf)
			d.buf = nb
		}
		d.buf = d.buf[:end]
	}
	copy(d.buf[off:end], p.FragData)
}

// duplicate reports whether the last fragment of d covers the same octets
// as an earlier one.
func (d *Datagram) duplicate() bool {
	last := d.Fragments[len(d.Fragments)-1]
	for _, f := range d.Fragments[:len(d.Fragments)-1] {
		if f.Offset == last.Offset && f.Len == last.Len {
			return true
		}
	}
	return false
}

// expire finishes the datagrams whose timeout passed by now.
func (r *Reassembler) expire(now time.Time) {
	for r.head < len(r.queue) {
		q := r.queue[r.head]
		if q.d.gen != q.gen || q.d.Reason != 0 {
			r.head++
			continue
		}
		if now.Sub(q.d.created) <= r.opts.Timeout {
			return
		}
		r.finish(q.d, DatagramTimedOut)
		r.head++
	}
}

// finishOldest finishes the oldest datagram in reassembly; false if
// there is none.
func (r *Reassembler) finishOldest(reason DoneReason) bool {
	for r.head < len(r.queue) {
		q := r.queue[r.head]
		r.head++
		if q.d.gen == q.gen && q.d.Reason == 0 {
			r.finish(q.d, reason)
			return true
		}
	}
	return false
}

func (r *Reassembler) finish(d *Datagram, reason DoneReason) {
	d.Reason = reason
	delete(r.table, fragKey{d.Src, d.Dst, d.ID})
	r.bytes -= d.cost
	r.finished = append(r.finished, d)
}

// recycle keeps the datagrams finished before for reuse; a few large
// buffers are let go so that one huge datagram does not stay.
func (r *Reassembler) recycle() {
	for i, d := range r.finished {
		if len(r.free) < 256 && cap(d.buf) <= 16<<10 && cap(d.Fragments) <= 64 {
			r.free = append(r.free, d)
		}
		r.finished[i] = nil
	}
	r.finished = r.finished[:0]
}
