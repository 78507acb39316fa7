//go:build vmtest

package sessions

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"golang.org/x/sys/unix"

	"github.com/ilnp-linux/ilnp/internal/lab/labtest"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
	"github.com/ilnp-linux/ilnp/tools/ilnpctl/view"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// mnToken is MN's interface identifier on every network in the LU test,
// so that its addresses on aa and bb share one NID.
var mnToken = netip.MustParseAddr("::a:1")

// luRecord is one 16-octet locator record of the extended LU.
func luRecord(l64 string, pref uint16, lifetime uint32) []byte {
	p := netip.MustParsePrefix(l64 + "::/64").Addr().As16()
	b := make([]byte, 16)
	copy(b, p[:8])
	binary.BigEndian.PutUint16(b[8:], pref)
	binary.BigEndian.PutUint32(b[12:], lifetime)
	return b
}

// luBody is an LU from Num of Locs on: num, op, reserved, then records.
func luBody(num, op byte, recs ...[]byte) []byte {
	b := []byte{num, op, 0, 0}
	for _, r := range recs {
		b = append(b, r...)
	}
	return b
}

// luFrame builds an Ethernet frame from MN to CN holding an ICMPv6 LU with
// code 1 and body, behind a nonce option with nonce (none when nil).
func luFrame(t *testing.T, tb *labtest.Testbed, nonce, body []byte) []byte {
	t.Helper()
	mnLink, err := tb.MN.Link("aa")
	if err != nil {
		t.Fatal(err)
	}
	r1Link, err := tb.R1.Link("aa")
	if err != nil {
		t.Fatal(err)
	}
	src, dst := net.IP(tb.MNAddr.AsSlice()), net.IP(testbed.CNAddr.AsSlice())
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(156, 1)}
	if err := icmp.SetNetworkLayerForChecksum(&layers.IPv6{SrcIP: src, DstIP: dst, NextHeader: layers.IPProtocolICMPv6}); err != nil {
		t.Fatal(err)
	}
	icmpBuf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(icmpBuf, gopacket.SerializeOptions{ComputeChecksums: true}, icmp, gopacket.Payload(body)); err != nil {
		t.Fatal(err)
	}
	payload := icmpBuf.Bytes()
	next := layers.IPProtocolICMPv6
	if nonce != nil {
		opt := append([]byte{byte(layers.IPProtocolICMPv6), 0, 0x8b, byte(len(nonce))}, nonce...)
		payload = append(opt, payload...)
		next = layers.IPProtocolIPv6Destination
	}
	eth := &layers.Ethernet{SrcMAC: mnLink.Attributes.Address, DstMAC: r1Link.Attributes.Address, EthernetType: layers.EthernetTypeIPv6}
	ip6 := &layers.IPv6{Version: 6, NextHeader: next, HopLimit: 64, SrcIP: src, DstIP: dst, Length: uint16(len(payload))}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{}, eth, ip6, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sendFrames(t *testing.T, tb *labtest.Testbed, frames ...[]byte) {
	t.Helper()
	idx, err := tb.MN.LinkIndex("aa")
	if err != nil {
		t.Fatal(err)
	}
	err = tb.MN.Do(func() error {
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		for _, f := range frames {
			if err := unix.Sendto(fd, f, 0, &unix.SockaddrLinklayer{Ifindex: int(idx), Halen: 6}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("send frames: %v", err)
	}
	time.Sleep(time.Second)
}

func locatorStates(p view.Peer) map[string]string {
	m := map[string]string{}
	for _, l := range p.Locators {
		m[l.L64.String()] = l.State.String()
	}
	return m
}

// TestLocatorUpdateReceive: forged and malformed LUs are dropped with the
// matching counter raised and change nothing; an LU with MN's nonce that
// MN's kernel did not send is probed, refused by MN and not applied; MN's
// own LUs are applied (a new locator once MN answered CN's probe there)
// and acknowledged, and MN counts the acks.
func TestLocatorUpdateReceive(t *testing.T) {
	tb := labtest.NewTestbedWith(t, true, testbed.Options{MNNetworks: []string{"aa", "bb"}, MNToken: mnToken})
	ctx := context.Background()
	if out, err := tb.MN.Run(ctx, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", "-I", tb.MNAddr.String(), testbed.CNAddr.String()); err != nil {
		t.Fatalf("ping: %v\n%s", err, out)
	}
	p, ok := labtest.PeerByNID(labtest.ShowILCC(t, tb.MN), testbed.CNAddr)
	if !ok || p.NonceTx.IsZero() {
		t.Fatalf("MN's entry for CN has no nonce: %+v", p)
	}
	nonce := p.NonceTx.Bytes()
	cnView := func() map[string]string {
		p, ok := labtest.PeerByNID(labtest.ShowILCC(t, tb.CN), tb.MNAddr)
		if !ok {
			t.Fatal("CN has no entry for MN")
		}
		return locatorStates(p)
	}
	before, cnBefore := cnView(), labtest.ReadStats(t, tb.CN)

	aa, bb := luRecord("2001:2:aa:aa", 1, 15), luRecord("2001:2:bb:bb", 1, 15)
	wrong := append([]byte(nil), nonce...)
	wrong[0] ^= 0xff
	sendFrames(t, tb,
		luFrame(t, tb, wrong, luBody(1, 1, aa)),         // wrong nonce
		luFrame(t, tb, nil, luBody(1, 1, bb)),           // no nonce at all
		luFrame(t, tb, nonce, luBody(0, 1)),             // Num of Locs 0
		luFrame(t, tb, nonce, luBody(2, 1, aa)),         // truncated: 2 announced, 1 there
		luFrame(t, tb, nonce, luBody(1, 1, aa, bb[:4])), // length disagrees with Num of Locs
		luFrame(t, tb, nonce, luBody(2, 7, aa, bb)),     // Operation 7
	)
	cnAfter := labtest.ReadStats(t, tb.CN)
	if d := cnAfter[ilnpnl.StatBadNonce] - cnBefore[ilnpnl.StatBadNonce]; d != 1 {
		t.Errorf("bad-nonce counter rose by %d, want 1", d)
	}
	if d := cnAfter[ilnpnl.StatLUMalformed] - cnBefore[ilnpnl.StatLUMalformed]; d != 5 {
		t.Errorf("LU-malformed counter rose by %d, want 5", d)
	}
	if d := cnAfter[ilnpnl.StatLUReceived] - cnBefore[ilnpnl.StatLUReceived]; d != 0 {
		t.Errorf("LU-received counter rose by %d for forged LUs", d)
	}
	if got := cnView(); !equalStates(got, before) {
		t.Errorf("forged LUs changed CN's view of MN: %v, was %v", got, before)
	}

	// An advertisement with MN's nonce that MN's kernel did not send (a
	// replay, or a forgery by whoever saw the nonce): it would add bb, so
	// CN probes MN at bb, MN refuses to confirm a set it does not
	// advertise, and CN leaves MN's locators as they were, unacknowledged.
	mnBefore := labtest.ReadStats(t, tb.MN)
	sendFrames(t, tb, luFrame(t, tb, nonce, luBody(2, 1, aa, bb)))
	cnUnconf := waitStat(t, tb.CN, ilnpnl.StatLUUnconfirmed, cnAfter[ilnpnl.StatLUUnconfirmed]+1, 10*time.Second)
	mnUnconf := labtest.ReadStats(t, tb.MN)
	for _, c := range []struct {
		name      string
		got, want uint64
	}{
		{"CN: LUs received", cnUnconf[ilnpnl.StatLUReceived] - cnAfter[ilnpnl.StatLUReceived], 1},
		{"CN: LUs not confirmed", cnUnconf[ilnpnl.StatLUUnconfirmed] - cnAfter[ilnpnl.StatLUUnconfirmed], 1},
		{"MN: acks of LUs it never sent", mnUnconf[ilnpnl.StatLUAcked] - mnBefore[ilnpnl.StatLUAcked], 0},
		{"MN: packets rejected for their nonce", mnUnconf[ilnpnl.StatBadNonce] - mnBefore[ilnpnl.StatBadNonce], 0},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
	if d := cnUnconf[ilnpnl.StatProbeSent] - cnAfter[ilnpnl.StatProbeSent]; d == 0 {
		t.Errorf("CN sent no probe to confirm the LU")
	}
	if d := mnUnconf[ilnpnl.StatProbeRefused] - mnBefore[ilnpnl.StatProbeRefused]; d == 0 {
		t.Errorf("MN refused no probe for the set it does not advertise")
	}
	if got := cnView(); !equalStates(got, before) {
		t.Errorf("an LU MN did not confirm changed CN's view of MN: %v, was %v", got, before)
	}

	// MN's own advertisements: with bb disabled it advertises aa alone,
	// the set CN has (acknowledged at once); with bb enabled again aa and
	// bb, which CN applies once MN answers its probe at bb.
	for _, step := range []struct {
		disabled string
		want     map[string]string
	}{
		{"bb", map[string]string{"2001:2:aa:aa": "active"}},
		{"", map[string]string{"2001:2:aa:aa": "active", "2001:2:bb:bb": "active"}},
	} {
		acked := labtest.ReadStats(t, tb.MN)[ilnpnl.StatLUAcked]
		if err := tb.MN.WriteSysctl("net.ipv6.disabled_interface", step.disabled); err != nil {
			t.Fatal(err)
		}
		waitStat(t, tb.MN, ilnpnl.StatLUAcked, acked+1, 10*time.Second)
		if got := cnView(); !equalStates(got, step.want) {
			t.Errorf("disabled_interface=%q: CN has MN's locators %v, want %v", step.disabled, got, step.want)
		}
	}
	cnLast := labtest.ReadStats(t, tb.CN)
	if d := cnLast[ilnpnl.StatLUDuplicate] - cnUnconf[ilnpnl.StatLUDuplicate]; d != 1 {
		t.Errorf("CN counts %d advertisements of the set it had, want 1", d)
	}
	if d := cnLast[ilnpnl.StatLUUnconfirmed] - cnUnconf[ilnpnl.StatLUUnconfirmed]; d != 0 {
		t.Errorf("CN did not confirm %d of MN's own advertisements", d)
	}
	// The session still works.
	if out, err := tb.MN.Run(ctx, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", "-I", tb.MNAddr.String(), testbed.CNAddr.String()); err != nil {
		t.Errorf("ping after the LUs: %v\n%s", err, out)
	}
}

// waitStat waits until h's counter s reaches want and returns the
// counters then; it fails the test at the deadline.
func waitStat(t *testing.T, h *testbed.Host, s ilnpnl.Stat, want uint64, within time.Duration) ilnpnl.Stats {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		st := labtest.ReadStats(t, h)
		if st[s] >= want {
			return st
		}
		if time.Now().After(deadline) {
			t.Errorf("%s: counter %v is %d after %s, want %d", h.Name, s, st[s], within, want)
			return st
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func equalStates(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
