package attack

import (
	"context"
	"encoding/binary"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"golang.org/x/sys/unix"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

var (
	mn = netip.MustParseAddr("2001:2:aa:aa::a:1")
	cn = netip.MustParseAddr("2001:2:dd:dd::c")
)

// decode parses a forged packet with gopacket and wire's DestOpts, the
// way a capture reader would.
func decode(t *testing.T, pkt []byte) (gopacket.Packet, *wire.DestOpts) {
	t.Helper()
	p := gopacket.NewPacket(pkt, layers.LayerTypeIPv6, gopacket.Default)
	if el := p.ErrorLayer(); el != nil {
		t.Fatalf("decode: %v", el.Error())
	}
	var d *wire.DestOpts
	if p.Layer(layers.LayerTypeIPv6Destination) != nil {
		ip6 := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
		d = &wire.DestOpts{}
		if err := d.DecodeFromBytes(ip6.Payload, gopacket.NilDecodeFeedback); err != nil {
			t.Fatalf("destination options: %v", err)
		}
	}
	return p, d
}

func pseudo(pkt []byte, proto layers.IPProtocol, segment []byte) wire.PseudoHeader {
	var src, dst [16]byte
	copy(src[:], pkt[8:24])
	copy(dst[:], pkt[24:40])
	return wire.PseudoHeader{Src: src, Dst: dst, Length: uint32(len(segment)), Proto: uint8(proto)}
}

func TestUDPChecksums(t *testing.T) {
	nonce := []byte{1, 2, 3, 4}
	for _, tc := range []struct {
		name    string
		opts    gopacket.SerializableLayer
		sum     Checksum
		nidOnly bool
		nonce   string
	}{
		{"ILNP", Nonce(nonce), ChecksumNIDOnly, true, "01020304"},
		{"plain IPv6", nil, ChecksumIPv6, false, ""},
		{"nonce of 5 octets", Nonce([]byte{1, 2, 3, 4, 5}), ChecksumNIDOnly, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkt, err := UDP(Header{Src: mn, Dst: cn, Options: tc.opts}, 40000, 9999, tc.sum, []byte("forged"))
			if err != nil {
				t.Fatal(err)
			}
			p, d := decode(t, pkt)
			udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
			if !ok {
				t.Fatalf("no UDP layer in % x", pkt)
			}
			seg := append(append([]byte(nil), udp.Contents...), udp.Payload...)
			ph := pseudo(pkt, layers.IPProtocolUDP, seg)
			if tc.nidOnly {
				ph = ph.NIDOnly()
			}
			if !wire.VerifyChecksum(ph, seg) {
				t.Errorf("checksum %#04x does not verify (NID-only %v)", udp.Checksum, tc.nidOnly)
			}
			if (d != nil) != (tc.opts != nil) {
				t.Fatalf("destination options present %v, want %v", d != nil, tc.opts != nil)
			}
			if d != nil && d.Nonce.Hex() != tc.nonce {
				t.Errorf("nonce %q, want %q", d.Nonce.Hex(), tc.nonce)
			}
			if d != nil && d.NextHeader != layers.IPProtocolUDP {
				t.Errorf("options' next header %v", d.NextHeader)
			}
		})
	}
}

func TestLocatorUpdate(t *testing.T) {
	aa := Record(netip.MustParsePrefix("2001:2:aa:aa::/64"), 1, 15)
	lu := &wire.LocatorUpdate{NumLocs: 2, Operation: ilnp.LUAdvertisement, Reserved: 7, Locators: []wire.LocatorRecord{aa}}
	pkt, err := LocatorUpdate(Header{Src: mn, Dst: cn, Options: Nonce([]byte{9, 9, 9, 9})}, 1, lu)
	if err != nil {
		t.Fatal(err)
	}
	p, d := decode(t, pkt)
	if d == nil || d.NextHeader != layers.IPProtocolICMPv6 {
		t.Fatalf("destination options %+v", d)
	}
	icmp := p.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6)
	if icmp.TypeCode.Type() != ilnp.ICMPv6TypeLocatorUpdate || icmp.TypeCode.Code() != 1 {
		t.Errorf("type/code %v", icmp.TypeCode)
	}
	seg := append(append([]byte(nil), icmp.Contents...), icmp.Payload...)
	if !wire.VerifyChecksum(pseudo(pkt, layers.IPProtocolICMPv6, seg), seg) {
		t.Errorf("ICMPv6 checksum does not verify")
	}
	// As set: two announced, one there, reserved 7.
	want := []byte{2, 1, 0, 7}
	if got := icmp.Payload[:4]; string(got) != string(want) {
		t.Errorf("header % x, want % x", got, want)
	}
	if got := binary.BigEndian.Uint64(icmp.Payload[4:]); got != 0x2001_0002_00aa_00aa {
		t.Errorf("locator %#x", got)
	}
}

func TestProbe(t *testing.T) {
	aa := Record(netip.MustParsePrefix("2001:2:aa:aa::/64"), 1, 15)
	bb := Record(netip.MustParsePrefix("2001:2:bb:bb::/64"), 2, 15)
	tests := []struct {
		name string
		op   ilnp.LUOp
		ch   ilnp.Challenge
		recs []wire.LocatorRecord
		err  string
	}{
		{name: "probe of a set", op: ilnp.LUProbe, ch: 0x0123456789abcdef, recs: []wire.LocatorRecord{aa, bb}},
		{name: "reply without records", op: ilnp.LUProbeReply, ch: 1},
		{name: "challenge 0 is sent as asked", op: ilnp.LUProbe, ch: 0, recs: []wire.LocatorRecord{bb}},
		{name: "an advertisement", op: ilnp.LUAdvertisement, ch: 1, err: "want probe or probe-reply"},
		{name: "nine records", op: ilnp.LUProbe, ch: 1, recs: make([]wire.LocatorRecord, 9), err: "at most 8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pkt, err := Probe(Header{Src: cn, Dst: mn, Options: Nonce([]byte{9, 9, 9, 9})}, tc.op, tc.ch, tc.recs...)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p, _ := decode(t, pkt)
			icmp := p.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6)
			if icmp.TypeCode.Type() != ilnp.ICMPv6TypeLocatorUpdate || icmp.TypeCode.Code() != 0 {
				t.Errorf("type/code %v", icmp.TypeCode)
			}
			seg := append(append([]byte(nil), icmp.Contents...), icmp.Payload...)
			if !wire.VerifyChecksum(pseudo(pkt, layers.IPProtocolICMPv6, seg), seg) {
				t.Errorf("ICMPv6 checksum does not verify")
			}
			// The challenge at offset 8 of the message, the records at 16.
			if len(seg) != 16+16*len(tc.recs) || seg[4] != byte(len(tc.recs)) || seg[5] != byte(tc.op) ||
				binary.BigEndian.Uint64(seg[8:16]) != uint64(tc.ch) {
				t.Fatalf("message % x", seg)
			}
			for i, r := range tc.recs {
				if got := binary.BigEndian.Uint64(seg[16+16*i:]); got != uint64(r.Locator) {
					t.Errorf("record %d locator %#x, want %v", i, got, r.Locator)
				}
			}
			var lu wire.LocatorUpdate
			if err := lu.DecodeFromBytes(icmp.Payload, gopacket.NilDecodeFeedback); err != nil {
				t.Fatal(err)
			}
			if lu.Operation != tc.op || lu.Challenge != tc.ch || !wire.SameLocators(lu.Locators, tc.recs) {
				t.Errorf("decoded %+v", lu)
			}
		})
	}
}

func TestParameterProblem(t *testing.T) {
	quoted, err := UDP(Header{Src: mn, Dst: cn, Options: Nonce([]byte{1, 2, 3, 4})}, 1, 2, ChecksumNIDOnly, nil)
	if err != nil {
		t.Fatal(err)
	}
	pkt, err := ParameterProblem(Header{Src: cn, Dst: mn}, 2, 0x80000000, quoted)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := decode(t, pkt)
	icmp := p.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6)
	if icmp.TypeCode != layers.CreateICMPv6TypeCode(4, 2) {
		t.Errorf("type/code %v", icmp.TypeCode)
	}
	if got := binary.BigEndian.Uint32(icmp.Payload); got != 0x80000000 {
		t.Errorf("pointer %#x", got)
	}
	if string(icmp.Payload[4:]) != string(quoted) {
		t.Errorf("quoted % x, want % x", icmp.Payload[4:], quoted)
	}
	long, err := ParameterProblem(Header{Src: cn, Dst: mn}, 0, 0, make([]byte, 3000))
	if err != nil {
		t.Fatal(err)
	}
	if len(long) != 1280 {
		t.Errorf("an error quoting 3000 octets is %d long, want the minimum MTU 1280", len(long))
	}
}

func TestHeaderErrors(t *testing.T) {
	if _, err := UDP(Header{Src: netip.MustParseAddr("192.0.2.1"), Dst: cn}, 1, 2, ChecksumIPv6, nil); err == nil {
		t.Error("IPv4 source accepted")
	}
	if _, err := UDP(Header{Src: mn, Dst: cn, Options: gopacket.Payload{1}}, 1, 2, ChecksumIPv6, nil); err == nil {
		t.Error("options of another layer type accepted")
	}
}

type countSender struct {
	n, refuse int
}

func (c *countSender) Send([]byte) error {
	if c.refuse > 0 {
		c.refuse--
		return unix.ENOBUFS
	}
	c.n++
	return nil
}

func (c *countSender) Close() error { return nil }

func TestFlood(t *testing.T) {
	s := &countSender{refuse: 3}
	res, err := Flood(context.Background(), s, 200, 1000, func(i int) ([]byte, error) { return []byte{byte(i)}, nil })
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 200 || s.n != 200 || res.Retries != 3 {
		t.Errorf("sent %d (sender saw %d), retries %d; want 200, 200, 3", res.Sent, s.n, res.Retries)
	}
	// 200 packets at 1000/s take about 0.2 s: not much less.
	if res.Elapsed < 150*time.Millisecond {
		t.Errorf("200 packets at 1000/s took %s", res.Elapsed)
	}
	boom := errors.New("boom")
	if _, err := Flood(context.Background(), s, 5, 0, func(int) ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("Flood error %v, want the generator's", err)
	}
}
