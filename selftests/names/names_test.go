//go:build vmtest

package names

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/ilnp-linux/ilnp/internal/lab/dnsserver"
	"github.com/ilnp-linux/ilnp/internal/lab/labtest"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpctl/view"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

const (
	zone   = "example."
	cnName = "cn.example."
	v6Name = "v6.example." // AAAA only: plain IPv6
	keyID  = "cn-update"
)

var (
	l64DD = ilnp.ILVFrom16(testbed.CNAddr.As16()).L64
	l64FF = ilnp.ILVFrom16(testbed.CNAddr2.As16()).L64
	cnNID = ilnp.ILVFrom16(testbed.CNAddr.As16()).NID
)

// lab is the testbed with CN able to move to ff, BIND on NS serving
// example. (CN's NID and dd locator, an AAAA beside them, and a name
// with AAAA records only), and MN, CN and CL in ILNP mode, knowing no
// peer yet.
type lab struct {
	*testbed.Testbed
	t          *testing.T
	dns        *dnsserver.Server
	resolvConf string // a resolv.conf naming NS
	dir        string
}

func newLab(t *testing.T) *lab {
	t.Helper()
	tb := labtest.PlainTestbed(t, testbed.Options{MNNetworks: []string{"aa"}, CNMobile: true, DNS: true, Client: true})
	ctx := context.Background()
	if _, err := tb.WaitSLAAC(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, h := range []*testbed.Host{tb.MN, tb.CN, tb.CL} {
		if err := h.WriteSysctl("net.ipv6.handoff_mode", "1"); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	srv, err := dnsserver.New(ctx, tb.NS, dnsserver.Config{
		Dir: dir, Addr: testbed.NSAddr, Zone: zone, KeyName: keyID,
		Records: []string{
			dnsserver.NID(cnName, cnNID),
			dnsserver.L64(cnName, 10, l64DD),
			cnName + " 5 IN AAAA " + testbed.CNAddr.String(),
			v6Name + " 5 IN AAAA " + testbed.CNAddr.String(),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	resolv := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(resolv, []byte("nameserver "+testbed.NSAddr.String()+"\noptions timeout:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return &lab{Testbed: tb, t: t, dns: srv, resolvConf: resolv, dir: dir}
}

// ctl runs ilnpctl on a host, resolving with NS.
func (l *lab) ctl(h *testbed.Host, args ...string) (string, error) {
	return h.Run(context.Background(), labtest.Bin(l.t, "ilnpctl"), args...)
}

// addByName registers cn.example. on a host with peer add NAME and
// returns what resolve says of it.
func (l *lab) addByName(h *testbed.Host) view.Name {
	l.t.Helper()
	cache := filepath.Join(l.dir, h.Name+"-names.json")
	if out, err := l.ctl(h, "peer", "add", "--resolv-conf", l.resolvConf, "--cache", cache, cnName); err != nil || out != "" {
		l.t.Fatalf("peer add %s: %v\n%s", cnName, err, out)
	}
	out, err := l.ctl(h, "-j", "resolve", "--resolv-conf", l.resolvConf, cnName)
	if err != nil {
		l.t.Fatal(err)
	}
	var n view.Name
	if err := json.Unmarshal([]byte(out), &n); err != nil {
		l.t.Fatalf("resolve -j: %v\n%s", err, out)
	}
	return n
}

// zoneL64s are the L64s the zone holds for CN now.
func (l *lab) zoneL64s() []ilnp.L64 {
	l.t.Helper()
	got, err := l.dns.L64s(context.Background(), cnName)
	if err != nil {
		l.t.Fatal(err)
	}
	slices.Sort(got)
	return got
}

// waitZone waits until the zone's L64s for CN are want and returns when
// it saw them; it fails the test after limit.
func (l *lab) waitZone(limit time.Duration, want ...ilnp.L64) time.Time {
	l.t.Helper()
	at, err := l.watchZone(limit, want...)()
	if err != nil {
		l.t.Fatal(err)
	}
	return at
}

// watchZone polls the zone from now on, every 20 ms, until it lists
// want for CN; the function it returns waits for that and says when it
// was, or what the zone held at limit.
func (l *lab) watchZone(limit time.Duration, want ...ilnp.L64) func() (time.Time, error) {
	slices.Sort(want)
	type result struct {
		at  time.Time
		err error
	}
	done := make(chan result, 1)
	go func() {
		deadline := time.Now().Add(limit)
		for {
			got, err := l.dns.L64s(context.Background(), cnName)
			slices.Sort(got)
			if err == nil && slices.Equal(got, want) {
				done <- result{at: time.Now()}
				return
			}
			if time.Now().After(deadline) {
				done <- result{err: fmt.Errorf("the zone lists %v for %s after %s (%v), want %v", got, cnName, limit, err, want)}
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return func() (time.Time, error) {
		r := <-done
		return r.at, r.err
	}
}

// dig is what dig, on host h, says of CN's L64 records.
func (l *lab) dig(h *testbed.Host) string {
	l.t.Helper()
	out, err := h.Run(context.Background(), "dig", "+short", "+norec", "@"+testbed.NSAddr.String(), cnName, "L64")
	if err != nil {
		l.t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

// startPublisher runs ilnpctl dns publish on CN until the test ends.
func (l *lab) startPublisher() *testbed.Proc {
	l.t.Helper()
	p, err := l.CN.Start(labtest.Bin(l.t, "ilnpctl"), "-j", "dns", "publish", "--zone", zone, "--name", cnName,
		"--key", l.dns.KeyFile, "--server", testbed.NSAddr.String(), "--retry-max", "1s")
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() {
		if err := p.Interrupt(5 * time.Second); err != nil {
			l.t.Errorf("dns publish: %v\n%s", err, p.Output())
		}
	})
	return p
}

// reports are the publisher's JSON lines so far.
func reports(t *testing.T, p *testbed.Proc) []view.Published {
	t.Helper()
	var out []view.Published
	sc := bufio.NewScanner(strings.NewReader(p.Output()))
	for sc.Scan() {
		var r view.Published
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("dns publish printed %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// tcpNonces checks, with tshark, that the TCP segments between a and b
// in a capture are ILNP: at least min segments, every one after the
// first with a nonce option in its direction carries one (a correspondent
// learned from a nonce is answered in plain IPv6 until it proved itself),
// one nonce per direction, both directions.
func tcpNonces(t *testing.T, pcap string, a, b netip.Addr, min int) {
	t.Helper()
	out, err := exec.Command("tshark", "-r", pcap, "-Y", "tcp", "-T", "fields", "-E", "separator=|",
		"-e", "frame.number", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "ipv6.opt.ilnp_nonce").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	nonces := map[string]map[string]int{} // direction -> nonce -> segments
	plain := map[string]int{}
	segments := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		if len(f) < 4 {
			continue
		}
		src, dst := netip.MustParseAddr(f[1]), netip.MustParseAddr(f[2])
		if !(src == a && dst == b) && !(src == b && dst == a) {
			continue
		}
		segments++
		dir := src.String() + " -> " + dst.String()
		if f[3] == "" {
			if nonces[dir] != nil {
				t.Errorf("frame %s (%s) has no nonce option after earlier ones had", f[0], dir)
			}
			plain[dir]++
			continue
		}
		if nonces[dir] == nil {
			nonces[dir] = map[string]int{}
		}
		nonces[dir][f[3]]++
	}
	if segments < min {
		t.Fatalf("%d TCP segments between %s and %s in %s, want at least %d", segments, a, b, pcap, min)
	}
	if len(nonces) != 2 {
		t.Errorf("nonces in %d directions, want 2: %v", len(nonces), nonces)
	}
	for dir, n := range nonces {
		if len(n) != 1 {
			t.Errorf("%s: %d nonces, want one: %v", dir, len(n), n)
		}
	}
	t.Logf("%d TCP segments, nonces %v, plain before the proof %v", segments, nonces, plain)
}

// TestPeerByName: MN registers CN by its name; BIND's NID and L64
// records make a static peer with the L64's preference; an iperf2 TCP
// flow to the name's IL-V is ILNP on the wire (tshark sees one nonce each
// way). A name with AAAA records only falls back to plain IPv6 with a
// message and registers nothing; peer refresh finds the peer current.
func TestPeerByName(t *testing.T) {
	l := newLab(t)
	n := l.addByName(l.MN)
	if !n.ILNP || len(n.ILVs) != 1 || n.ILVs[0].Addr() != testbed.CNAddr || len(n.Locators) != 1 || n.Locators[0].Preference != 10 {
		t.Fatalf("resolve %s = %+v, want one IL-V %s with preference 10", cnName, n, testbed.CNAddr)
	}
	p, ok := labtest.PeerByNID(labtest.ShowILCC(t, l.MN), testbed.CNAddr)
	switch {
	case !ok:
		t.Fatal("MN has no ILCC entry for CN after peer add cn.example.")
	case !slices.Contains(p.Flags, "static") || len(p.Locators) != 1 || p.Locators[0].L64 != l64DD:
		t.Errorf("MN's entry for CN: flags %v, locators %+v; want static, %s", p.Flags, p.Locators, l64DD)
	}
	// The L64 record's preference goes with the locator
	// (ILNP_LOC_A_PREFERENCE) and the kernel keeps it.
	if ok && len(p.Locators) == 1 && p.Locators[0].Preference != 10 {
		t.Errorf("MN's entry for CN: %s preference %d, want the L64 record's 10", p.Locators[0].L64, p.Locators[0].Preference)
	}

	labtest.StartIperfServers(t, l.CN)
	pcap := filepath.Join(t.TempDir(), "cn.pcap")
	capture, err := l.CN.StartCapture("dd", pcap)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := l.MN.Run(context.Background(), "iperf", "-c", n.ILVs[0].String(), "-V", "-n", "5M"); err != nil {
		t.Errorf("iperf TCP to %s: %v\n%s", n.ILVs[0], err, out)
	}
	time.Sleep(300 * time.Millisecond)
	if err := capture.Stop(); err != nil {
		t.Fatal(err)
	}
	mnAddr, err := l.WaitMNAddr(context.Background(), "aa", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	tcpNonces(t, pcap, mnAddr, testbed.CNAddr, 100)
	if p, _ := labtest.PeerByNID(labtest.ShowILCC(t, l.MN), testbed.CNAddr); p.Stats[ilnpnl.StatPktsOut] == 0 || p.Stats[ilnpnl.StatPktsIn] == 0 {
		t.Errorf("MN's entry for CN counts %d ILNP packets out, %d in", p.Stats[ilnpnl.StatPktsOut], p.Stats[ilnpnl.StatPktsIn])
	}

	out, err := l.ctl(l.MN, "peer", "add", "--resolv-conf", l.resolvConf, "--cache", filepath.Join(l.dir, "v6.json"), v6Name)
	if want := v6Name + " has no NID record: not an ILNP host; it is reached by plain IPv6 at " + testbed.CNAddr.String(); err != nil || !strings.Contains(out, want) {
		t.Errorf("peer add %s: %v, %q; want %q", v6Name, err, out, want)
	}
	if peers := labtest.ShowILCC(t, l.MN); len(peers) != 1 {
		t.Errorf("after peer add %s MN has %d peers, want CN alone", v6Name, len(peers))
	}
	out, err = l.ctl(l.MN, "peer", "refresh", "--force", "--resolv-conf", l.resolvConf, "--cache", filepath.Join(l.dir, l.MN.Name+"-names.json"))
	if err != nil || !strings.Contains(out, cnName+" peer 0:0:0:c") {
		t.Errorf("peer refresh: %v\n%s", err, out)
	}
	t.Logf("peer refresh: %s", strings.TrimSpace(out))
}

// TestMobileServer: CN publishes its locators with ilnpctl dns publish
// while MN, which found it by name, keeps a TCP flow to it. CN gains ff
// and hands dd off (disabled_interface, then down after the ack): within
// 2 s the zone lists ff's L64 alone, and dig says so; CL, a client that
// resolves the name afterwards, reaches CN at ff over ILNP. CN then moves
// back with BIND stopped during the move: the publisher retries and the
// zone is right within 5 s of BIND answering again. MN's flow lives
// through both moves. Only the L64 RRset changes: CN's NID and AAAA
// records stay as they were.
func TestMobileServer(t *testing.T) {
	l := newLab(t)
	ctx := context.Background()
	labtest.StartIperfServers(t, l.CN)
	pub := l.startPublisher()
	l.waitZone(10*time.Second, l64DD)

	old := l.addByName(l.MN)
	const flow = 90 // seconds: longer than both moves
	client, err := l.MN.Start("iperf", "-c", old.ILVs[0].String(), "-V", "-t", fmt.Sprint(flow), "-i", "10", "-b", "2M")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Kill)
	time.Sleep(3 * time.Second)

	mover, err := l.NewCNMover()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mover.Close() })

	t.Run("zone follows the move", func(t *testing.T) {
		if _, err := mover.Gain(ctx, "ff"); err != nil {
			t.Fatal(err)
		}
		l.waitZone(2*time.Second, l64DD, l64FF)
		began := time.Now()
		wait := l.watchZone(2*time.Second, l64FF)
		if err := mover.Lose(ctx, "dd"); err != nil {
			t.Fatal(err)
		}
		lost := time.Since(began)
		at, err := wait()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("the zone listed ff alone %s after dd was handed off (disabled_interface written; the handoff took %s to the ack and dd down)",
			at.Sub(began).Round(time.Millisecond), lost.Round(time.Millisecond))
		if got := l.dig(l.CL); got != "0 2001:2:ff:ff" {
			t.Errorf("dig %s L64 = %q, want %q", cnName, got, "0 2001:2:ff:ff")
		} else {
			t.Logf("dig %s L64: %s", cnName, got)
		}
	})

	t.Run("new client reaches the server", func(t *testing.T) {
		n := l.addByName(l.CL)
		if len(n.ILVs) != 1 || n.ILVs[0].Addr() != testbed.CNAddr2 {
			t.Fatalf("CL resolved %s to %v, want %s", cnName, n.ILVs, testbed.CNAddr2)
		}
		pcap := filepath.Join(t.TempDir(), "cn-ff.pcap")
		capture, err := l.CN.StartCapture("ff", pcap)
		if err != nil {
			t.Fatal(err)
		}
		out, err := l.CL.Run(ctx, "timeout", "30", "iperf", "-c", n.ILVs[0].String(), "-V", "-n", "2M")
		time.Sleep(300 * time.Millisecond)
		if err := capture.Stop(); err != nil {
			t.Fatal(err)
		}
		if err != nil {
			t.Fatalf("iperf TCP from CL to %s: %v\n%s", n.ILVs[0], err, out)
		}
		tcpNonces(t, pcap, testbed.ClientAddr, testbed.CNAddr2, 50)
	})

	t.Run("publisher retries while BIND is down", func(t *testing.T) {
		if _, err := mover.Gain(ctx, "dd"); err != nil {
			t.Fatal(err)
		}
		l.waitZone(2*time.Second, l64DD, l64FF)
		if err := l.dns.Stop(); err != nil {
			t.Fatal(err)
		}
		before := reports(t, pub)
		if err := mover.Lose(ctx, "ff"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Second)
		down := reports(t, pub)[len(before):]
		if n := len(down) - len(failures(down)); n > 0 {
			t.Errorf("%d updates went through while BIND was down: %+v", n, down)
		}
		back := time.Now()
		if err := l.dns.Start(ctx); err != nil {
			t.Fatal(err)
		}
		answering := time.Now()
		at := l.waitZone(5*time.Second, l64DD)
		fails := failures(reports(t, pub)[len(before):])
		t.Logf("BIND answered %s after its start; the zone was right %s after that; %d failed tries while it was down (waits %v)",
			answering.Sub(back).Round(time.Millisecond), at.Sub(answering).Round(time.Millisecond), len(fails), retryWaits(fails))
		if len(fails) < 2 {
			t.Errorf("the publisher tried %d times while BIND was down, want retries", len(fails))
		}
	})

	t.Run("old client keeps its session", func(t *testing.T) {
		if err := client.Wait(time.Duration(flow+30) * time.Second); err != nil {
			t.Fatalf("iperf from MN: %v\n%s", err, client.Output())
		}
		t.Logf("MN's iperf through both moves:\n%s", client.Output())
		// The summary is the last line from 0: "[  1] 0.0000-90.0464 sec  22.6 MBytes ...".
		all := summaryRE.FindAllStringSubmatch(client.Output(), -1)
		if all == nil {
			t.Fatalf("no summary in iperf's output")
		}
		if secs, _ := strconv.Atoi(all[len(all)-1][1]); secs < flow {
			t.Errorf("iperf from MN ran %d s, want %d", secs, flow)
		}
		p, ok := labtest.PeerByNID(labtest.ShowILCC(t, l.MN), testbed.CNAddr)
		if !ok {
			t.Fatal("MN lost its entry for CN")
		}
		states := map[ilnp.L64]string{}
		for _, loc := range p.Locators {
			states[loc.L64] = loc.State.String()
		}
		if states[l64DD] != "active" || states[l64FF] == "active" {
			t.Errorf("MN's view of CN's locators after both moves: %v, want dd active and ff not", states)
		}
	})

	for _, rr := range []struct {
		t    uint16
		want string
	}{{dns.TypeNID, "10 0000:0000:0000:000c"}, {dns.TypeAAAA, testbed.CNAddr.String()}} {
		got, err := l.dns.Query(ctx, cnName, rr.t)
		if err != nil || len(got) != 1 || !strings.HasSuffix(got[0].String(), rr.want) {
			t.Errorf("%s %s after the moves: %v, %v; want %s alone", cnName, dns.TypeToString[rr.t], got, err, rr.want)
		}
	}
}

var summaryRE = regexp.MustCompile(`\] 0\.0+-(\d+)\.\d+ sec +[0-9.]+ [KMG]Bytes`)

func failures(rs []view.Published) []view.Published {
	var out []view.Published
	for _, r := range rs {
		if r.Event == "failed" {
			out = append(out, r)
		}
	}
	return out
}

func retryWaits(rs []view.Published) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%dms", r.RetryMS))
	}
	return out
}
