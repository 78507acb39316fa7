package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// fakeKernel stands in for the ilnp family.
type fakeKernel struct {
	nid    ilnp.NID
	peers  []ilnpnl.Peer
	locs   []ilnpnl.Locator
	stats  ilnpnl.Stats
	events []any // ilnpnl.Event or error, then the monitor ends
	fail   map[ilnp.NID]error
	config ilnpnl.Config
	setErr error // what SetConfig returns

	added   []ilnpnl.Peer
	deleted []ilnp.NID
	setNIDs []ilnp.NID
	changes []ilnpnl.ConfigChange
	closed  bool
}

func (k *fakeKernel) NID() (ilnp.NID, error) { return k.nid, nil }
func (k *fakeKernel) SetNID(n ilnp.NID) error {
	k.setNIDs = append(k.setNIDs, n)
	return nil
}
func (k *fakeKernel) Config() (ilnpnl.Config, error) { return k.config, nil }
func (k *fakeKernel) SetConfig(ch ilnpnl.ConfigChange) error {
	if k.setErr != nil {
		return k.setErr
	}
	k.changes = append(k.changes, ch)
	return nil
}
func (k *fakeKernel) AddPeer(p ilnpnl.Peer) error {
	if err := k.fail[p.NID]; err != nil {
		return fmt.Errorf("ilnpnl: add peer %s: %w", p.NID, err)
	}
	k.added = append(k.added, p)
	return nil
}
func (k *fakeKernel) DelPeer(n ilnp.NID) error {
	if err := k.fail[n]; err != nil {
		return fmt.Errorf("ilnpnl: delete peer %s: %w", n, err)
	}
	k.deleted = append(k.deleted, n)
	return nil
}
func (k *fakeKernel) Peers() ([]ilnpnl.Peer, error)       { return k.peers, nil }
func (k *fakeKernel) Locators() ([]ilnpnl.Locator, error) { return k.locs, nil }
func (k *fakeKernel) Stats() (ilnpnl.Stats, error)        { return k.stats, nil }
func (k *fakeKernel) Close() error {
	k.closed = true
	return nil
}
func (k *fakeKernel) Monitor(ctx context.Context) (events, error) {
	return &fakeEvents{queue: k.events}, nil
}

type fakeEvents struct{ queue []any }

func (e *fakeEvents) Next() (ilnpnl.Event, error) {
	if len(e.queue) == 0 {
		return ilnpnl.Event{}, context.Canceled // as if interrupted
	}
	x := e.queue[0]
	e.queue = e.queue[1:]
	if err, ok := x.(error); ok {
		return ilnpnl.Event{}, err
	}
	return x.(ilnpnl.Event), nil
}

func (e *fakeEvents) Close() error { return nil }

func (k *fakeKernel) system() system {
	return system{
		dial:  func(int) (client, error) { return k, nil },
		links: func(int) (map[int]string, error) { return map[int]string{1: "lo", 2: "eth0", 3: "eth1"}, nil },
	}
}

// testILCC is the ILCC of the examples in docs/ilnpctl.md.
func testILCC() *fakeKernel {
	return &fakeKernel{
		nid: 0xc,
		peers: []ilnpnl.Peer{{
			NID:   mnNID,
			Flags: ilnpnl.PeerLearned,
			Locators: []ilnpnl.Locator{
				{L64: l64AA, State: ilnpnl.LocatorActive, Preference: 10, Lifetime: 13, DRRScore: -1448, TxPackets: 3000, TxBytes: 4344000, RxPackets: 2900, RxBytes: 191400},
				{L64: l64BB, State: ilnpnl.LocatorActive, Preference: 10, Lifetime: 14, DRRScore: 1448, TxPackets: 1000, TxBytes: 1448000, RxPackets: 1100, RxBytes: 72600},
			},
			LocalILV:  ilnp.ILV{L64: l64DD, NID: cnNID},
			RemoteILV: ilnp.ILV{L64: l64AA, NID: mnNID},
			NonceTx:   ilnp.Nonce32(0x5e0a197c),
			NonceRx:   ilnp.Nonce32(0x913d42e8),
			Idle:      1250 * time.Millisecond,
			Stats:     ilnpnl.Stats{ilnpnl.StatPktsIn: 4000, ilnpnl.StatPktsOut: 4000, ilnpnl.StatLUReceived: 3, ilnpnl.StatSessionsCreated: 1},
			Paths: []ilnpnl.PathEnd{
				{L64: l64AA, State: ilnpnl.PathUp, Silent: 2 * time.Millisecond, MinRTT: 2104 * time.Microsecond},
				{L64: l64DD, Local: true, State: ilnpnl.PathUp, Silent: 2 * time.Millisecond, MinRTT: 2104 * time.Microsecond},
				{L64: l64BB, State: ilnpnl.PathUp, Silent: 5 * time.Millisecond},
			},
			PathRTT: 2512 * time.Microsecond,
		}},
		locs: []ilnpnl.Locator{
			{L64: l64DD, Ifindex: 2, State: ilnpnl.LocatorActive, Lifetime: ilnpnl.LifetimeInfinite, TxPackets: 4000, TxBytes: 5792000, RxPackets: 4000, RxBytes: 264000},
		},
		stats: ilnpnl.Stats{ilnpnl.StatPktsIn: 4000, ilnpnl.StatPktsOut: 4000, ilnpnl.StatLUReceived: 3, ilnpnl.StatSessionsCreated: 1},
	}
}

func execute(t *testing.T, k *fakeKernel, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb, k.system())
	return code, out.String(), errb.String()
}

func TestExitStatus(t *testing.T) {
	tests := []struct {
		args       string
		wantCode   int
		wantStderr string
	}{
		{"show ilcc", exitOK, ""},
		{"-j show ilcc", exitOK, ""},
		{"show ilcc -j -p", exitOK, ""},
		{"nid show", exitOK, ""},
		{"help", exitOK, ""},
		{"peer add --help", exitOK, ""},
		{"", exitUsage, "ilnpctl: missing command\nRun 'ilnpctl --help' for usage.\n"},
		{"bogus", exitUsage, `ilnpctl: unknown command "bogus"`},
		{"show", exitUsage, "ilnpctl: show: missing command: one of ilcc, locators, paths\n"},
		{"show routes", exitUsage, `ilnpctl: show: unknown command "routes": one of ilcc, locators, paths`},
		{"show paths now", exitUsage, `ilnpctl: show paths: unexpected argument "now"`},
		{"show paths --help", exitOK, ""},
		{"show ilcc now", exitUsage, `ilnpctl: show ilcc: unexpected argument "now"`},
		{"peer add", exitUsage, "ilnpctl: peer add: missing ADDR|NAME...\nRun 'ilnpctl peer add --help' for usage.\n"},
		{"peer add mn", exitUsage, `ilnpctl: peer add: "mn": not an IL-V`},
		{"peer del", exitUsage, "ilnpctl: peer del: missing ADDR|NID"},
		{"peer del 1:2:3", exitUsage, `ilnpctl: peer del: "1:2:3": not a NID`},
		{"nid set 2001::c", exitUsage, `ilnpctl: nid set: "2001::c": not a NID: its upper 64 bits (2001:0:0:0) are not zero`},
		{"nid set ::", exitUsage, `use "default"`},
		{"stats --bogus", exitUsage, "ilnpctl: stats: unknown flag: --bogus\nRun 'ilnpctl stats --help' for usage.\n"},
		{"-n no-such-netns-here stats", exitError, "ilnpctl: network namespace no-such-netns-here: no such file or directory\n"},
		{"hosts load /no/such/file", exitError, "ilnpctl: open /no/such/file: no such file or directory\n"},
		{"peer del 0:0:0:9", exitError, "ilnpctl: ilnpnl: delete peer 0:0:0:9: no such file or directory\n"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			k := testILCC()
			k.fail = map[ilnp.NID]error{9: unix.ENOENT}
			code, _, stderr := execute(t, k, strings.Fields(tt.args)...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantStderr) || (tt.wantStderr == "") != (stderr == "") {
				t.Errorf("exit %d, stderr %q; want exit %d, stderr %q", code, stderr, tt.wantCode, tt.wantStderr)
			}
		})
	}
}

func TestPeerAdd(t *testing.T) {
	k := &fakeKernel{fail: map[ilnp.NID]error{0xbad: unix.EPERM}}
	code, _, stderr := execute(t, k, "peer", "add",
		"2001:2:aa:aa:d250:99ff:fed1:5a0c", cnAddr, "d250-99ff-fed1-5a0c.2001+2+bb+bb", "2001:2:aa:aa:d250:99ff:fed1:5a0c")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := []ilnpnl.Peer{
		{NID: mnNID, Locators: []ilnpnl.Locator{{L64: l64AA}, {L64: l64BB}}},
		{NID: cnNID, Locators: []ilnpnl.Locator{{L64: l64DD}}},
	}
	if !reflect.DeepEqual(k.added, want) {
		t.Errorf("requests %+v, want one per NID: %+v", k.added, want)
	}
	if !k.closed {
		t.Error("the client was not closed")
	}

	// A refused peer does not stop the others, and every failure is named.
	k.added = nil
	code, _, stderr = execute(t, k, "peer", "add", "2001:2:aa:aa::bad", cnAddr)
	if code != exitError || stderr != "ilnpctl: ilnpnl: add peer 0:0:0:bad: operation not permitted\n" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if len(k.added) != 1 || k.added[0].NID != cnNID {
		t.Errorf("added %+v, want the peer that was not refused", k.added)
	}
}

func TestPeerDel(t *testing.T) {
	for _, arg := range []string{"d250:99ff:fed1:5a0c", "d250-99ff-fed1-5a0c", "::d250:99ff:fed1:5a0c", "2001:2:aa:aa:d250:99ff:fed1:5a0c", "d250-99ff-fed1-5a0c.2001+2+aa+aa"} {
		k := &fakeKernel{}
		if code, _, stderr := execute(t, k, "peer", "del", arg); code != exitOK {
			t.Errorf("peer del %s: exit %d: %s", arg, code, stderr)
		}
		if !reflect.DeepEqual(k.deleted, []ilnp.NID{mnNID}) {
			t.Errorf("peer del %s deleted %v", arg, k.deleted)
		}
	}
}

func TestNIDSet(t *testing.T) {
	k := &fakeKernel{}
	for _, arg := range []string{"::c", "0:0:0:c", "default"} {
		if code, _, stderr := execute(t, k, "nid", "set", arg); code != exitOK {
			t.Errorf("nid set %s: exit %d: %s", arg, code, stderr)
		}
	}
	if want := []ilnp.NID{0xc, 0xc, 0}; !reflect.DeepEqual(k.setNIDs, want) {
		t.Errorf("set %v, want %v", k.setNIDs, want)
	}
}

func TestHostsLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "hosts")
	os.WriteFile(good, []byte("127.0.0.1 localhost\nd250-99ff-fed1-5a0c.2001+2+aa+aa mn\nd250-99ff-fed1-5a0c.2001+2+bb+bb mn\n0-0-0-c.2001+2+dd+dd cn\n"), 0o644)
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("# peers\n0-0-0-c.2001+2+dd+dd cn\nd250-99ff-fed1-5a0c.2001+2+aa mn\n"), 0o644)

	k := &fakeKernel{}
	if code, _, stderr := execute(t, k, "hosts", "load", good); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := []ilnpnl.Peer{
		{NID: mnNID, Locators: []ilnpnl.Locator{{L64: l64AA}, {L64: l64BB}}},
		{NID: cnNID, Locators: []ilnpnl.Locator{{L64: l64DD}}},
	}
	if !reflect.DeepEqual(k.added, want) {
		t.Errorf("requests %+v, want %+v", k.added, want)
	}

	k = &fakeKernel{}
	code, _, stderr := execute(t, k, "hosts", "load", bad)
	if wantErr := "ilnpctl: " + bad + `: line 3: parse IL-V "d250-99ff-fed1-5a0c.2001+2+aa": locator: 3 groups separated by '+', want 4` + "\n"; code != exitError || stderr != wantErr {
		t.Errorf("exit %d, stderr %q; want exit 1, %q", code, stderr, wantErr)
	}
	if len(k.added) != 0 {
		t.Errorf("a file with an error registered %v", k.added)
	}
}

func TestMonitor(t *testing.T) {
	k := &fakeKernel{events: []any{
		ilnpnl.Event{Type: ilnpnl.EventSessionCreated, Peer: &ilnpnl.Peer{NID: mnNID, Flags: ilnpnl.PeerLearned}},
		fmt.Errorf("ilnpnl: receive event: %w", ilnpnl.ErrEventsLost),
		ilnpnl.Event{Type: ilnpnl.EventLocatorState, Locator: &ilnpnl.Locator{L64: l64AA, Ifindex: 3, State: ilnpnl.LocatorValid}},
		ilnpnl.Event{Type: ilnpnl.EventLocatorState, Locator: &ilnpnl.Locator{L64: l64BB, Ifindex: 4, State: ilnpnl.LocatorGone}},
		ilnpnl.Event{Type: ilnpnl.EventLUAcked, Peer: &ilnpnl.Peer{NID: cnNID, Flags: ilnpnl.PeerStatic}, LURetries: ptr(1), LURTT: ptr(1500 * time.Microsecond)},
		ilnpnl.Event{Type: ilnpnl.EventPathState, Peer: &ilnpnl.Peer{NID: cnNID}, Path: &ilnpnl.PathEnd{L64: l64BB, Local: true, State: ilnpnl.PathDown, Silent: 1130 * time.Millisecond, Probes: 3}},
	}}
	code, stdout, stderr := execute(t, k, "monitor")
	wantOut := "session_created peer d250:99ff:fed1:5a0c flags learned\n" +
		"locator_state locator 2001:2:aa:aa dev eth1 state valid\n" +
		"locator_state locator 2001:2:bb:bb dev if4 state gone\n" +
		"lu_acked peer 0:0:0:c flags static rtt 1.5ms retries 1\n" +
		"path_state peer 0:0:0:c path local 2001:2:bb:bb state down silent 1.13s probes 3\n"
	wantErr := "ilnpctl: warning: ilnpnl: receive event: events lost: receive buffer overrun\n"
	if code != exitOK || stdout != wantOut || stderr != wantErr {
		t.Errorf("exit %d\nstdout %q\nstderr %q\nwant\nstdout %q\nstderr %q", code, stdout, stderr, wantOut, wantErr)
	}

	k.events = k.events[2:]
	code, stdout, _ = execute(t, k, "-j", "monitor")
	wantOut = `{"event":"locator_state","locator":{"l64":"2001:2:aa:aa","ifindex":3,"ifname":"eth1","state":"valid"}}` + "\n" +
		`{"event":"locator_state","locator":{"l64":"2001:2:bb:bb","ifindex":4,"ifname":"if4","state":"gone"}}` + "\n" +
		`{"event":"lu_acked","nid":"0:0:0:c","flags":["static"],"lu_retries":1,"lu_rtt_us":1500}` + "\n" +
		`{"event":"path_state","nid":"0:0:0:c","path":{"l64":"2001:2:bb:bb","local":true,"state":"down","silent_ms":1130,"probes":3}}` + "\n"
	if code != exitOK || stdout != wantOut {
		t.Errorf("-j: exit %d\nstdout %s\nwant\n%s", code, stdout, wantOut)
	}

	k.events = []any{errors.New("ilnpnl: receive event: boom")}
	if code, _, stderr := execute(t, k, "-j", "monitor"); code != exitError || stderr != "ilnpctl: ilnpnl: receive event: boom\n" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
