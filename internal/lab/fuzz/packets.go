// Package fuzz attacks an ILNP host with mutated input for a time budget,
// reproducibly from a seed: packets (nonce options of every shape, Locator
// Updates of every operation, ICMPv6 errors quoting mutated ILNP packets)
// aimed at its live sessions, and requests to its ilnp generic netlink
// family with mutated attributes. Packet i of a seed is a function of the
// seed and i alone (Packet), so a failure can be replayed packet by
// packet; the netlink fuzzer's requests follow from its seed the same way.
//
// The fuzzers only send: whether the host survived is the caller's to
// judge (the selftest harness fails a run on any kernel report, and the
// selftests check that the genuine sessions still work).
package fuzz

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/internal/lab/attack"
	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

// Session is a live ILNP session of the victim that the packet fuzzer
// aims at.
type Session struct {
	// Victim is the attacked host's canonical address, Peer its
	// correspondent's.
	Victim, Peer netip.Addr
	// PeerLocators are the /64s the victim knows the peer at (Peer's
	// among them).
	PeerLocators []netip.Prefix
	// VictimNonce is the victim's nonce towards Peer (what its own
	// packets carry, so what an error about them quotes); PeerNonce is
	// Peer's, which the victim checks on Peer's packets.
	VictimNonce, PeerNonce []byte
	// Ports are ports of live flows, on either end.
	Ports []uint16
}

// PacketConfig configures Packets.
type PacketConfig struct {
	Seed     uint64
	Budget   time.Duration
	Rate     float64 // packets per second
	Sessions []Session
	// Spoof is the attacker's own space, where sources that are nobody's
	// come from.
	Spoof  netip.Prefix
	Sender attack.Sender
	// Progress, if set, is told how far the fuzzer got now and then.
	Progress func(format string, args ...any)
}

// Kinds of fuzzed packets.
const (
	KindNonce = "nonce"      // a mutated destination options header on TCP, UDP or ICMPv6 echo
	KindLU    = "lu"         // a mutated Locator Update of any operation (probes included)
	KindError = "icmp-error" // an ICMPv6 error quoting a mutated ILNP packet
)

// PacketReport is what Packets sent.
type PacketReport struct {
	Seed    uint64
	Sent    map[string]int // by kind
	Total   int
	Elapsed time.Duration
}

func (r PacketReport) String() string {
	return fmt.Sprintf("seed %d: %d packets in %s (%.0f/s): %d nonce, %d LU, %d ICMPv6 error",
		r.Seed, r.Total, r.Elapsed.Round(time.Millisecond), float64(r.Total)/r.Elapsed.Seconds(),
		r.Sent[KindNonce], r.Sent[KindLU], r.Sent[KindError])
}

// Packets sends Packet(cfg.Seed, 0, ...), Packet(cfg.Seed, 1, ...), ... at
// cfg.Rate until the budget is spent or ctx ends.
func Packets(ctx context.Context, cfg PacketConfig) (PacketReport, error) {
	rep := PacketReport{Seed: cfg.Seed, Sent: map[string]int{}}
	if len(cfg.Sessions) == 0 {
		return rep, fmt.Errorf("fuzz: no session to aim at")
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Budget)
	defer cancel()
	var made int
	var last string
	next := time.Now().Add(10 * time.Second)
	res, err := attack.Flood(ctx, cfg.Sender, int(^uint(0)>>1), cfg.Rate, func(i int) ([]byte, error) {
		kind, pkt, err := Packet(cfg.Seed, i, cfg.Sessions, cfg.Spoof)
		made, last = made+1, kind
		rep.Sent[kind]++
		if cfg.Progress != nil && time.Now().After(next) {
			cfg.Progress("fuzz: seed %d: packet %d (%s)", cfg.Seed, i, kind)
			next = time.Now().Add(10 * time.Second)
		}
		return pkt, err
	})
	if made > res.Sent {
		rep.Sent[last]-- // made, never sent
	}
	rep.Total, rep.Elapsed = res.Sent, res.Elapsed
	if ctx.Err() != nil {
		err = nil // the budget is spent: that is the end
	}
	return rep, err
}

// Packet returns packet i of the seed's sequence and its kind.
func Packet(seed uint64, i int, sessions []Session, spoof netip.Prefix) (kind string, pkt []byte, err error) {
	g := &gen{rng: rand.New(rand.NewPCG(seed, uint64(i))), spoof: spoof}
	g.s = sessions[g.rng.IntN(len(sessions))]
	switch n := g.rng.IntN(10); {
	case n < 4:
		kind = KindNonce
		pkt, err = g.nonce()
	case n < 7:
		kind = KindLU
		pkt, err = g.lu()
	default:
		kind = KindError
		pkt, err = g.icmpError()
	}
	if err == nil && g.rng.IntN(20) == 0 {
		g.flip(pkt[40:], 1+g.rng.IntN(4)) // past the IPv6 header, so that it still arrives
	}
	return kind, pkt, err
}

// gen makes one packet.
type gen struct {
	rng   *rand.Rand
	s     Session
	spoof netip.Prefix
}

func (g *gen) chance(n int) bool { return g.rng.IntN(n) == 0 }

// source is where a packet to the victim claims to come from: mostly the
// peer (on one of its locators), sometimes nobody's address, the
// victim's own NID elsewhere, or an address no host may use.
func (g *gen) source() netip.Addr {
	switch n := g.rng.IntN(20); {
	case n < 12:
		return g.s.Peer
	case n < 15 && len(g.s.PeerLocators) > 0:
		return attack.SetNID(g.s.PeerLocators[g.rng.IntN(len(g.s.PeerLocators))], g.s.Peer)
	case n < 17:
		return g.spoofed()
	case n < 18:
		return attack.SetNID(g.spoof, g.s.Victim)
	default:
		odd := []string{"::", "fe80::1", "::ffff:198.51.100.9", "ff02::1", "::1"}
		return netip.MustParseAddr(odd[g.rng.IntN(len(odd))])
	}
}

// spoofed is a random address of the attacker's space.
func (g *gen) spoofed() netip.Addr {
	b := g.spoof.Masked().Addr().As16()
	bits := g.spoof.Bits()
	for i := bits / 8; i < 16; i++ {
		b[i] = byte(g.rng.UintN(256))
	}
	if bits%8 != 0 {
		keep := byte(0xff << (8 - bits%8))
		b[bits/8] = g.spoof.Masked().Addr().As16()[bits/8]&keep | b[bits/8]&^keep
	}
	return netip.AddrFrom16(b)
}

// nonceBytes is the nonce a packet carries: the right one, a wrong one
// of the same length, or something of any length.
func (g *gen) nonceBytes(right []byte) []byte {
	switch g.rng.IntN(6) {
	case 0, 1, 2:
		return append([]byte(nil), right...)
	case 3:
		return attack.Flip(right)
	case 4:
		return g.bytes([]int{4, 12}[g.rng.IntN(2)])
	default:
		return g.bytes(g.rng.IntN(40))
	}
}

func (g *gen) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.rng.UintN(256))
	}
	return b
}

// flip inverts n random bits of b.
func (g *gen) flip(b []byte, n int) {
	if len(b) == 0 {
		return
	}
	for range n {
		b[g.rng.IntN(len(b))] ^= 1 << g.rng.IntN(8)
	}
}

// options is a mutated destination options header around nonce.
func (g *gen) options(nonce []byte) gopacket.SerializableLayer {
	if g.chance(8) {
		return nil // none at all
	}
	if g.chance(3) {
		return attack.Nonce(nonce) // well-formed, or of a bad length
	}
	d := &wire.RawDestOpts{}
	for range 1 + g.rng.IntN(4) {
		switch g.rng.IntN(6) {
		case 0, 1:
			d.Options = append(d.Options, wire.Opt(ilnp.OptTypeNonce, nonce))
		case 2: // PadN, its content not always zero
			pad := make([]byte, g.rng.IntN(10))
			if g.chance(3) {
				g.flip(pad, 1)
			}
			d.Options = append(d.Options, wire.Opt(wire.OptTypePadN, pad))
		case 3: // an unknown option of each action class
			d.Options = append(d.Options, wire.Opt(byte(g.rng.IntN(4))<<6|0x1e, g.bytes(g.rng.IntN(8))))
		case 4: // a length that runs past the data
			d.Options = append(d.Options, wire.Option{Type: ilnp.OptTypeNonce, Length: uint8(g.rng.IntN(256)), Data: nonce})
		default:
			d.Options = append(d.Options, wire.Opt(byte(g.rng.UintN(256)), g.bytes(g.rng.IntN(16))))
		}
	}
	d.NoPad = g.chance(6)
	if g.chance(5) {
		d.SetHdrExtLen, d.HdrExtLen = true, uint8(g.rng.IntN(4))
	}
	return d
}

// checksum is mostly the sessions' rule (the wire addresses), sometimes
// RFC 6740's NID-only one, which the victim does not use.
func (g *gen) checksum() attack.Checksum {
	if g.chance(4) {
		return attack.ChecksumNIDOnly
	}
	return attack.ChecksumIPv6
}

func (g *gen) port() uint16 {
	if len(g.s.Ports) > 0 && !g.chance(3) {
		return g.s.Ports[g.rng.IntN(len(g.s.Ports))]
	}
	return uint16(g.rng.UintN(65536))
}

// nonce is a TCP segment, UDP datagram or ICMPv6 echo to the victim
// behind a mutated destination options header.
func (g *gen) nonce() ([]byte, error) {
	h := attack.Header{Src: g.source(), Dst: g.s.Victim, Options: g.options(g.nonceBytes(g.s.PeerNonce))}
	payload := g.bytes(g.rng.IntN(64))
	switch g.rng.IntN(3) {
	case 0:
		return attack.UDP(h, g.port(), g.port(), g.checksum(), payload)
	case 1:
		seg := &layers.TCP{SrcPort: layers.TCPPort(g.port()), DstPort: layers.TCPPort(g.port()),
			Seq: g.rng.Uint32(), Ack: g.rng.Uint32(), Window: uint16(g.rng.UintN(65536)),
			SYN: g.chance(4), ACK: !g.chance(4), RST: g.chance(8), FIN: g.chance(8), PSH: g.chance(2)}
		return attack.TCP(h, seg, g.checksum(), payload)
	default:
		body := make([]byte, 4, 4+len(payload))
		binary.BigEndian.PutUint32(body, g.rng.Uint32())
		return attack.ICMPv6(h, uint8(layers.ICMPv6TypeEchoRequest), 0, append(body, payload...))
	}
}

// record is a Locator Update record: one of the peer's locators, or one
// no host may use, or anything.
func (g *gen) record() wire.LocatorRecord {
	var l64 ilnp.L64
	switch n := g.rng.IntN(10); {
	case n < 5 && len(g.s.PeerLocators) > 0:
		l64 = attack.Record(g.s.PeerLocators[g.rng.IntN(len(g.s.PeerLocators))], 0, 0).Locator
	case n < 6:
		l64 = 0xfe80_0000_0000_0000
	case n < 7:
		l64 = 0xff02_0000_0000_0000
	case n < 8:
		l64 = 0
	default:
		l64 = ilnp.L64(g.rng.Uint64())
	}
	r := wire.LocatorRecord{Locator: l64, Preference: uint16(g.rng.UintN(4)), Lifetime: []uint32{0, 1, 15, 0xffffffff, g.rng.Uint32()}[g.rng.IntN(5)]}
	if g.chance(10) {
		r.Reserved = uint16(g.rng.UintN(65536))
	}
	return r
}

// lu is a Locator Update message to the victim of any operation, code
// and shape: advertisements and acks, probes and probe replies (their
// challenge mostly random, now and then 0, in front of the records as the
// kernel reads it), and operations no host knows.
func (g *gen) lu() ([]byte, error) {
	ops := []ilnp.LUOp{ilnp.LUAdvertisement, ilnp.LUAdvertisement, ilnp.LUAck, ilnp.LUProbe, ilnp.LUProbeReply, ilnp.LUOp(g.rng.UintN(256))}
	lu := &wire.LocatorUpdate{Operation: ops[g.rng.IntN(len(ops))]}
	probe := lu.Operation.IsProbe()
	switch {
	case probe && g.chance(8):
		lu.Challenge = 0 // never sent by a host
	case probe:
		lu.Challenge = ilnp.Challenge(g.rng.Uint64())
	case g.chance(8):
		lu.Format = wire.LUFormatRFC6743 // probes carry extended records only
	}
	for range g.rng.IntN(11) {
		rec := g.record()
		if lu.Format == wire.LUFormatRFC6743 {
			rec.Lifetime &= 0xffff
			rec.Reserved = 0
		}
		lu.Locators = append(lu.Locators, rec)
	}
	if len(lu.Locators) > 1 && g.chance(6) {
		lu.Locators[1] = lu.Locators[0] // a duplicate
	}
	lu.NumLocs = uint8(len(lu.Locators))
	if g.chance(6) {
		lu.NumLocs = uint8(g.rng.IntN(12))
	}
	if g.chance(10) {
		lu.Reserved = uint16(g.rng.UintN(65536))
	}
	buf := gopacket.NewSerializeBuffer()
	if err := lu.SerializeTo(buf, gopacket.SerializeOptions{}); err != nil {
		return nil, fmt.Errorf("fuzz: %v: %w", lu.Operation, err)
	}
	body := buf.Bytes()
	if g.chance(8) {
		// What might follow a set: another challenge, a digest.
		body = append(body, g.bytes([]int{8, 16, 40, g.rng.IntN(48)}[g.rng.IntN(4)])...)
	}
	if g.chance(6) {
		body = body[:g.rng.IntN(len(body)+1)]
	}
	// The right code for the operation, else the other defined one, else
	// anything.
	code := uint8(ilnp.LUCodeReplaceSoft)
	if probe {
		code = ilnp.LUCodeNone
	}
	if g.chance(6) {
		code = uint8(g.rng.UintN(256))
	} else if g.chance(4) {
		code ^= 1
	}
	h := attack.Header{Src: g.source(), Dst: g.s.Victim, Options: g.options(g.nonceBytes(g.s.PeerNonce))}
	return attack.ICMPv6(h, ilnp.ICMPv6TypeLocatorUpdate, code, body)
}

// pointers worth trying in a Parameter Problem about a quoted packet of
// n octets whose nonce option type is at 42.
func (g *gen) pointer(n int) uint32 {
	p := []uint32{0, 6, 40, 42, 43, uint32(n) - 1, uint32(n), uint32(n) + 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xffffff00, 0xffffff8b}
	if g.chance(4) {
		return g.rng.Uint32()
	}
	return p[g.rng.IntN(len(p))]
}

// icmpError is an ICMPv6 error to the victim about a packet the victim
// might have sent its peer (its nonce, or not), mutated and cut.
func (g *gen) icmpError() ([]byte, error) {
	src := g.s.Victim
	dst := g.s.Peer
	if len(g.s.PeerLocators) > 0 && g.chance(3) {
		dst = attack.SetNID(g.s.PeerLocators[g.rng.IntN(len(g.s.PeerLocators))], g.s.Peer)
	}
	inner := gen{rng: g.rng, s: Session{Victim: dst, Peer: src, PeerNonce: g.s.VictimNonce, Ports: g.s.Ports}, spoof: g.spoof}
	var quoted []byte
	var err error
	if g.chance(4) {
		quoted, err = inner.lu()
	} else {
		quoted, err = inner.nonce()
	}
	if err != nil {
		return nil, err
	}
	// The quoted packet is the victim's: its source, whatever nonce.
	copy(quoted[8:24], src.AsSlice())
	if g.chance(4) {
		g.flip(quoted, 1+g.rng.IntN(3))
	}
	if g.chance(3) {
		quoted = quoted[:g.rng.IntN(len(quoted)+1)]
	}
	h := attack.Header{Src: g.errorSource(dst), Dst: g.s.Victim}
	switch g.rng.IntN(6) {
	case 0:
		return attack.Error(h, uint8(layers.ICMPv6TypeDestinationUnreachable), uint8(g.rng.IntN(8)), 0, quoted)
	case 1:
		mtu := []uint32{0, 1, 68, 1279, 1280, 1500, 65535, g.rng.Uint32()}[g.rng.IntN(8)]
		return attack.Error(h, uint8(layers.ICMPv6TypePacketTooBig), 0, mtu, quoted)
	case 2:
		return attack.Error(h, uint8(layers.ICMPv6TypeTimeExceeded), uint8(g.rng.IntN(2)), 0, quoted)
	default:
		return attack.ParameterProblem(h, uint8(g.rng.IntN(4)), g.pointer(len(quoted)), quoted)
	}
}

// errorSource is who an error claims to come from: the peer, a router
// on the way (anyone), or nobody.
func (g *gen) errorSource(peer netip.Addr) netip.Addr {
	switch g.rng.IntN(3) {
	case 0:
		return peer
	case 1:
		return g.spoofed()
	default:
		return g.source()
	}
}
