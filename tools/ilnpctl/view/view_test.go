package view

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

func TestSharesOf(t *testing.T) {
	tests := []struct {
		locs             []ilnpnl.Locator
		tx, rx           []float64 // rounded to four decimals, as in the JSON
		txTotal, rxTotal uint64
	}{{
		tx: []float64{}, rx: []float64{},
	}, {
		locs: []ilnpnl.Locator{{}, {}},
		tx:   []float64{0, 0}, rx: []float64{0, 0},
	}, {
		locs: []ilnpnl.Locator{{TxBytes: 1, RxBytes: 2}, {TxBytes: 2}},
		tx:   []float64{0.3333, 0.6667}, rx: []float64{1, 0},
		txTotal: 3, rxTotal: 2,
	}, {
		locs: []ilnpnl.Locator{{TxBytes: 1 << 62, RxBytes: 1}, {TxBytes: 1 << 62, RxBytes: 99999}},
		tx:   []float64{0.5, 0.5}, rx: []float64{0, 1},
		txTotal: 1 << 63, rxTotal: 100000,
	}, {
		locs: []ilnpnl.Locator{{TxBytes: 4344000, RxBytes: 191400}, {TxBytes: 1448000, RxBytes: 72600}},
		tx:   []float64{0.75, 0.25}, rx: []float64{0.725, 0.275},
		txTotal: 5792000, rxTotal: 264000,
	}}
	for _, tt := range tests {
		sh := SharesOf(tt.locs)
		tx, rx := []float64{}, []float64{}
		for i := range tt.locs {
			tx, rx = append(tx, Round4(sh.Tx[i])), append(rx, Round4(sh.Rx[i]))
		}
		if !reflect.DeepEqual(tx, tt.tx) || !reflect.DeepEqual(rx, tt.rx) || sh.TxTotal != tt.txTotal || sh.RxTotal != tt.rxTotal {
			t.Errorf("SharesOf(%v) = %v, %v of %d, %d; want %v, %v of %d, %d", tt.locs, tx, rx, sh.TxTotal, sh.RxTotal, tt.tx, tt.rx, tt.txTotal, tt.rxTotal)
		}
	}
}

func TestPeerLUPending(t *testing.T) {
	tests := []struct {
		pending *int
		want    string
	}{
		{nil, `{"nid":"0:0:0:c","flags":[],"idle_ms":0,"locators":[],"paths":[]}`},
		{ptr(0), `{"nid":"0:0:0:c","flags":[],"idle_ms":0,"lu_pending":0,"locators":[],"paths":[]}`},
		{ptr(3), `{"nid":"0:0:0:c","flags":[],"idle_ms":0,"lu_pending":3,"locators":[],"paths":[]}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(PeerOf(ilnpnl.Peer{NID: 0xc, LUPending: tt.pending}))
		if err != nil || string(b) != tt.want {
			t.Errorf("JSON %s, %v; want %s", b, err, tt.want)
		}
	}
}

// TestPaths: the path ends of show ilcc, show paths and path_state
// events.
func TestPaths(t *testing.T) {
	ends := []ilnpnl.PathEnd{
		{L64: 0x2001_0002_00dd_00dd, Local: true, State: ilnpnl.PathUp, Silent: 4 * time.Millisecond},
		{L64: 0x2001_0002_00ee_00ee, Local: true, State: ilnpnl.PathDown, Silent: 1130*time.Millisecond + 900*time.Microsecond, Probes: 3},
		// No longer a local locator.
		{L64: 0x2001_0002_00ff_00ff, Local: true, State: ilnpnl.PathProbing, Silent: 620 * time.Millisecond, Probes: 1},
		// The peer's, with the L64 of one of ours.
		{L64: 0x2001_0002_00dd_00dd, State: ilnpnl.PathUp},
	}
	locs := []ilnpnl.Locator{
		{L64: 0x2001_0002_00dd_00dd, Ifindex: 2},
		{L64: 0x2001_0002_00ee_00ee, Ifindex: 3},
		{L64: 0x2001_0002_00ee_00ee, Ifindex: 4}, // on a second interface: the first names it
	}
	dev := DevOf(locs, func(i int) string { return map[int]string{2: "eth0", 3: "wlan0", 4: "eth1"}[i] })
	const pathsJSON = `[{"l64":"2001:2:dd:dd","local":true,%s"state":"up","silent_ms":4,"probes":0},` +
		`{"l64":"2001:2:ee:ee","local":true,%s"state":"down","silent_ms":1130,"probes":3},` +
		`{"l64":"2001:2:ff:ff","local":true,"state":"probing","silent_ms":620,"probes":1},` +
		`{"l64":"2001:2:dd:dd","local":false,"state":"up","silent_ms":0,"probes":0}]`
	tests := []struct {
		name string
		v    any
		want string
	}{{
		name: "show ilcc: no interfaces",
		v:    PeerOf(ilnpnl.Peer{NID: 0xc, Paths: ends, PathRTT: 2500 * time.Microsecond}),
		want: `{"nid":"0:0:0:c","flags":[],"idle_ms":0,"locators":[],"paths":` + fmt.Sprintf(pathsJSON, "", "") + `,"path_rtt_us":2500}`,
	}, {
		name: "show paths: local ends' interfaces; no round trip, no ends",
		v:    Paths([]ilnpnl.Peer{{NID: 0xc, Paths: ends}, {NID: 0xe}}, dev),
		want: `[{"nid":"0:0:0:c","paths":` + fmt.Sprintf(pathsJSON, `"ifname":"eth0",`, `"ifname":"wlan0",`) + `},{"nid":"0:0:0:e","paths":[]}]`,
	}, {
		name: "show paths: the round trip",
		v:    Paths([]ilnpnl.Peer{{NID: 0xc, PathRTT: 3100 * time.Microsecond}}, dev),
		want: `[{"nid":"0:0:0:c","path_rtt_us":3100,"paths":[]}]`,
	}, {
		name: "path_state event",
		v:    EventOf(ilnpnl.Event{Type: ilnpnl.EventPathState, Peer: &ilnpnl.Peer{NID: 0xc}, Path: &ends[1]}, nil, time.Time{}),
		want: `{"event":"path_state","nid":"0:0:0:c","path":{"l64":"2001:2:ee:ee","local":true,"state":"down","silent_ms":1130,"probes":3}}`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.v)
			if err != nil || string(b) != tt.want {
				t.Errorf("JSON %s, %v\nwant %s", b, err, tt.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestRoundTrip: what ilnpctl prints decodes back into the same view, the
// way the VM tests read it.
func TestRoundTrip(t *testing.T) {
	mn := ilnp.ILV{L64: 0x2001_0002_00aa_00aa, NID: 0xd250_99ff_fed1_5a0c}
	peers := Peers([]ilnpnl.Peer{{
		NID: mn.NID, Flags: ilnpnl.PeerLearned | ilnpnl.PeerStatic,
		LocalILV: ilnp.ILV{L64: 0x2001_0002_00dd_00dd, NID: 0xc}, RemoteILV: mn,
		NonceTx: ilnp.Nonce32(0x5e0a197c), NonceRx: ilnp.Nonce96([12]byte{1, 2, 3}),
		Idle: 1250 * time.Millisecond, LUPending: ptr(2),
		Locators: []ilnpnl.Locator{
			{L64: mn.L64, State: ilnpnl.LocatorActive, Preference: 10, Lifetime: ilnpnl.LifetimeInfinite, DRRScore: -1448, TxBytes: 3, RxBytes: 1},
			{L64: 0x2001_0002_00bb_00bb, State: ilnpnl.LocatorValid, Lifetime: 14, TxBytes: 1, RxBytes: 1},
		},
		Stats: ilnpnl.Stats{ilnpnl.StatPktsIn: 4000, ilnpnl.StatBadNonce: 2},
		Paths: []ilnpnl.PathEnd{
			{L64: 0x2001_0002_00dd_00dd, Local: true, State: ilnpnl.PathDown, Silent: 1130 * time.Millisecond, Probes: 3},
			{L64: mn.L64, State: ilnpnl.PathUp, Silent: 7 * time.Millisecond},
		},
		PathRTT: 2500 * time.Microsecond,
	}, {NID: 0xe}})
	paths := Paths([]ilnpnl.Peer{{NID: 0xc, PathRTT: time.Millisecond, Paths: []ilnpnl.PathEnd{{L64: 0x2001_0002_00dd_00dd, Local: true, State: ilnpnl.PathProbing, Probes: 1}}}},
		func(ilnp.L64) string { return "eth0" })
	locs := Locators([]ilnpnl.Locator{{L64: 0x2001_0002_00dd_00dd, Ifindex: 2, State: ilnpnl.LocatorActive, TxBytes: 7}},
		func(i int) string { return "eth0" })
	events := []Event{
		EventOf(ilnpnl.Event{Type: ilnpnl.EventLUAcked, Peer: &ilnpnl.Peer{NID: 0xc, Flags: ilnpnl.PeerStatic}, LURetries: ptr(1), LURTT: ptr(1500 * time.Microsecond)},
			nil, time.Date(2024, 10, 1, 12, 0, 1, 234567000, time.UTC)),
		EventOf(ilnpnl.Event{Type: ilnpnl.EventLocatorState, Locator: &ilnpnl.Locator{L64: 0x2001_0002_00bb_00bb, Ifindex: 4, State: ilnpnl.LocatorGone}},
			func(int) string { return "if4" }, time.Time{}),
		EventOf(ilnpnl.Event{Type: ilnpnl.EventPathState, Peer: &ilnpnl.Peer{NID: 0xc}, Path: &ilnpnl.PathEnd{L64: 0x2001_0002_00bb_00bb, State: ilnpnl.PathUp}},
			nil, time.Time{}),
	}
	for _, v := range []any{&peers, &locs, &paths, &events, &LocalNID{NID: 0xc}, ptr(ConfigOf(ilnpnl.Config{NID: 0xc, NonceLen: 12, MaxPeers: 4096}))} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		back := reflect.New(reflect.TypeOf(v).Elem())
		if err := json.Unmarshal(b, back.Interface()); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if diff := cmp.Diff(v, back.Interface(), cmp.Comparer(func(a, b ilnp.Nonce) bool { return a == b }), sameCounters); diff != "" {
			t.Errorf("round trip of %s (-printed +read):\n%s", b, diff)
		}
	}
}

// sameCounters compares Stats by value, a counter absent reading as 0.
var sameCounters = cmp.Comparer(func(a, b ilnpnl.Stats) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	for _, c := range ilnpnl.Counters() {
		if a[c.Stat] != b[c.Stat] {
			return false
		}
	}
	return true
})
