package main

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

func TestOutput(t *testing.T) {
	tests := []struct {
		args string
		want string
	}{{
		args: "show ilcc",
		want: `peer d250:99ff:fed1:5a0c flags learned idle 1.25s
    local 2001:2:dd:dd::c remote 2001:2:aa:aa:d250:99ff:fed1:5a0c
    nonce tx 5e0a197c rx 913d42e8
    L64           STATE   PREF  LIFETIME  SCORE  TX_PKTS  TX_BYTES  TX%    RX_PKTS  RX_BYTES  RX%
    2001:2:aa:aa  active  10    13sec     -1448  3000     4344000   75.0%  2900     191400    72.5%
    2001:2:bb:bb  active  10    14sec     1448   1000     1448000   25.0%  1100     72600     27.5%
    pkts_in 4000 pkts_out 4000 bad_nonce 0 no_session 0 fallbacks 0 sessions_created 1 sessions_expired 0
    lu_sent 0 lu_received 3 lu_acked 0 lu_retransmitted 0 lu_failed 0 lu_malformed 0
`,
	}, {
		args: "-j show ilcc",
		want: `[{"nid":"d250:99ff:fed1:5a0c","flags":["learned"],"local_ilv":"2001:2:dd:dd::c","remote_ilv":"2001:2:aa:aa:d250:99ff:fed1:5a0c",` +
			`"nonce_tx":"5e0a197c","nonce_rx":"913d42e8","idle_ms":1250,"locators":[` +
			`{"l64":"2001:2:aa:aa","state":"active","preference":10,"lifetime":13,"drr_score":-1448,"tx_packets":3000,"tx_bytes":4344000,"rx_packets":2900,"rx_bytes":191400,"tx_share":75,"rx_share":72.5},` +
			`{"l64":"2001:2:bb:bb","state":"active","preference":10,"lifetime":14,"drr_score":1448,"tx_packets":1000,"tx_bytes":1448000,"rx_packets":1100,"rx_bytes":72600,"tx_share":25,"rx_share":27.5}],` +
			`"stats":{"pkts_in":4000,"pkts_out":4000,"bad_nonce":0,"no_session":0,"lu_sent":0,"lu_received":3,"lu_acked":0,"lu_retransmitted":0,"lu_failed":0,"lu_malformed":0,"fallbacks":0,"sessions_created":1,"sessions_expired":0}}]` + "\n",
	}, {
		args: "show locators",
		want: `L64           DEV   STATE   PREF  LIFETIME  SCORE  TX_PKTS  TX_BYTES  RX_PKTS  RX_BYTES
2001:2:dd:dd  eth0  active  0     forever   0      4000     5792000   4000     264000
`,
	}, {
		args: "-j show locators",
		want: `[{"l64":"2001:2:dd:dd","ifindex":2,"ifname":"eth0","state":"active","preference":0,"lifetime":4294967295,"drr_score":0,"tx_packets":4000,"tx_bytes":5792000,"rx_packets":4000,"rx_bytes":264000}]` + "\n",
	}, {
		args: "stats",
		want: `pkts_in           4000
pkts_out          4000
bad_nonce            0
no_session           0
lu_sent              0
lu_received          3
lu_acked             0
lu_retransmitted     0
lu_failed            0
lu_malformed         0
fallbacks            0
sessions_created     1
sessions_expired     0
`,
	}, {
		args: "-j -p nid show",
		want: "{\n    \"nid\": \"0:0:0:c\"\n}\n",
	}, {
		args: "nid show",
		want: "nid 0:0:0:c\n",
	}}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			code, stdout, stderr := execute(t, testILCC(), strings.Fields(tt.args)...)
			if code != exitOK || stdout != tt.want {
				t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant:\n%s", code, stderr, stdout, tt.want)
			}
		})
	}
}

func TestEmptyOutput(t *testing.T) {
	tests := []struct{ args, want string }{
		{"show ilcc", ""},
		{"show locators", ""},
		{"-j show ilcc", "[]\n"},
		{"-j show locators", "[]\n"},
	}
	for _, tt := range tests {
		if code, stdout, _ := execute(t, &fakeKernel{}, strings.Fields(tt.args)...); code != exitOK || stdout != tt.want {
			t.Errorf("%s: exit %d, stdout %q, want %q", tt.args, code, stdout, tt.want)
		}
	}
}

func TestWritePeers(t *testing.T) {
	tests := []struct {
		name  string
		peers []ilnpnl.Peer
		want  string
	}{{
		name: "unprivileged: no nonces, no traffic yet, unknown IL-Vs",
		peers: []ilnpnl.Peer{
			{NID: cnNID, Flags: ilnpnl.PeerStatic, Locators: []ilnpnl.Locator{{L64: l64DD, State: ilnpnl.LocatorActive, Lifetime: ilnpnl.LifetimeInfinite}}},
			{NID: mnNID, Flags: ilnpnl.PeerStatic | ilnpnl.PeerIPv6Only, RemoteILV: ilnpnl.ILV(l64AA, mnNID)},
		},
		want: `peer 0:0:0:c flags static idle 0s
    L64           STATE   PREF  LIFETIME  SCORE  TX_PKTS  TX_BYTES  TX%  RX_PKTS  RX_BYTES  RX%
    2001:2:dd:dd  active  0     forever   0      0        0         -    0        0         -

peer d250:99ff:fed1:5a0c flags static,ipv6_only idle 0s
    local - remote 2001:2:aa:aa:d250:99ff:fed1:5a0c
`,
	}, {
		name:  "one nonce only, a long one",
		peers: []ilnpnl.Peer{{NID: cnNID, NonceRx: []byte("0123456789ab")}},
		want:  "peer 0:0:0:c flags none idle 0s\n    nonce tx - rx 303132333435363738396162\n",
	}}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := writePeers(&b, tt.peers); err != nil || b.String() != tt.want {
			t.Errorf("%s: got %v\n%s\nwant\n%s", tt.name, err, b.String(), tt.want)
		}
	}
}

func TestShares(t *testing.T) {
	tests := []struct {
		locs   []ilnpnl.Locator
		tx, rx []float64
	}{
		{nil, []float64{}, []float64{}},
		{[]ilnpnl.Locator{{}, {}}, []float64{0, 0}, []float64{0, 0}},
		{[]ilnpnl.Locator{{TxBytes: 1, RxBytes: 2}, {TxBytes: 2}}, []float64{33.33, 66.67}, []float64{100, 0}},
		{[]ilnpnl.Locator{{TxBytes: 1 << 62}, {TxBytes: 1 << 62}}, []float64{50, 50}, []float64{0, 0}},
	}
	for _, tt := range tests {
		tx, rx := shares(tt.locs)
		if !reflect.DeepEqual(tx, tt.tx) || !reflect.DeepEqual(rx, tt.rx) {
			t.Errorf("shares(%v) = %v, %v; want %v, %v", tt.locs, tx, rx, tt.tx, tt.rx)
		}
	}
}

func TestFormatEvent(t *testing.T) {
	at := time.Date(2024, 10, 1, 12, 0, 1, 234567000, time.UTC)
	ifname := ifnameFrom(map[int]string{2: "eth0"})
	tests := []struct {
		ev       ilnpnl.Event
		at       time.Time
		want     string
		wantJSON string
	}{{
		ev:       ilnpnl.Event{Type: ilnpnl.EventSessionCreated, Peer: &ilnpnl.Peer{NID: mnNID, Flags: ilnpnl.PeerLearned}},
		want:     "session_created peer d250:99ff:fed1:5a0c flags learned",
		wantJSON: `{"event":"session_created","nid":"d250:99ff:fed1:5a0c","flags":["learned"]}`,
	}, {
		ev:       ilnpnl.Event{Type: ilnpnl.EventLUAcked, Peer: &ilnpnl.Peer{NID: cnNID}},
		at:       at,
		want:     "2024-10-01T12:00:01.234567Z lu_acked peer 0:0:0:c",
		wantJSON: `{"time":"2024-10-01T12:00:01.234567Z","event":"lu_acked","nid":"0:0:0:c"}`,
	}, {
		ev:       ilnpnl.Event{Type: ilnpnl.EventLocatorState, Peer: &ilnpnl.Peer{NID: mnNID}, Locator: &ilnpnl.Locator{L64: l64BB, State: ilnpnl.LocatorValid}},
		want:     "locator_state peer d250:99ff:fed1:5a0c locator 2001:2:bb:bb state valid",
		wantJSON: `{"event":"locator_state","nid":"d250:99ff:fed1:5a0c","locator":{"l64":"2001:2:bb:bb","state":"valid"}}`,
	}, {
		ev:       ilnpnl.Event{Type: ilnpnl.EventLocatorState, Locator: &ilnpnl.Locator{L64: l64AA, Ifindex: 7, State: ilnpnl.LocatorActive}},
		want:     "locator_state locator 2001:2:aa:aa dev if7 state active",
		wantJSON: `{"event":"locator_state","locator":{"l64":"2001:2:aa:aa","ifindex":7,"ifname":"if7","state":"active"}}`,
	}, {
		ev:       ilnpnl.Event{Type: 42},
		want:     "event(42)",
		wantJSON: `{"event":"event(42)"}`,
	}}
	for _, tt := range tests {
		if got := formatEvent(tt.ev, ifname, tt.at); got != tt.want {
			t.Errorf("formatEvent = %q, want %q", got, tt.want)
		}
		b, err := json.Marshal(toEventJSON(tt.ev, ifname, tt.at))
		if err != nil || string(b) != tt.wantJSON {
			t.Errorf("event JSON = %s, %v; want %s", b, err, tt.wantJSON)
		}
	}
}

// TestStatsNames keeps the human names of the counters and the JSON keys
// the same, in the same order.
func TestStatsNames(t *testing.T) {
	var s ilnpnl.Stats
	cs := statsCounters(s)
	b, err := json.Marshal(toStatsJSON(s))
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	want.WriteString("{")
	for i, c := range cs {
		if i > 0 {
			want.WriteString(",")
		}
		want.WriteString(`"` + c.name + `":0`)
	}
	want.WriteString("}")
	if string(b) != want.String() {
		t.Errorf("JSON keys %s, human names %s", b, want.String())
	}
}
