package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// The JSON forms follow `ip -j`: lower-case keys with underscores that do
// not change, numbers as numbers, identifiers and addresses as strings.

type locatorJSON struct {
	L64        string  `json:"l64"`
	Ifindex    int     `json:"ifindex,omitempty"` // local locators only
	Ifname     string  `json:"ifname,omitempty"`  // local locators only
	State      string  `json:"state"`
	Preference uint16  `json:"preference"`
	Lifetime   uint32  `json:"lifetime"` // seconds; 4294967295 is forever
	DRRScore   int64   `json:"drr_score"`
	TxPackets  uint64  `json:"tx_packets"`
	TxBytes    uint64  `json:"tx_bytes"`
	RxPackets  uint64  `json:"rx_packets"`
	RxBytes    uint64  `json:"rx_bytes"`
	TxShare    float64 `json:"tx_share"` // fraction (0..1) of the bytes over all the listed locators
	RxShare    float64 `json:"rx_share"`
}

type peerJSON struct {
	NID       string        `json:"nid"`
	Flags     []string      `json:"flags"`
	LocalILV  string        `json:"local_ilv,omitempty"`
	RemoteILV string        `json:"remote_ilv,omitempty"`
	NonceTx   string        `json:"nonce_tx,omitempty"` // CAP_NET_ADMIN only
	NonceRx   string        `json:"nonce_rx,omitempty"`
	IdleMS    int64         `json:"idle_ms"`
	LUPending *int          `json:"lu_pending,omitempty"` // retransmissions of our unacknowledged LU
	Locators  []locatorJSON `json:"locators"`
	Stats     *statsJSON    `json:"stats,omitempty"`
}

type statsJSON struct {
	PktsIn          uint64 `json:"pkts_in"`
	PktsOut         uint64 `json:"pkts_out"`
	BadNonce        uint64 `json:"bad_nonce"`
	NoSession       uint64 `json:"no_session"`
	LUSent          uint64 `json:"lu_sent"`
	LUReceived      uint64 `json:"lu_received"`
	LUAcked         uint64 `json:"lu_acked"`
	LURetransmitted uint64 `json:"lu_retransmitted"`
	LUFailed        uint64 `json:"lu_failed"`
	LUMalformed     uint64 `json:"lu_malformed"`
	Fallbacks       uint64 `json:"fallbacks"`
	SessionsCreated uint64 `json:"sessions_created"`
	SessionsExpired uint64 `json:"sessions_expired"`
}

type eventJSON struct {
	Time      string        `json:"time,omitempty"` // with --timestamp
	Event     string        `json:"event"`
	NID       string        `json:"nid,omitempty"`
	Flags     []string      `json:"flags,omitempty"`
	LURetries *int          `json:"lu_retries,omitempty"` // events about our own LUs
	LURTTUS   *int64        `json:"lu_rtt_us,omitempty"`  // lu_acked
	Locator   *eventLocJSON `json:"locator,omitempty"`
}

type eventLocJSON struct {
	L64     string `json:"l64"`
	Ifindex int    `json:"ifindex,omitempty"`
	Ifname  string `json:"ifname,omitempty"`
	State   string `json:"state"` // "gone" for a local locator that went away
}

// counter is a named statistics counter; statsCounters lists them in
// the order and with the names of the JSON form.
type counter struct {
	name  string
	value uint64
}

func statsCounters(s ilnpnl.Stats) []counter {
	return []counter{
		{"pkts_in", s.PktsIn},
		{"pkts_out", s.PktsOut},
		{"bad_nonce", s.BadNonce},
		{"no_session", s.NoSession},
		{"lu_sent", s.LUSent},
		{"lu_received", s.LUReceived},
		{"lu_acked", s.LUAcked},
		{"lu_retransmitted", s.LURetransmitted},
		{"lu_failed", s.LUFailed},
		{"lu_malformed", s.LUMalformed},
		{"fallbacks", s.Fallbacks},
		{"sessions_created", s.SessionsCreated},
		{"sessions_expired", s.SessionsExpired},
	}
}

// toStatsJSON converts by field; it stops compiling when ilnpnl.Stats
// gains a counter that statsJSON (and statsCounters) lack.
func toStatsJSON(s ilnpnl.Stats) statsJSON { return statsJSON(s) }

// ifnameFunc names an interface by index.
type ifnameFunc func(ifindex int) string

// ifnameFrom names interfaces from a table, "ifN" when it lacks one.
func ifnameFrom(names map[int]string) ifnameFunc {
	return func(i int) string {
		if n, ok := names[i]; ok && n != "" {
			return n
		}
		return "if" + strconv.Itoa(i)
	}
}

// byteShares are the shares of a set of locators (a peer's, or the local
// ones) in the bytes sent and received over all of them, as fractions
// from 0 to 1; all are 0 while the total is 0.
type byteShares struct {
	tx, rx           []float64
	txTotal, rxTotal uint64
}

func shares(locs []ilnpnl.Locator) byteShares {
	var s byteShares
	for _, l := range locs {
		s.txTotal += l.TxBytes
		s.rxTotal += l.RxBytes
	}
	frac := func(n, total uint64) float64 {
		if total == 0 {
			return 0
		}
		return float64(n) / float64(total)
	}
	s.tx, s.rx = make([]float64, len(locs)), make([]float64, len(locs))
	for i, l := range locs {
		s.tx[i], s.rx[i] = frac(l.TxBytes, s.txTotal), frac(l.RxBytes, s.rxTotal)
	}
	return s
}

// round4 rounds a share to four decimals (a hundredth of a percent) for
// the JSON form.
func round4(f float64) float64 { return math.Round(f*1e4) / 1e4 }

// pct formats a share in percent with one decimal, "-" while nothing
// has been counted.
func pct(total uint64, share float64) string {
	if total == 0 {
		return "-"
	}
	return strconv.FormatFloat(share*100, 'f', 1, 64) + "%"
}

// toLocatorJSON converts the i-th locator of a set whose shares are sh.
func toLocatorJSON(l ilnpnl.Locator, sh byteShares, i int, ifname ifnameFunc) locatorJSON {
	j := locatorJSON{
		L64:        l.L64.String(),
		State:      l.State.String(),
		Preference: l.Preference,
		Lifetime:   uint32(l.Lifetime),
		DRRScore:   l.DRRScore,
		TxPackets:  l.TxPackets,
		TxBytes:    l.TxBytes,
		RxPackets:  l.RxPackets,
		RxBytes:    l.RxBytes,
		TxShare:    round4(sh.tx[i]),
		RxShare:    round4(sh.rx[i]),
	}
	if l.Ifindex != 0 {
		j.Ifindex, j.Ifname = l.Ifindex, ifname(l.Ifindex)
	}
	return j
}

func toPeerJSON(p ilnpnl.Peer) peerJSON {
	j := peerJSON{
		NID:       p.NID.String(),
		Flags:     p.Flags.Names(),
		NonceTx:   hex.EncodeToString(p.NonceTx),
		NonceRx:   hex.EncodeToString(p.NonceRx),
		IdleMS:    p.Idle.Milliseconds(),
		LUPending: p.LUPending,
		Locators:  make([]locatorJSON, len(p.Locators)),
	}
	if p.LocalILV.IsValid() {
		j.LocalILV = p.LocalILV.String()
	}
	if p.RemoteILV.IsValid() {
		j.RemoteILV = p.RemoteILV.String()
	}
	sh := shares(p.Locators)
	for i, l := range p.Locators {
		j.Locators[i] = toLocatorJSON(l, sh, i, ifnameFrom(nil))
	}
	if p.Stats != nil {
		s := toStatsJSON(*p.Stats)
		j.Stats = &s
	}
	return j
}

func peersJSON(peers []ilnpnl.Peer) []peerJSON {
	out := make([]peerJSON, len(peers))
	for i, p := range peers {
		out[i] = toPeerJSON(p)
	}
	return out
}

func locatorsJSON(locs []ilnpnl.Locator, ifname ifnameFunc) []locatorJSON {
	out := make([]locatorJSON, len(locs))
	sh := shares(locs)
	for i, l := range locs {
		out[i] = toLocatorJSON(l, sh, i, ifname)
	}
	return out
}

func toEventJSON(ev ilnpnl.Event, ifname ifnameFunc, at time.Time) eventJSON {
	j := eventJSON{Event: ev.Type.String()}
	if !at.IsZero() {
		j.Time = at.Format(timeFormat)
	}
	if ev.Peer != nil {
		j.NID = ev.Peer.NID.String()
		if ev.Peer.Flags != 0 {
			j.Flags = ev.Peer.Flags.Names()
		}
	}
	j.LURetries = ev.LURetries
	if ev.LURTT != nil {
		us := ev.LURTT.Microseconds()
		j.LURTTUS = &us
	}
	if l := ev.Locator; l != nil {
		j.Locator = &eventLocJSON{L64: l.L64.String(), State: l.State.String()}
		if l.Ifindex != 0 {
			j.Locator.Ifindex, j.Locator.Ifname = l.Ifindex, ifname(l.Ifindex)
		}
	}
	return j
}

// timeFormat is the timestamp of `monitor --timestamp`.
const timeFormat = "2006-01-02T15:04:05.000000Z07:00"

// writeJSON writes v as one JSON document and a newline; pretty indents
// it by four spaces, like `ip -j -p`.
func writeJSON(w io.Writer, v any, pretty bool) error {
	enc := json.NewEncoder(w)
	if pretty {
		enc.SetIndent("", "    ")
	}
	return enc.Encode(v)
}

// table aligns rows of cells in columns two spaces apart, the way `ip`
// and `ss` lay out tables.
type table struct {
	tw     *tabwriter.Writer
	indent string
}

func newTable(w io.Writer, indent string) *table {
	return &table{tw: tabwriter.NewWriter(w, 0, 8, 2, ' ', 0), indent: indent}
}

func (t *table) row(cells ...string) {
	fmt.Fprintln(t.tw, t.indent+strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

func u(v uint64) string { return strconv.FormatUint(v, 10) }

// writePeers prints the ILCC's peers: a header line per peer (with our
// Locator Update if one is pending), its canonical IL-Vs and nonces, a
// table of its locators with each one's share of the bytes, and its
// counters.
func writePeers(w io.Writer, peers []ilnpnl.Peer) error {
	for i, p := range peers {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "peer %s flags %s idle %s", p.NID, p.Flags, p.Idle.Round(time.Millisecond))
		if p.LUPending != nil {
			fmt.Fprintf(w, " lu pending (%s)", plural(*p.LUPending, "retransmission"))
		}
		fmt.Fprintln(w)
		if p.LocalILV.IsValid() || p.RemoteILV.IsValid() {
			fmt.Fprintf(w, "    local %s remote %s\n", addrOrDash(p.LocalILV.IsValid(), p.LocalILV.String()), addrOrDash(p.RemoteILV.IsValid(), p.RemoteILV.String()))
		}
		if p.NonceTx != nil || p.NonceRx != nil {
			fmt.Fprintf(w, "    nonce tx %s rx %s\n", hexOrDash(p.NonceTx), hexOrDash(p.NonceRx))
		}
		if len(p.Locators) > 0 {
			sh := shares(p.Locators)
			t := newTable(w, "    ")
			t.row("L64", "STATE", "PREF", "LIFETIME", "SCORE", "TX_PKTS", "TX_BYTES", "TX%", "RX_PKTS", "RX_BYTES", "RX%")
			for i, l := range p.Locators {
				t.row(l.L64.String(), l.State.String(), u(uint64(l.Preference)), l.Lifetime.String(),
					strconv.FormatInt(l.DRRScore, 10), u(l.TxPackets), u(l.TxBytes), pct(sh.txTotal, sh.tx[i]),
					u(l.RxPackets), u(l.RxBytes), pct(sh.rxTotal, sh.rx[i]))
			}
			if err := t.flush(); err != nil {
				return err
			}
		}
		if p.Stats != nil {
			// The Locator Update counters on a line of their own.
			var pkts, lu strings.Builder
			for _, c := range statsCounters(*p.Stats) {
				b := &pkts
				if strings.HasPrefix(c.name, "lu_") {
					b = &lu
				}
				fmt.Fprintf(b, " %s %d", c.name, c.value)
			}
			fmt.Fprintf(w, "   %s\n   %s\n", pkts.String(), lu.String())
		}
	}
	return nil
}

func addrOrDash(ok bool, s string) string {
	if !ok {
		return "-"
	}
	return s
}

func hexOrDash(b []byte) string {
	if b == nil {
		return "-"
	}
	return hex.EncodeToString(b)
}

// plural writes n and the noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// writeLocators prints the local locators as a table, with each one's
// share of the bytes sent and received over all of them.
func writeLocators(w io.Writer, locs []ilnpnl.Locator, ifname ifnameFunc) error {
	if len(locs) == 0 {
		return nil
	}
	sh := shares(locs)
	t := newTable(w, "")
	t.row("L64", "DEV", "STATE", "PREF", "LIFETIME", "SCORE", "TX_PKTS", "TX_BYTES", "TX%", "RX_PKTS", "RX_BYTES", "RX%")
	for i, l := range locs {
		dev := "-"
		if l.Ifindex != 0 {
			dev = ifname(l.Ifindex)
		}
		t.row(l.L64.String(), dev, l.State.String(), u(uint64(l.Preference)), l.Lifetime.String(),
			strconv.FormatInt(l.DRRScore, 10), u(l.TxPackets), u(l.TxBytes), pct(sh.txTotal, sh.tx[i]),
			u(l.RxPackets), u(l.RxBytes), pct(sh.rxTotal, sh.rx[i]))
	}
	return t.flush()
}

// writeStats prints one counter a line, names left, values right-aligned.
func writeStats(w io.Writer, s ilnpnl.Stats) error {
	cs := statsCounters(s)
	nameWidth, valueWidth := 0, 0
	for _, c := range cs {
		nameWidth = max(nameWidth, len(c.name))
		valueWidth = max(valueWidth, len(u(c.value)))
	}
	for _, c := range cs {
		if _, err := fmt.Fprintf(w, "%-*s  %*d\n", nameWidth, c.name, valueWidth, c.value); err != nil {
			return err
		}
	}
	return nil
}

// formatEvent renders an event as one line, e.g.
// "locator_state peer d250:99ff:fed1:5a0c locator 2001:2:bb:bb state valid",
// "lu_acked peer 0:0:0:c rtt 1.234ms retries 0" or
// "locator_state locator 2001:2:aa:aa dev eth0 state gone".
func formatEvent(ev ilnpnl.Event, ifname ifnameFunc, at time.Time) string {
	var b strings.Builder
	if !at.IsZero() {
		b.WriteString(at.Format(timeFormat) + " ")
	}
	b.WriteString(ev.Type.String())
	if p := ev.Peer; p != nil {
		fmt.Fprintf(&b, " peer %s", p.NID)
		if p.Flags != 0 {
			fmt.Fprintf(&b, " flags %s", p.Flags)
		}
	}
	if ev.LURTT != nil {
		fmt.Fprintf(&b, " rtt %s", *ev.LURTT)
	}
	if ev.LURetries != nil {
		fmt.Fprintf(&b, " retries %d", *ev.LURetries)
	}
	if l := ev.Locator; l != nil {
		fmt.Fprintf(&b, " locator %s", l.L64)
		if l.Ifindex != 0 {
			fmt.Fprintf(&b, " dev %s", ifname(l.Ifindex))
		}
		fmt.Fprintf(&b, " state %s", l.State)
	}
	return b.String()
}
