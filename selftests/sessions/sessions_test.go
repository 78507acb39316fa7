//go:build vmtest

package sessions

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/internal/lab/attack"
	"github.com/ilnp-linux/ilnp/internal/lab/labtest"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpctl/view"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// TestSessionOnTheWire: ping, iperf2 TCP and UDP between MN and CN in ILNP
// mode; the capture at CN shows the nonce option on every packet of those
// flows (once each side proved itself), one nonce per direction (as
// tshark decodes it), no fragment, and valid transport checksums under
// the default rule, IPv6's over the wire addresses (as ilnpcheck checks
// them).
func TestSessionOnTheWire(t *testing.T) {
	tb := labtest.NewTestbed(t, true)
	// Complete checksums on the wire at CN: R4 towards CN and CN itself
	// compute them in software instead of leaving them to an offload.
	for _, h := range []*testbed.Host{tb.R4, tb.CN} {
		if _, err := h.Run(context.Background(), "ethtool", "-K", "dd", "tx", "off"); err != nil {
			t.Fatal(err)
		}
	}
	labtest.StartIperfServers(t, tb.CN)
	pcap := filepath.Join(t.TempDir(), "cn.pcap")
	capture, err := tb.CN.StartCapture("dd", pcap)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cn := testbed.CNAddr.String()
	if out, err := tb.MN.Run(ctx, "ping", "-6", "-c", "5", "-i", "0.2", "-W", "2", cn); err != nil {
		t.Errorf("ping: %v\n%s", err, out)
	}
	if out, err := tb.MN.Run(ctx, "iperf", "-c", cn, "-V", "-n", "10M"); err != nil {
		t.Errorf("iperf TCP: %v\n%s", err, out)
	}
	// 1444 octets of payload fill a 1500-octet packet exactly with the
	// 8-octet nonce header: it must go unfragmented.
	if out, err := tb.MN.Run(ctx, "iperf", "-c", cn, "-V", "-u", "-b", "10M", "-l", "1444", "-t", "3"); err != nil {
		t.Errorf("iperf UDP: %v\n%s", err, out)
	}
	time.Sleep(500 * time.Millisecond)
	if err := capture.Stop(); err != nil {
		t.Fatal(err)
	}

	checkNonces(t, pcap, tb.MNAddr, testbed.CNAddr)

	out, err := exec.Command(labtest.Bin(t, "ilnpcheck"), pcap).CombinedOutput()
	if err != nil {
		t.Errorf("ilnpcheck %s: %v\n%s", pcap, err, out)
	} else {
		t.Logf("ilnpcheck:\n%s", out)
	}

	p, ok := labtest.PeerByNID(labtest.ShowILCC(t, tb.MN), testbed.CNAddr)
	if !ok {
		t.Fatal("MN's ILCC has no entry for CN")
	}
	if p.Stats[ilnpnl.StatPktsOut] == 0 || p.Stats[ilnpnl.StatPktsIn] == 0 {
		t.Errorf("MN's entry for CN counts %d packets out, %d in", p.Stats[ilnpnl.StatPktsOut], p.Stats[ilnpnl.StatPktsIn])
	}
}

// checkNonces reads the capture with tshark, an independent decoder.
// Every packet of the session carries the nonce option, one nonce per
// direction, except that a host sends plain IPv6 to a correspondent it
// learned until that one answered its probe: packets without the option
// may only precede the first probe reply from their destination.
func checkNonces(t *testing.T, pcap string, mn, cn netip.Addr) {
	t.Helper()
	out, err := exec.Command("tshark", "-r", pcap, "-T", "fields", "-E", "separator=|",
		"-e", "frame.number", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "ipv6.opt.ilnp_nonce",
		"-e", "icmpv6.type", "-e", "ipv6.fragment", "-e", "ipv6.plen").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	ops := labtest.LUOps(t, pcap)
	nonces := map[string]map[string]int{} // direction -> nonce -> packets
	proven := map[netip.Addr]bool{}       // correspondents whose probe reply was seen
	plain := map[string]int{}             // direction -> packets before the proof
	var session, fragments, full int
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		if len(f) < 7 {
			continue
		}
		src, dst := netip.MustParseAddr(f[1]), netip.MustParseAddr(f[2])
		if !(src == mn && dst == cn) && !(src == cn && dst == mn) {
			continue
		}
		frame, err := strconv.Atoi(f[0])
		if err != nil {
			t.Fatalf("tshark frame number %q: %v", f[0], err)
		}
		if ops[frame] == ilnp.LUProbeReply {
			proven[src] = true
		}
		if f[4] != "" && f[4] != "128" && f[4] != "129" {
			continue // Neighbour Discovery, LU messages and errors are not session packets
		}
		session++
		if f[5] != "" {
			fragments++
		}
		if plen, _ := strconv.Atoi(f[6]); plen == 1460 {
			full++
		}
		dir := src.String() + " -> " + dst.String()
		if f[3] == "" {
			if proven[dst] {
				t.Errorf("frame %s (%s) has no nonce option after %s answered a probe", f[0], dir, dst)
			} else {
				plain[dir]++
			}
			continue
		}
		if nonces[dir] == nil {
			nonces[dir] = map[string]int{}
		}
		nonces[dir][f[3]]++
	}
	if session < 100 {
		t.Fatalf("only %d session packets in the capture", session)
	}
	if len(nonces) != 2 {
		t.Errorf("nonces seen in %d directions, want 2: %v", len(nonces), nonces)
	}
	for dir, n := range nonces {
		if len(n) != 1 {
			t.Errorf("%s: %d different nonces, want one: %v", dir, len(n), n)
		}
	}
	if fragments > 0 {
		t.Errorf("%d fragments: the nonce header must fit in the MTU", fragments)
	}
	if full == 0 {
		t.Errorf("no 1500-octet packet: full-size segments and datagrams are missing")
	}
	t.Logf("%d session packets, %d at the full 1500 octets, nonces %v, plain IPv6 before the proof %v",
		session, full, nonces, plain)
}

// TestForgedNonce: packets with MN's addresses and a wrong nonce, sent from
// a packet socket on MN's link, are dropped at CN and counted exactly; the
// session carries on.
func TestForgedNonce(t *testing.T) {
	tb := labtest.NewTestbed(t, true)
	ctx := context.Background()
	cn := testbed.CNAddr.String()
	if out, err := tb.MN.Run(ctx, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", cn); err != nil {
		t.Fatalf("ping: %v\n%s", err, out)
	}
	before := labtest.ReadStats(t, tb.CN)

	const forged = 7
	pkt := forgedUDP(t, tb, []byte{0xde, 0xad, 0xbe, 0xef})
	frames := make([][]byte, forged)
	for i := range frames {
		frames[i] = pkt
	}
	sendFrames(t, tb, frames...)

	after := labtest.ReadStats(t, tb.CN)
	if got := after[ilnpnl.StatBadNonce] - before[ilnpnl.StatBadNonce]; got != forged {
		t.Errorf("CN's bad-nonce counter rose by %d, want %d", got, forged)
	}
	if out, err := tb.MN.Run(ctx, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", cn); err != nil {
		t.Errorf("ping after the forged packets: %v\n%s", err, out)
	}
}

// forgedUDP builds an Ethernet frame from MN to R1 carrying a UDP datagram
// from MN to CN with a nonce option holding nonce (not the session's).
func forgedUDP(t *testing.T, tb *labtest.Testbed, nonce []byte) []byte {
	t.Helper()
	mnLink, err := tb.MN.Link("aa")
	if err != nil {
		t.Fatal(err)
	}
	r1Link, err := tb.R1.Link("aa")
	if err != nil {
		t.Fatal(err)
	}
	eth := &layers.Ethernet{
		SrcMAC:       mnLink.Attributes.Address,
		DstMAC:       r1Link.Attributes.Address,
		EthernetType: layers.EthernetTypeIPv6,
	}
	ip6 := &layers.IPv6{
		Version:    6,
		NextHeader: layers.IPProtocolIPv6Destination,
		HopLimit:   64,
		SrcIP:      net.IP(tb.MNAddr.AsSlice()),
		DstIP:      net.IP(testbed.CNAddr.AsSlice()),
	}
	udp := &layers.UDP{SrcPort: 40000, DstPort: 9}
	payload := gopacket.Payload("forged")
	// The session's checksum, over the wire addresses: only the nonce is
	// wrong in this packet.
	pseudo := &layers.IPv6{
		Version: 6, NextHeader: layers.IPProtocolUDP,
		SrcIP: ip6.SrcIP, DstIP: ip6.DstIP,
	}
	if err := udp.SetNetworkLayerForChecksum(pseudo); err != nil {
		t.Fatal(err)
	}
	udpBuf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(udpBuf, gopacket.SerializeOptions{ComputeChecksums: true, FixLengths: true}, udp, payload); err != nil {
		t.Fatal(err)
	}
	dstOpt := append([]byte{byte(layers.IPProtocolUDP), 0, 0x8b, byte(len(nonce))}, nonce...)
	ip6.Length = uint16(len(dstOpt) + len(udpBuf.Bytes()))
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{}, eth, ip6,
		gopacket.Payload(append(dstOpt, udpBuf.Bytes()...))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestFallbackToIPv6: CN is a plain IPv6 host; MN's first packet with a
// nonce draws a Parameter Problem, MN marks CN IPv6-only, and the TCP
// connection completes as plain IPv6.
func TestFallbackToIPv6(t *testing.T) {
	tb := labtest.NewTestbed(t, false)
	labtest.StartIperfServers(t, tb.CN)
	synBefore := netstat(t, tb.MN, "TcpExtTCPSynRetrans")
	out, err := tb.MN.Run(context.Background(), "iperf", "-c", testbed.CNAddr.String(), "-V", "-t", "1")
	if err != nil {
		t.Fatalf("iperf TCP to a plain IPv6 CN: %v\n%s", err, out)
	}
	// Slower by one retransmission of the SYN, the one without nonce.
	if d := netstat(t, tb.MN, "TcpExtTCPSynRetrans") - synBefore; d != 1 {
		t.Errorf("%d SYN retransmissions, want exactly 1", d)
	}
	p, ok := labtest.PeerByNID(labtest.ShowILCC(t, tb.MN), testbed.CNAddr)
	if !ok {
		t.Fatal("MN's ILCC lost CN")
	}
	if !contains(p.Flags, "ipv6_only") {
		t.Errorf("CN's flags %v, want ipv6_only", p.Flags)
	}
	if s := labtest.ReadStats(t, tb.MN); s[ilnpnl.StatFallbacks] != 1 {
		t.Errorf("MN counts %d fallbacks, want 1", s[ilnpnl.StatFallbacks])
	}
}

// TestUnprivileged: a user without CAP_NET_ADMIN can dump the ILCC but
// never sees nonces, and cannot add peers.
func TestUnprivileged(t *testing.T) {
	tb := labtest.NewTestbed(t, true)
	ctx := context.Background()
	if out, err := tb.MN.Run(ctx, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", testbed.CNAddr.String()); err != nil {
		t.Fatalf("ping: %v\n%s", err, out)
	}
	asNobody := func(args ...string) (string, error) {
		all := append([]string{"--reuid", "nobody", "--regid", "nogroup", "--clear-groups", labtest.Bin(t, "ilnpctl")}, args...)
		var b bytes.Buffer
		cmd := tb.MN.Command(ctx, "setpriv", all...)
		cmd.Stdout, cmd.Stderr = &b, &b
		err := cmd.Run()
		return b.String(), err
	}
	out, err := asNobody("-j", "show", "ilcc")
	if err != nil {
		t.Fatalf("unprivileged show ilcc: %v\n%s", err, out)
	}
	var peers []view.Peer
	if err := json.Unmarshal([]byte(out), &peers); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if p, ok := labtest.PeerByNID(peers, testbed.CNAddr); !ok {
		t.Errorf("unprivileged dump lacks CN: %s", out)
	} else if !p.NonceTx.IsZero() || !p.NonceRx.IsZero() {
		t.Errorf("unprivileged dump shows nonces: %s", out)
	}
	// The privileged dump does show them, so the check above can fail.
	if p, _ := labtest.PeerByNID(labtest.ShowILCC(t, tb.MN), testbed.CNAddr); p.NonceTx.IsZero() || p.NonceRx.IsZero() {
		t.Errorf("privileged dump lacks nonces: %+v", p)
	}
	if out, err := asNobody("peer", "add", "2001:2:dd:dd::99"); err == nil {
		t.Errorf("unprivileged peer add succeeded: %s", out)
	} else if !strings.Contains(strings.ToLower(out), "not permitted") {
		t.Errorf("unprivileged peer add failed without naming the reason: %s", out)
	}
}

// netstat reads one of the host's SNMP/netstat counters.
func netstat(t *testing.T, h *testbed.Host, name string) uint64 {
	t.Helper()
	out, err := h.Run(context.Background(), "nstat", "-a", "-z", name)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == name {
			v, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				t.Fatalf("nstat %s: %v", name, err)
			}
			return v
		}
	}
	t.Fatalf("nstat has no %s:\n%s", name, out)
	return 0
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestFallbackEnds: a Parameter Problem that quotes MN's own nonce (what
// a host on the path can forge, or what CN sent before it restarted)
// makes MN fall back to plain IPv6 for CN, which speaks ILNP and drops
// the plain segments of its proven correspondent. Its probe, under its
// proven nonce, shows MN that CN speaks ILNP: MN clears the mark and a
// new TCP connection completes with the nonce.
func TestFallbackEnds(t *testing.T) {
	tb := labtest.NewTestbed(t, true)
	labtest.StartIperfServers(t, tb.CN)
	ctx := context.Background()
	if out, err := tb.MN.Run(ctx, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", testbed.CNAddr.String()); err != nil {
		t.Fatalf("ping: %v\n%s", err, out)
	}
	p, ok := labtest.PeerByNID(labtest.ShowILCC(t, tb.MN), testbed.CNAddr)
	if !ok || p.NonceTx.IsZero() {
		t.Fatalf("MN's entry for CN has no nonce: %+v", p)
	}
	quoted, err := attack.UDP(attack.Header{Src: tb.MNAddr, Dst: testbed.CNAddr, Options: attack.Nonce(p.NonceTx.Bytes())},
		40000, labtest.IperfPort, attack.ChecksumIPv6, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	// The nonce option's type: past the IPv6 header and the two octets
	// of the options header.
	pp, err := attack.ParameterProblem(attack.Header{Src: testbed.CNAddr, Dst: tb.MNAddr}, 2, 40+2, quoted)
	if err != nil {
		t.Fatal(err)
	}
	s, err := attack.NewRawSender(tb.CN.Do)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before := labtest.ReadStats(t, tb.MN)
	if err := s.Send(pp); err != nil {
		t.Fatal(err)
	}
	waitStat(t, tb.MN, ilnpnl.StatFallbacks, before[ilnpnl.StatFallbacks]+1, 5*time.Second)

	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if out, err := tb.MN.Run(cctx, "iperf", "-c", testbed.CNAddr.String(), "-V", "-n", "1M"); err != nil {
		t.Errorf("iperf TCP after the fallback: %v\n%s", err, out)
	}
	p, ok = labtest.PeerByNID(labtest.ShowILCC(t, tb.MN), testbed.CNAddr)
	if !ok {
		t.Fatal("MN's ILCC lost CN")
	}
	if contains(p.Flags, "ipv6_only") {
		t.Errorf("CN's flags %v: still IPv6-only though it speaks ILNP", p.Flags)
	}
	cn := labtest.ReadStats(t, tb.CN)
	t.Logf("CN dropped %d plain segments of MN and sent %d probes", cn[ilnpnl.StatNoNonce], cn[ilnpnl.StatProbeSent])
}

// TestPeerForgets: CN forgets MN (its learned entry expired, or CN
// restarted) while MN still holds a proven session with CN. CN's next
// datagrams to MN are plain IPv6, which MN drops while it believes CN
// would send its nonce; the probe MN sends to check goes unanswered (CN
// has no session), which shows CN lost its state: MN takes CN's
// datagrams as plain IPv6 again instead of dropping them for good.
func TestPeerForgets(t *testing.T) {
	tb := labtest.NewTestbed(t, true)
	ctx := context.Background()
	if out, err := tb.MN.Run(ctx, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", testbed.CNAddr.String()); err != nil {
		t.Fatalf("ping: %v\n%s", err, out)
	}
	if _, ok := labtest.PeerByNID(labtest.ShowILCC(t, tb.CN), tb.MNAddr); !ok {
		t.Fatal("CN has no entry for MN")
	}
	if out, err := tb.CN.Run(ctx, labtest.Bin(t, "ilnpctl"), "peer", "del", tb.MNAddr.String()); err != nil {
		t.Fatalf("peer del: %v\n%s", err, out)
	}
	srv, err := tb.MN.Start("stdbuf", "-oL", "iperf", "-s", "-u", "-V", "-y", "C")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Kill()
	if err := tb.MN.WaitListening(ctx, "udp", labtest.IperfPort, time.Minute); err != nil {
		t.Fatal(err)
	}
	before := labtest.ReadStats(t, tb.MN)
	// 10 s at 100 datagrams a second: MN's probe round (3 tries, 1 s
	// apart) ends well within it.
	if out, err := tb.CN.Run(ctx, "iperf", "-c", tb.MNAddr.String(), "-u", "-V", "-b", "1M", "-l", "1250", "-t", "10"); err != nil {
		t.Fatalf("iperf UDP CN->MN: %v\n%s", err, out)
	}
	time.Sleep(time.Second)
	after := labtest.ReadStats(t, tb.MN)
	dropped := after[ilnpnl.StatNoNonce] - before[ilnpnl.StatNoNonce]
	t.Logf("MN dropped %d of CN's plain datagrams; probes failed %d", dropped,
		after[ilnpnl.StatProbeFailed]-before[ilnpnl.StatProbeFailed])
	// About 1000 datagrams were sent; those of the probe round may be
	// lost, the rest must arrive.
	if dropped > 500 {
		t.Errorf("MN dropped %d of CN's datagrams as lacking the nonce: CN's lost state black-holes it", dropped)
	}
	if d := after[ilnpnl.StatProbeFailed] - before[ilnpnl.StatProbeFailed]; d == 0 {
		t.Errorf("MN's probe of CN did not fail, yet CN has no session")
	}
}
