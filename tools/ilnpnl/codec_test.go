package ilnpnl

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

func TestDecodeEvent(t *testing.T) {
	event := func(typ EventType) []byte { return nla(attrEvent, u32(uint32(typ))) }
	// The peer of an event about our LU: the kernel fills it as in a
	// dump, without nonces, and with ILNP_PEER_A_LU_PENDING while the
	// update awaits its ack.
	peer := func(extra ...[]byte) []byte {
		return nest(attrPeer, append([][]byte{nla(peerAttrNID, nidBytes), nla(peerAttrFlags, u32(uint32(PeerStatic)))}, extra...)...)
	}
	tests := []struct {
		name    string
		attrs   [][]byte
		want    Event
		wantErr string
	}{{
		name:  "lu_sent",
		attrs: [][]byte{event(EventLUSent), nla(attrLURetries, u8(0)), peer(nla(peerAttrLUPending, u8(0)))},
		want: Event{
			Type:      EventLUSent,
			Peer:      &Peer{NID: testNID, Flags: PeerStatic, LUPending: ptr(0)},
			LURetries: ptr(0),
		},
	}, {
		name:  "lu_retransmitted",
		attrs: [][]byte{event(EventLURetransmitted), nla(attrLURetries, u8(3)), peer(nla(peerAttrLUPending, u8(3)))},
		want: Event{
			Type:      EventLURetransmitted,
			Peer:      &Peer{NID: testNID, Flags: PeerStatic, LUPending: ptr(3)},
			LURetries: ptr(3),
		},
	}, {
		name:  "lu_acked, with its round trip, after one retransmission",
		attrs: [][]byte{event(EventLUAcked), nla(attrLURetries, u8(1)), nla(attrLURTTUS, u32(1234)), peer()},
		want: Event{
			Type:      EventLUAcked,
			Peer:      &Peer{NID: testNID, Flags: PeerStatic},
			LURetries: ptr(1),
			LURTT:     ptr(1234 * time.Microsecond),
		},
	}, {
		name:  "lu_acked, round trip capped by the kernel",
		attrs: [][]byte{event(EventLUAcked), nla(attrLURTTUS, u32(0xffffffff)), nla(attrLURetries, u8(0)), peer()},
		want: Event{
			Type:      EventLUAcked,
			Peer:      &Peer{NID: testNID, Flags: PeerStatic},
			LURetries: ptr(0),
			LURTT:     ptr(4294967295 * time.Microsecond),
		},
	}, {
		name:  "lu_failed",
		attrs: [][]byte{event(EventLUFailed), nla(attrLURetries, u8(5)), peer()},
		want:  Event{Type: EventLUFailed, Peer: &Peer{NID: testNID, Flags: PeerStatic}, LURetries: ptr(5)},
	}, {
		name:  "lu_received: about the peer's LU, no retries",
		attrs: [][]byte{event(EventLUReceived), peer()},
		want:  Event{Type: EventLUReceived, Peer: &Peer{NID: testNID, Flags: PeerStatic}},
	}, {
		name: "local locator active",
		attrs: [][]byte{event(EventLocatorState), nest(attrLocator,
			nla(locAttrL64, l64A), nla(locAttrIfindex, u32(2)), nla(locAttrState, u8(uint8(LocatorActive))),
			nla(locAttrLifetime, u32(0xffffffff)), nla(locAttrTxBytes, u64(7)))},
		want: Event{Type: EventLocatorState, Locator: &Locator{L64: testL64A, Ifindex: 2, State: LocatorActive, Lifetime: LifetimeInfinite, TxBytes: 7}},
	}, {
		name: "local locator gone",
		attrs: [][]byte{event(EventLocatorState), nest(attrLocator,
			nla(locAttrL64, l64B), nla(locAttrIfindex, u32(3)), nla(locAttrState, u8(0)), nla(locAttrLifetime, u32(0)))},
		want: Event{Type: EventLocatorState, Locator: &Locator{L64: testL64B, Ifindex: 3, State: LocatorGone}},
	}, {
		name: "path_state: a local end down, with the peer's ends",
		attrs: [][]byte{event(EventPathState),
			nest(attrPath, nla(pathAttrPad), nla(pathAttrL64, l64A), nla(pathAttrLocal), nla(pathAttrState, u8(uint8(PathDown))),
				nla(pathAttrSilentMS, u32(1130)), nla(pathAttrProbes, u8(3))),
			peer(nest(peerAttrPath, nla(pathAttrL64, l64A), nla(pathAttrLocal), nla(pathAttrState, u8(uint8(PathDown))),
				nla(pathAttrSilentMS, u32(1130)), nla(pathAttrProbes, u8(3))),
				nest(peerAttrPath, nla(pathAttrL64, l64B), nla(pathAttrState, u8(uint8(PathUp))), nla(pathAttrSilentMS, u32(4))),
				nla(peerAttrPathRTTUS, u32(2500)))},
		want: Event{
			Type: EventPathState,
			Peer: &Peer{NID: testNID, Flags: PeerStatic, PathRTT: 2500 * time.Microsecond, Paths: []PathEnd{
				{L64: testL64A, Local: true, State: PathDown, Silent: 1130 * time.Millisecond, Probes: 3},
				{L64: testL64B, State: PathUp, Silent: 4 * time.Millisecond},
			}},
			Path: &PathEnd{L64: testL64A, Local: true, State: PathDown, Silent: 1130 * time.Millisecond, Probes: 3},
		},
	}, {
		name: "path_state: a peer's end up again; no probe round trip reported",
		attrs: [][]byte{event(EventPathState),
			nest(attrPath, nla(pathAttrL64, l64B), nla(pathAttrState, u8(uint8(PathUp))), nla(pathAttrSilentMS, u32(0)), nla(pathAttrProbes, u8(0)), nla(202, u8(1))),
			peer()},
		want: Event{
			Type: EventPathState,
			Peer: &Peer{NID: testNID, Flags: PeerStatic},
			Path: &PathEnd{L64: testL64B, State: PathUp},
		},
	}, {
		name:  "path state from the future",
		attrs: [][]byte{event(EventPathState), nest(attrPath, nla(pathAttrL64, l64B), nla(pathAttrState, u8(9)))},
		want:  Event{Type: EventPathState, Path: &PathEnd{L64: testL64B, State: PathState(9)}},
	}, {
		name:    "path l64 not a __be64",
		attrs:   [][]byte{event(EventPathState), nest(attrPath, nla(pathAttrL64, u32(1)))},
		wantErr: "path: attribute 1: 4 octets, want 8 (__be64)",
	}, {
		name:    "path silence not a u32",
		attrs:   [][]byte{event(EventPathState), peer(nest(peerAttrPath, nla(pathAttrSilentMS, u64(1))))},
		wantErr: "peer: path: netlink: attribute 4 is not a uint32",
	}, {
		name:    "path round trip not a u32",
		attrs:   [][]byte{event(EventPathState), peer(nla(peerAttrPathRTTUS, u8(1)))},
		wantErr: "peer: netlink: attribute 13 is not a uint32",
	}, {
		name:  "attributes from the future are skipped",
		attrs: [][]byte{event(EventLUSent), nla(200, u64(1)), nla(attrLURetries, u8(2)), peer(nla(201, u8(1)))},
		want:  Event{Type: EventLUSent, Peer: &Peer{NID: testNID, Flags: PeerStatic}, LURetries: ptr(2)},
	}, {
		name:    "retries not a u8",
		attrs:   [][]byte{event(EventLUSent), nla(attrLURetries, u32(2))},
		wantErr: "attribute 8 is not a uint8",
	}, {
		name:    "round trip not a u32",
		attrs:   [][]byte{event(EventLUAcked), nla(attrLURTTUS, u16(2))},
		wantErr: "attribute 9 is not a uint32",
	}, {
		name:    "lu pending not a u8",
		attrs:   [][]byte{event(EventLUSent), peer(nla(peerAttrLUPending, u16(1)))},
		wantErr: "peer: netlink: attribute 11 is not a uint8",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeEvent(bytes.Join(tt.attrs, nil))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, nonces); diff != "" {
				t.Errorf("event (-want +got):\n%s", diff)
			}
		})
	}
}
