package ilnpnl

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/mdlayher/netlink"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
)

// The kernel carries NIDs and L64s as __be64 (the eight octets of the
// IPv6 address), counters as host-order u64 and IL-Vs as the 16 octets
// of a struct in6_addr.

func encodeBE64(ae *netlink.AttributeEncoder, typ uint16, v uint64) {
	ae.Bytes(typ, binary.BigEndian.AppendUint64(nil, v))
}

func decodeBE64(ad *netlink.AttributeDecoder, dst *uint64) {
	ad.Do(func(b []byte) error {
		if len(b) != 8 {
			return fmt.Errorf("attribute %d: %d octets, want 8 (__be64)", ad.Type(), len(b))
		}
		*dst = binary.BigEndian.Uint64(b)
		return nil
	})
}

func decodeILV(ad *netlink.AttributeDecoder, dst *ilnp.ILV) {
	ad.Do(func(b []byte) error {
		if len(b) != 16 {
			return fmt.Errorf("attribute %d: %d octets, want 16 (struct in6_addr)", ad.Type(), len(b))
		}
		*dst = ilnp.ILVFrom16([16]byte(b))
		return nil
	})
}

func decodeNonce(ad *netlink.AttributeDecoder, dst *ilnp.Nonce) {
	ad.Do(func(b []byte) error {
		n, err := ilnp.NonceFromBytes(b)
		if err != nil {
			return fmt.Errorf("attribute %d: %w", ad.Type(), err)
		}
		*dst = n
		return nil
	})
}

// encodePeer encodes what ILNP_CMD_PEER_ADD and _DEL take: the NID and,
// for each locator, its L64 and the preference and lifetime when they
// are not zero.
func encodePeer(p Peer) func(*netlink.AttributeEncoder) error {
	return func(ae *netlink.AttributeEncoder) error {
		encodeBE64(ae, peerAttrNID, uint64(p.NID))
		for _, l := range p.Locators {
			ae.Nested(peerAttrLocator, func(ae *netlink.AttributeEncoder) error {
				encodeBE64(ae, locAttrL64, uint64(l.L64))
				if l.Preference != 0 {
					ae.Uint16(locAttrPreference, l.Preference)
				}
				if l.Lifetime != 0 {
					ae.Uint32(locAttrLifetime, uint32(l.Lifetime))
				}
				return nil
			})
		}
		return nil
	}
}

func decodeLocator(ad *netlink.AttributeDecoder) (Locator, error) {
	var l Locator
	for ad.Next() {
		switch ad.Type() {
		case locAttrL64:
			decodeBE64(ad, (*uint64)(&l.L64))
		case locAttrIfindex:
			l.Ifindex = int(ad.Uint32())
		case locAttrState:
			l.State = LocatorState(ad.Uint8())
		case locAttrPreference:
			l.Preference = ad.Uint16()
		case locAttrLifetime:
			l.Lifetime = Lifetime(ad.Uint32())
		case locAttrDRRScore:
			l.DRRScore = ad.Int64()
		case locAttrTxPackets:
			l.TxPackets = ad.Uint64()
		case locAttrTxBytes:
			l.TxBytes = ad.Uint64()
		case locAttrRxPackets:
			l.RxPackets = ad.Uint64()
		case locAttrRxBytes:
			l.RxBytes = ad.Uint64()
		}
	}
	if err := ad.Err(); err != nil {
		return Locator{}, fmt.Errorf("locator: %w", err)
	}
	return l, nil
}

// decodePath decodes a path end (ILNP_PATH_A_*); ILNP_PATH_A_LOCAL is a
// flag, its presence alone says the end is ours.
func decodePath(ad *netlink.AttributeDecoder) (PathEnd, error) {
	var e PathEnd
	for ad.Next() {
		switch ad.Type() {
		case pathAttrL64:
			decodeBE64(ad, (*uint64)(&e.L64))
		case pathAttrLocal:
			e.Local = true
		case pathAttrState:
			e.State = PathState(ad.Uint8())
		case pathAttrSilentMS:
			e.Silent = time.Duration(ad.Uint32()) * time.Millisecond
		case pathAttrProbes:
			e.Probes = int(ad.Uint8())
		case pathAttrMinRTTUS:
			e.MinRTT = time.Duration(ad.Uint32()) * time.Microsecond
		case pathAttrSlow:
			e.Slow = true
		}
	}
	if err := ad.Err(); err != nil {
		return PathEnd{}, fmt.Errorf("path: %w", err)
	}
	return e, nil
}

// decodeStats decodes the counters of the table; attributes the table
// does not have (a newer kernel's, padding) are skipped.
func decodeStats(ad *netlink.AttributeDecoder) (Stats, error) {
	s := Stats{}
	for ad.Next() {
		if st := Stat(ad.Type()); st != 0 {
			if _, ok := st.Counter(); ok {
				s[st] = ad.Uint64()
			}
		}
	}
	if err := ad.Err(); err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	return s, nil
}

func decodePeer(ad *netlink.AttributeDecoder) (Peer, error) {
	var p Peer
	for ad.Next() {
		switch ad.Type() {
		case peerAttrNID:
			decodeBE64(ad, (*uint64)(&p.NID))
		case peerAttrLocator:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				l, err := decodeLocator(nad)
				p.Locators = append(p.Locators, l)
				return err
			})
		case peerAttrFlags:
			p.Flags = PeerFlags(ad.Uint32())
		case peerAttrLocalILV:
			decodeILV(ad, &p.LocalILV)
		case peerAttrRemoteILV:
			decodeILV(ad, &p.RemoteILV)
		case peerAttrNonceTx:
			decodeNonce(ad, &p.NonceTx)
		case peerAttrNonceRx:
			decodeNonce(ad, &p.NonceRx)
		case peerAttrIdleMS:
			p.Idle = time.Duration(ad.Uint64()) * time.Millisecond
		case peerAttrStats:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				s, err := decodeStats(nad)
				p.Stats = s
				return err
			})
		case peerAttrLUPending:
			n := int(ad.Uint8())
			p.LUPending = &n
		case peerAttrPath:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				e, err := decodePath(nad)
				p.Paths = append(p.Paths, e)
				return err
			})
		case peerAttrPathRTTUS:
			p.PathRTT = time.Duration(ad.Uint32()) * time.Microsecond
		}
	}
	if err := ad.Err(); err != nil {
		return Peer{}, fmt.Errorf("peer: %w", err)
	}
	return p, nil
}

// message holds the top-level attributes of a reply or notification;
// the pointers are nil for attributes it did not carry.
type message struct {
	nid       *ilnp.NID
	peer      *Peer
	locator   *Locator
	stats     Stats
	event     EventType
	luRetries *int
	luRTT     *time.Duration
	path      *PathEnd
	nonceLen  *int
	maxPeers  *int
}

// decodeMessage decodes the attributes of a generic netlink message.
func decodeMessage(b []byte) (message, error) {
	var m message
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return message{}, err
	}
	for ad.Next() {
		switch ad.Type() {
		case attrNID:
			var n uint64
			decodeBE64(ad, &n)
			m.nid = (*ilnp.NID)(&n)
		case attrPeer:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				p, err := decodePeer(nad)
				m.peer = &p
				return err
			})
		case attrLocator:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				l, err := decodeLocator(nad)
				m.locator = &l
				return err
			})
		case attrStats:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				s, err := decodeStats(nad)
				m.stats = s
				return err
			})
		case attrEvent:
			m.event = EventType(ad.Uint32())
		case attrLURetries:
			n := int(ad.Uint8())
			m.luRetries = &n
		case attrLURTTUS:
			d := time.Duration(ad.Uint32()) * time.Microsecond
			m.luRTT = &d
		case attrPath:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				e, err := decodePath(nad)
				m.path = &e
				return err
			})
		case attrNonceLen:
			n := int(ad.Uint8())
			m.nonceLen = &n
		case attrMaxPeers:
			n := int(ad.Uint32())
			m.maxPeers = &n
		}
	}
	if err := ad.Err(); err != nil {
		return message{}, err
	}
	return m, nil
}

// decodeEvent decodes the attributes of an ILNP_CMD_EVENT notification.
func decodeEvent(b []byte) (Event, error) {
	m, err := decodeMessage(b)
	if err != nil {
		return Event{}, err
	}
	return Event{
		Type:      m.event,
		Peer:      m.peer,
		Locator:   m.locator,
		LURetries: m.luRetries,
		LURTT:     m.luRTT,
		Path:      m.path,
	}, nil
}
