package view

import (
	"encoding/json"
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
		{nil, `{"nid":"0:0:0:c","flags":[],"idle_ms":0,"locators":[]}`},
		{ptr(0), `{"nid":"0:0:0:c","flags":[],"idle_ms":0,"lu_pending":0,"locators":[]}`},
		{ptr(3), `{"nid":"0:0:0:c","flags":[],"idle_ms":0,"lu_pending":3,"locators":[]}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(PeerOf(ilnpnl.Peer{NID: 0xc, LUPending: tt.pending}))
		if err != nil || string(b) != tt.want {
			t.Errorf("JSON %s, %v; want %s", b, err, tt.want)
		}
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
	}, {NID: 0xe}})
	locs := Locators([]ilnpnl.Locator{{L64: 0x2001_0002_00dd_00dd, Ifindex: 2, State: ilnpnl.LocatorActive, TxBytes: 7}},
		func(i int) string { return "eth0" })
	events := []Event{
		EventOf(ilnpnl.Event{Type: ilnpnl.EventLUAcked, Peer: &ilnpnl.Peer{NID: 0xc, Flags: ilnpnl.PeerStatic}, LURetries: ptr(1), LURTT: ptr(1500 * time.Microsecond)},
			nil, time.Date(2024, 10, 1, 12, 0, 1, 234567000, time.UTC)),
		EventOf(ilnpnl.Event{Type: ilnpnl.EventLocatorState, Locator: &ilnpnl.Locator{L64: 0x2001_0002_00bb_00bb, Ifindex: 4, State: ilnpnl.LocatorGone}},
			func(int) string { return "if4" }, time.Time{}),
	}
	for _, v := range []any{&peers, &locs, &events, &LocalNID{NID: 0xc}} {
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
