package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpctl/view"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// ifnameFrom names interfaces from a table, "ifN" when it lacks one.
func ifnameFrom(names map[int]string) view.Ifname {
	return func(i int) string {
		if n, ok := names[i]; ok && n != "" {
			return n
		}
		return "if" + strconv.Itoa(i)
	}
}

// pct formats a share in percent with one decimal, "-" while nothing
// has been counted.
func pct(total uint64, share float64) string {
	if total == 0 {
		return "-"
	}
	return strconv.FormatFloat(share*100, 'f', 1, 64) + "%"
}

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
		if !p.LocalILV.IsZero() || !p.RemoteILV.IsZero() {
			fmt.Fprintf(w, "    local %s remote %s\n", ilvOrDash(p.LocalILV), ilvOrDash(p.RemoteILV))
		}
		if !p.NonceTx.IsZero() || !p.NonceRx.IsZero() {
			fmt.Fprintf(w, "    nonce tx %s rx %s\n", hexOrDash(p.NonceTx), hexOrDash(p.NonceRx))
		}
		if len(p.Locators) > 0 {
			sh := view.SharesOf(p.Locators)
			t := newTable(w, "    ")
			t.row("L64", "STATE", "PREF", "LIFETIME", "SCORE", "TX_PKTS", "TX_BYTES", "TX%", "RX_PKTS", "RX_BYTES", "RX%")
			for i, l := range p.Locators {
				t.row(l.L64.String(), l.State.String(), u(uint64(l.Preference)), l.Lifetime.String(),
					strconv.FormatInt(l.DRRScore, 10), u(l.TxPackets), u(l.TxBytes), pct(sh.TxTotal, sh.Tx[i]),
					u(l.RxPackets), u(l.RxBytes), pct(sh.RxTotal, sh.Rx[i]))
			}
			if err := t.flush(); err != nil {
				return err
			}
		}
		if len(p.Paths) > 0 {
			fmt.Fprintf(w, "    %s\n", pathsLine(p))
		}
		if p.Stats != nil {
			// The Locator Update counters on a line of their own.
			var pkts, lu strings.Builder
			for _, c := range ilnpnl.Counters() {
				b := &pkts
				if strings.HasPrefix(c.Name, "lu_") {
					b = &lu
				}
				fmt.Fprintf(b, " %s %d", c.Name, p.Stats[c.Stat])
			}
			fmt.Fprintf(w, "   %s\n   %s\n", pkts.String(), lu.String())
		}
	}
	return nil
}

// localFirst returns a peer's path ends, ours first and then the peer's,
// each side in the kernel's order.
func localFirst(ends []ilnpnl.PathEnd) []ilnpnl.PathEnd {
	out := slices.Clone(ends)
	slices.SortStableFunc(out, func(a, b ilnpnl.PathEnd) int {
		switch {
		case a.Local == b.Local:
			return 0
		case a.Local:
			return -1
		}
		return 1
	})
	return out
}

func side(e ilnpnl.PathEnd) string {
	if e.Local {
		return "local"
	}
	return "peer"
}

// rttOrDash shows the round trip of a peer's path probes, "-" when the
// kernel reported none.
func rttOrDash(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return d.String()
}

// pathsLine sums a peer's path ends up for show ilcc, e.g.
// "paths local 2001:2:dd:dd up; peer 2001:2:aa:aa up, 2001:2:bb:bb down (3 probes); rtt 2.512ms".
func pathsLine(p ilnpnl.Peer) string {
	var b strings.Builder
	b.WriteString("paths")
	sep, last := " ", ""
	for _, e := range localFirst(p.Paths) {
		if s := side(e); s != last {
			b.WriteString(sep + s)
			last = s
		} else {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %s %s", e.L64, e.State)
		if e.Probes > 0 {
			fmt.Fprintf(&b, " (%s)", plural(e.Probes, "probe"))
		}
		sep = "; "
	}
	if p.PathRTT != 0 {
		fmt.Fprintf(&b, "; rtt %s", p.PathRTT)
	}
	return b.String()
}

// writePaths prints the peers' path ends as a table, one line per end,
// each peer's local ends first; dev names the local ends' interfaces.
func writePaths(w io.Writer, peers []ilnpnl.Peer, dev view.LocalDev) error {
	t := newTable(w, "")
	header := false
	for _, p := range peers {
		for _, e := range localFirst(p.Paths) {
			if !header {
				t.row("PEER", "SIDE", "L64", "DEV", "STATE", "SILENT_MS", "PROBES", "MIN_RTT", "RTT")
				header = true
			}
			d := "-"
			if e.Local && dev(e.L64) != "" {
				d = dev(e.L64)
			}
			state := e.State.String()
			if e.Slow {
				state = "slow"
			}
			t.row(p.NID.String(), side(e), e.L64.String(), d, state,
				strconv.FormatInt(e.Silent.Milliseconds(), 10), strconv.Itoa(e.Probes), rttOrDash(e.MinRTT), rttOrDash(p.PathRTT))
		}
	}
	return t.flush()
}

func ilvOrDash(v ilnp.ILV) string {
	if v.IsZero() {
		return "-"
	}
	return v.String()
}

// hexOrDash shows a nonce: ilnpctl prints what the kernel reported, and
// the kernel reports nonces only to CAP_NET_ADMIN callers.
func hexOrDash(n ilnp.Nonce) string {
	if n.IsZero() {
		return "-"
	}
	return n.Hex()
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
func writeLocators(w io.Writer, locs []ilnpnl.Locator, ifname view.Ifname) error {
	if len(locs) == 0 {
		return nil
	}
	sh := view.SharesOf(locs)
	t := newTable(w, "")
	t.row("L64", "DEV", "STATE", "PREF", "LIFETIME", "SCORE", "TX_PKTS", "TX_BYTES", "TX%", "RX_PKTS", "RX_BYTES", "RX%")
	for i, l := range locs {
		dev := "-"
		if l.Ifindex != 0 {
			dev = ifname(l.Ifindex)
		}
		t.row(l.L64.String(), dev, l.State.String(), u(uint64(l.Preference)), l.Lifetime.String(),
			strconv.FormatInt(l.DRRScore, 10), u(l.TxPackets), u(l.TxBytes), pct(sh.TxTotal, sh.Tx[i]),
			u(l.RxPackets), u(l.RxBytes), pct(sh.RxTotal, sh.Rx[i]))
	}
	return t.flush()
}

// writeStats prints one counter a line, names left, values right-aligned.
func writeStats(w io.Writer, s ilnpnl.Stats) error {
	cs := ilnpnl.Counters()
	nameWidth, valueWidth := 0, 0
	for _, c := range cs {
		nameWidth = max(nameWidth, len(c.Name))
		valueWidth = max(valueWidth, len(u(s[c.Stat])))
	}
	for _, c := range cs {
		if _, err := fmt.Fprintf(w, "%-*s  %*d\n", nameWidth, c.Name, valueWidth, s[c.Stat]); err != nil {
			return err
		}
	}
	return nil
}

// formatEvent renders an event as one line, e.g.
// "locator_state peer d250:99ff:fed1:5a0c locator 2001:2:bb:bb state valid",
// "lu_acked peer 0:0:0:c rtt 1.234ms retries 0",
// "locator_state locator 2001:2:aa:aa dev eth0 state gone" or
// "path_state peer 0:0:0:c path peer 2001:2:dd:dd state down silent 1.13s probes 3".
func formatEvent(ev ilnpnl.Event, ifname view.Ifname, at time.Time) string {
	var b strings.Builder
	if !at.IsZero() {
		b.WriteString(at.Format(view.TimeFormat) + " ")
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
	if e := ev.Path; e != nil {
		fmt.Fprintf(&b, " path %s %s state %s silent %s probes %d", side(*e), e.L64, e.State, e.Silent, e.Probes)
	}
	return b.String()
}
