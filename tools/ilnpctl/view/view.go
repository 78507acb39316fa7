// Package view is the JSON form of ilnpctl's output, as `ilnpctl -j`
// prints it: the ILCC's peers (show ilcc), the local locators (show
// locators), the local NID (nid show) and the events (monitor). The
// counters (stats, and each peer's) are ilnpnl.Stats, whose JSON form
// follows the kernel's counter table.
//
// The forms follow `ip -j`: lower-case keys with underscores that do not
// change, numbers as numbers, identifiers and addresses as strings. The
// types decode what they encode, so that tests and scripts in Go read
// ilnpctl's output with them:
//
//	var peers []view.Peer
//	err := json.Unmarshal(out, &peers) // out: ilnpctl -j show ilcc
package view

import (
	"math"
	"time"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// Locator is a local locator (show locators) or one of a peer's (show
// ilcc).
type Locator struct {
	L64        ilnp.L64            `json:"l64"`
	Ifindex    int                 `json:"ifindex,omitempty"` // local locators only
	Ifname     string              `json:"ifname,omitempty"`  // local locators only
	State      ilnpnl.LocatorState `json:"state"`
	Preference uint16              `json:"preference"`
	Lifetime   ilnpnl.Lifetime     `json:"lifetime"` // seconds; 4294967295 is forever
	DRRScore   int64               `json:"drr_score"`
	TxPackets  uint64              `json:"tx_packets"`
	TxBytes    uint64              `json:"tx_bytes"`
	RxPackets  uint64              `json:"rx_packets"`
	RxBytes    uint64              `json:"rx_bytes"`
	// TxShare and RxShare are the locator's fraction (0 to 1, four
	// decimals) of the bytes sent and received over all the listed
	// locators (the peer's, or all local ones); 0 before any traffic.
	TxShare float64 `json:"tx_share"`
	RxShare float64 `json:"rx_share"`
}

// Peer is an entry of the ILCC.
type Peer struct {
	NID       ilnp.NID `json:"nid"`
	Flags     []string `json:"flags"` // ilnpnl.PeerFlags.Names
	LocalILV  ilnp.ILV `json:"local_ilv,omitzero"`
	RemoteILV ilnp.ILV `json:"remote_ilv,omitzero"`
	// NonceTx and NonceRx are hex; the kernel reports them only to
	// CAP_NET_ADMIN callers, and they are absent otherwise.
	NonceTx ilnp.Nonce `json:"nonce_tx,omitzero"`
	NonceRx ilnp.Nonce `json:"nonce_rx,omitzero"`
	IdleMS  int64      `json:"idle_ms"`
	// LUPending is, while our Locator Update to the peer awaits its
	// acknowledgement, its retransmissions so far; absent otherwise.
	LUPending *int         `json:"lu_pending,omitempty"`
	Locators  []Locator    `json:"locators"`
	Stats     ilnpnl.Stats `json:"stats,omitempty"`
}

// LocalNID is the output of nid show.
type LocalNID struct {
	NID ilnp.NID `json:"nid"`
}

// Event is one event of monitor.
type Event struct {
	Time      string           `json:"time,omitempty"` // with --timestamp, in TimeFormat
	Event     ilnpnl.EventType `json:"event"`
	NID       *ilnp.NID        `json:"nid,omitempty"` // the peer, if the event has one
	Flags     []string         `json:"flags,omitempty"`
	LURetries *int             `json:"lu_retries,omitempty"` // events about our own LUs
	LURTTUS   *int64           `json:"lu_rtt_us,omitempty"`  // lu_acked: the round trip in µs
	Locator   *EventLocator    `json:"locator,omitempty"`
}

// EventLocator is the locator of a locator_state event.
type EventLocator struct {
	L64     ilnp.L64            `json:"l64"`
	Ifindex int                 `json:"ifindex,omitempty"`
	Ifname  string              `json:"ifname,omitempty"`
	State   ilnpnl.LocatorState `json:"state"` // "gone" for a local locator that went away
}

// TimeFormat is the timestamp of `monitor --timestamp`.
const TimeFormat = "2006-01-02T15:04:05.000000Z07:00"

// Ifname names an interface of the namespace by index.
type Ifname func(ifindex int) string

// Shares are the shares of a set of locators (a peer's, or the local
// ones) in the bytes sent and received over all of them, as fractions
// from 0 to 1; all are 0 while the total is 0.
type Shares struct {
	Tx, Rx           []float64 // by locator
	TxTotal, RxTotal uint64
}

// SharesOf computes the Shares of locs.
func SharesOf(locs []ilnpnl.Locator) Shares {
	var s Shares
	for _, l := range locs {
		s.TxTotal += l.TxBytes
		s.RxTotal += l.RxBytes
	}
	frac := func(n, total uint64) float64 {
		if total == 0 {
			return 0
		}
		return float64(n) / float64(total)
	}
	s.Tx, s.Rx = make([]float64, len(locs)), make([]float64, len(locs))
	for i, l := range locs {
		s.Tx[i], s.Rx[i] = frac(l.TxBytes, s.TxTotal), frac(l.RxBytes, s.RxTotal)
	}
	return s
}

// Round4 rounds a share to four decimals (a hundredth of a percent), as
// the JSON form writes it.
func Round4(f float64) float64 { return math.Round(f*1e4) / 1e4 }

// locator converts the i-th locator of a set whose shares are sh;
// ifname names local locators' interfaces.
func locator(l ilnpnl.Locator, sh Shares, i int, ifname Ifname) Locator {
	v := Locator{
		L64:        l.L64,
		State:      l.State,
		Preference: l.Preference,
		Lifetime:   l.Lifetime,
		DRRScore:   l.DRRScore,
		TxPackets:  l.TxPackets,
		TxBytes:    l.TxBytes,
		RxPackets:  l.RxPackets,
		RxBytes:    l.RxBytes,
		TxShare:    Round4(sh.Tx[i]),
		RxShare:    Round4(sh.Rx[i]),
	}
	if l.Ifindex != 0 {
		v.Ifindex, v.Ifname = l.Ifindex, ifname(l.Ifindex)
	}
	return v
}

// Locators converts the local locators, naming their interfaces with
// ifname.
func Locators(locs []ilnpnl.Locator, ifname Ifname) []Locator {
	out := make([]Locator, len(locs))
	sh := SharesOf(locs)
	for i, l := range locs {
		out[i] = locator(l, sh, i, ifname)
	}
	return out
}

// PeerOf converts one ILCC entry.
func PeerOf(p ilnpnl.Peer) Peer {
	v := Peer{
		NID:       p.NID,
		Flags:     p.Flags.Names(),
		LocalILV:  p.LocalILV,
		RemoteILV: p.RemoteILV,
		NonceTx:   p.NonceTx,
		NonceRx:   p.NonceRx,
		IdleMS:    p.Idle.Milliseconds(),
		LUPending: p.LUPending,
		Locators:  make([]Locator, len(p.Locators)),
		Stats:     p.Stats,
	}
	sh := SharesOf(p.Locators)
	noIfname := func(i int) string { return "" } // a peer's locators have no interface
	for i, l := range p.Locators {
		v.Locators[i] = locator(l, sh, i, noIfname)
	}
	return v
}

// Peers converts the ILCC's entries.
func Peers(peers []ilnpnl.Peer) []Peer {
	out := make([]Peer, len(peers))
	for i, p := range peers {
		out[i] = PeerOf(p)
	}
	return out
}

// EventOf converts an event received at; a zero at leaves Time out.
func EventOf(ev ilnpnl.Event, ifname Ifname, at time.Time) Event {
	v := Event{Event: ev.Type, LURetries: ev.LURetries}
	if !at.IsZero() {
		v.Time = at.Format(TimeFormat)
	}
	if ev.Peer != nil {
		nid := ev.Peer.NID
		v.NID = &nid
		if ev.Peer.Flags != 0 {
			v.Flags = ev.Peer.Flags.Names()
		}
	}
	if ev.LURTT != nil {
		us := ev.LURTT.Microseconds()
		v.LURTTUS = &us
	}
	if l := ev.Locator; l != nil {
		v.Locator = &EventLocator{L64: l.L64, State: l.State}
		if l.Ifindex != 0 {
			v.Locator.Ifindex, v.Locator.Ifname = l.Ifindex, ifname(l.Ifindex)
		}
	}
	return v
}
