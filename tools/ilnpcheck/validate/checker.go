// Package validate checks that every ILNP packet in a capture is well
// formed: the Nonce option, one nonce per direction of a session, the
// transport checksums under the ILNP checksum rule chosen
// (Options.ChecksumRule: the wire addresses by default, or the NIDs
// only), and the Locator Update handshake.
//
// An ILNP packet is one whose Destination Options header carries a Nonce
// option (type 139), or a fragment of a datagram whose first fragment
// does. A session is the unordered pair of NIDs of its two ends; a
// direction is (source NID, destination NID). Other traffic is counted,
// not judged.
//
// Fragments are put together with a decode.Reassembler: the fragments
// after the first are counted with the datagram (and so the session) of
// their first fragment, and the transport checksum of a datagram is
// verified once it is whole.
package validate

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/decode"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

// Options tune a Checker.
type Options struct {
	// Packets keeps a record of every ILNP packet in the report.
	Packets bool
	// StrictOffload counts TCP/UDP checksums left for offload (the
	// pseudo-header seed Linux writes with CHECKSUM_PARTIAL) as
	// violations instead of as unverifiable.
	StrictOffload bool
	// ChecksumRule is the rule TCP and UDP checksums are checked
	// against: wire.RuleIPv6 (the zero value, the wire addresses, as
	// draft-bhatti-ilnp-tcp-udp-checksums and the kernel's default have
	// it) or wire.RuleNID (the NIDs only, RFC 6740; the kernel's
	// net.ipv6.ilnp_nid_checksum=1). A checksum valid only under the
	// other rule, or the other rule's offload seed, is a violation.
	// ICMPv6 checksums are over the wire addresses under both.
	ChecksumRule wire.ChecksumRule
	// Reassembly bounds the reassembly of fragmented datagrams (zero:
	// the defaults, 4096 datagrams, 60 s, 64 MiB).
	Reassembly decode.ReassemblyOptions
}

type dirKey struct{ src, dst ilnp.NID }

func (k dirKey) reverse() dirKey { return dirKey{k.dst, k.src} }

// direction is what the checker keeps per (source NID, destination NID).
type direction struct {
	nonce      ilnp.Nonce
	nonceFrame int
	packets    int
	firstFrame int
	srcL64     []ilnp.L64
	dstL64     []ilnp.L64
}

// luTxn is an LU advertisement waiting for its ack.
type luTxn struct {
	event     int // index of the first advertisement in Checker.lus
	lastFrame int
	lastTime  time.Time
	retrans   int
}

// probeKey names a probe: the direction it went and its challenge.
type probeKey struct {
	dir       dirKey
	challenge ilnp.Challenge
}

// probeTxn is a probe waiting for its reply, with its retransmissions.
type probeTxn struct {
	event     int // index of the first transmission in Checker.lus
	lastFrame int
	lastTime  time.Time
	retrans   int
	replied   bool
}

// Checker validates the packets of one capture, fed to it in order.
type Checker struct {
	opts   Options
	report Report

	dirs     map[dirKey]*direction
	dirOrder []dirKey
	lastKey  dirKey // the direction of the last packet, to skip the map
	lastDir  *direction
	pending  map[dirKey][]*luTxn
	answered map[dirKey]*luTxn
	lus      []LUEvent
	// probes by direction and challenge; probeOrder in capture order.
	probes     map[probeKey][]*probeTxn
	probeOrder []*probeTxn

	frags *decode.Reassembler
	// unsorted: packet records were added out of frame order (fragments
	// that came before their first fragment).
	unsorted bool
}

// NewChecker returns a Checker.
func NewChecker(opts Options) *Checker {
	return &Checker{
		opts:     opts,
		dirs:     make(map[dirKey]*direction),
		pending:  make(map[dirKey][]*luTxn),
		answered: make(map[dirKey]*luTxn),
		probes:   make(map[probeKey][]*probeTxn),
		report:   Report{Other: OtherSummary{IPv6: make(map[string]int)}, Checksums: ChecksumSummary{Rule: opts.ChecksumRule}},
		frags:    decode.NewReassembler(opts.Reassembly),
	}
}

func (c *Checker) violate(p *decode.Packet, kind Kind, format string, args ...any) {
	c.violateAt(p.Frame.Number, p.Frame.Timestamp, kind, format, args...)
}

func (c *Checker) violateAt(frame int, t time.Time, kind Kind, format string, args ...any) {
	c.report.Violations = append(c.report.Violations, Violation{
		Frame:   frame,
		Time:    t,
		Offset:  c.offset(t),
		Kind:    kind,
		Message: fmt.Sprintf(format, args...),
	})
}

func (c *Checker) offset(t time.Time) float64 { return t.Sub(c.report.First).Seconds() }

// Add checks one packet.
func (c *Checker) Add(p *decode.Packet) {
	r := &c.report
	if r.Frames == 0 {
		r.First = p.Frame.Timestamp
	}
	r.Frames++
	r.Last = p.Frame.Timestamp

	switch p.Kind {
	case decode.KindOther:
		r.Other.NonIP++
		return
	case decode.KindIPv4:
		r.Other.IPv4++
		return
	case decode.KindMalformed:
		r.Other.Malformed++
		return
	}
	if p.Fragment {
		c.addFragment(p)
		return
	}
	if !p.ILNP() {
		c.addOther(p)
		return
	}
	c.addILNP(p)
}

// addOther counts a non-ILNP IPv6 packet; it judges only what could be a
// damaged ILNP packet: an undecodable Destination Options header, and an
// LU without a nonce (an ILNP host drops those).
func (c *Checker) addOther(p *decode.Packet) {
	c.report.Other.IPv6[decode.ProtoName(p.Proto)]++
	switch {
	case p.DestOpts == nil && p.Proto == layers.IPProtocolIPv6Destination && p.Err != nil && !p.Frame.Truncated():
		c.violate(p, KindMalformed, "destination options header cannot be decoded: %v", p.Err)
	case p.IsLU():
		c.violate(p, KindLUNoNonce, "locator update without a nonce option (an ILNP host drops it)")
	}
}

// addFragment files a fragment with its datagram. A fragment that
// carries a nonce (the first, or any with the nonce before the Fragment
// header) is checked as an ILNP packet; the others count with the
// datagram of their first fragment once it has arrived, or as
// unattributed when it does not.
func (c *Checker) addFragment(p *decode.Packet) {
	d := c.frags.Add(p)
	newFirst := p.FirstFragment() && d.First == len(d.Fragments)-1
	switch {
	case p.ILNP():
		if rec := c.addILNP(p); newFirst {
			d.Tag = rec
		}
	case p.FirstFragment():
		c.addOther(p)
	}
	switch {
	case newFirst: // the fragments that came before it
		for _, f := range d.Fragments[:d.First] {
			if !f.Nonce {
				c.addAttributed(d, f)
			}
		}
	case !p.ILNP() && !p.FirstFragment() && d.First >= 0:
		c.addAttributed(d, d.Fragments[len(d.Fragments)-1])
	}
	for _, fd := range c.frags.Finished() {
		c.datagramDone(fd)
	}
}

// addAttributed counts a fragment without a nonce of its own with the
// datagram of its first fragment.
func (c *Checker) addAttributed(d *decode.Datagram, f decode.FragmentRef) {
	r := &c.report
	if !d.ILNP {
		r.Other.IPv6[decode.ProtoName(d.Proto)]++
		return
	}
	r.ILNP.Packets++
	r.ILNP.Fragments++
	c.countProto(d.Proto)
	src, dst := ilnp.ILVFrom16(d.Src), ilnp.ILVFrom16(d.Dst)
	dir := c.direction(dirKey{src.NID, dst.NID}, f.Frame, src.L64, dst.L64)
	dir.firstFrame = min(dir.firstFrame, f.Frame) // it may precede its first fragment
	if c.opts.Packets {
		r.Packets = append(r.Packets, PacketRecord{Frame: f.Frame, Time: f.Time, Src: ilnp.ILVFrom16(d.Src), Dst: ilnp.ILVFrom16(d.Dst),
			Proto: decode.ProtoName(d.Proto), Checksum: ChecksumNotChecked})
		c.unsorted = true
	}
}

// datagramDone verifies a fragmented ILNP datagram that left reassembly,
// or counts the fragments of one whose first fragment never came.
func (c *Checker) datagramDone(d *decode.Datagram) {
	r := &c.report
	fs := &r.Fragmentation
	if d.First < 0 {
		fs.Unattributed += len(d.Fragments)
		return
	}
	if !d.ILNP {
		return
	}
	fs.Datagrams++
	first := d.Fragments[d.First]
	if d.Problem != "" {
		c.violateAt(first.Frame, first.Time, KindMalformed, "fragmented datagram: %s", d.Problem)
	}
	v := ChecksumIncomplete
	switch {
	case d.Reason != decode.DatagramComplete:
		fs.Incomplete++
		if d.Reason == decode.DatagramEvicted {
			fs.Evicted++
		}
	case d.Problem != "" || d.Upper() == nil && !d.Truncated:
		v = ChecksumNotChecked
	case d.Truncated:
		r.Checksums.Truncated++
		v = ChecksumTruncated
	default:
		fs.Reassembled++
		s := segment{src: d.Src, dst: d.Dst, proto: d.Proto, data: d.Upper()}
		v = c.checkSegment(&s, nil, d)
	}
	if d.Tag > 0 {
		r.Packets[d.Tag-1].Checksum = v
	}
}

// addILNP checks a packet with a nonce and returns the index + 1 of its
// packet record (0 without Options.Packets).
func (c *Checker) addILNP(p *decode.Packet) int {
	r := &c.report
	d := p.NonceHeader()
	r.ILNP.Packets++
	switch d.Nonce.Len() {
	case ilnp.NonceLen32:
		r.ILNP.Nonce32++
	case ilnp.NonceLen96:
		r.ILNP.Nonce96++
	}
	if err := d.Err(); err != nil {
		c.violate(p, KindNonceOption, "%v", err)
	}
	switch {
	case d != p.DestOpts:
		c.violate(p, KindNoncePlacement, "the nonce is in a destination options header before %v, not in the one before the upper layer", d.NextHeader)
	case p.NonceBeforeFragment():
		c.checkNonceBeforeFragment(p, d)
	case decode.IsExtensionHeader(d.NextHeader):
		c.violate(p, KindNoncePlacement, "the destination options header with the nonce is followed by another extension header (%v), not the upper layer", d.NextHeader)
	}
	src, dst := p.SrcILV(), p.DstILV()
	key := dirKey{src.NID, dst.NID}
	c.checkNonce(p, src, dst)

	var csum ChecksumVerdict
	switch {
	case p.Fragment:
		// The checksum is verified when the datagram is reassembled.
		r.ILNP.Fragments++
		if len(p.FragData) < p.FragLen && !p.Frame.Truncated() {
			c.violate(p, KindMalformed, "IPv6 payload length says %d octets of fragment data, the frame has %d", p.FragLen, len(p.FragData))
		}
		if p.FirstFragment() {
			csum = ChecksumIncomplete
		}
	case p.Truncated() && p.Frame.Truncated():
		r.Checksums.Truncated++
		csum = ChecksumTruncated
	case p.Truncated():
		c.violate(p, KindMalformed, "IPv6 payload length says %d octets of %v, the frame has %d", p.UpperLen, p.Proto, len(p.Upper))
	default:
		csum = c.checkTransport(p)
	}
	c.countProto(p.Proto)
	var lu *LUEvent
	if p.IsLU() && !p.Fragment && !p.Frame.Truncated() {
		lu = c.checkLU(p, key, csum)
	}
	if c.opts.Packets {
		rec := PacketRecord{Frame: p.Frame.Number, Time: p.Frame.Timestamp, Src: p.SrcILV(), Dst: p.DstILV(),
			Proto: decode.ProtoName(p.Proto), Nonce: d.Nonce, NonceOptionLength: d.NonceOptLen, Checksum: csum}
		if lu != nil {
			rec.LUOperation = lu.Operation
			for _, l := range lu.Locators {
				rec.Locators = append(rec.Locators, l.Locator)
			}
		}
		r.Packets = append(r.Packets, rec)
		return len(r.Packets)
	}
	return 0
}

// checkNonceBeforeFragment checks the placement of older senders: the
// header with the nonce in front of the Fragment header of every
// fragment. It is accepted when the header holds the nonce alone and the
// upper layer follows the Fragment header.
func (c *Checker) checkNonceBeforeFragment(p *decode.Packet, d *wire.DestOpts) {
	switch {
	case d.OtherOptions > 0:
		c.violate(p, KindNoncePlacement, "the destination options header with the nonce is followed by another extension header (%v), not the upper layer, "+
			"and holds %d options other than the nonce (in front of a fragment header it may hold the nonce alone)", d.NextHeader, d.OtherOptions)
	case decode.IsExtensionHeader(p.FragHdr.NextHeader):
		c.violate(p, KindNoncePlacement, "the destination options header with the nonce is followed by the fragment header and then by another extension header (%v), not the upper layer", p.FragHdr.NextHeader)
	default:
		c.report.Fragmentation.NonceBeforeFragment++
	}
}

// countProto counts an ILNP packet by its upper-layer protocol.
func (c *Checker) countProto(p layers.IPProtocol) {
	r := &c.report
	switch p {
	case layers.IPProtocolTCP:
		r.ILNP.TCP++
	case layers.IPProtocolUDP:
		r.ILNP.UDP++
	case layers.IPProtocolICMPv6:
		r.ILNP.ICMPv6++
	default:
		r.ILNP.Other++
	}
}

// direction counts a packet of frame in direction key, which travelled

// on the wire locators src and dst.
func (c *Checker) direction(key dirKey, frame int, src, dst ilnp.L64) *direction {
	dir := c.lastDir
	if dir == nil || key != c.lastKey {
		dir = c.dirs[key]
		if dir == nil {
			dir = &direction{firstFrame: frame}
			c.dirs[key] = dir
			c.dirOrder = append(c.dirOrder, key)
		}
		c.lastKey, c.lastDir = key, dir
	}
	dir.packets++
	if !slices.Contains(dir.srcL64, src) {
		dir.srcL64 = append(dir.srcL64, src)
	}
	if !slices.Contains(dir.dstL64, dst) {
		dir.dstL64 = append(dir.dstL64, dst)
	}
	return dir
}

func (c *Checker) checkNonce(p *decode.Packet, src, dst ilnp.ILV) {
	key := dirKey{src.NID, dst.NID}
	dir := c.direction(key, p.Frame.Number, src.L64, dst.L64)
	n := p.NonceHeader().Nonce
	switch {
	case n.IsZero(): // malformed option, reported already
	case dir.nonce.IsZero():
		dir.nonce, dir.nonceFrame = n, p.Frame.Number
	case n != dir.nonce:
		c.violate(p, KindNonceChanged, "nonce %s in direction %v -> %v differs from %s first seen in frame %d",
			n.Hex(), key.src, key.dst, dir.nonce.Hex(), dir.nonceFrame)
	}
}

// checkTransport verifies the upper-layer header and checksum of a
// complete ILNP packet.
func (c *Checker) checkTransport(p *decode.Packet) ChecksumVerdict {
	switch p.Proto {
	case layers.IPProtocolTCP:
		if p.TCP == nil {
			c.violate(p, KindMalformed, "TCP header cannot be decoded: %v", p.Err)
			return ChecksumNotChecked
		}
	case layers.IPProtocolUDP:
		if p.UDP == nil {
			c.violate(p, KindMalformed, "UDP header cannot be decoded: %v", p.Err)
			return ChecksumNotChecked
		}
	case layers.IPProtocolICMPv6:
		if p.ICMPv6 == nil {
			c.violate(p, KindMalformed, "ICMPv6 header cannot be decoded: %v", p.Err)
			return ChecksumNotChecked
		}
	default:
		return ChecksumNotChecked
	}
	s := segment{src: p.Src, dst: p.Dst, proto: p.Proto, data: p.Upper}
	return c.checkSegment(&s, p, nil)
}

// checkSegment verifies the checksum of the complete upper-layer packet
// s of packet p or, when p is nil, reassembled from the fragments of d;
// the violations of d are reported at its first fragment.
func (c *Checker) checkSegment(s *segment, p *decode.Packet, d *decode.Datagram) ChecksumVerdict {
	var off, hdr int
	switch s.proto {
	case layers.IPProtocolTCP:
		off, hdr = 16, 20
	case layers.IPProtocolUDP:
		off, hdr = 6, 8
	case layers.IPProtocolICMPv6:
		off, hdr = 2, 4
	default:
		return ChecksumNotChecked
	}
	if len(s.data) < hdr {
		frame, t := where(p, d)
		c.violateAt(frame, t, KindMalformed, "%v header cannot be decoded: %d octets%s", s.proto, len(s.data), reassembledFrom(d))
		return ChecksumNotChecked
	}
	if s.proto == layers.IPProtocolUDP && int(binary.BigEndian.Uint16(s.data[4:6])) != len(s.data) {
		c.udpLength(s, p, d)
	}
	v := classifyChecksum(s, off, c.opts.ChecksumRule)
	if v == ChecksumGood {
		c.report.Checksums.Verified++
		return v
	}
	c.checksumFailed(s, off, v, p, d)
	return v
}

// where returns the frame and time at which to report a problem of
// packet p, or of datagram d when p is nil.
func where(p *decode.Packet, d *decode.Datagram) (int, time.Time) {
	if p != nil {
		return p.Frame.Number, p.Frame.Timestamp
	}
	f := d.Fragments[d.First]
	return f.Frame, f.Time
}

func (c *Checker) udpLength(s *segment, p *decode.Packet, d *decode.Datagram) {
	frame, t := where(p, d)
	n := binary.BigEndian.Uint16(s.data[4:6])
	if d == nil {
		c.violateAt(frame, t, KindMalformed, "UDP length %d, IPv6 payload length leaves %d", n, len(s.data))
	} else {
		c.violateAt(frame, t, KindMalformed, "UDP length %d, the reassembled datagram holds %d%s", n, len(s.data), reassembledFrom(d))
	}
}

// checksumFailed counts or reports a checksum that is not good.
func (c *Checker) checksumFailed(s *segment, off int, v ChecksumVerdict, p *decode.Packet, d *decode.Datagram) {
	frame, t := where(p, d)
	kind := KindChecksumICMPv6
	switch s.proto {
	case layers.IPProtocolTCP:
		kind = KindChecksumTCP
	case layers.IPProtocolUDP:
		kind = KindChecksumUDP
	}
	field := binary.BigEndian.Uint16(s.data[off:])
	rule := c.opts.ChecksumRule
	switch v {
	case seedVerdict(rule):
		c.report.Checksums.Offload++
		if c.opts.StrictOffload {
			c.violateAt(frame, t, kind, "%v checksum %#04x is the offload seed of %s left for offload, not a checksum (--strict-offload)%s", s.proto, field, ruleText(rule), reassembledFrom(d))
		}
	case seedVerdict(rule.Other()):
		c.violateAt(frame, t, kind, "%v checksum %#04x is the offload seed of %s, not of %s checked: offload will complete it under the wrong pseudo-header%s", s.proto, field, ruleText(rule.Other()), ruleText(rule), reassembledFrom(d))
	case validVerdict(rule.Other()):
		c.violateAt(frame, t, kind, "%v checksum %#04x is valid under %s, not under %s checked%s", s.proto, field, ruleText(rule.Other()), ruleText(rule), reassembledFrom(d))
	case ChecksumZero:
		c.violateAt(frame, t, kind, "UDP checksum is zero, which IPv6 does not allow%s", reassembledFrom(d))
	default:
		under := "" // ICMPv6 is over the wire addresses under both rules
		if s.proto != layers.IPProtocolICMPv6 {
			under = " under " + ruleText(rule)
		}
		c.violateAt(frame, t, kind, "%v checksum %#04x is wrong (want %#04x%s)%s", s.proto, field, expected(s, off, rule), under, reassembledFrom(d))
	}
}

// reassembledFrom names the frames a datagram was reassembled from, for
// messages; "" for nil.
func reassembledFrom(d *decode.Datagram) string {
	if d == nil {
		return ""
	}
	const most = 6
	var b strings.Builder
	b.WriteString(" (datagram reassembled from frames ")
	for i, f := range d.Fragments {
		if i == most {
			fmt.Fprintf(&b, " and %d more", len(d.Fragments)-most)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d", f.Frame)
	}
	b.WriteString(")")
	return b.String()
}

// checkLU checks a Locator Update message of an ILNP packet and pairs
// advertisements with acks, probes with their replies. It returns the
// message's event, valid until the next call, or nil when the message did
// not decode.
func (c *Checker) checkLU(p *decode.Packet, key dirKey, csum ChecksumVerdict) *LUEvent {
	code := p.ICMPv6.TypeCode.Code()
	if p.LU == nil {
		c.violate(p, KindLUMalformed, "%v", p.LUErr)
		return nil
	}
	bad := false
	if err := p.LU.ValidateCode(code); err != nil {
		c.violate(p, KindLUMalformed, "%v", err)
		bad = true
	}
	if err := p.LU.Validate(); err != nil {
		c.violate(p, KindLUMalformed, "%v", err)
		bad = true
	}
	ev := LUEvent{
		Frame: p.Frame.Number, Time: p.Frame.Timestamp, Offset: c.offset(p.Frame.Timestamp),
		Src: p.SrcILV(), Dst: p.DstILV(), Operation: p.LU.Operation, Code: code, Format: p.LU.Format,
		Locators: append([]wire.LocatorRecord{}, p.LU.Locators...), Nonce: p.NonceHeader().Nonce, Checksum: csum,
	}
	if p.LU.Operation.IsProbe() {
		ch := p.LU.Challenge
		ev.Challenge = &ch
	}
	c.lus = append(c.lus, ev)
	idx := len(c.lus) - 1
	// A message the peer would drop takes no part in the handshake.
	if bad || csum != ChecksumGood {
		return &c.lus[idx]
	}
	switch p.LU.Operation {
	case ilnp.LUAdvertisement:
		c.report.LUSummary.Advertisements++
		c.advertise(idx, key)
	case ilnp.LUAck:
		c.report.LUSummary.Acks++
		c.ack(p, idx, key)
	case ilnp.LUProbe:
		c.report.ProbeSummary.Probes++
		c.probe(idx, key)
	case ilnp.LUProbeReply:
		c.report.ProbeSummary.Replies++
		c.probeReply(p, idx, key)
	}
	return &c.lus[idx]
}

// probe files a probe under its direction and challenge; sent again to
// the same address with the same locators, it is a retransmission.
func (c *Checker) probe(idx int, key dirKey) {
	ev := &c.lus[idx]
	pk := probeKey{key, *ev.Challenge}
	for _, tx := range c.probes[pk] {
		first := &c.lus[tx.event]
		if first.Dst == ev.Dst && wire.SameLocators(first.Locators, ev.Locators) {
			tx.retrans++
			tx.lastFrame, tx.lastTime = ev.Frame, ev.Time
			ev.RetransmissionOf = first.Frame
			c.report.ProbeSummary.Retransmissions++
			return
		}
	}
	tx := &probeTxn{event: idx, lastFrame: ev.Frame, lastTime: ev.Time}
	c.probes[pk] = append(c.probes[pk], tx)
	c.probeOrder = append(c.probeOrder, tx)
}

// probeReply pairs a reply with the probe of the other direction that
// carried its challenge, listed the locators it echoes and went to the
// address it comes from.
func (c *Checker) probeReply(p *decode.Packet, idx int, key dirKey) {
	ev := &c.lus[idx]
	var near *probeTxn // the challenge, but not the locators or address
	for _, tx := range c.probes[probeKey{key.reverse(), *ev.Challenge}] {
		first := &c.lus[tx.event]
		if first.Dst != ev.Src || !wire.SameLocators(first.Locators, ev.Locators) {
			near = tx
			continue
		}
		ev.AnswersFrame = first.Frame
		if tx.replied {
			ev.Duplicate = true
			c.report.ProbeSummary.DuplicateReplies++
			return
		}
		tx.replied = true
		rtt := ev.Time.Sub(tx.lastTime)
		first.ReplyFrame, first.RTT, first.Retransmissions = ev.Frame, rtt.Seconds(), tx.retrans
		c.report.ProbeSummary.rtts = append(c.report.ProbeSummary.rtts, rtt.Seconds())
		return
	}
	if near != nil {
		first := c.lus[near.event]
		c.violate(p, KindProbeReplyMismatch, "probe reply from %v (challenge %v) echoes %s, the probe in frame %d went to %v listing %s",
			ev.Src, *ev.Challenge, locatorList(ev.Locators), first.Frame, first.Dst, locatorList(first.Locators))
		return
	}
	c.violate(p, KindProbeReplyUnsolicited, "probe reply %v -> %v (challenge %v, %s) answers no probe in this capture",
		key.src, key.dst, *ev.Challenge, locatorList(ev.Locators))
}

func (c *Checker) advertise(idx int, key dirKey) {
	ev := &c.lus[idx]
	for _, tx := range c.pending[key] {
		if wire.SameLocators(c.lus[tx.event].Locators, ev.Locators) {
			tx.retrans++
			tx.lastFrame, tx.lastTime = ev.Frame, ev.Time
			ev.RetransmissionOf = c.lus[tx.event].Frame
			c.report.LUSummary.Retransmissions++
			return
		}
	}
	c.pending[key] = append(c.pending[key], &luTxn{event: idx, lastFrame: ev.Frame, lastTime: ev.Time})
}

func (c *Checker) ack(p *decode.Packet, idx int, key dirKey) {
	ev := &c.lus[idx]
	adv := key.reverse()
	pend := c.pending[adv]
	for i, tx := range pend {
		first := &c.lus[tx.event]
		if !wire.SameLocators(first.Locators, ev.Locators) {
			continue
		}
		rtt := ev.Time.Sub(tx.lastTime)
		first.AckFrame, first.RTT, first.Retransmissions = ev.Frame, rtt.Seconds(), tx.retrans
		ev.AnswersFrame = first.Frame
		c.report.LUSummary.rtts = append(c.report.LUSummary.rtts, rtt.Seconds())
		c.pending[adv] = slices.Delete(pend, i, i+1)
		c.answered[adv] = tx
		return
	}
	if tx := c.answered[adv]; tx != nil && wire.SameLocators(c.lus[tx.event].Locators, ev.Locators) {
		ev.AnswersFrame = c.lus[tx.event].Frame
		ev.Duplicate = true
		c.report.LUSummary.DuplicateAcks++
		return
	}
	if len(pend) > 0 {
		first := c.lus[pend[len(pend)-1].event]
		c.violate(p, KindLUAckMismatch, "LU-ack lists %s, the outstanding LU in frame %d lists %s",
			locatorList(ev.Locators), first.Frame, locatorList(first.Locators))
		return
	}
	c.violate(p, KindLUAckUnsolicited, "LU-ack %v -> %v (%s) answers no LU in this capture", key.src, key.dst, locatorList(ev.Locators))
}

// Finish ends reassembly, reports the LUs still unanswered, counts the
// probes that were not, and returns the report.
func (c *Checker) Finish() *Report {
	r := &c.report
	c.frags.Flush()
	for _, d := range c.frags.Finished() {
		c.datagramDone(d)
	}
	if c.unsorted {
		slices.SortStableFunc(r.Packets, func(a, b PacketRecord) int { return a.Frame - b.Frame })
	}
	for _, key := range c.dirOrder {
		for _, tx := range c.pending[key] {
			ev := c.lus[tx.event]
			msg := fmt.Sprintf("LU %v -> %v (%s) was never acknowledged", key.src, key.dst, locatorList(ev.Locators))
			if tx.retrans > 0 {
				msg += fmt.Sprintf(" (%d retransmissions, the last in frame %d)", tx.retrans, tx.lastFrame)
			}
			r.Violations = append(r.Violations, Violation{Frame: ev.Frame, Time: ev.Time, Offset: ev.Offset, Kind: KindLUUnanswered, Message: msg})
			r.LUSummary.Unanswered++
		}
	}
	for _, tx := range c.probeOrder {
		if !tx.replied {
			r.ProbeSummary.Unanswered++
		}
	}
	slices.SortStableFunc(r.Violations, func(a, b Violation) int { return a.Frame - b.Frame })
	r.LocatorUpdates = c.lus
	r.LUSummary.finish()
	r.ProbeSummary.finish()
	r.Sessions = c.sessions()
	r.ViolationCounts = make(map[Kind]int)
	for _, v := range r.Violations {
		r.ViolationCounts[v.Kind]++
	}
	return r
}

func (c *Checker) sessions() []Session {
	var out []Session
	index := make(map[dirKey]int) // canonical (lower NID first) key -> out index
	for _, key := range c.dirOrder {
		canon := key
		if canon.src > canon.dst {
			canon = canon.reverse()
		}
		i, ok := index[canon]
		if !ok {
			i = len(out)
			index[canon] = i
			out = append(out, Session{NIDs: [2]ilnp.NID{canon.src, canon.dst}})
		}
		d := c.dirs[key]
		out[i].Packets += d.packets
		out[i].Directions = append(out[i].Directions, Direction{
			Src: key.src, Dst: key.dst, Nonce: d.nonce, Packets: d.packets, FirstFrame: d.firstFrame,
			SrcLocators: d.srcL64, DstLocators: d.dstL64,
		})
	}
	return out
}
