package fuzz

import (
	"bytes"
	"context"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
	"golang.org/x/sys/unix"

	"github.com/ilnp-linux/ilnp/tools/wire"
)

var testSessions = []Session{{
	Victim:       netip.MustParseAddr("2001:2:dd:dd::c"),
	Peer:         netip.MustParseAddr("2001:2:aa:aa::a:1"),
	PeerLocators: []netip.Prefix{netip.MustParsePrefix("2001:2:aa:aa::/64"), netip.MustParsePrefix("2001:2:bb:bb::/64")},
	VictimNonce:  []byte{1, 2, 3, 4},
	PeerNonce:    []byte{5, 6, 7, 8},
	Ports:        []uint16{5001, 40000},
}}

var spoof = netip.MustParsePrefix("2001:2:ef::/48")

// TestPacketReproducible: packet i of a seed is the same every time,
// another seed gives others, and every packet goes to the victim.
func TestPacketReproducible(t *testing.T) {
	kinds := map[string]int{}
	differ := 0
	for i := range 2000 {
		k1, p1, err := Packet(42, i, testSessions, spoof)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		k2, p2, _ := Packet(42, i, testSessions, spoof)
		if k1 != k2 || !bytes.Equal(p1, p2) {
			t.Fatalf("packet %d of seed 42 differs between two calls", i)
		}
		if _, p3, _ := Packet(43, i, testSessions, spoof); !bytes.Equal(p1, p3) {
			differ++
		}
		kinds[k1]++
		if len(p1) < 40 || p1[0]>>4 != 6 {
			t.Fatalf("packet %d is no IPv6 packet: % x", i, p1)
		}
		if got := netip.AddrFrom16([16]byte(p1[24:40])); got != testSessions[0].Victim {
			t.Fatalf("packet %d goes to %s, not the victim", i, got)
		}
		if len(p1) > 1280 {
			t.Fatalf("packet %d is %d octets, more than the minimum MTU", i, len(p1))
		}
	}
	if differ < 1900 {
		t.Errorf("only %d of 2000 packets differ between seeds 42 and 43", differ)
	}
	for _, k := range []string{KindNonce, KindLU, KindError} {
		if kinds[k] < 300 {
			t.Errorf("%d packets of kind %s in 2000: %v", kinds[k], k, kinds)
		}
	}
}

// TestPacketShapes: the mutations reach what they are for: every LU
// operation including probes, Parameter Problems with the pointer that
// crashed a kernel, well-formed nonces and malformed ones.
func TestPacketShapes(t *testing.T) {
	ops := map[uint8]int{}
	var pointer8, okNonce, badNonce, errs, goodProbes, zeroChallenge int
	for i := range 5000 {
		kind, pkt, err := Packet(7, i, testSessions, spoof)
		if err != nil {
			t.Fatal(err)
		}
		p := gopacket.NewPacket(pkt, layers.LayerTypeIPv6, gopacket.Lazy)
		icmp, _ := p.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6)
		switch kind {
		case KindLU:
			if icmp != nil && len(icmp.Payload) >= 2 {
				ops[icmp.Payload[1]]++
			}
			var lu wire.LocatorUpdate
			if icmp != nil && lu.DecodeFromBytes(icmp.Payload, gopacket.NilDecodeFeedback) == nil && lu.Operation.IsProbe() {
				switch {
				case lu.Challenge == 0:
					zeroChallenge++
				case lu.Validate() == nil && lu.ValidateCode(icmp.TypeCode.Code()) == nil:
					goodProbes++
				}
			}
		case KindError:
			errs++
			if icmp != nil && icmp.TypeCode.Type() == layers.ICMPv6TypeParameterProblem && bytes.Equal(icmp.Payload[:4], []byte{0x80, 0, 0, 0}) {
				pointer8++
			}
		case KindNonce:
			if bytes.Contains(pkt, []byte{0x8b, 4, 5, 6, 7, 8}) {
				okNonce++
			} else {
				badNonce++
			}
		}
	}
	for _, op := range []uint8{1, 2, 3, 4} {
		if ops[op] == 0 {
			t.Errorf("no LU of operation %d: %v", op, ops)
		}
	}
	// Probes in the form the kernel parses (challenge at offset 8,
	// records at 16), well formed and with the challenge it refuses.
	if goodProbes < 20 || zeroChallenge == 0 {
		t.Errorf("%d well-formed probes and replies, %d of challenge 0", goodProbes, zeroChallenge)
	}
	if pointer8 == 0 {
		t.Errorf("no Parameter Problem with pointer 0x80000000 in %d errors", errs)
	}
	if okNonce == 0 || badNonce == 0 {
		t.Errorf("%d packets with the peer's nonce, %d without", okNonce, badNonce)
	}
}

type countSender struct{ n int }

func (c *countSender) Send([]byte) error { c.n++; return nil }
func (c *countSender) Close() error      { return nil }

func TestPacketsBudget(t *testing.T) {
	s := &countSender{}
	rep, err := Packets(context.Background(), PacketConfig{Seed: 1, Budget: 300 * time.Millisecond, Rate: 1000, Sessions: testSessions, Spoof: spoof, Sender: s})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total != s.n || rep.Total < 100 || rep.Total > 400 {
		t.Errorf("sent %d (sender saw %d) in 300 ms at 1000/s", rep.Total, s.n)
	}
	if sum := rep.Sent[KindNonce] + rep.Sent[KindLU] + rep.Sent[KindError]; sum != rep.Total {
		t.Errorf("kinds add up to %d of %d: %v", sum, rep.Total, rep.Sent)
	}
	if _, err := Packets(context.Background(), PacketConfig{Budget: time.Millisecond, Sender: s}); err == nil {
		t.Error("no sessions accepted")
	}
}

func TestAttrsRoundTrip(t *testing.T) {
	inner, err := netlink.MarshalAttributes([]netlink.Attribute{{Type: 1, Data: []byte{0, 0, 0, 0, 0, 0, 0, 9}}, {Type: 3, Data: []byte{2}}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := netlink.MarshalAttributes([]netlink.Attribute{{Type: 2 | netlink.Nested, Data: inner}, {Type: 6, Data: []byte{4}}})
	if err != nil {
		t.Fatal(err)
	}
	as := parseAttrs(b, 0)
	if len(as) != 2 || !as[0].nested || len(as[0].children) != 2 || as[1].nested {
		t.Fatalf("parsed %+v", as)
	}
	if got := encodeAttrs(as); !bytes.Equal(got, b) {
		t.Errorf("re-encoded % x, want % x", got, b)
	}
}

func TestRequestReproducible(t *testing.T) {
	f := genetlink.Family{ID: 30, Version: 1, Name: "ilnp"}
	seeds := [][]byte{{8, 0, 1, 0, 1, 2, 3, 4}}
	cmds := map[uint8]bool{}
	for i := range 500 {
		m1, f1 := Request(9, i, f, seeds, 10)
		m2, f2 := Request(9, i, f, seeds, 10)
		if m1.Header != m2.Header || f1 != f2 || !bytes.Equal(m1.Data, m2.Data) {
			t.Fatalf("request %d of seed 9 differs between two calls", i)
		}
		if f1&netlink.Request == 0 || f1&netlink.Acknowledge == 0 {
			t.Fatalf("request %d has flags %#x: every request asks for an answer", i, f1)
		}
		cmds[m1.Header.Command] = true
	}
	for c := range uint8(10) {
		if !cmds[c] {
			t.Errorf("command %d never tried", c)
		}
	}
}

// TestNetlink runs the loop against a fake family that refuses odd
// commands and acknowledges even ones.
func TestNetlink(t *testing.T) {
	f := genetlink.Family{ID: 30, Version: 1, Name: "ilnp"}
	nc := nltest.Dial(func(reqs []netlink.Message) ([]netlink.Message, error) {
		if len(reqs) == 0 {
			return nil, io.EOF // nothing more to read
		}
		var gm genetlink.Message
		if err := gm.UnmarshalBinary(reqs[0].Data); err != nil {
			return nil, err
		}
		errno := 0 // an acknowledgment
		if gm.Header.Command%2 == 1 {
			errno = int(unix.EINVAL)
		}
		out, err := nltest.Error(errno, reqs)
		// The request's flags would read as NLM_F_CAPPED and
		// NLM_F_ACK_TLVS on an error; the kernel sets its own.
		out[0].Header.Flags = 0
		return out, err
	})
	c := genetlink.NewConn(nc)
	defer c.Close()
	rep, err := Netlink(context.Background(), NetlinkConfig{Seed: 3, Budget: 200 * time.Millisecond, Conn: c, Family: f, Commands: 4})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent == 0 || rep.Answers[1]["EINVAL"] == 0 || rep.Answers[2]["ok"] == 0 {
		t.Errorf("report %s", rep)
	}
}
