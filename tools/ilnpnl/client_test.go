package ilnpnl

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/genetlink/genltest"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
)

// The expected requests and the canned replies are built with the
// helpers below rather than with netlink.AttributeEncoder, so that the
// tests do not check the package's encoding against itself. Payloads are
// written as hex octets: a __be64 is its IPv6 octets, a counter is host
// order.

// nla encodes one attribute: header, payload, padding to 4 octets.
func nla(typ uint16, payload ...[]byte) []byte {
	data := bytes.Join(payload, nil)
	b := binary.NativeEndian.AppendUint16(nil, uint16(4+len(data)))
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = append(b, data...)
	return append(b, make([]byte, (4-len(b)%4)%4)...)
}

// nest encodes a nested attribute (NLA_F_NESTED set) of children.
func nest(typ uint16, children ...[]byte) []byte { return nla(typ|netlink.Nested, children...) }

func hx(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func u8(v uint8) []byte   { return []byte{v} }
func u16(v uint16) []byte { return binary.NativeEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.NativeEndian.AppendUint64(nil, v) }

func msg(cmd uint8, attrs ...[]byte) genetlink.Message {
	return genetlink.Message{
		Header: genetlink.Header{Command: cmd, Version: FamilyVersion},
		Data:   bytes.Join(attrs, nil),
	}
}

// nonces compares ilnp.Nonces, which have unexported fields, by value.
var nonces = cmp.Comparer(func(a, b ilnp.Nonce) bool { return a == b })

var testFamily = genetlink.Family{
	ID:      0x1d,
	Version: FamilyVersion,
	Name:    FamilyName,
	Groups:  []genetlink.MulticastGroup{{ID: 9, Name: "other"}, {ID: 7, Name: FamilyEventsGroup}},
}

// testConn is a genltest connection that also fakes what genltest
// cannot: joining multicast groups and read deadlines.
type testConn struct {
	*genetlink.Conn
	mu     sync.Mutex
	groups []uint32
}

func (c *testConn) JoinGroup(g uint32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.groups = append(c.groups, g)
	return nil
}

func (c *testConn) SetReadDeadline(time.Time) error { return nil }

// testClient returns a client whose sockets are served by fn, and the
// sockets it opened.
func testClient(t *testing.T, family genetlink.Family, fn genltest.Func) (*Client, *[]*testConn) {
	t.Helper()
	var conns []*testConn
	c, err := newClient(func() (conn, error) {
		tc := &testConn{Conn: genltest.Dial(genltest.ServeFamily(family, fn))}
		conns = append(conns, tc)
		return tc, nil
	})
	if err != nil {
		t.Fatalf("newClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c, &conns
}

var (
	nidBytes = hx("d250 99ff fed1 5a0c") // d250:99ff:fed1:5a0c
	l64A     = hx("2001 0002 00aa 00aa") // 2001:2:aa:aa
	l64B     = hx("2001 0002 00bb 00bb") // 2001:2:bb:bb
	ilvLocal = hx("2001 0002 00dd 00dd 0000 0000 0000 000c")
	ilvPeer  = hx("2001 0002 00aa 00aa d250 99ff fed1 5a0c")
)

const (
	testNID  ilnp.NID = 0xd250_99ff_fed1_5a0c
	testL64A ilnp.L64 = 0x2001_0002_00aa_00aa
	testL64B ilnp.L64 = 0x2001_0002_00bb_00bb
)

// fullLocator is a peer locator with every attribute, a pad and an
// attribute from the future that the decoder must skip.
var fullLocator = nest(peerAttrLocator,
	nla(locAttrL64, l64A),
	nla(locAttrState, u8(uint8(LocatorActive))),
	nla(locAttrPreference, u16(10)),
	nla(locAttrLifetime, u32(0xffffffff)),
	nla(locAttrPad),
	nla(locAttrDRRScore, u64(uint64(0xffff_ffff_ffff_fa38))), // -1480
	nla(locAttrTxPackets, u64(1)),
	nla(locAttrTxBytes, u64(2)),
	nla(locAttrRxPackets, u64(3)),
	nla(locAttrRxBytes, u64(4)),
	nla(200, u32(42)),
)

func TestRequests(t *testing.T) {
	stats := nest(peerAttrStats, nla(uint16(StatPktsIn), u64(11)), nla(uint16(StatLUFailed), u64(12)))
	tests := []struct {
		name    string
		call    func(*Client) (any, error)
		cmd     uint8
		flags   netlink.HeaderFlags
		attrs   []byte              // the request's attributes
		reply   []genetlink.Message // canned replies
		errno   unix.Errno          // or this error
		want    any
		wantErr string
	}{{
		name:  "get NID",
		call:  func(c *Client) (any, error) { return c.NID() },
		cmd:   cmdConfigGet,
		flags: netlink.Request,
		reply: []genetlink.Message{msg(cmdConfigGet, nla(attrNID, nidBytes))},
		want:  testNID,
	}, {
		name:    "get NID, reply without NID",
		call:    func(c *Client) (any, error) { return c.NID() },
		cmd:     cmdConfigGet,
		flags:   netlink.Request,
		reply:   []genetlink.Message{msg(cmdConfigGet)},
		wantErr: "ilnpnl: get NID: reply has no NID",
	}, {
		name:    "get NID, short __be64",
		call:    func(c *Client) (any, error) { return c.NID() },
		cmd:     cmdConfigGet,
		flags:   netlink.Request,
		reply:   []genetlink.Message{msg(cmdConfigGet, nla(attrNID, nidBytes[:4]))},
		wantErr: "ilnpnl: get NID: reply 1: attribute 1: 4 octets, want 8 (__be64)",
	}, {
		name:  "set NID",
		call:  func(c *Client) (any, error) { return nil, c.SetNID(testNID) },
		cmd:   cmdConfigSet,
		flags: netlink.Request | netlink.Acknowledge,
		attrs: hx("0c00 0100 d250 99ff fed1 5a0c"), // little-endian header, be64 payload
	}, {
		name:    "set NID, not permitted",
		call:    func(c *Client) (any, error) { return nil, c.SetNID(0xc) },
		cmd:     cmdConfigSet,
		flags:   netlink.Request | netlink.Acknowledge,
		attrs:   nla(attrNID, hx("0000 0000 0000 000c")),
		errno:   unix.EPERM,
		wantErr: "ilnpnl: set NID 0:0:0:c: operation not permitted",
	}, {
		name:  "get config",
		call:  func(c *Client) (any, error) { return c.Config() },
		cmd:   cmdConfigGet,
		flags: netlink.Request,
		reply: []genetlink.Message{msg(cmdConfigGet, nla(attrNID, nidBytes), nla(attrPad), nla(attrNonceLen, u8(12)), nla(attrMaxPeers, u32(4096)), nla(200, u32(1)))},
		want:  Config{NID: testNID, NonceLen: 12, MaxPeers: 4096},
	}, {
		name:  "get config, the default nonce length",
		call:  func(c *Client) (any, error) { return c.Config() },
		cmd:   cmdConfigGet,
		flags: netlink.Request,
		reply: []genetlink.Message{msg(cmdConfigGet, nla(attrNID, hx("0000 0000 0000 000c")), nla(attrNonceLen, u8(4)), nla(attrMaxPeers, u32(1<<20)))},
		want:  Config{NID: 0xc, NonceLen: 4, MaxPeers: 1 << 20},
	}, {
		name:    "get config, reply without nonce length",
		call:    func(c *Client) (any, error) { return c.Config() },
		cmd:     cmdConfigGet,
		flags:   netlink.Request,
		reply:   []genetlink.Message{msg(cmdConfigGet, nla(attrNID, nidBytes), nla(attrMaxPeers, u32(4096)))},
		wantErr: "ilnpnl: get config: reply has no nonce length",
	}, {
		name:    "get config, reply without peer limit",
		call:    func(c *Client) (any, error) { return c.Config() },
		cmd:     cmdConfigGet,
		flags:   netlink.Request,
		reply:   []genetlink.Message{msg(cmdConfigGet, nla(attrNID, nidBytes), nla(attrNonceLen, u8(4)))},
		wantErr: "ilnpnl: get config: reply has no peer limit",
	}, {
		name:    "get config, empty reply",
		call:    func(c *Client) (any, error) { return c.Config() },
		cmd:     cmdConfigGet,
		flags:   netlink.Request,
		reply:   []genetlink.Message{msg(cmdConfigGet)},
		wantErr: "ilnpnl: get config: reply has no settings",
	}, {
		name:    "get config, nonce length not a u8",
		call:    func(c *Client) (any, error) { return c.Config() },
		cmd:     cmdConfigGet,
		flags:   netlink.Request,
		reply:   []genetlink.Message{msg(cmdConfigGet, nla(attrNID, nidBytes), nla(attrNonceLen, u32(12)), nla(attrMaxPeers, u32(4096)))},
		wantErr: "ilnpnl: get config: reply 1: netlink: attribute 6 is not a uint8",
	}, {
		name:  "set nonce length",
		call:  func(c *Client) (any, error) { return nil, c.SetConfig(ConfigChange{NonceLen: ptr(12)}) },
		cmd:   cmdConfigSet,
		flags: netlink.Request | netlink.Acknowledge,
		attrs: hx("0500 0600 0c00 0000"), // a u8 padded to 4 octets
	}, {
		name:  "set max peers",
		call:  func(c *Client) (any, error) { return nil, c.SetConfig(ConfigChange{MaxPeers: ptr(65536)}) },
		cmd:   cmdConfigSet,
		flags: netlink.Request | netlink.Acknowledge,
		attrs: nla(attrMaxPeers, u32(65536)),
	}, {
		name: "set all settings in one request",
		call: func(c *Client) (any, error) {
			return nil, c.SetConfig(ConfigChange{NID: ptr(ilnp.NID(0)), NonceLen: ptr(4), MaxPeers: ptr(16)})
		},
		cmd:   cmdConfigSet,
		flags: netlink.Request | netlink.Acknowledge,
		attrs: bytes.Join([][]byte{nla(attrNID, hx("0000 0000 0000 0000")), nla(attrNonceLen, u8(4)), nla(attrMaxPeers, u32(16))}, nil),
	}, {
		name:    "set max peers, out of the kernel's range",
		call:    func(c *Client) (any, error) { return nil, c.SetConfig(ConfigChange{MaxPeers: ptr(8)}) },
		cmd:     cmdConfigSet,
		flags:   netlink.Request | netlink.Acknowledge,
		attrs:   nla(attrMaxPeers, u32(8)),
		errno:   unix.EINVAL,
		wantErr: "ilnpnl: set max peers 8: invalid argument",
	}, {
		name:    "set nonce length, not permitted",
		call:    func(c *Client) (any, error) { return nil, c.SetConfig(ConfigChange{NonceLen: ptr(4)}) },
		cmd:     cmdConfigSet,
		flags:   netlink.Request | netlink.Acknowledge,
		attrs:   nla(attrNonceLen, u8(4)),
		errno:   unix.EPERM,
		wantErr: "ilnpnl: set nonce length 4: operation not permitted",
	}, {
		name:    "set nonce length 8 is not sent",
		call:    func(c *Client) (any, error) { return nil, c.SetConfig(ConfigChange{NonceLen: ptr(8)}) },
		wantErr: "ilnpnl: set nonce length 8: nonce length 8 octets: want 4 or 12",
	}, {
		name:    "set nonce length 268 is not truncated to 12",
		call:    func(c *Client) (any, error) { return nil, c.SetConfig(ConfigChange{NonceLen: ptr(268)}) },
		wantErr: "ilnpnl: set nonce length 268: nonce length 268 octets: want 4 or 12",
	}, {
		name:    "set max peers beyond a u32 is not sent",
		call:    func(c *Client) (any, error) { return nil, c.SetConfig(ConfigChange{MaxPeers: ptr(1 << 32)}) },
		wantErr: "ilnpnl: set max peers 4294967296: max peers 4294967296: not a u32",
	}, {
		name:    "set nothing is not sent",
		call:    func(c *Client) (any, error) { return nil, c.SetConfig(ConfigChange{}) },
		wantErr: "ilnpnl: set nothing: nothing to set",
	}, {
		name: "add peer",
		call: func(c *Client) (any, error) {
			return nil, c.AddPeer(Peer{NID: testNID, Locators: []Locator{
				{L64: testL64A},
				{L64: testL64B, Preference: 10, Lifetime: 600, State: LocatorActive, TxBytes: 9},
			}})
		},
		cmd:   cmdPeerAdd,
		flags: netlink.Request | netlink.Acknowledge,
		attrs: nest(attrPeer,
			nla(peerAttrNID, nidBytes),
			nest(peerAttrLocator, nla(locAttrL64, l64A)),
			nest(peerAttrLocator, nla(locAttrL64, l64B), nla(locAttrPreference, u16(10)), nla(locAttrLifetime, u32(600))),
		),
	}, {
		name: "add peer, not permitted",
		call: func(c *Client) (any, error) {
			return nil, c.AddPeer(Peer{NID: 0x0001_0002_0003_0004, Locators: []Locator{{L64: testL64A}}})
		},
		cmd:     cmdPeerAdd,
		flags:   netlink.Request | netlink.Acknowledge,
		attrs:   nest(attrPeer, nla(peerAttrNID, hx("0001 0002 0003 0004")), nest(peerAttrLocator, nla(locAttrL64, l64A))),
		errno:   unix.EPERM,
		wantErr: "ilnpnl: add peer 1:2:3:4: operation not permitted",
	}, {
		name:    "add peer without locators is not sent",
		call:    func(c *Client) (any, error) { return nil, c.AddPeer(Peer{NID: testNID}) },
		wantErr: "ilnpnl: add peer d250:99ff:fed1:5a0c: no locator",
	}, {
		name:  "delete peer",
		call:  func(c *Client) (any, error) { return nil, c.DelPeer(testNID) },
		cmd:   cmdPeerDel,
		flags: netlink.Request | netlink.Acknowledge,
		attrs: nest(attrPeer, nla(peerAttrNID, nidBytes)),
	}, {
		name:    "delete unknown peer",
		call:    func(c *Client) (any, error) { return nil, c.DelPeer(0xc) },
		cmd:     cmdPeerDel,
		flags:   netlink.Request | netlink.Acknowledge,
		attrs:   nest(attrPeer, nla(peerAttrNID, hx("0000 0000 0000 000c"))),
		errno:   unix.ENOENT,
		wantErr: "ilnpnl: delete peer 0:0:0:c: no such file or directory",
	}, {
		name:  "dump peers",
		call:  func(c *Client) (any, error) { return c.Peers() },
		cmd:   cmdPeerGet,
		flags: netlink.Request | netlink.Dump,
		reply: []genetlink.Message{
			msg(cmdPeerGet, nest(attrPeer,
				nla(peerAttrNID, nidBytes),
				nla(peerAttrFlags, u32(uint32(PeerStatic|PeerLearned))),
				fullLocator,
				nest(peerAttrLocator, nla(locAttrL64, l64B), nla(locAttrState, u8(uint8(LocatorValid)))),
				nla(peerAttrLocalILV, ilvLocal),
				nla(peerAttrRemoteILV, ilvPeer),
				nla(peerAttrNonceTx, hx("01020304")),
				nla(peerAttrNonceRx, hx("0a0b0c0d 0e0f1011 12131415")),
				nla(peerAttrPad),
				nla(peerAttrIdleMS, u64(1500)),
				stats,
				nla(peerAttrLUPending, u8(2)),
				nest(peerAttrPath, nla(pathAttrPad), nla(pathAttrL64, l64B), nla(pathAttrLocal), nla(pathAttrState, u8(uint8(PathProbing))),
					nla(pathAttrSilentMS, u32(740)), nla(pathAttrProbes, u8(1))),
				nest(peerAttrPath, nla(pathAttrL64, l64A), nla(pathAttrState, u8(uint8(PathUp))), nla(pathAttrSilentMS, u32(12))),
				nla(peerAttrPathRTTUS, u32(3100)),
			)),
			msg(cmdPeerGet, nest(attrPeer, nla(peerAttrNID, hx("0000 0000 0000 000c")), nla(peerAttrFlags, u32(uint32(PeerIPv6Only))))),
		},
		want: []Peer{{
			NID:   testNID,
			Flags: PeerStatic | PeerLearned,
			Locators: []Locator{
				{L64: testL64A, State: LocatorActive, Preference: 10, Lifetime: LifetimeInfinite, DRRScore: -1480, TxPackets: 1, TxBytes: 2, RxPackets: 3, RxBytes: 4},
				{L64: testL64B, State: LocatorValid},
			},
			LocalILV:  ilnp.ILV{L64: 0x2001_0002_00dd_00dd, NID: 0xc},
			RemoteILV: ilnp.ILV{L64: testL64A, NID: testNID},
			NonceTx:   ilnp.Nonce32(0x01020304),
			NonceRx:   ilnp.Nonce96([12]byte(hx("0a0b0c0d0e0f101112131415"))),
			Idle:      1500 * time.Millisecond,
			Stats:     Stats{StatPktsIn: 11, StatLUFailed: 12},
			LUPending: ptr(2),
			Paths: []PathEnd{
				{L64: testL64B, Local: true, State: PathProbing, Silent: 740 * time.Millisecond, Probes: 1},
				{L64: testL64A, State: PathUp, Silent: 12 * time.Millisecond},
			},
			PathRTT: 3100 * time.Microsecond,
		}, {
			NID:   0xc,
			Flags: PeerIPv6Only,
		}},
	}, {
		name:  "dump no peers",
		call:  func(c *Client) (any, error) { return c.Peers() },
		cmd:   cmdPeerGet,
		flags: netlink.Request | netlink.Dump,
		want:  []Peer{},
	}, {
		name:    "dump peers, bad IL-V",
		call:    func(c *Client) (any, error) { return c.Peers() },
		cmd:     cmdPeerGet,
		flags:   netlink.Request | netlink.Dump,
		reply:   []genetlink.Message{msg(cmdPeerGet, nest(attrPeer, nla(peerAttrNID, nidBytes), nla(peerAttrLocalILV, l64A)))},
		wantErr: "ilnpnl: dump peers: reply 1: peer: attribute 4: 8 octets, want 16 (struct in6_addr)",
	}, {
		name:    "dump peers, bad nonce length",
		call:    func(c *Client) (any, error) { return c.Peers() },
		cmd:     cmdPeerGet,
		flags:   netlink.Request | netlink.Dump,
		reply:   []genetlink.Message{msg(cmdPeerGet, nest(attrPeer, nla(peerAttrNID, nidBytes), nla(peerAttrNonceRx, hx("010203040506"))))},
		wantErr: "ilnpnl: dump peers: reply 1: peer: attribute 7: nonce length is not 4 or 12 octets: got 6",
	}, {
		name:    "dump peers, bad locator",
		call:    func(c *Client) (any, error) { return c.Peers() },
		cmd:     cmdPeerGet,
		flags:   netlink.Request | netlink.Dump,
		reply:   []genetlink.Message{msg(cmdPeerGet, nest(attrPeer, nest(peerAttrLocator, nla(locAttrTxBytes, u32(1)))))},
		wantErr: "ilnpnl: dump peers: reply 1: peer: locator:",
	}, {
		name:  "dump locators",
		call:  func(c *Client) (any, error) { return c.Locators() },
		cmd:   cmdLocatorGet,
		flags: netlink.Request | netlink.Dump,
		reply: []genetlink.Message{
			msg(cmdLocatorGet, nest(attrLocator, nla(locAttrL64, l64A), nla(locAttrIfindex, u32(2)), nla(locAttrState, u8(2)), nla(locAttrLifetime, u32(15)), nla(locAttrTxBytes, u64(1<<40)))),
			msg(cmdLocatorGet, nest(attrLocator, nla(locAttrL64, l64B), nla(locAttrIfindex, u32(3)), nla(locAttrState, u8(1)))),
		},
		want: []Locator{
			{L64: testL64A, Ifindex: 2, State: LocatorActive, Lifetime: 15, TxBytes: 1 << 40},
			{L64: testL64B, Ifindex: 3, State: LocatorValid},
		},
	}, {
		name:  "stats",
		call:  func(c *Client) (any, error) { return c.Stats() },
		cmd:   cmdStatsGet,
		flags: netlink.Request,
		reply: []genetlink.Message{msg(cmdStatsGet, nest(attrStats, allCounters()...))},
		want:  allStats(),
	}, {
		name:    "stats, not supported",
		call:    func(c *Client) (any, error) { return c.Stats() },
		cmd:     cmdStatsGet,
		flags:   netlink.Request,
		errno:   unix.EOPNOTSUPP,
		wantErr: "ilnpnl: get stats: operation not supported",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls int
			c, _ := testClient(t, testFamily, func(greq genetlink.Message, nreq netlink.Message) ([]genetlink.Message, error) {
				if len(nreq.Data) == 0 {
					return nil, nil // a read after the replies: nothing more
				}
				calls++
				if err := checkRequest(greq, nreq, tt.cmd, tt.flags, tt.attrs); err != nil {
					t.Error(err)
				}
				if tt.errno != 0 {
					return nil, genltest.Error(int(tt.errno))
				}
				return tt.reply, nil
			})
			got, err := tt.call(c)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				if tt.errno != 0 && !errors.Is(err, tt.errno) {
					t.Errorf("errors.Is(%v, %v) = false", err, tt.errno)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, nonces); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if want := 1; tt.cmd != 0 && calls != want {
				t.Errorf("%d requests, want %d", calls, want)
			}
		})
	}
}

func checkRequest(greq genetlink.Message, nreq netlink.Message, cmd uint8, flags netlink.HeaderFlags, attrs []byte) error {
	switch {
	case cmd == 0:
		return errors.New("no request expected")
	case nreq.Header.Type != netlink.HeaderType(testFamily.ID):
		return fmt.Errorf("netlink type %d, want the family's %d", nreq.Header.Type, testFamily.ID)
	case nreq.Header.Flags != flags:
		return fmt.Errorf("flags %s, want %s", nreq.Header.Flags, flags)
	case greq.Header.Command != cmd || greq.Header.Version != FamilyVersion:
		return fmt.Errorf("command %d version %d, want %d version %d", greq.Header.Command, greq.Header.Version, cmd, FamilyVersion)
	case !bytes.Equal(greq.Data, attrs):
		return fmt.Errorf("attributes\n%x, want\n%x", greq.Data, attrs)
	}
	return nil
}

func TestPermissionError(t *testing.T) {
	c, _ := testClient(t, testFamily, func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
		return nil, genltest.Error(int(unix.EPERM))
	})
	err := c.DelPeer(1)
	if !errors.Is(err, os.ErrPermission) {
		t.Errorf("errors.Is(%v, os.ErrPermission) = false", err)
	}
}

func TestFamilyNotFound(t *testing.T) {
	_, err := newClient(func() (conn, error) {
		return &testConn{Conn: genltest.Dial(func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
			return nil, genltest.Error(int(unix.ENOENT))
		})}, nil
	})
	if !errors.Is(err, ErrFamilyNotFound) {
		t.Fatalf("error = %v, want ErrFamilyNotFound", err)
	}
	const want = "ilnp generic netlink family not found: is the kernel built with CONFIG_IPV6_ILNP?"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestMonitor(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	batches := []any{
		[]genetlink.Message{
			msg(cmdEvent, nla(attrEvent, u32(uint32(EventSessionCreated))),
				nest(attrPeer, nla(peerAttrNID, nidBytes), nla(peerAttrFlags, u32(uint32(PeerLearned))))),
			msg(cmdPeerGet, nest(attrPeer, nla(peerAttrNID, nidBytes))), // not an event: skipped
			msg(cmdEvent, nla(attrEvent, u32(uint32(EventLocatorState))),
				nest(attrLocator, nla(locAttrL64, l64B), nla(locAttrState, u8(uint8(LocatorValid)))),
				nest(attrPeer, nla(peerAttrNID, nidBytes))),
		},
		unix.ENOBUFS,
		[]genetlink.Message{msg(cmdEvent, nla(attrEvent, u32(uint32(EventLUAcked))), nest(attrPeer, nla(peerAttrNID, nla(1))))},
		[]genetlink.Message{msg(cmdEvent, nla(attrEvent, u32(uint32(EventLocatorState))), nest(attrLocator, nla(locAttrL64, l64A), nla(locAttrIfindex, u32(4))))},
		[]genetlink.Message{msg(cmdEvent, nla(attrEvent, u32(uint32(EventLUAcked))), nla(attrLURetries, u8(1)), nla(attrLURTTUS, u32(2500)), nest(attrPeer, nla(peerAttrNID, nidBytes)))},
	}
	c, conns := testClient(t, testFamily, func(greq genetlink.Message, nreq netlink.Message) ([]genetlink.Message, error) {
		if len(nreq.Data) != 0 {
			t.Errorf("unexpected request on the monitor socket: %+v", greq)
		}
		if len(batches) == 0 {
			cancel() // the caller is done: end the subscription
			return nil, nil
		}
		b := batches[0]
		batches = batches[1:]
		if err, ok := b.(error); ok {
			return nil, err
		}
		return b.([]genetlink.Message), nil
	})
	m, err := c.Monitor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if len(*conns) != 2 {
		t.Fatalf("%d sockets, want the client's and the monitor's", len(*conns))
	}
	if got := (*conns)[1].groups; len(got) != 1 || got[0] != 7 {
		t.Errorf("monitor joined groups %v, want [7]", got)
	}
	if got := (*conns)[0].groups; len(got) != 0 {
		t.Errorf("the client's socket joined groups %v", got)
	}

	type result struct {
		ev  Event
		err string
	}
	want := []result{
		{ev: Event{Type: EventSessionCreated, Peer: &Peer{NID: testNID, Flags: PeerLearned}}},
		{ev: Event{Type: EventLocatorState, Peer: &Peer{NID: testNID}, Locator: &Locator{L64: testL64B, State: LocatorValid}}},
		{err: "ilnpnl: receive event: events lost: receive buffer overrun"},
		{err: "ilnpnl: decode event: peer: attribute 1: 4 octets, want 8 (__be64)"},
		{ev: Event{Type: EventLocatorState, Locator: &Locator{L64: testL64A, Ifindex: 4}}},
		{ev: Event{Type: EventLUAcked, Peer: &Peer{NID: testNID}, LURetries: ptr(1), LURTT: ptr(2500 * time.Microsecond)}},
		{err: context.Canceled.Error()},
	}
	for i, w := range want {
		ev, err := m.Next()
		got := result{ev: ev}
		if err != nil {
			got.err = err.Error()
		}
		if diff := cmp.Diff(w, got, nonces, cmp.AllowUnexported(result{})); diff != "" {
			t.Errorf("Next #%d (-want +got):\n%s", i+1, diff)
		}
		if i == 2 && !errors.Is(err, ErrEventsLost) {
			t.Errorf("errors.Is(%v, ErrEventsLost) = false", err)
		}
	}
}

func TestMonitorWithoutGroup(t *testing.T) {
	f := testFamily
	f.Groups = nil
	c, _ := testClient(t, f, func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) { return nil, nil })
	_, err := c.Monitor(context.Background())
	if want := `ilnpnl: monitor: family ilnp has no "events" multicast group`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

// allCounters encodes a statistics nest as the kernel sends it: padding,
// every counter of the table with a value of its own (the last one
// 2^63, to check the width), and an attribute of a newer kernel.
func allCounters() [][]byte {
	attrs := [][]byte{nla(statsAttrPad)}
	cs := Counters()
	for i, c := range cs {
		v := uint64(i + 1)
		if i == len(cs)-1 {
			v = 1 << 63
		}
		attrs = append(attrs, nla(uint16(c.Stat), u64(v)))
	}
	return append(attrs, nla(0x7fff, u64(99)))
}

// allStats is what allCounters decodes to.
func allStats() Stats {
	s := Stats{}
	cs := Counters()
	for i, c := range cs {
		s[c.Stat] = uint64(i + 1)
	}
	s[cs[len(cs)-1].Stat] = 1 << 63
	return s
}
