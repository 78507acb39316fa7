// Package view is the JSON form of ilnpctl's output, as `ilnpctl -j`
// prints it: the ILCC's peers (show ilcc), the local locators (show
// locators), the peers' path ends (show paths), the local NID (nid show),
// the namespace's settings (config show) and the events (monitor). The
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
	LUPending *int      `json:"lu_pending,omitempty"`
	Locators  []Locator `json:"locators"`
	// Paths are the ends of the session's paths; PathRTTUS is the
	// smoothed round trip of the path probes in µs, absent when the
	// kernel reported none.
	Paths     []PathEnd    `json:"paths"`
	PathRTTUS int64        `json:"path_rtt_us,omitempty"`
	Stats     ilnpnl.Stats `json:"stats,omitempty"`
}

// PathEnd is one end of a peer's paths (show ilcc, show paths), or the
// end a path_state event is about: one of our locators (Local) or one of
// the peer's.
type PathEnd struct {
	L64   ilnp.L64 `json:"l64"`
	Local bool     `json:"local"`
	// Ifname is, in show paths, the interface of a local end's locator;
	// absent elsewhere, for the peer's ends and for a locator that is
	// no longer local.
	Ifname   string           `json:"ifname,omitempty"`
	State    ilnpnl.PathState `json:"state"`
	SilentMS int64            `json:"silent_ms"` // since it last showed delivery
	Probes   int              `json:"probes"`    // probes of the current round
	// MinRTTUS is the least round trip of its probes in µs; absent
	// before one was measured.
	MinRTTUS int64 `json:"min_rtt_us,omitempty"`
	// Slow: far slower than its side's best, so unused while that lives.
	Slow bool `json:"slow,omitempty"`
}

// PeerPaths is a peer of show paths: its NID, the smoothed round trip of
// its path probes (µs; absent when the kernel reported none) and its
// path ends.
type PeerPaths struct {
	NID       ilnp.NID  `json:"nid"`
	PathRTTUS int64     `json:"path_rtt_us,omitempty"`
	Paths     []PathEnd `json:"paths"`
}

// LocalDev names the interface of a local locator by its L64; "" for an
// L64 that is not a local locator.
type LocalDev func(ilnp.L64) string

// LocalNID is the output of nid show.
type LocalNID struct {
	NID ilnp.NID `json:"nid"`
}

// Config is the output of config show: the namespace's settings, the
// nonce length both in octets (4 or 12) and in bits (32 or 96).
type Config struct {
	NID       ilnp.NID `json:"nid"`
	NonceLen  int      `json:"nonce_len"`
	NonceBits int      `json:"nonce_bits"`
	MaxPeers  int      `json:"max_peers"`
}

// ConfigOf is the view of the namespace's settings.
func ConfigOf(c ilnpnl.Config) Config {
	return Config{NID: c.NID, NonceLen: c.NonceLen, NonceBits: 8 * c.NonceLen, MaxPeers: c.MaxPeers}
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
	Path      *PathEnd         `json:"path,omitempty"` // path_state: the end that went down or came back
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

// pathEnd converts a path end; dev names a local end's interface.
func pathEnd(e ilnpnl.PathEnd, dev LocalDev) PathEnd {
	v := PathEnd{L64: e.L64, Local: e.Local, State: e.State, SilentMS: e.Silent.Milliseconds(), Probes: e.Probes,
		MinRTTUS: e.MinRTT.Microseconds(), Slow: e.Slow}
	if e.Local {
		v.Ifname = dev(e.L64)
	}
	return v
}

// pathEnds converts a peer's path ends; dev names local ends' interfaces.
func pathEnds(ends []ilnpnl.PathEnd, dev LocalDev) []PathEnd {
	out := make([]PathEnd, len(ends))
	for i, e := range ends {
		out[i] = pathEnd(e, dev)
	}
	return out
}

// noDev names no interface: the views that do not list the local
// locators.
func noDev(ilnp.L64) string { return "" }

// DevOf returns the LocalDev of the local locators locs, naming their
// interfaces with ifname; an L64 on several interfaces takes the first.
func DevOf(locs []ilnpnl.Locator, ifname Ifname) LocalDev {
	ifindex := make(map[ilnp.L64]int, len(locs))
	for _, l := range locs {
		if _, ok := ifindex[l.L64]; !ok && l.Ifindex != 0 {
			ifindex[l.L64] = l.Ifindex
		}
	}
	return func(l64 ilnp.L64) string {
		if i, ok := ifindex[l64]; ok {
			return ifname(i)
		}
		return ""
	}
}

// Paths converts the path ends of the ILCC's peers (show paths), naming
// local ends' interfaces with dev.
func Paths(peers []ilnpnl.Peer, dev LocalDev) []PeerPaths {
	out := make([]PeerPaths, len(peers))
	for i, p := range peers {
		out[i] = PeerPaths{NID: p.NID, PathRTTUS: p.PathRTT.Microseconds(), Paths: pathEnds(p.Paths, dev)}
	}
	return out
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
		Paths:     pathEnds(p.Paths, noDev),
		PathRTTUS: p.PathRTT.Microseconds(),
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
	if ev.Path != nil {
		e := pathEnd(*ev.Path, noDev)
		v.Path = &e
	}
	return v
}
