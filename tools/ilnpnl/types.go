package ilnpnl

import (
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// NID is an ILNP Node Identifier, the low 64 bits of an IL-V, as a host
// integer: NID(0xd250_99ff_fed1_5a0c) is d250:99ff:fed1:5a0c.
type NID uint64

// L64 is an ILNP Locator, the high 64 bits of an IL-V (a /64 routing
// prefix), as a host integer: L64(0x2001_0002_00dd_00dd) is 2001:2:dd:dd.
type L64 uint64

// String formats n as four hexadecimal groups, e.g. "d250:99ff:fed1:5a0c".
func (n NID) String() string { return groups(uint64(n)) }

// String formats l as four hexadecimal groups, e.g. "2001:2:dd:dd".
func (l L64) String() string { return groups(uint64(l)) }

// MarshalText implements encoding.TextMarshaler with the String form.
func (n NID) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// MarshalText implements encoding.TextMarshaler with the String form.
func (l L64) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler for the String form.
func (n *NID) UnmarshalText(b []byte) error {
	v, err := parseGroups(string(b))
	if err != nil {
		return fmt.Errorf("ilnpnl: parse NID: %w", err)
	}
	*n = NID(v)
	return nil
}

// UnmarshalText implements encoding.TextUnmarshaler for the String form.
func (l *L64) UnmarshalText(b []byte) error {
	v, err := parseGroups(string(b))
	if err != nil {
		return fmt.Errorf("ilnpnl: parse L64: %w", err)
	}
	*l = L64(v)
	return nil
}

// ILV returns the Identifier-Locator Vector with locator l and identifier
// n as an IPv6 address.
func ILV(l L64, n NID) netip.Addr {
	var a [16]byte
	binary.BigEndian.PutUint64(a[:8], uint64(l))
	binary.BigEndian.PutUint64(a[8:], uint64(n))
	return netip.AddrFrom16(a)
}

// SplitILV returns the locator (upper 64 bits) and the identifier (lower
// 64 bits) of an IPv6 address.
func SplitILV(a netip.Addr) (L64, NID) {
	b := a.As16()
	return L64(binary.BigEndian.Uint64(b[:8])), NID(binary.BigEndian.Uint64(b[8:]))
}

// groups formats v as four 16-bit hexadecimal groups joined by ':'.
func groups(v uint64) string {
	b := make([]byte, 0, 19)
	for i := 3; i >= 0; i-- {
		b = strconv.AppendUint(b, v>>(16*i)&0xffff, 16)
		if i > 0 {
			b = append(b, ':')
		}
	}
	return string(b)
}

// parseGroups parses exactly four 1-4 digit hexadecimal groups joined by ':'.
func parseGroups(s string) (uint64, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 4 {
		return 0, fmt.Errorf("%q: want four hexadecimal groups like d250:99ff:fed1:5a0c", s)
	}
	var v uint64
	for _, p := range parts {
		if len(p) == 0 || len(p) > 4 {
			return 0, fmt.Errorf("%q: group %q: want 1 to 4 hexadecimal digits", s, p)
		}
		g, err := strconv.ParseUint(p, 16, 16)
		if err != nil {
			return 0, fmt.Errorf("%q: group %q is not hexadecimal", s, p)
		}
		v = v<<16 | g
	}
	return v, nil
}

// LocatorState is the state of a locator in the ILCC (enum
// ilnp_locator_state).
type LocatorState uint8

// LocatorGone is the state that an EventLocatorState event reports for a
// local locator that went away (ILNP_LOC_A_STATE 0; the header has no
// name for it). Dumps never report it.
const LocatorGone LocatorState = 0

// String returns "gone", "valid", "active", or "state(N)" for a value
// this package does not know.
func (s LocatorState) String() string {
	switch s {
	case LocatorGone:
		return "gone"
	case LocatorValid:
		return "valid"
	case LocatorActive:
		return "active"
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText implements encoding.TextMarshaler with the String form.
func (s LocatorState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// PeerFlags are the ILNP_PEER_F_* flags of a peer.
type PeerFlags uint32

var peerFlagNames = [...]struct {
	f    PeerFlags
	name string
}{
	{PeerStatic, "static"},
	{PeerLearned, "learned"},
	{PeerIPv6Only, "ipv6_only"},
}

// Names returns the names of the set flags in bit order ("static",
// "learned", "ipv6_only"); bits this package does not know are named in
// hexadecimal, e.g. "0x80". It returns an empty, non-nil slice for no
// flags.
func (f PeerFlags) Names() []string {
	names := []string{}
	for _, n := range peerFlagNames {
		if f&n.f != 0 {
			names = append(names, n.name)
			f &^= n.f
		}
	}
	for bit := PeerFlags(1); f != 0; bit <<= 1 {
		if f&bit != 0 {
			names = append(names, "0x"+strconv.FormatUint(uint64(bit), 16))
			f &^= bit
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
	L64        L64
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

// Peer is a correspondent node in the ILCC.
type Peer struct {
	NID      NID
	Flags    PeerFlags
	Locators []Locator

	// LocalILV and RemoteILV are the canonical IL-Vs that the peer's
	// sockets see, whatever locators the packets travel on. They are
	// the zero Addr when the kernel did not report them.
	LocalILV  netip.Addr
	RemoteILV netip.Addr

	// NonceTx is the nonce sent to the peer and NonceRx the one expected
	// from it, 4 or 12 octets. The kernel reports them only to callers
	// with CAP_NET_ADMIN; they are nil otherwise.
	NonceTx []byte
	NonceRx []byte

	Idle  time.Duration // since the last packet
	Stats *Stats        // the peer's counters; nil when not reported

	// LUPending is set while our Locator Update to the peer awaits its
	// acknowledgement, to the number of retransmissions so far (0 after
	// the first transmission); nil when none is pending.
	LUPending *int
}

// Stats are the ILNP counters of a namespace or of one peer.
type Stats struct {
	PktsIn          uint64 // ILNP packets received
	PktsOut         uint64 // ILNP packets sent
	BadNonce        uint64 // packets dropped for a wrong nonce
	NoSession       uint64 // nonce-carrying packets with no session
	LUSent          uint64 // Locator Updates sent
	LUReceived      uint64 // Locator Updates received
	LUAcked         uint64 // Locator Updates acknowledged by the peer
	LURetransmitted uint64 // Locator Update retransmissions
	LUFailed        uint64 // Locator Updates given up on
	LUMalformed     uint64 // malformed Locator Updates dropped
	Fallbacks       uint64 // peers that fell back to plain IPv6
	SessionsCreated uint64
	SessionsExpired uint64
}

// counter returns the field of s that the statistics attribute t
// carries, or nil for an attribute this package does not know.
func (s *Stats) counter(t uint16) *uint64 {
	switch t {
	case statsAttrPktsIn:
		return &s.PktsIn
	case statsAttrPktsOut:
		return &s.PktsOut
	case statsAttrBadNonce:
		return &s.BadNonce
	case statsAttrNoSession:
		return &s.NoSession
	case statsAttrLUSent:
		return &s.LUSent
	case statsAttrLUReceived:
		return &s.LUReceived
	case statsAttrLUAcked:
		return &s.LUAcked
	case statsAttrLURetransmitted:
		return &s.LURetransmitted
	case statsAttrLUFailed:
		return &s.LUFailed
	case statsAttrLUMalformed:
		return &s.LUMalformed
	case statsAttrFallbacks:
		return &s.Fallbacks
	case statsAttrSessionsCreated:
		return &s.SessionsCreated
	case statsAttrSessionsExpired:
		return &s.SessionsExpired
	}
	return nil
}

// EventType says what an Event reports (enum ilnp_event).
type EventType uint32

var eventNames = [...]string{
	EventUnspec:          "unspec",
	EventSessionCreated:  "session_created",
	EventSessionExpired:  "session_expired",
	EventNonceMismatch:   "nonce_mismatch",
	EventLUSent:          "lu_sent",
	EventLUReceived:      "lu_received",
	EventLUAcked:         "lu_acked",
	EventLURetransmitted: "lu_retransmitted",
	EventLUFailed:        "lu_failed",
	EventLocatorState:    "locator_state",
	EventFallback:        "fallback",
}

// String returns the event's name in lower case with underscores, e.g.
// "lu_acked", or "event(N)" for a value this package does not know.
func (t EventType) String() string {
	if int(t) < len(eventNames) {
		return eventNames[t]
	}
	return "event(" + strconv.FormatUint(uint64(t), 10) + ")"
}

// MarshalText implements encoding.TextMarshaler with the String form.
func (t EventType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Event is a notification from the "events" multicast group. Session,
// nonce and Locator Update events carry Peer (its NID and flags); locator
// events carry Locator and, for a peer's locator, Peer too. A local
// locator (one with an Ifindex) that went away is reported with the state
// LocatorGone.
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
}
