//go:build vmtest

package adversary

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"golang.org/x/sys/unix"

	"github.com/ilnp-linux/ilnp/internal/lab/attack"
	"github.com/ilnp-linux/ilnp/internal/lab/labtest"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

// The adversary table (issue 11). Every row forges a handful of packets
// paced by pace, so that only the floods meet a rate limit.
var rows = []row{
	{name: "wrong_nonce", victim: "cn", forged: true, attack: func(r *run) outcome {
		// MN's addresses and ports, a nonce that is not MN's.
		n := r.send(r.ee, r.toCN(3, func() []byte { return attack.Flip(r.mnNonce()) }, attack.ChecksumIPv6)...)
		return outcome{sent: n, want: map[string]int{"bad_nonce": n}}
	}},
	{name: "no_nonce", victim: "cn", forged: true, attack: func(r *run) outcome {
		// MN's addresses and ports as plain IPv6, the checksum right.
		n := r.send(r.ee, r.toCN(3, nil, attack.ChecksumIPv6)...)
		return outcome{sent: n, want: map[string]int{"no_nonce": n}}
	}},
	{name: "truncated_option", victim: "cn", forged: true, attack: func(r *run) outcome {
		nonce := r.mnNonce()
		var pkts [][]byte
		for range 2 {
			pkts = append(pkts,
				// The nonce option's length runs past the header.
				r.udpFromMN(&wire.RawDestOpts{Options: []wire.Option{{Type: ilnp.OptTypeNonce, Length: 12, Data: nonce}}}, attack.ChecksumIPv6, "past-header"),
				// The header's last octet is the nonce option's type,
				// its length octet outside.
				r.udpFromMN(&wire.RawDestOpts{Options: []wire.Option{wire.Opt(wire.OptTypePadN, make([]byte, 3)), wire.Opt(ilnp.OptTypeNonce, nonce)},
					SetHdrExtLen: true, HdrExtLen: 0}, attack.ChecksumIPv6, "type-only"),
				// The header claims 32 octets; the packet ends at 16.
				must(r.t)(attack.UDP(r.fromMN(&wire.RawDestOpts{Options: []wire.Option{wire.Opt(ilnp.OptTypeNonce, nonce)},
					SetHdrExtLen: true, HdrExtLen: 3}), forgedPort, sinkPort, attack.ChecksumIPv6, nil)),
			)
		}
		n := r.send(r.ee, pkts...)
		return outcome{sent: n, core: map[string]int{"Ip6InHdrErrors": n},
			note: "truncated options are core IPv6's to drop (Ip6InHdrErrors); ILNP sees none of them"}
	}},
	{name: "bad_option_length", victim: "cn", forged: true, attack: func(r *run) outcome {
		var pkts [][]byte
		for _, n := range []int{0, 2, 5, 8, 13, 16} {
			data := append(r.mnNonce(), make([]byte, 16)...)[:n]
			pkts = append(pkts, r.udpFromMN(attack.Nonce(data), attack.ChecksumIPv6, fmt.Sprintf("len%d", n)))
		}
		n := r.send(r.ee, pkts...)
		return outcome{sent: n, want: map[string]int{"nonce_malformed": n}}
	}},
	{name: "non_session_address", victim: "cn", forged: true, attack: func(r *run) outcome {
		mnNID := r.MNAddr
		linkLocal := attack.SetNID(netip.MustParsePrefix("fe80::/64"), mnNID)
		ownNID := attack.SetNID(testbed.AttackerNet, testbed.CNAddr)
		v4mapped := netip.MustParseAddr("::ffff:198.51.100.7")
		allNodes := netip.MustParseAddr("ff02::1")
		var n int
		for _, v := range []struct {
			s        attack.Sender
			src, dst netip.Addr
			what     string
		}{
			// On CN's link: from a neighbour of CN.
			{r.onLink, linkLocal, testbed.CNAddr, "link-local source"},
			{r.onLinkAll, r.MNAddr, allNodes, "multicast destination"},
			{r.onLink, netip.IPv6Unspecified(), testbed.CNAddr, "unspecified source"},
			// Routed from EE.
			{r.ee, ownNID, testbed.CNAddr, "CN's own NID as source"},
			{r.ee, v4mapped, testbed.CNAddr, "v4-mapped source"},
		} {
			h := attack.Header{Src: v.src, Dst: v.dst, Options: attack.Nonce(r.mnNonce())}
			pkt := must(r.t)(attack.UDP(h, forgedPort, sinkPort, attack.ChecksumIPv6, []byte(r.tag()+v.what)))
			n += r.send(v.s, pkt, pkt)
		}
		return outcome{sent: n, want: map[string]int{"nonce_bad_addr": n},
			note: "two each: link-local source, multicast destination and unspecified source on CN's link; CN's own NID and a v4-mapped source routed from EE (MN's nonce in all)"}
	}},
	{name: "hijack", victim: "mn", learns: true, exempt: []string{"sessions_created", "fallbacks"}, attack: hijack},
	ppRow("pp_nonce_option_not_ours", false, func(int) uint32 { return ppNoncePointer }),
	ppRow("pp_pointer_0", true, func(int) uint32 { return 0 }),
	ppRow("pp_pointer_end", true, func(quoted int) uint32 { return uint32(quoted) }),
	ppRow("pp_pointer_0x7fffffff", true, func(int) uint32 { return 0x7fffffff }),
	ppRow("pp_pointer_0xffffffff", true, func(int) uint32 { return 0xffffffff }),
	luRow("lu_zero_locators", "lu_malformed", func(r *run, i int) (uint8, []byte) {
		return 1, luBody(&wire.LocatorUpdate{NumLocs: 0, Operation: ilnp.LUAdvertisement})
	}),
	luRow("lu_too_many_locators", "lu_malformed", func(r *run, i int) (uint8, []byte) {
		recs := []wire.LocatorRecord{aaRecord}
		for j := range 8 + i {
			recs = append(recs, attack.Record(netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0, 2, 0, 0xe0, 0, byte(j)}), 64), 1, 15))
		}
		return 1, luBody(&wire.LocatorUpdate{NumLocs: uint8(len(recs)), Operation: ilnp.LUAdvertisement, Locators: recs})
	}),
	luRow("lu_truncated", "lu_malformed", func(r *run, i int) (uint8, []byte) {
		bb := attack.Record(testbed.AccessNets[1].Prefix, 1, 15)
		switch i {
		case 0: // two announced, one there
			return 1, luBody(&wire.LocatorUpdate{NumLocs: 2, Operation: ilnp.LUAdvertisement, Locators: []wire.LocatorRecord{aaRecord}})
		case 1: // a record cut after its locator
			return 1, luBody(&wire.LocatorUpdate{NumLocs: 1, Operation: ilnp.LUAdvertisement, Locators: []wire.LocatorRecord{aaRecord}})[:4+8]
		default: // the second record cut short
			return 1, luBody(&wire.LocatorUpdate{NumLocs: 2, Operation: ilnp.LUAdvertisement, Locators: []wire.LocatorRecord{aaRecord, bb}})[:4+16+10]
		}
	}),
	luRow("lu_bad_op", "lu_malformed", func(r *run, i int) (uint8, []byte) {
		// 1 to 4 are the advertisement, its ack, the probe and its reply.
		op := []ilnp.LUOp{0, 5, 255}[i%3]
		return 1, luBody(&wire.LocatorUpdate{NumLocs: 1, Operation: op, Locators: []wire.LocatorRecord{aaRecord}})
	}),
	luRow("lu_bad_code", "lu_malformed", func(r *run, i int) (uint8, []byte) {
		return []uint8{2, 128, 255}[i%3], luBody(&wire.LocatorUpdate{NumLocs: 1, Operation: ilnp.LUAdvertisement, Locators: []wire.LocatorRecord{aaRecord}})
	}),
	luRow("lu_reserved", "lu_malformed", func(r *run, i int) (uint8, []byte) {
		lu := &wire.LocatorUpdate{NumLocs: 1, Operation: ilnp.LUAdvertisement, Locators: []wire.LocatorRecord{aaRecord}}
		switch i % 3 {
		case 0:
			lu.Reserved = 1
		case 1:
			lu.Locators[0].Reserved = 0x8000
		default:
			lu.Reserved = 0x0100
		}
		return 1, luBody(lu)
	}),
	luRow("lu_link_local_locator", "lu_bad_locator", func(r *run, i int) (uint8, []byte) {
		return 1, luList(aaRecord, attack.Record(netip.MustParsePrefix("fe80::/64"), 1, 15))
	}),
	luRow("lu_multicast_locator", "lu_bad_locator", func(r *run, i int) (uint8, []byte) {
		return 1, luList(aaRecord, attack.Record(netip.MustParsePrefix("ff02::/64"), 1, 15))
	}),
	luRow("lu_duplicate_locators", "lu_bad_locator", func(r *run, i int) (uint8, []byte) {
		return 1, luList(aaRecord, aaRecord)
	}),
	{name: "lu_replay", victim: "cn", secs: 5, settle: 15 * time.Second, exempt: []string{"lu_received"}, prepare: captureLU, attack: func(r *run) outcome {
		n := r.send(r.ee, r.replay)
		return outcome{sent: n, want: map[string]int{"lu_unconfirmed": n},
			note: "replayed: MN's advertisement of aa and bb, captured at CN when MN gained bb, after MN lost bb again"}
	}},
	{name: "ilcc_flood", victim: "cn", secs: 30, settle: 30 * time.Second, learns: true,
		exempt: []string{"sessions_evicted", "no_session"}, attack: ilccFlood, check: checkILCCAfterFlood},
	{name: "lu_flood", victim: "cn", secs: 5, settle: 15 * time.Second, exempt: []string{"lu_received"}, attack: luFlood},
	{name: "nonce_disclosure", victim: "mn", attack: nonceDisclosure},
	{name: "transit_untouched", victim: "cn", prepare: routerSpeaksILNP, attack: func(r *run) outcome {
		return outcome{note: "R4, which routes MN's and CN's packets, is an ILNP host that knows both as peers"}
	}, check: checkRouterUntouched},
	{name: "static_peer_first_packet", victim: "mn", fresh: true, exempt: guarded, attack: staticFirstPacket},
	ppRow("pp_pointer_0x80000000", true, func(int) uint32 { return 0x80000000 }),
	// Last: on a kernel that reads the quoted packet at a signed
	// offset, a pointer past 0x80000000 by more than the packet's
	// linear data makes it read 2 GiB before the packet and takes the
	// guest down; the rows before have reported by then.
	ppRow("pp_pointer_0x80010000", true, func(int) uint32 { return 0x80010000 }),
}

// aaRecord is the LU record of MN's locator on aa.
var aaRecord = attack.Record(testbed.AccessNets[0].Prefix, 1, 15)

// fromMN is the IPv6 header of a packet that claims to come from MN (its
// address on aa) and goes to CN.
func (r *run) fromMN(opts gopacket.SerializableLayer) attack.Header {
	return attack.Header{Src: r.MNAddr, Dst: testbed.CNAddr, Options: opts}
}

// udpFromMN is a datagram "from MN" to CN's sink, tagged with the row.
func (r *run) udpFromMN(opts gopacket.SerializableLayer, sum attack.Checksum, what string) []byte {
	return must(r.t)(attack.UDP(r.fromMN(opts), forgedPort, sinkPort, sum, []byte(r.tag()+what)))
}

// tcpFromMN is a segment "from MN" in the ports of the live TCP
// connection; its sequence numbers are random, as an off-path
// attacker's would be.
func (r *run) tcpFromMN(opts gopacket.SerializableLayer, sum attack.Checksum) []byte {
	seg := &layers.TCP{SrcPort: layers.TCPPort(r.f.tcpPort), DstPort: layers.TCPPort(labtest.IperfPort),
		Seq: r.rng.Uint32(), Ack: r.rng.Uint32(), ACK: true, Window: 512}
	return must(r.t)(attack.TCP(r.fromMN(opts), seg, sum, nil))
}

// toCN is n datagrams to CN's sink and n segments into the TCP
// connection, alternating, each with the nonce nonce() (none when nonce
// is nil).
func (r *run) toCN(n int, nonce func() []byte, sum attack.Checksum) [][]byte {
	opts := func() gopacket.SerializableLayer {
		if nonce == nil {
			return nil
		}
		return attack.Nonce(nonce())
	}
	var pkts [][]byte
	for i := range n {
		pkts = append(pkts, r.udpFromMN(opts(), sum, fmt.Sprint(i)), r.tcpFromMN(opts(), sum))
	}
	return pkts
}

// hijack replays issue 11's scenario: one datagram with any nonce from
// EE's own address to MN, then MN sends to its router R1 (a plain IPv6
// host whose interface identifier is ::1, as EE's is): pings and
// datagrams. EE must receive nothing of what was meant for R1.
func hijack(r *run) outcome {
	t := r.t
	pcap := filepath.Join(t.TempDir(), "ee.pcap")
	capture, err := r.EE.StartCapture("ee", pcap)
	if err != nil {
		t.Fatal(err)
	}
	router := openSink(t, r.R1, routerPort)
	r1 := netip.AddrFrom16(addr16(testbed.AccessNets[0].Prefix, 1))
	h := attack.Header{Src: testbed.AttackerAddr, Dst: r.MNAddr, Options: attack.Nonce([]byte{1, 2, 3, 4})}
	n := r.send(r.eeRaw, must(t)(attack.UDP(h, forgedPort, sinkPort, attack.ChecksumIPv6, []byte(r.tag()+"bait"))))
	time.Sleep(time.Second)

	const count = 5
	ping, pingErr := r.MN.Run(context.Background(), "ping", "-6", "-c", fmt.Sprint(count), "-i", "0.2", "-W", "1", r1.String())
	var payloads []string
	for i := range count {
		payloads = append(payloads, fmt.Sprintf("%sfor-R1:%d", r.tag(), i))
	}
	if err := sendUDP(r.MN, netip.AddrPortFrom(r1, routerPort), payloads...); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if err := capture.Stop(); err != nil {
		t.Fatal(err)
	}

	mnNID := r.MNAddr.As16()
	var echo, dgrams, other int
	readPcap(t, pcap, func(p gopacket.Packet) {
		ip6, ok := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
		if !ok || string(ip6.SrcIP[8:]) != string(mnNID[8:]) {
			return
		}
		switch {
		case isEchoRequest(p):
			echo++
		case isUDPTo(p, routerPort):
			dgrams++
		default:
			other++
		}
	})
	if echo+dgrams > 0 {
		t.Errorf("EE received what MN sent to its router %s: %d echo requests and %d datagrams", r1, echo, dgrams)
	}
	got := len(router.with(r.tag() + "for-R1"))
	if got != count {
		t.Errorf("R1 received %d of MN's %d datagrams", got, count)
	}
	if pingErr != nil {
		t.Errorf("MN's ping of R1: %v\n%s", pingErr, ping)
	}
	return outcome{sent: n, atLeast: map[string]int{"probe_sent": 1},
		note: fmt.Sprintf("EE received %d echo requests and %d datagrams meant for R1 (and %d other packets from MN); R1 received %d of %d datagrams; MN's ping of R1: %s",
			echo, dgrams, other, got, count, pingSummary(ping))}
}

// ppNoncePointer is where a Parameter Problem about our nonce points in
// the packets ppRow quotes: the nonce option's type, after the IPv6
// header and the two octets of the options header.
const ppNoncePointer = 40 + 2

// ppRow is a row of forged Parameter Problems (code 2, unrecognized
// option) "from CN" to MN, each quoting a segment of MN's TCP connection
// to CN with MN's nonce (ours) or not, and pointing where pointer says.
func ppRow(name string, ours bool, pointer func(quotedLen int) uint32) row {
	return row{name: name, victim: "mn", attack: func(r *run) outcome {
		nonce := r.mnNonce()
		if !ours {
			nonce = attack.Flip(nonce)
		}
		quoted := r.tcpFromMN(attack.Nonce(nonce), attack.ChecksumIPv6)
		p := pointer(len(quoted))
		pkt := must(r.t)(attack.ParameterProblem(attack.Header{Src: testbed.CNAddr, Dst: r.MNAddr}, 2, p, quoted))
		n := r.send(r.ee, pkt, pkt, pkt)
		return outcome{sent: n, want: map[string]int{"icmp_rejected": n},
			note: fmt.Sprintf("pointer %#x into a quoted packet of %d octets carrying %s nonce", p, len(quoted), map[bool]string{true: "MN's own", false: "a wrong"}[ours])}
	}}
}

// luRow is a row of Locator Updates "from MN" to CN that a broken or
// malicious peer sends: three with MN's real nonce, which must be dropped
// and counted as counter, and two with a wrong nonce (bad_nonce). build
// returns the code and body of the i-th.
func luRow(name, counter string, build func(r *run, i int) (code uint8, body []byte)) row {
	return row{name: name, victim: "cn", attack: func(r *run) outcome {
		var pkts [][]byte
		for i := range 5 {
			nonce := r.mnNonce()
			if i >= 3 {
				nonce = attack.Flip(nonce)
			}
			code, body := build(r, i)
			pkts = append(pkts, must(r.t)(attack.ICMPv6(r.fromMN(attack.Nonce(nonce)), ilnp.ICMPv6TypeLocatorUpdate, code, body)))
		}
		n := r.send(r.ee, pkts...)
		return outcome{sent: n, want: map[string]int{counter: 3, "bad_nonce": n - 3}}
	}}
}

// luBody is the serialized message of lu, its fields as set.
func luBody(lu *wire.LocatorUpdate) []byte {
	buf := gopacket.NewSerializeBuffer()
	if err := lu.SerializeTo(buf, gopacket.SerializeOptions{}); err != nil {
		panic(err) // only more than 255 records fail, which no row has
	}
	return buf.Bytes()
}

// luList is an advertisement of the records.
func luList(recs ...wire.LocatorRecord) []byte {
	return luBody(&wire.LocatorUpdate{NumLocs: uint8(len(recs)), Operation: ilnp.LUAdvertisement, Locators: recs})
}

// luFilter captures ICMPv6 Locator Updates behind an 8-octet destination
// options header (a 32-bit nonce).
const luFilter = "ip6[6] == 60 and ip6[40] == 58 and ip6[48] == 156"

// captureLU prepares the replay: MN gains bb and loses it again, each
// move acknowledged by CN; the LU MN sent when it gained bb (listing aa
// and bb), captured at CN, is what EE replays.
func captureLU(r *run) {
	t := r.t
	pcap := filepath.Join(t.TempDir(), "cn-lu.pcap")
	capture, err := r.CN.StartCaptureWith("dd", pcap, testbed.CaptureOptions{Filter: luFilter})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := r.mover.Gain(ctx, "bb"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := r.mover.Lose(ctx, "bb"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if err := capture.Stop(); err != nil {
		t.Fatal(err)
	}
	mnNID := r.MNAddr.As16()
	readPcap(t, pcap, func(p gopacket.Packet) {
		ip6, ok := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
		if !ok || r.replay != nil || string(ip6.SrcIP[8:]) != string(mnNID[8:]) {
			return
		}
		var lu wire.LocatorUpdate
		body := ip6.Payload[8+4:] // past the nonce header and the ICMPv6 header
		if err := lu.DecodeFromBytes(body, gopacket.NilDecodeFeedback); err != nil || lu.Operation != ilnp.LUAdvertisement || len(lu.Locators) != 2 {
			return
		}
		r.replay = append(ip6.Contents[:len(ip6.Contents):len(ip6.Contents)], ip6.Payload...)
	})
	if r.replay == nil {
		t.Fatal("no advertisement of two locators from MN in CN's capture of the move")
	}
	cn, _ := r.entry(t, r.CN, r.MNAddr)
	r.logf("captured MN's LU of aa and bb (%d octets); CN's view of MN after the second move: %s", len(r.replay), entryState(cn))
}

// ilccFlood sends 100,000 datagrams with a nonce, each from another NID,
// spread over 4096 /64s of EE's space (an attacker sidesteps a limit per
// /64 that way), at the rate a minute's worth asks and more.
func ilccFlood(r *run) outcome {
	const n = 100000
	rng := rand.New(rand.NewPCG(100000, 6744))
	res, err := attack.Flood(context.Background(), r.ee, n, 4000, func(i int) ([]byte, error) {
		base := testbed.AttackerSpace.Addr().As16()
		binary.BigEndian.PutUint16(base[6:], uint16(i%4096))
		binary.BigEndian.PutUint64(base[8:], rng.Uint64()|1)
		var nonce [4]byte
		binary.BigEndian.PutUint32(nonce[:], rng.Uint32())
		h := attack.Header{Src: netip.AddrFrom16(base), Dst: testbed.CNAddr, Options: attack.Nonce(nonce[:])}
		return attack.UDP(h, forgedPort, discardPort, attack.ChecksumIPv6, []byte("flood"))
	})
	if err != nil {
		r.t.Fatalf("flood: %v after %s", err, res)
	}
	return outcome{sent: res.Sent, sum: []string{"learn_ratelimited", "sessions_created"},
		note: fmt.Sprintf("ILCC flood: %s, %d retries; 100,000 in a minute is 1667/s", res, res.Retries)}
}

// checkILCCAfterFlood: CN's ILCC still takes a peer from its
// administrator.
func checkILCCAfterFlood(r *run) {
	t := r.t
	peers := r.peers(t, r.CN)
	r.logf("CN's ILCC holds %d entries after the flood", len(peers))
	const probe = "2001:2:dd:dd::99"
	if out, err := r.CN.Run(context.Background(), r.ctl, "peer", "add", probe); err != nil {
		t.Errorf("after the flood CN cannot add a peer: %v", err)
		r.logf("ilnpctl peer add after the flood: %s", strings.TrimSpace(out))
		return
	}
	if _, err := r.CN.Run(context.Background(), r.ctl, "peer", "del", probe); err != nil {
		t.Error(err)
	}
}

// luFlood sends 20,000 advertisements "from MN" with MN's nonce listing
// the locator CN already has for MN, at 10,000 a second: each would draw
// an acknowledgment to MN without a limit.
func luFlood(r *run) outcome {
	t := r.t
	pcap := filepath.Join(t.TempDir(), "mn-acks.pcap")
	capture, err := r.MN.StartCaptureWith("aa", pcap, testbed.CaptureOptions{Filter: luFilter, Snaplen: 96})
	if err != nil {
		t.Fatal(err)
	}
	pkt := must(t)(attack.ICMPv6(r.fromMN(attack.Nonce(r.mnNonce())), ilnp.ICMPv6TypeLocatorUpdate, ilnp.LUCodeReplaceSoft, luList(aaRecord)))
	const n = 20000
	res, err := attack.Flood(context.Background(), r.ee, n, 10000, func(int) ([]byte, error) { return pkt, nil })
	if err != nil {
		t.Fatalf("flood: %v after %s", err, res)
	}
	time.Sleep(2 * time.Second)
	if err := capture.Stop(); err != nil {
		t.Fatal(err)
	}
	var acks int
	readPcap(t, pcap, func(p gopacket.Packet) {
		if ip6, ok := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6); ok && netip.AddrFrom16([16]byte(ip6.SrcIP.To16())) == testbed.CNAddr {
			acks++
		}
	})
	return outcome{sent: res.Sent, sum: []string{"lu_duplicate", "lu_ratelimited"},
		note: fmt.Sprintf("LU flood: %s, %d retries; MN received %d LU messages from CN (acks reflected; the capture missed %d)",
			res, res.Retries, acks, capture.Dropped)}
}

// nonceDisclosure: a datagram CN sends MN reaches MN's sink, which asked
// for the destination options (IPV6_RECVDSTOPTS, no privilege needed);
// the nonce in them must read as padding.
func nonceDisclosure(r *run) outcome {
	t := r.t
	tag := r.tag() + "from-CN"
	if err := sendUDP(r.CN, netip.AddrPortFrom(r.MNAddr, sinkPort), tag); err != nil {
		t.Fatal(err)
	}
	d, ok := r.mnSink.waitFor(tag, 3*time.Second)
	if !ok {
		t.Fatal("CN's datagram did not reach MN's sink")
	}
	cmsgs, err := unix.ParseSocketControlMessage(d.oob)
	if err != nil {
		t.Fatalf("ancillary data: %v", err)
	}
	var opts []byte
	for _, m := range cmsgs {
		if m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_DSTOPTS {
			opts = m.Data
		}
	}
	cnNonce := r.cnNonce()
	switch {
	case opts == nil:
		t.Errorf("MN's socket got no destination options with CN's datagram (%d octets of ancillary data)", len(d.oob))
	case strings.Contains(string(opts), string(cnNonce)):
		t.Errorf("MN's unprivileged socket reads CN's nonce %x in the destination options % x", cnNonce, opts)
	default:
		var dst wire.DestOpts
		if err := dst.DecodeFromBytes(opts, gopacket.NilDecodeFeedback); err != nil {
			t.Errorf("destination options % x: %v", opts, err)
		} else if dst.HasNonceOption() {
			t.Errorf("the destination options still hold a nonce option (%s): % x", dst.Nonce, opts)
		}
	}
	return outcome{note: fmt.Sprintf("destination options handed to MN's socket: % x (CN's nonce %x)", opts, cnNonce)}
}

// staticFirstPacket: MN has just registered CN, whose nonce it does not
// know yet; EE speaks first "as CN" with a nonce of its own. MN must not
// take it: once CN speaks, MN expects CN's nonce and the flows run.
func staticFirstPacket(r *run) outcome {
	t := r.t
	nonce := []byte{0xee, 0xee, 0x00, 0x01}
	h := attack.Header{Src: testbed.CNAddr, Dst: r.MNAddr, Options: attack.Nonce(nonce)}
	pkt := must(t)(attack.UDP(h, forgedPort, sinkPort, attack.ChecksumIPv6, []byte(r.tag()+"first")))
	n := r.send(r.ee, pkt, pkt)
	time.Sleep(500 * time.Millisecond)
	r.establish(t)
	mn, _ := r.entry(t, r.MN, testbed.CNAddr)
	cn, _ := r.entry(t, r.CN, r.MNAddr)
	if mn.NonceRx != cn.NonceTx {
		t.Errorf("MN expects nonce %s from CN, CN sends %s (EE's was %x)", mn.NonceRx.Hex(), cn.NonceTx.Hex(), nonce)
	}
	r.mnPeer = mn
	return outcome{sent: n, atLeast: map[string]int{"probe_sent": 1},
		note: fmt.Sprintf("MN expects %s from CN, CN sends %s, EE sent %x first", mn.NonceRx.Hex(), cn.NonceTx.Hex(), nonce)}
}

// routerSpeaksILNP makes R4 an ILNP host (as a host that routes for
// containers or a phone that tethers is) that has MN and CN as peers,
// until the row ends.
func routerSpeaksILNP(r *run) {
	t := r.t
	ctx := context.Background()
	if err := r.R4.WriteSysctl("net.ipv6.handoff_mode", "1"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = r.R4.WriteSysctl("net.ipv6.handoff_mode", "0")
		for _, a := range []netip.Addr{testbed.CNAddr, r.MNAddr} {
			_, _ = r.R4.Run(ctx, r.ctl, "peer", "del", a.String())
		}
	})
	for _, a := range []netip.Addr{testbed.CNAddr, r.MNAddr} {
		if out, err := r.R4.Run(ctx, r.ctl, "peer", "add", a.String()); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
}

// checkRouterUntouched: R4 forwarded MN's and CN's packets without
// putting its nonce on any.
func checkRouterUntouched(r *run) {
	c := r.counters(r.t, r.R4)
	if c["pkts_out"] != 0 {
		r.t.Errorf("R4 sent %d packets as ILNP packets of its own while it only forwarded MN's and CN's", c["pkts_out"])
	}
	r.logf("R4's counters: pkts_out %d, pkts_in %d, bad_nonce %d", c["pkts_out"], c["pkts_in"], c["bad_nonce"])
}

// readPcap calls f with every packet of a capture.
func readPcap(t interface {
	Helper()
	Fatal(...any)
}, path string, f func(gopacket.Packet)) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rd, err := pcapgo.NewReader(fh)
	if err != nil {
		t.Fatal(err)
	}
	src := gopacket.NewPacketSource(rd, rd.LinkType())
	for p := range src.Packets() {
		f(p)
	}
}

func isEchoRequest(p gopacket.Packet) bool {
	icmp, ok := p.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6)
	return ok && icmp.TypeCode.Type() == layers.ICMPv6TypeEchoRequest
}

func isUDPTo(p gopacket.Packet, port int) bool {
	udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
	return ok && int(udp.DstPort) == port
}

// addr16 is the address with interface identifier id in a /64.
func addr16(p netip.Prefix, id uint16) [16]byte {
	b := p.Masked().Addr().As16()
	b[14], b[15] = byte(id>>8), byte(id)
	return b
}

// pingSummary is ping's packet line.
func pingSummary(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "packets transmitted") {
			return strings.TrimSpace(line)
		}
	}
	return strings.TrimSpace(out)
}
