package ilnpnl

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
)

// LocatorState is the state of a locator in the ILCC (enum
// ilnp_locator_state).
type LocatorState uint8

// LocatorGone is the state that an EventLocatorState event reports for a
// local locator that went away (ILNP_LOC_A_STATE 0; the header has no
// name for it). Dumps never report it.
const LocatorGone LocatorState = 0

// String returns "gone", the state's name in the header in lower case
// ("valid", "active"), or "state(N)" for a value this package does not
// know.
func (s LocatorState) String() string {
	if s == LocatorGone {
		return "gone"
	}
	if n, ok := locatorStateNames[s]; ok {
		return n
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText implements encoding.TextMarshaler with the String form.
func (s LocatorState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler for the String form.
func (s *LocatorState) UnmarshalText(b []byte) error {
	v, err := parseName(string(b), "state", 8, locatorStateNames, map[string]LocatorState{"gone": LocatorGone})
	*s = v
	return err
}

// PathState is how a path end carries a session's packets (enum
// ilnp_path_state): PathUp, PathProbing while it is silent for too long
// and being probed, PathDown once its probes went unanswered and the
// round-robin leaves it out.
type PathState uint8

// String returns the state's name in the header in lower case ("up",
// "probing", "down"), or "state(N)" for a value this package does not
// know.
func (s PathState) String() string {
	if n, ok := pathStateNames[s]; ok {
		return n
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText implements encoding.TextMarshaler with the String form.
func (s PathState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler for the String form.
func (s *PathState) UnmarshalText(b []byte) error {
	v, err := parseName(string(b), "state", 8, pathStateNames, nil)
	*s = v
	return err
}

// PeerFlags are the ILNP_PEER_F_* flags of a peer.
type PeerFlags uint32

// Names returns the names of the set flags in bit order, as the header
// names them in lower case ("static", "learned", "ipv6_only"); bits this
// package does not know are named in hexadecimal, e.g. "0x80". It returns an empty, non-nil slice for no
// flags.
func (f PeerFlags) Names() []string {
	names := []string{}
	for bit := PeerFlags(1); f != 0; bit <<= 1 {
		if f&bit == 0 {
			continue
		}
		f &^= bit
		if n, ok := peerFlagNames[bit]; ok {
			names = append(names, n)
		} else {
			names = append(names, "0x"+strconv.FormatUint(uint64(bit), 16))
		}
	}
	return names
}

// String joins Names with ','; no flags is "none".
func (f PeerFlags) String() string {
	if f == 0 {
		return "none"
	}
	return strings.Join(f.Names(), ",")
}

// Lifetime is a locator lifetime in seconds; LifetimeInfinite means the
// locator does not expire.
type Lifetime uint32

// LifetimeInfinite is the lifetime of a locator that does not expire.
const LifetimeInfinite Lifetime = math.MaxUint32

// Infinite reports whether l is LifetimeInfinite.
func (l Lifetime) Infinite() bool { return l == LifetimeInfinite }

// Duration returns l as a time.Duration; an infinite lifetime is the
// largest Duration.
func (l Lifetime) Duration() time.Duration {
	if l.Infinite() {
		return math.MaxInt64
	}
	return time.Duration(l) * time.Second
}

// String formats l the way ip-address(8) formats lifetimes: "forever" or
// the seconds, e.g. "15sec".
func (l Lifetime) String() string {
	if l.Infinite() {
		return "forever"
	}
	return strconv.FormatUint(uint64(l), 10) + "sec"
}

// Locator is an L64 in the ILCC, either a local one (bound to the
// interface Ifindex) or one of a peer's.
type Locator struct {
	L64        ilnp.L64
	Ifindex    int // local locators only; 0 for a peer's
	State      LocatorState
	Preference uint16
	Lifetime   Lifetime
	DRRScore   int64 // Deficit Round-Robin score; the lowest is chosen next
	TxPackets  uint64
	TxBytes    uint64
	RxPackets  uint64
	RxBytes    uint64
}

// PathEnd is one end of a session's paths: one of our locators (Local)
// or one of the peer's that carried the session's packets, and how it
// carries them. The kernel probes an end that has carried our packets
// without showing delivery (a packet of the session arriving through it)
// for too long, and leaves a down end out of the round-robin while
// another locator of its side is usable.
type PathEnd struct {
	L64    ilnp.L64
	Local  bool // one of our locators; else one of the peer's
	State  PathState
	Silent time.Duration // since it last showed delivery (millisecond resolution)
	Probes int           // probes of the current round
	// MinRTT is the least round trip of its probes (microsecond
	// resolution), 0 before one was measured.
	MinRTT time.Duration
	// Slow is set when MinRTT is far above the best of its side's:
	// the end carries nothing while that one lives.
	Slow bool
}

// Peer is a correspondent node in the ILCC.
type Peer struct {
	NID      ilnp.NID
	Flags    PeerFlags
	Locators []Locator

	// LocalILV and RemoteILV are the canonical IL-Vs that the peer's
	// sockets see, whatever locators the packets travel on. They are
	// the zero ILV when the kernel did not report them.
	LocalILV  ilnp.ILV
	RemoteILV ilnp.ILV

	// NonceTx is the nonce sent to the peer and NonceRx the one expected
	// from it, 32 or 96 bits. The kernel reports them only to callers
	// with CAP_NET_ADMIN; they are zero otherwise.
	NonceTx ilnp.Nonce
	NonceRx ilnp.Nonce

	Idle  time.Duration // since the last packet
	Stats Stats         // the peer's counters; nil when not reported

	// LUPending is set while our Locator Update to the peer awaits its
	// acknowledgement, to the number of retransmissions so far (0 after
	// the first transmission); nil when none is pending.
	LUPending *int

	// Paths are the session's path ends, ours and the peer's, in the
	// kernel's order; PathRTT is the smoothed round trip of the path
	// probes (microsecond resolution), 0 when the kernel did not report
	// one.
	Paths   []PathEnd
	PathRTT time.Duration
}

// EventType says what an Event reports (enum ilnp_event).
type EventType uint32

// String returns the event's name in lower case with underscores, e.g.
// "lu_acked", or "event(N)" for a value this package does not know.
func (t EventType) String() string {
	if n, ok := eventNames[t]; ok {
		return n
	}
	return "event(" + strconv.FormatUint(uint64(t), 10) + ")"
}

// EventTypes returns the event types the kernel sends, in number order:
// every one of the generated table but EventUnspec.
func EventTypes() []EventType {
	ts := slices.Sorted(maps.Keys(eventNames))
	return slices.DeleteFunc(ts, func(t EventType) bool { return t == EventUnspec })
}

// MarshalText implements encoding.TextMarshaler with the String form.
func (t EventType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler for the String form.
func (t *EventType) UnmarshalText(b []byte) error {
	v, err := parseName(string(b), "event", 32, eventNames, nil)
	*t = v
	return err
}

// parseName inverts a String form: a name of names or extra, or
// "what(N)" for another value of bits bits.
func parseName[T ~uint8 | ~uint32](s, what string, bits int, names map[T]string, extra map[string]T) (T, error) {
	if v, ok := extra[s]; ok {
		return v, nil
	}
	for v, n := range names {
		if n == s {
			return v, nil
		}
	}
	if n, ok := strings.CutPrefix(s, what+"("); ok {
		if n, ok := strings.CutSuffix(n, ")"); ok {
			if v, err := strconv.ParseUint(n, 10, bits); err == nil {
				return T(v), nil
			}
		}
	}
	return 0, fmt.Errorf("ilnpnl: unknown %s %q", what, s)
}

// Event is a notification from the "events" multicast group. Session,
// nonce and Locator Update events carry Peer (its NID and flags); locator
// events carry Locator and, for a peer's locator, Peer too. A local
// locator (one with an Ifindex) that went away is reported with the state
// LocatorGone. EventPathState carries Path, the end that went down or
// came back, and Peer, the correspondent whose end it is.
type Event struct {
	Type    EventType
	Peer    *Peer
	Locator *Locator

	// LURetries is, for the events about our own Locator Updates
	// (EventLUSent, EventLUAcked, EventLURetransmitted, EventLUFailed),
	// the number of retransmissions of that Locator Update; nil for
	// other events.
	LURetries *int

	// LURTT is, for EventLUAcked, the round trip of the acknowledged
	// Locator Update (microsecond resolution; the kernel caps it at
	// 2^32-1 µs); nil for other events.
	LURTT *time.Duration

	// Path is, for EventPathState, the path end whose state changed;
	// nil for other events.
	Path *PathEnd
}
