package ilnpnl

// This file mirrors include/uapi/linux/ilnp.h. uapi_test.go checks every
// name and value of the header against it.

// Family identity (ILNP_GENL_*).
const (
	FamilyName    = "ilnp"   // ILNP_GENL_NAME
	FamilyVersion = 1        // ILNP_GENL_VERSION
	EventsGroup   = "events" // ILNP_GENL_EVENTS_GROUP
)

// ICMPv6 Locator Update operations and codes (ILNP_LU_*), for tools that
// read the header's wire constants through this package.
const (
	ICMPv6TypeLU      = 156 // ILNP_ICMPV6_LU: the ICMPv6 type of a Locator Update
	LUOpAdvertisement = 1   // ILNP_LU_OP_ADVERTISEMENT
	LUOpAck           = 2   // ILNP_LU_OP_ACK
	LUReplaceSoft     = 1   // ILNP_LU_REPLACE_SOFT: the Code of a soft replacement
)

// Nonce option data lengths in octets (ILNP_NONCE_LEN_*).
const (
	NonceLenShort = 4  // ILNP_NONCE_LEN_SHORT
	NonceLenLong  = 12 // ILNP_NONCE_LEN_LONG
)

// Locator states (enum ilnp_locator_state).
const (
	LocatorValid  LocatorState = 1 // accepted on receive, not used to send
	LocatorActive LocatorState = 2 // used to send and receive
)

// Peer flags (ILNP_PEER_F_*).
const (
	PeerStatic   PeerFlags = 1 << 0 // registered by an administrator
	PeerLearned  PeerFlags = 1 << 1 // learned from an inbound nonce
	PeerIPv6Only PeerFlags = 1 << 2 // answered our nonce with a Parameter Problem
)

// Event types (enum ilnp_event).
const (
	EventUnspec EventType = iota
	EventSessionCreated
	EventSessionExpired
	EventNonceMismatch
	EventLUSent
	EventLUReceived
	EventLUAcked
	EventLURetransmitted
	EventLUFailed
	EventLocatorState
	EventFallback
)

// Top-level attributes (ILNP_A_*).
const (
	attrUnspec   uint16 = iota
	attrNID             // __be64
	attrPeer            // nest, peerAttr*
	attrLocator         // nest, locAttr*
	attrStats           // nest, statsAttr*
	attrEvent           // u32, EventType
	attrNonceLen        // u8
	attrPad
	attrLURetries // u8: retransmissions of the LU an LU event is about
	attrLURTTUS   // u32: round trip of an acknowledged LU, microseconds
)

// Peer attributes (ILNP_PEER_A_*).
const (
	peerAttrUnspec    uint16 = iota
	peerAttrNID              // __be64
	peerAttrLocator          // nest, locAttr*; repeated
	peerAttrFlags            // u32, PeerFlags
	peerAttrLocalILV         // struct in6_addr
	peerAttrRemoteILV        // struct in6_addr
	peerAttrNonceTx          // 4 or 12 octets; CAP_NET_ADMIN only
	peerAttrNonceRx          // 4 or 12 octets; CAP_NET_ADMIN only
	peerAttrIdleMS           // u64
	peerAttrStats            // nest, statsAttr*
	peerAttrPad
	peerAttrLUPending // u8: our LU awaits its ack; retransmissions so far
)

// Locator attributes (ILNP_LOC_A_*).
const (
	locAttrUnspec     uint16 = iota
	locAttrL64               // __be64
	locAttrIfindex           // u32, local locators only
	locAttrState             // u8, LocatorState; LocatorGone in an event
	locAttrPreference        // u16
	locAttrLifetime          // u32, seconds
	locAttrDRRScore          // s64
	locAttrTxPackets         // u64
	locAttrTxBytes           // u64
	locAttrRxPackets         // u64
	locAttrRxBytes           // u64
	locAttrPad
)

// Statistics attributes (ILNP_STATS_A_*), all u64.
const (
	statsAttrUnspec uint16 = iota
	statsAttrPad
	statsAttrPktsIn
	statsAttrPktsOut
	statsAttrBadNonce
	statsAttrNoSession
	statsAttrLUSent
	statsAttrLUReceived
	statsAttrLUAcked
	statsAttrLURetransmitted
	statsAttrLUFailed
	statsAttrLUMalformed
	statsAttrFallbacks
	statsAttrSessionsCreated
	statsAttrSessionsExpired
)

// Commands (ILNP_CMD_*).
const (
	cmdUnspec     uint8 = iota
	cmdPeerAdd          // ILNP_A_PEER: NID and at least one locator
	cmdPeerDel          // ILNP_A_PEER: NID
	cmdPeerGet          // dump: one ILNP_A_PEER each
	cmdNIDGet           // reply: ILNP_A_NID
	cmdNIDSet           // ILNP_A_NID; 0 returns to the default
	cmdLocatorGet       // dump: one ILNP_A_LOCATOR each
	cmdStatsGet         // reply: ILNP_A_STATS
	cmdEvent            // notification on EventsGroup
)
