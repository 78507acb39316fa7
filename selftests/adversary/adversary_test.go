//go:build vmtest

package adversary

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/internal/lab/attack"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// guarded are the counters of the victim that no attack may move unless
// its row expects it: the drop counters of the security contract (each
// forged packet raises exactly one of them) and the state changes an
// attacker must not cause.
var guarded = []string{
	"bad_nonce", "no_session", "nonce_malformed", "nonce_bad_addr", "no_nonce",
	"learn_ratelimited", "lu_malformed", "lu_bad_locator", "lu_no_session",
	"lu_ratelimited", "lu_duplicate", "lu_unconfirmed", "icmp_rejected", "probe_bad",
	"lu_received", "fallbacks", "sessions_created", "sessions_evicted",
}

// outcome is what an attack sent and what it must do to the victim's
// counters.
type outcome struct {
	sent int
	// want are counters that rise by exactly these numbers.
	want map[string]int
	// sum are counters that together rise by exactly sent (floods,
	// rate-limited rows).
	sum []string
	// atLeast are counters that rise by at least these numbers.
	atLeast map[string]int
	// core are counters of /proc/net/snmp6 that rise by exactly these
	// numbers (what core IPv6 drops before ILNP sees it).
	core map[string]int
	// note is printed with the row's figures.
	note string
}

// A row of the adversary table: one kind of attack.
type row struct {
	name   string
	victim string // "mn" or "cn": whose counters the attack moves
	secs   int    // length of the flows; 0 means 3 s
	// learns says the attack may add entries to the victim's ILCC (an
	// unverified one for a host that really is where it says).
	learns bool
	// exempt are guarded counters the attack may move besides what its
	// outcome names (side effects allowed by the contract).
	exempt []string
	// forged says the attack sends datagrams tagged with the row to the
	// victim's sink: none may reach it.
	forged bool
	// fresh rows start before the sessions exist: attack forges first
	// and establishes them itself; the flows start after it.
	fresh bool
	// prepare runs on the fresh sessions before the flows start (and
	// before the counters and entries are read for the comparison).
	prepare func(r *run)
	attack  func(r *run) outcome
	// check runs after the flows ended and the counters settled.
	check func(r *run)
	// settle bounds the wait for the counters (probes time out);
	// 0 means 3 s.
	settle time.Duration
}

// run is one row being run.
type run struct {
	*lab
	t      *testing.T
	row    *row
	f      *flows
	victim *testbed.Host
	// mnPeer is MN's entry for CN when the attack starts: its nonces.
	mnPeer ilnpnl.Peer
	// replay is the captured packet a row replays.
	replay []byte
	// figures are printed at the end of the row.
	figures []string
}

// logf records a figure of the row.
func (r *run) logf(format string, args ...any) {
	r.figures = append(r.figures, fmt.Sprintf(format, args...))
}

// tag is the payload prefix of the row's forged datagrams.
func (r *run) tag() string { return "adversary:" + r.row.name + ":" }

// mnNonce is MN's nonce towards CN, the one CN checks on MN's packets.
func (r *run) mnNonce() []byte { return r.nonce(r.mnPeer.NonceTx) }

// cnNonce is CN's nonce towards MN.
func (r *run) cnNonce() []byte { return r.nonce(r.mnPeer.NonceRx) }

func (r *run) nonce(n ilnp.Nonce) []byte {
	r.t.Helper()
	if n.IsZero() {
		r.t.Fatalf("MN's entry for CN lacks a nonce: %s", entryState(r.mnPeer))
	}
	return n.Bytes()
}

// pace is the interval between the forged packets of a row: slow enough
// that no rate limit of a sane kernel applies to the handful a row sends.
const pace = 50 * time.Millisecond

// send sends the packets one by one.
func (r *run) send(s attack.Sender, pkts ...[]byte) int {
	r.t.Helper()
	for _, p := range pkts {
		if err := s.Send(p); err != nil {
			r.t.Fatal(err)
		}
		time.Sleep(pace)
	}
	return len(pkts)
}

// must returns a built packet or ends the row.
func must(t *testing.T) func([]byte, error) []byte {
	return func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

// snapshot is what a row compares before and after the attack.
type snapshot struct {
	counters map[string]uint64 // the victim's ILNP counters
	core     map[string]uint64 // the victim's snmp6 counters named by the outcome
	mnEntry  string            // MN's entry for CN
	cnEntry  string            // CN's entry for MN
	nids     []string          // the victim's ILCC
}

// coreCounters are the snmp6 counters every snapshot reads.
var coreCounters = []string{"Ip6InHdrErrors"}

func (r *run) snapshot() snapshot {
	r.t.Helper()
	s := snapshot{counters: r.counters(r.t, r.victim), core: map[string]uint64{}, nids: r.nids(r.t, r.victim)}
	for _, name := range coreCounters {
		s.core[name] = snmp6(r.t, r.victim, name)
	}
	if p, ok := r.entry(r.t, r.MN, testbed.CNAddr); ok {
		s.mnEntry = entryState(p)
	}
	if p, ok := r.entry(r.t, r.CN, r.MNAddr); ok {
		s.cnEntry = entryState(p)
	}
	return s
}

// TestAdversary runs every row of the table on one testbed; each row
// starts on fresh sessions when the one before it changed anything.
func TestAdversary(t *testing.T) {
	l := newLab(t)
	for i := range rows {
		rw := &rows[i]
		t.Run(rw.name, func(t *testing.T) { l.runRow(t, rw) })
	}
}

func (l *lab) runRow(t *testing.T, rw *row) {
	r := &run{lab: l, t: t, row: rw, victim: l.CN}
	if rw.victim == "mn" {
		r.victim = l.MN
	}
	defer func() {
		// A row that failed, or may have left entries, hands the next
		// one fresh sessions.
		l.clean = l.clean && !t.Failed() && !rw.learns && !rw.fresh
		for _, f := range r.figures {
			t.Log(f)
		}
		// Go prints the rows' verdicts when TestAdversary ends, which a
		// kernel that crashes in a later row never lets it do.
		verdict := "PASS"
		if t.Failed() {
			verdict = "FAIL"
		}
		t.Logf("row %s: %s", rw.name, verdict)
	}()
	secs := rw.secs
	if secs == 0 {
		secs = 3
	}

	began := time.Now()
	var before snapshot
	var out outcome
	var attacked time.Time
	defer func() {
		if !attacked.IsZero() {
			r.logf("timing: %s to the attack, %s after it", attacked.Sub(began).Round(100*time.Millisecond),
				time.Since(attacked).Round(100*time.Millisecond))
		}
	}()
	if rw.fresh {
		l.forget(t)
		before = r.snapshot()
		attacked = time.Now()
		out = rw.attack(r)
		r.f = l.startFlows(t, secs)
	} else {
		l.reset(t)
		tReset := time.Since(began)
		p, ok := l.entry(t, l.MN, testbed.CNAddr)
		if !ok {
			t.Fatal("MN has no entry for CN")
		}
		r.mnPeer = p
		if rw.prepare != nil {
			rw.prepare(r)
		}
		r.f = l.startFlows(t, secs)
		time.Sleep(500 * time.Millisecond) // both flows under way
		before = r.snapshot()
		r.logf("timing: reset %s", tReset.Round(100*time.Millisecond))
		attacked = time.Now()
		out = rw.attack(r)
	}
	res := r.f.finish()
	after := r.settle(rw, before, out)

	r.checkFlows(res)
	r.checkCounters(out, before, after)
	if !rw.fresh {
		if before.mnEntry != after.mnEntry {
			t.Errorf("MN's entry for CN changed:\n  before: %s\n  after:  %s", before.mnEntry, after.mnEntry)
		}
		if before.cnEntry != after.cnEntry {
			t.Errorf("CN's entry for MN changed:\n  before: %s\n  after:  %s", before.cnEntry, after.cnEntry)
		}
	}
	if added := newNIDs(before.nids, after.nids); len(added) > 0 && !rw.learns {
		t.Errorf("%s learned %d entries from the attack: %v", r.victim.Name, len(added), first(added, 8))
	} else if len(added) > 0 {
		r.logf("%s's ILCC has %d entries more: %v", r.victim.Name, len(added), first(added, 8))
	}
	if rw.forged {
		sink := l.cnSink
		if r.victim == l.MN {
			sink = l.mnSink
		}
		if got := sink.with(r.tag()); len(got) > 0 {
			t.Errorf("%d forged datagrams reached the application on %s, e.g. %q from %s",
				len(got), r.victim.Name, got[0].payload, got[0].src)
		}
	}
	r.checkGenuine()
	if rw.check != nil {
		rw.check(r)
	}
	r.logf("%s: %d packets sent; %s's counters rose: %s", rw.name, out.sent, r.victim.Name, deltas(before, after))
	if out.note != "" {
		r.logf("%s", out.note)
	}
}

// settle waits until the counters the outcome names have risen as far as
// they should (or the row's bound passed), then a moment more so that a
// counter that rises too far shows, and takes the snapshot after.
func (r *run) settle(rw *row, before snapshot, out outcome) snapshot {
	bound := rw.settle
	if bound == 0 {
		bound = 3 * time.Second
	}
	deadline := time.Now().Add(bound)
	waits := len(out.want)+len(out.atLeast)+len(out.sum) > 0
	for waits && time.Now().Before(deadline) && !reached(before.counters, r.counters(r.t, r.victim), out) {
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	return r.snapshot()
}

// reached says whether the counters have risen as far as out wants.
func reached(before, now map[string]uint64, out outcome) bool {
	for name, n := range out.want {
		if now[name]-before[name] < uint64(n) {
			return false
		}
	}
	for name, n := range out.atLeast {
		if now[name]-before[name] < uint64(n) {
			return false
		}
	}
	if len(out.sum) > 0 {
		var total uint64
		for _, name := range out.sum {
			total += now[name] - before[name]
		}
		if total < uint64(out.sent) {
			return false
		}
	}
	return true
}

// missing is the failure message of a counter the kernel does not have.
func missing(name string) string {
	return fmt.Sprintf("counter %s is missing from ilnpctl -j stats: the kernel does not count this drop reason", name)
}

func (r *run) checkCounters(out outcome, before, after snapshot) {
	t := r.t
	delta := func(name string) (uint64, bool) {
		a, ok := after.counters[name]
		return a - before.counters[name], ok
	}
	named := map[string]bool{}
	for _, name := range sortedKeys(out.want) {
		named[name] = true
		d, ok := delta(name)
		switch {
		case !ok:
			t.Error(missing(name))
		case d != uint64(out.want[name]):
			t.Errorf("%s's %s rose by %d, want %d (the attack's packets of that kind)", r.victim.Name, name, d, out.want[name])
		}
	}
	for _, name := range sortedKeys(out.atLeast) {
		named[name] = true
		d, ok := delta(name)
		switch {
		case !ok:
			t.Error(missing(name))
		case d < uint64(out.atLeast[name]):
			t.Errorf("%s's %s rose by %d, want at least %d", r.victim.Name, name, d, out.atLeast[name])
		}
	}
	if len(out.sum) > 0 {
		var total uint64
		var parts []string
		for _, name := range out.sum {
			named[name] = true
			d, ok := delta(name)
			if !ok {
				t.Error(missing(name))
			}
			total += d
			parts = append(parts, fmt.Sprintf("%s %d", name, d))
		}
		if total != uint64(out.sent) {
			t.Errorf("%s's %s rose by %d together (%s), want the %d packets sent",
				r.victim.Name, strings.Join(out.sum, " + "), total, strings.Join(parts, ", "), out.sent)
		}
	}
	for _, name := range guarded {
		if named[name] || slices.Contains(r.row.exempt, name) {
			continue
		}
		if d, ok := delta(name); ok && d != 0 {
			t.Errorf("%s's %s rose by %d: the attack moved a counter it should not", r.victim.Name, name, d)
		}
	}
	for _, name := range sortedKeys(out.core) {
		if d := after.core[name] - before.core[name]; d != uint64(out.core[name]) {
			t.Errorf("%s's %s rose by %d, want %d", r.victim.Name, name, d, out.core[name])
		}
	}
}

// checkFlows: the TCP transfer completed with every byte, and the UDP
// stream lost nothing.
func (r *run) checkFlows(res flowResult) {
	t := r.t
	switch {
	case res.tcpErr != nil:
		t.Errorf("TCP MN->CN: %v", res.tcpErr)
	case res.tcp.Bytes != r.f.tcpBytes:
		t.Errorf("TCP MN->CN: CN received %d bytes, MN sent %d", res.tcp.Bytes, r.f.tcpBytes)
	}
	switch {
	case res.udpErr != nil:
		t.Errorf("UDP CN->MN: %v", res.udpErr)
	case res.udp.Total == 0:
		t.Errorf("UDP CN->MN: MN's iperf2 server counted no datagram")
	case res.udp.Lost != 0:
		t.Errorf("UDP CN->MN: %d of %d datagrams lost", res.udp.Lost, res.udp.Total)
	}
	r.logf("flows: TCP MN->CN %d of %d bytes in %s; UDP CN->MN %d of %d datagrams lost, %d out of order",
		res.tcp.Bytes, r.f.tcpBytes, res.tcp.Duration.Round(time.Millisecond), res.udp.Lost, res.udp.Total, res.udp.OutOfOrder)
}

// checkGenuine: after the attack each end still delivers the other's
// datagrams to an application (so that a sink that saw nothing forged
// is not merely deaf).
func (r *run) checkGenuine() {
	t := r.t
	for _, c := range []struct {
		from *testbed.Host
		to   netip.Addr
		sink *sink
	}{{r.MN, testbed.CNAddr, r.cnSink}, {r.CN, r.MNAddr, r.mnSink}} {
		tag := "genuine:" + r.row.name + ":" + c.from.Name
		if err := sendUDP(c.from, netip.AddrPortFrom(c.to, sinkPort), tag); err != nil {
			t.Fatal(err)
		}
		if _, ok := c.sink.waitFor(tag, 3*time.Second); !ok {
			t.Errorf("%s's datagram to %s's sink did not arrive after the attack", c.from.Name, c.to)
		}
	}
}

// deltas lists the victim's counters that moved.
func deltas(before, after snapshot) string {
	var parts []string
	for _, name := range sortedKeys(after.counters) {
		if d := after.counters[name] - before.counters[name]; d != 0 {
			parts = append(parts, fmt.Sprintf("%s +%d", name, d))
		}
	}
	for _, name := range sortedKeys(after.core) {
		if d := after.core[name] - before.core[name]; d != 0 {
			parts = append(parts, fmt.Sprintf("%s +%d", name, d))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func newNIDs(before, after []string) []string {
	var out []string
	for _, n := range after {
		if !slices.Contains(before, n) {
			out = append(out, n)
		}
	}
	return out
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
