// Package validate checks that every ILNP packet in a capture is well
// formed: the Nonce option, one nonce per direction of a session, the
// transport checksums under the ILNP rules, and the Locator Update
// handshake.
//
// An ILNP packet is one whose Destination Options header carries a Nonce
// option (type 139). A session is the unordered pair of NIDs of its two
// ends; a direction is (source NID, destination NID). Other traffic is
// counted, not judged.
package validate

import (
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/google/gopacket/layers"

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
}

type dirKey struct{ src, dst wire.NID }

func (k dirKey) reverse() dirKey { return dirKey{k.dst, k.src} }

// direction is what the checker keeps per (source NID, destination NID).
type direction struct {
	nonce      wire.Nonce
	nonceFrame int
	packets    int
	firstFrame int
	srcL64     []wire.L64
	dstL64     []wire.L64
}

// luTxn is an LU advertisement waiting for its ack.
type luTxn struct {
	event     int // index of the first advertisement in Checker.lus
	lastFrame int
	lastTime  time.Time
	retrans   int
}

// Checker validates the packets of one capture, fed to it in order.
type Checker struct {
	opts   Options
	report Report

	dirs     map[dirKey]*direction
	dirOrder []dirKey
	pending  map[dirKey][]*luTxn
	answered map[dirKey]*luTxn
	lus      []LUEvent
}

// NewChecker returns a Checker.
func NewChecker(opts Options) *Checker {
	return &Checker{
		opts:     opts,
		dirs:     make(map[dirKey]*direction),
		pending:  make(map[dirKey][]*luTxn),
		answered: make(map[dirKey]*luTxn),
		report:   Report{Other: OtherSummary{IPv6: make(map[string]int)}},
	}
}

func (c *Checker) violate(p *decode.Packet, kind Kind, format string, args ...any) {
	c.report.Violations = append(c.report.Violations, Violation{
		Frame:   p.Frame.Number,
		Time:    p.Frame.Timestamp,
		Offset:  c.offset(p.Frame.Timestamp),
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

func (c *Checker) addILNP(p *decode.Packet) {
	r := &c.report
	d := p.NonceHeader()
	r.ILNP.Packets++
	switch d.Nonce.Len() {
	case wire.NonceLen32:
		r.ILNP.Nonce32++
	case wire.NonceLen96:
		r.ILNP.Nonce96++
	}
	if err := d.Err(); err != nil {
		c.violate(p, KindNonceOption, "%v", err)
	}
	switch {
	case d != p.DestOpts:
		c.violate(p, KindNoncePlacement, "the nonce is in a destination options header before %v, not in the one before the upper layer", d.NextHeader)
	case isExtension(d.NextHeader):
		c.violate(p, KindNoncePlacement, "the destination options header with the nonce is followed by another extension header (%v), not the upper layer", d.NextHeader)
	}
	key := dirKey{wire.ILVFrom16(p.Src).NID, wire.ILVFrom16(p.Dst).NID}
	c.checkNonce(p, key)

	var csum ChecksumVerdict
	switch {
	case p.Fragment:
		r.ILNP.Fragments++
	case p.Truncated() && p.Frame.Truncated():
		r.Checksums.Truncated++
		csum = ChecksumTruncated
	case p.Truncated():
		c.violate(p, KindMalformed, "IPv6 payload length says %d octets of %v, the frame has %d", p.UpperLen, p.Proto, len(p.Upper))
	default:
		csum = c.checkTransport(p)
	}
	switch p.Proto {
	case layers.IPProtocolTCP:
		r.ILNP.TCP++
	case layers.IPProtocolUDP:
		r.ILNP.UDP++
	case layers.IPProtocolICMPv6:
		r.ILNP.ICMPv6++
	default:
		r.ILNP.Other++
	}
	var lu *LUEvent
	if p.IsLU() && !p.Frame.Truncated() {
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
	}
}

func (c *Checker) checkNonce(p *decode.Packet, key dirKey) {
	dir := c.dirs[key]
	if dir == nil {
		dir = &direction{firstFrame: p.Frame.Number}
		c.dirs[key] = dir
		c.dirOrder = append(c.dirOrder, key)
	}
	dir.packets++
	if l := wire.ILVFrom16(p.Src).L64; !slices.Contains(dir.srcL64, l) {
		dir.srcL64 = append(dir.srcL64, l)
	}
	if l := wire.ILVFrom16(p.Dst).L64; !slices.Contains(dir.dstL64, l) {
		dir.dstL64 = append(dir.dstL64, l)
	}
	n := p.NonceHeader().Nonce
	switch {
	case n.IsZero(): // malformed option, reported already
	case dir.nonce.IsZero():
		dir.nonce, dir.nonceFrame = n, p.Frame.Number
	case n != dir.nonce:
		c.violate(p, KindNonceChanged, "nonce %v in direction %v -> %v differs from %v first seen in frame %d",
			n, key.src, key.dst, dir.nonce, dir.nonceFrame)
	}
}

// checkTransport verifies the upper-layer header and checksum of a
// complete ILNP packet.
func (c *Checker) checkTransport(p *decode.Packet) ChecksumVerdict {
	var (
		kind Kind
		off  int
	)
	switch p.Proto {
	case layers.IPProtocolTCP:
		kind, off = KindChecksumTCP, 16
		if p.TCP == nil {
			c.violate(p, KindMalformed, "TCP header cannot be decoded: %v", p.Err)
			return ChecksumNotChecked
		}
	case layers.IPProtocolUDP:
		kind, off = KindChecksumUDP, 6
		if p.UDP == nil {
			c.violate(p, KindMalformed, "UDP header cannot be decoded: %v", p.Err)
			return ChecksumNotChecked
		}
		if int(p.UDP.Length) != p.UpperLen {
			c.violate(p, KindMalformed, "UDP length %d, IPv6 payload length leaves %d", p.UDP.Length, p.UpperLen)
		}
	case layers.IPProtocolICMPv6:
		kind, off = KindChecksumICMPv6, 2
		if p.ICMPv6 == nil {
			c.violate(p, KindMalformed, "ICMPv6 header cannot be decoded: %v", p.Err)
			return ChecksumNotChecked
		}
	default:
		return ChecksumNotChecked
	}
	v := classifyChecksum(p, off)
	field := binary.BigEndian.Uint16(p.Upper[off:])
	r := &c.report
	switch v {
	case ChecksumGood:
		r.Checksums.Verified++
	case ChecksumPartialNID:
		r.Checksums.Offload++
		if c.opts.StrictOffload {
			c.violate(p, kind, "%v checksum %#04x is the NID-only pseudo-header seed left for offload, not a checksum (--strict-offload)", p.Proto, field)
		}
	case ChecksumPartialWire:
		c.violate(p, kind, "%v checksum %#04x is an offload seed over the wire addresses: offload will complete it under the wrong pseudo-header", p.Proto, field)
	case ChecksumWireRule:
		c.violate(p, kind, "%v checksum %#04x is computed over the wire addresses, not the NIDs only", p.Proto, field)
	case ChecksumZero:
		c.violate(p, kind, "UDP checksum is zero, which IPv6 does not allow")
	default:
		c.violate(p, kind, "%v checksum %#04x is wrong (want %#04x)", p.Proto, field, expected(p, off))
	}
	return v
}

// checkLU checks a Locator Update of an ILNP packet and pairs
// advertisements with acks. It returns the LU's event, valid until the
// next call, or nil when the message did not decode.
func (c *Checker) checkLU(p *decode.Packet, key dirKey, csum ChecksumVerdict) *LUEvent {
	code := p.ICMPv6.TypeCode.Code()
	if p.LU == nil {
		c.violate(p, KindLUMalformed, "%v", p.LUErr)
		return nil
	}
	bad := false
	if !wire.ValidLUCode(code) {
		c.violate(p, KindLUMalformed, "Code %d, want 0 or %d (soft replace)", code, wire.LUCodeReplaceSoft)
		bad = true
	}
	if err := p.LU.Validate(); err != nil {
		c.violate(p, KindLUMalformed, "%v", err)
		bad = true
	}
	ev := LUEvent{
		Frame: p.Frame.Number, Time: p.Frame.Timestamp, Offset: c.offset(p.Frame.Timestamp),
		Src: p.SrcILV(), Dst: p.DstILV(), Operation: p.LU.Operation, Code: code, Format: p.LU.Format,
		Locators: slices.Clone(p.LU.Locators), Nonce: p.NonceHeader().Nonce, Checksum: csum,
	}
	c.lus = append(c.lus, ev)
	idx := len(c.lus) - 1
	// A message the peer would drop takes no part in the handshake.
	if bad || csum != ChecksumGood {
		return &c.lus[idx]
	}
	switch p.LU.Operation {
	case wire.LUAdvertisement:
		c.report.LUSummary.Advertisements++
		c.advertise(idx, key)
	case wire.LUAck:
		c.report.LUSummary.Acks++
		c.ack(p, idx, key)
	}
	return &c.lus[idx]
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

// Finish reports the LUs still unanswered and returns the report.
func (c *Checker) Finish() *Report {
	r := &c.report
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
	slices.SortStableFunc(r.Violations, func(a, b Violation) int { return a.Frame - b.Frame })
	r.LocatorUpdates = c.lus
	r.LUSummary.finish()
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
			out = append(out, Session{NIDs: [2]wire.NID{canon.src, canon.dst}})
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

// isExtension reports whether an IPv6 next header value is an extension
// header that must not follow the ILNP destination options.
func isExtension(p layers.IPProtocol) bool {
	switch p {
	case layers.IPProtocolIPv6HopByHop, layers.IPProtocolIPv6Routing, layers.IPProtocolIPv6Fragment,
		layers.IPProtocolIPv6Destination, layers.IPProtocolAH:
		return true
	}
	return false
}
