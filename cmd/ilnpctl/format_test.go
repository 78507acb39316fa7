package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpctl/view"
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
    paths local 2001:2:dd:dd up; peer 2001:2:aa:aa up, 2001:2:bb:bb up; rtt 2.512ms
{{peer stats}}`,
	}, {
		args: "-j show ilcc",
		want: `[{"nid":"d250:99ff:fed1:5a0c","flags":["learned"],"local_ilv":"2001:2:dd:dd::c","remote_ilv":"2001:2:aa:aa:d250:99ff:fed1:5a0c",` +
			`"nonce_tx":"5e0a197c","nonce_rx":"913d42e8","idle_ms":1250,"locators":[` +
			`{"l64":"2001:2:aa:aa","state":"active","preference":10,"lifetime":13,"drr_score":-1448,"tx_packets":3000,"tx_bytes":4344000,"rx_packets":2900,"rx_bytes":191400,"tx_share":0.75,"rx_share":0.725},` +
			`{"l64":"2001:2:bb:bb","state":"active","preference":10,"lifetime":14,"drr_score":1448,"tx_packets":1000,"tx_bytes":1448000,"rx_packets":1100,"rx_bytes":72600,"tx_share":0.25,"rx_share":0.275}],` +
			`"paths":[{"l64":"2001:2:aa:aa","local":false,"state":"up","silent_ms":2,"probes":0,"min_rtt_us":2104},{"l64":"2001:2:dd:dd","local":true,"state":"up","silent_ms":2,"probes":0,"min_rtt_us":2104},` +
			`{"l64":"2001:2:bb:bb","local":false,"state":"up","silent_ms":5,"probes":0}],"path_rtt_us":2512,` +
			`"stats":{{stats json}}}]` + "\n",
	}, {
		args: "show paths",
		want: `PEER                 SIDE   L64           DEV   STATE  SILENT_MS  PROBES  MIN_RTT  RTT
d250:99ff:fed1:5a0c  local  2001:2:dd:dd  eth0  up     2          0       2.104ms  2.512ms
d250:99ff:fed1:5a0c  peer   2001:2:aa:aa  -     up     2          0       2.104ms  2.512ms
d250:99ff:fed1:5a0c  peer   2001:2:bb:bb  -     up     5          0       -        2.512ms
`,
	}, {
		args: "-j show paths",
		want: `[{"nid":"d250:99ff:fed1:5a0c","path_rtt_us":2512,"paths":[{"l64":"2001:2:aa:aa","local":false,"state":"up","silent_ms":2,"probes":0,"min_rtt_us":2104},` +
			`{"l64":"2001:2:dd:dd","local":true,"ifname":"eth0","state":"up","silent_ms":2,"probes":0,"min_rtt_us":2104},` +
			`{"l64":"2001:2:bb:bb","local":false,"state":"up","silent_ms":5,"probes":0}]}]` + "\n",
	}, {
		args: "show locators",
		want: `L64           DEV   STATE   PREF  LIFETIME  SCORE  TX_PKTS  TX_BYTES  TX%     RX_PKTS  RX_BYTES  RX%
2001:2:dd:dd  eth0  active  0     forever   0      4000     5792000   100.0%  4000     264000    100.0%
`,
	}, {
		args: "-j show locators",
		want: `[{"l64":"2001:2:dd:dd","ifindex":2,"ifname":"eth0","state":"active","preference":0,"lifetime":4294967295,"drr_score":0,"tx_packets":4000,"tx_bytes":5792000,"rx_packets":4000,"rx_bytes":264000,"tx_share":1,"rx_share":1}]` + "\n",
	}, {
		args: "stats",
		want: "{{stats}}",
	}, {
		args: "-j -p nid show",
		want: "{\n    \"nid\": \"0:0:0:c\"\n}\n",
	}, {
		args: "nid show",
		want: "nid 0:0:0:c\n",
	}}
	st := testILCC().stats
	counters := strings.NewReplacer("{{peer stats}}", wantPeerStats(st), "{{stats json}}", wantStatsJSON(st), "{{stats}}", wantStats(st))
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			want := counters.Replace(tt.want)
			code, stdout, stderr := execute(t, testILCC(), strings.Fields(tt.args)...)
			if code != exitOK || stdout != want {
				t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant:\n%s", code, stderr, stdout, want)
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
		{"show paths", ""},
		{"-j show paths", "[]\n"},
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
			{NID: mnNID, Flags: ilnpnl.PeerStatic | ilnpnl.PeerIPv6Only, RemoteILV: ilnp.ILV{L64: l64AA, NID: mnNID}},
		},
		want: `peer 0:0:0:c flags static idle 0s
    L64           STATE   PREF  LIFETIME  SCORE  TX_PKTS  TX_BYTES  TX%  RX_PKTS  RX_BYTES  RX%
    2001:2:dd:dd  active  0     forever   0      0        0         -    0        0         -

peer d250:99ff:fed1:5a0c flags static,ipv6_only idle 0s
    local - remote 2001:2:aa:aa:d250:99ff:fed1:5a0c
`,
	}, {
		name:  "one nonce only, a long one",
		peers: []ilnpnl.Peer{{NID: cnNID, NonceRx: ilnp.Nonce96([12]byte([]byte("0123456789ab")))}},
		want:  "peer 0:0:0:c flags none idle 0s\n    nonce tx - rx 303132333435363738396162\n",
	}, {
		name: "Locator Updates pending",
		peers: []ilnpnl.Peer{
			{NID: cnNID, Flags: ilnpnl.PeerStatic, Idle: 300 * time.Millisecond, LUPending: ptr(0)},
			{NID: 0xd, LUPending: ptr(1)},
			{NID: 0xe, LUPending: ptr(5)},
		},
		want: `peer 0:0:0:c flags static idle 300ms lu pending (0 retransmissions)

peer 0:0:0:d flags none idle 0s lu pending (1 retransmission)

peer 0:0:0:e flags none idle 0s lu pending (5 retransmissions)
`,
	}, {
		name: "paths: ours first, probes, no round trip yet, one side only",
		peers: []ilnpnl.Peer{
			{NID: cnNID, PathRTT: 850 * time.Microsecond, Paths: []ilnpnl.PathEnd{
				{L64: l64DD, State: ilnpnl.PathUp},
				{L64: l64AA, Local: true, State: ilnpnl.PathUp},
				{L64: l64BB, Local: true, State: ilnpnl.PathDown, Probes: 3},
				{L64: 0x2001_0002_00ee_00ee, State: ilnpnl.PathProbing, Probes: 1},
			}},
			{NID: 0xd, Paths: []ilnpnl.PathEnd{{L64: l64DD, State: ilnpnl.PathUp}}},
			{NID: 0xe, Paths: []ilnpnl.PathEnd{{L64: l64AA, Local: true, State: ilnpnl.PathProbing, Probes: 2}}},
		},
		want: `peer 0:0:0:c flags none idle 0s
    paths local 2001:2:aa:aa up, 2001:2:bb:bb down (3 probes); peer 2001:2:dd:dd up, 2001:2:ee:ee probing (1 probe); rtt 850µs

peer 0:0:0:d flags none idle 0s
    paths peer 2001:2:dd:dd up

peer 0:0:0:e flags none idle 0s
    paths local 2001:2:aa:aa probing (2 probes)
`,
	}}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := writePeers(&b, tt.peers); err != nil || b.String() != tt.want {
			t.Errorf("%s: got %v\n%s\nwant\n%s", tt.name, err, b.String(), tt.want)
		}
	}
}

func TestWriteLocators(t *testing.T) {
	ifname := ifnameFrom(map[int]string{2: "eth0", 3: "eth1"})
	tests := []struct {
		name     string
		locs     []ilnpnl.Locator
		want     string
		wantJSON string
	}{{
		name: "the mobile node, multihomed",
		locs: []ilnpnl.Locator{
			{L64: l64AA, Ifindex: 2, State: ilnpnl.LocatorActive, Lifetime: 86400, DRRScore: -1448, TxPackets: 3000, TxBytes: 4344000, RxPackets: 2900, RxBytes: 191400},
			{L64: l64BB, Ifindex: 3, State: ilnpnl.LocatorActive, Lifetime: 1800, DRRScore: 1448, TxPackets: 1000, TxBytes: 1448000, RxPackets: 1100, RxBytes: 72600},
			{L64: l64DD, Ifindex: 9, State: ilnpnl.LocatorValid, Lifetime: 30},
		},
		want: `L64           DEV   STATE   PREF  LIFETIME  SCORE  TX_PKTS  TX_BYTES  TX%    RX_PKTS  RX_BYTES  RX%
2001:2:aa:aa  eth0  active  0     86400sec  -1448  3000     4344000   75.0%  2900     191400    72.5%
2001:2:bb:bb  eth1  active  0     1800sec   1448   1000     1448000   25.0%  1100     72600     27.5%
2001:2:dd:dd  if9   valid   0     30sec     0      0        0         0.0%   0        0         0.0%
`,
		wantJSON: `[{"l64":"2001:2:aa:aa","ifindex":2,"ifname":"eth0","state":"active","preference":0,"lifetime":86400,"drr_score":-1448,"tx_packets":3000,"tx_bytes":4344000,"rx_packets":2900,"rx_bytes":191400,"tx_share":0.75,"rx_share":0.725},` +
			`{"l64":"2001:2:bb:bb","ifindex":3,"ifname":"eth1","state":"active","preference":0,"lifetime":1800,"drr_score":1448,"tx_packets":1000,"tx_bytes":1448000,"rx_packets":1100,"rx_bytes":72600,"tx_share":0.25,"rx_share":0.275},` +
			`{"l64":"2001:2:dd:dd","ifindex":9,"ifname":"if9","state":"valid","preference":0,"lifetime":30,"drr_score":0,"tx_packets":0,"tx_bytes":0,"rx_packets":0,"rx_bytes":0,"tx_share":0,"rx_share":0}]`,
	}, {
		name: "no traffic yet",
		locs: []ilnpnl.Locator{{L64: l64DD, Ifindex: 2, State: ilnpnl.LocatorActive, Lifetime: ilnpnl.LifetimeInfinite}},
		want: `L64           DEV   STATE   PREF  LIFETIME  SCORE  TX_PKTS  TX_BYTES  TX%  RX_PKTS  RX_BYTES  RX%
2001:2:dd:dd  eth0  active  0     forever   0      0        0         -    0        0         -
`,
		wantJSON: `[{"l64":"2001:2:dd:dd","ifindex":2,"ifname":"eth0","state":"active","preference":0,"lifetime":4294967295,"drr_score":0,"tx_packets":0,"tx_bytes":0,"rx_packets":0,"rx_bytes":0,"tx_share":0,"rx_share":0}]`,
	}}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := writeLocators(&b, tt.locs, ifname); err != nil || b.String() != tt.want {
			t.Errorf("%s: got %v\n%s\nwant\n%s", tt.name, err, b.String(), tt.want)
		}
		j, err := json.Marshal(view.Locators(tt.locs, ifname))
		if err != nil || string(j) != tt.wantJSON {
			t.Errorf("%s: JSON %s, %v; want\n%s", tt.name, j, err, tt.wantJSON)
		}
	}
}

func TestWritePaths(t *testing.T) {
	dev := view.DevOf([]ilnpnl.Locator{{L64: l64AA, Ifindex: 2}, {L64: l64BB, Ifindex: 3}}, ifnameFrom(map[int]string{2: "eth0"}))
	tests := []struct {
		name  string
		peers []ilnpnl.Peer
		want  string
	}{{
		name: "the mobile node, behind a dead uplink on bb (docs/ilnpctl.md)",
		peers: []ilnpnl.Peer{{NID: cnNID, PathRTT: 2512 * time.Microsecond, Paths: []ilnpnl.PathEnd{
			{L64: l64AA, Local: true, State: ilnpnl.PathUp, Silent: 3 * time.Millisecond, MinRTT: 2104 * time.Microsecond},
			{L64: l64DD, State: ilnpnl.PathUp, Silent: 3 * time.Millisecond, MinRTT: 2104 * time.Microsecond},
			{L64: l64BB, Local: true, State: ilnpnl.PathDown, Silent: 2315 * time.Millisecond, Probes: 3, MinRTT: 2390 * time.Microsecond},
		}}},
		want: `PEER     SIDE   L64           DEV   STATE  SILENT_MS  PROBES  MIN_RTT  RTT
0:0:0:c  local  2001:2:aa:aa  eth0  up     3          0       2.104ms  2.512ms
0:0:0:c  local  2001:2:bb:bb  if3   down   2315       3       2.39ms   2.512ms
0:0:0:c  peer   2001:2:dd:dd  -     up     3          0       2.104ms  2.512ms
`,
	}, {
		name: "a phone: Wi-Fi fast, cellular slow and left out",
		peers: []ilnpnl.Peer{{NID: cnNID, PathRTT: 30 * time.Millisecond, Paths: []ilnpnl.PathEnd{
			{L64: l64AA, Local: true, State: ilnpnl.PathUp, Silent: 4 * time.Millisecond, MinRTT: 10200 * time.Microsecond},
			{L64: l64BB, Local: true, State: ilnpnl.PathUp, Silent: 900 * time.Millisecond, MinRTT: 80 * time.Millisecond, Slow: true},
		}}},
		want: `PEER     SIDE   L64           DEV   STATE  SILENT_MS  PROBES  MIN_RTT  RTT
0:0:0:c  local  2001:2:aa:aa  eth0  up     4          0       10.2ms   30ms
0:0:0:c  local  2001:2:bb:bb  if3   slow   900        0       80ms     30ms
`,
	}, {
		name: "no round trip yet, a local L64 that has gone, a peer without ends, a state from the future",
		peers: []ilnpnl.Peer{
			{NID: 0xd},
			{NID: mnNID, Paths: []ilnpnl.PathEnd{
				{L64: l64AA, State: ilnpnl.PathProbing, Silent: 612 * time.Millisecond, Probes: 1},
				{L64: l64DD, Local: true, State: ilnpnl.PathState(9), Silent: 1500 * time.Microsecond},
			}},
		},
		want: `PEER                 SIDE   L64           DEV  STATE     SILENT_MS  PROBES  MIN_RTT  RTT
d250:99ff:fed1:5a0c  local  2001:2:dd:dd  -    state(9)  1          0       -        -
d250:99ff:fed1:5a0c  peer   2001:2:aa:aa  -    probing   612        1       -        -
`,
	}, {
		name:  "no ends at all",
		peers: []ilnpnl.Peer{{NID: cnNID}, {NID: mnNID}},
		want:  "",
	}}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := writePaths(&b, tt.peers, dev); err != nil || b.String() != tt.want {
			t.Errorf("%s: got %v\n%s\nwant\n%s", tt.name, err, b.String(), tt.want)
		}
	}
}

func TestPct(t *testing.T) {
	tests := []struct {
		locs   []ilnpnl.Locator
		tx, rx []string
	}{
		{locs: []ilnpnl.Locator{{}, {}}, tx: []string{"-", "-"}, rx: []string{"-", "-"}},
		{locs: []ilnpnl.Locator{{TxBytes: 1, RxBytes: 2}, {TxBytes: 2}}, tx: []string{"33.3%", "66.7%"}, rx: []string{"100.0%", "0.0%"}},
		{locs: []ilnpnl.Locator{{TxBytes: 4344000, RxBytes: 191400}, {TxBytes: 1448000, RxBytes: 72600}}, tx: []string{"75.0%", "25.0%"}, rx: []string{"72.5%", "27.5%"}},
	}
	for _, tt := range tests {
		sh := view.SharesOf(tt.locs)
		var tx, rx []string
		for i := range tt.locs {
			tx, rx = append(tx, pct(sh.TxTotal, sh.Tx[i])), append(rx, pct(sh.RxTotal, sh.Rx[i]))
		}
		if !reflect.DeepEqual(tx, tt.tx) || !reflect.DeepEqual(rx, tt.rx) {
			t.Errorf("%v in percent = %q, %q; want %q, %q", tt.locs, tx, rx, tt.tx, tt.rx)
		}
	}
}

func ptr[T any](v T) *T { return &v }

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
		ev:       ilnpnl.Event{Type: ilnpnl.EventLocatorState, Locator: &ilnpnl.Locator{L64: l64BB, Ifindex: 2, State: ilnpnl.LocatorGone}},
		want:     "locator_state locator 2001:2:bb:bb dev eth0 state gone",
		wantJSON: `{"event":"locator_state","locator":{"l64":"2001:2:bb:bb","ifindex":2,"ifname":"eth0","state":"gone"}}`,
	}, {
		ev:       ilnpnl.Event{Type: ilnpnl.EventLUSent, Peer: &ilnpnl.Peer{NID: cnNID, Flags: ilnpnl.PeerStatic, LUPending: ptr(0)}, LURetries: ptr(0)},
		want:     "lu_sent peer 0:0:0:c flags static retries 0",
		wantJSON: `{"event":"lu_sent","nid":"0:0:0:c","flags":["static"],"lu_retries":0}`,
	}, {
		ev:       ilnpnl.Event{Type: ilnpnl.EventLURetransmitted, Peer: &ilnpnl.Peer{NID: cnNID}, LURetries: ptr(2)},
		want:     "lu_retransmitted peer 0:0:0:c retries 2",
		wantJSON: `{"event":"lu_retransmitted","nid":"0:0:0:c","lu_retries":2}`,
	}, {
		ev:       ilnpnl.Event{Type: ilnpnl.EventLUAcked, Peer: &ilnpnl.Peer{NID: cnNID}, LURetries: ptr(0), LURTT: ptr(1234 * time.Microsecond)},
		at:       at,
		want:     "2024-10-01T12:00:01.234567Z lu_acked peer 0:0:0:c rtt 1.234ms retries 0",
		wantJSON: `{"time":"2024-10-01T12:00:01.234567Z","event":"lu_acked","nid":"0:0:0:c","lu_retries":0,"lu_rtt_us":1234}`,
	}, {
		ev:       ilnpnl.Event{Type: ilnpnl.EventLUAcked, Peer: &ilnpnl.Peer{NID: cnNID}, LURetries: ptr(1), LURTT: ptr(1003 * time.Millisecond)},
		want:     "lu_acked peer 0:0:0:c rtt 1.003s retries 1",
		wantJSON: `{"event":"lu_acked","nid":"0:0:0:c","lu_retries":1,"lu_rtt_us":1003000}`,
	}, {
		ev:       ilnpnl.Event{Type: ilnpnl.EventLUFailed, Peer: &ilnpnl.Peer{NID: cnNID}, LURetries: ptr(5)},
		want:     "lu_failed peer 0:0:0:c retries 5",
		wantJSON: `{"event":"lu_failed","nid":"0:0:0:c","lu_retries":5}`,
	}, {
		ev: ilnpnl.Event{Type: ilnpnl.EventPathState, Peer: &ilnpnl.Peer{NID: mnNID, Flags: ilnpnl.PeerLearned | ilnpnl.PeerVerified},
			Path: &ilnpnl.PathEnd{L64: l64BB, State: ilnpnl.PathDown, Silent: 1130 * time.Millisecond, Probes: 3}},
		at:       at,
		want:     "2024-10-01T12:00:01.234567Z path_state peer d250:99ff:fed1:5a0c flags learned,verified path peer 2001:2:bb:bb state down silent 1.13s probes 3",
		wantJSON: `{"time":"2024-10-01T12:00:01.234567Z","event":"path_state","nid":"d250:99ff:fed1:5a0c","flags":["learned","verified"],"path":{"l64":"2001:2:bb:bb","local":false,"state":"down","silent_ms":1130,"probes":3}}`,
	}, {
		ev:       ilnpnl.Event{Type: ilnpnl.EventPathState, Peer: &ilnpnl.Peer{NID: cnNID}, Path: &ilnpnl.PathEnd{L64: l64AA, Local: true, State: ilnpnl.PathUp, Silent: 4 * time.Millisecond}},
		want:     "path_state peer 0:0:0:c path local 2001:2:aa:aa state up silent 4ms probes 0",
		wantJSON: `{"event":"path_state","nid":"0:0:0:c","path":{"l64":"2001:2:aa:aa","local":true,"state":"up","silent_ms":4,"probes":0}}`,
	}, {
		ev:       ilnpnl.Event{Type: 42},
		want:     "event(42)",
		wantJSON: `{"event":"event(42)"}`,
	}}
	for _, tt := range tests {
		if got := formatEvent(tt.ev, ifname, tt.at); got != tt.want {
			t.Errorf("formatEvent = %q, want %q", got, tt.want)
		}
		b, err := json.Marshal(view.EventOf(tt.ev, ifname, tt.at))
		if err != nil || string(b) != tt.wantJSON {
			t.Errorf("event JSON = %s, %v; want %s", b, err, tt.wantJSON)
		}
	}
}

// The counters' part of the expected outputs follows the counter table,
// so that a counter the kernel adds needs no edit here.

// wantPeerStats: the peer's counters on two lines, the Locator Update
// ones on the second.
func wantPeerStats(s ilnpnl.Stats) string {
	var pkts, lu string
	for _, c := range ilnpnl.Counters() {
		if strings.HasPrefix(c.Name, "lu_") {
			lu += fmt.Sprintf(" %s %d", c.Name, s[c.Stat])
		} else {
			pkts += fmt.Sprintf(" %s %d", c.Name, s[c.Stat])
		}
	}
	return "   " + pkts + "\n   " + lu + "\n"
}

// wantStatsJSON: every counter, in table order.
func wantStatsJSON(s ilnpnl.Stats) string {
	var parts []string
	for _, c := range ilnpnl.Counters() {
		parts = append(parts, fmt.Sprintf("%q:%d", c.Name, s[c.Stat]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// wantStats: one counter a line, names left, values right-aligned.
func wantStats(s ilnpnl.Stats) string {
	nw, vw := 0, 0
	for _, c := range ilnpnl.Counters() {
		nw, vw = max(nw, len(c.Name)), max(vw, len(fmt.Sprint(s[c.Stat])))
	}
	var b strings.Builder
	for _, c := range ilnpnl.Counters() {
		fmt.Fprintf(&b, "%-*s  %*d\n", nw, c.Name, vw, s[c.Stat])
	}
	return b.String()
}

// TestStatsValues: the counters land at their own names.
func TestStatsValues(t *testing.T) {
	st := testILCC().stats
	for _, want := range []string{
		fmt.Sprintf(" %s 4000 %s 4000 ", ilnpnl.StatPktsIn, ilnpnl.StatPktsOut),
		fmt.Sprintf(" %s 3 ", ilnpnl.StatLUReceived),
	} {
		if !strings.Contains(wantPeerStats(st)+" ", want) {
			t.Errorf("%q not in %q", want, wantPeerStats(st))
		}
	}
	if j := wantStatsJSON(st); !strings.Contains(j, fmt.Sprintf("%q:1", ilnpnl.StatSessionsCreated.String())) {
		t.Errorf("sessions created not 1 in %s", j)
	}
}

// TestStatsOutput: with a value of its own for each counter, the text,
// the JSON and the help list every counter of the table.
func TestStatsOutput(t *testing.T) {
	st := ilnpnl.Stats{}
	for i, c := range ilnpnl.Counters() {
		st[c.Stat] = uint64(i) * 1000
	}
	var b bytes.Buffer
	if err := writeStats(&b, st); err != nil || b.String() != wantStats(st) {
		t.Errorf("writeStats = %v\n%s\nwant\n%s", err, b.String(), wantStats(st))
	}
	if j, err := json.Marshal(st); err != nil || string(j) != wantStatsJSON(st) {
		t.Errorf("JSON %s, %v; want %s", j, err, wantStatsJSON(st))
	}
	help := counterList()
	for _, c := range ilnpnl.Counters() {
		if !strings.Contains(help, "  "+c.Name) {
			t.Errorf("the help does not list %s:\n%s", c.Name, help)
		}
	}
}
