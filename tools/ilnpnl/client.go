package ilnpnl

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
)

// ErrFamilyNotFound is returned by Dial when the kernel has no "ilnp"
// generic netlink family.
var ErrFamilyNotFound = errors.New("ilnp generic netlink family not found: is the kernel built with CONFIG_IPV6_ILNP?")

// Options configure Dial. The zero value (or nil) works in the caller's
// network namespace.
type Options struct {
	// NetNS is an open file descriptor of the network namespace to work
	// in, such as one of /run/netns/NAME; 0 means the namespace of the
	// calling thread. Dial duplicates it, so the caller may close its
	// own descriptor once Dial returns. Entering another namespace needs
	// CAP_SYS_ADMIN.
	NetNS int
}

// conn is the part of *genetlink.Conn a Client uses.
type conn interface {
	GetFamily(name string) (genetlink.Family, error)
	Execute(m genetlink.Message, family uint16, flags netlink.HeaderFlags) ([]genetlink.Message, error)
	Receive() ([]genetlink.Message, []netlink.Message, error)
	JoinGroup(group uint32) error
	SetReadDeadline(t time.Time) error
	Close() error
}

// A Client talks to the ilnp generic netlink family of one network
// namespace. It is safe for concurrent use.
type Client struct {
	c       conn
	family  genetlink.Family
	dial    func() (conn, error) // opens another socket, for Monitor
	closeNS func() error         // releases Dial's copy of Options.NetNS
}

// Dial opens a generic netlink socket, in the network namespace of
// opts.NetNS if set, and resolves the ilnp family. It returns
// ErrFamilyNotFound when the kernel does not have the family.
func Dial(opts *Options) (*Client, error) {
	var ns int
	closeNS := func() error { return nil }
	if opts != nil && opts.NetNS != 0 {
		fd, err := unix.FcntlInt(uintptr(opts.NetNS), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("ilnpnl: network namespace descriptor %d: %w", opts.NetNS, err)
		}
		ns = fd
		closeNS = func() error { return unix.Close(fd) }
	}
	c, err := newClient(func() (conn, error) {
		gc, err := genetlink.Dial(&netlink.Config{NetNS: ns, Strict: true})
		if err != nil {
			return nil, err // not a nil *genetlink.Conn in a non-nil conn
		}
		return gc, nil
	})
	if err != nil {
		closeNS()
		return nil, err
	}
	c.closeNS = closeNS
	return c, nil
}

// newClient opens a socket with dial and resolves the family on it.
func newClient(dial func() (conn, error)) (*Client, error) {
	c, err := dial()
	if err != nil {
		return nil, fmt.Errorf("ilnpnl: open generic netlink socket: %w", err)
	}
	f, err := c.GetFamily(FamilyName)
	if err != nil {
		c.Close()
		if errors.Is(err, os.ErrNotExist) {
			return nil, ErrFamilyNotFound
		}
		return nil, wrap("resolve family "+FamilyName, err)
	}
	return &Client{c: c, family: f, dial: dial, closeNS: func() error { return nil }}, nil
}

// Close closes the client's socket. Monitors it started stay open until
// closed themselves.
func (c *Client) Close() error {
	return errors.Join(c.c.Close(), c.closeNS())
}

// NID returns the local Node Identifier of the namespace.
func (c *Client) NID() (ilnp.NID, error) {
	const op = "get NID"
	msgs, err := c.query(op, cmdConfigGet, netlink.Request, nil)
	if err != nil {
		return 0, err
	}
	for _, m := range msgs {
		if m.nid != nil {
			return *m.nid, nil
		}
	}
	return 0, fmt.Errorf("ilnpnl: %s: reply has no NID", op)
}

// SetNID sets the local Node Identifier of the namespace; 0 returns it to
// the default, the interface identifier of the first global address.
func (c *Client) SetNID(n ilnp.NID) error {
	return c.SetConfig(ConfigChange{NID: &n})
}

// AddPeer registers a correspondent with its NID and at least one
// locator. Only L64, and Preference and Lifetime when not zero, of each
// locator are sent; the kernel chooses the defaults for the rest.
func (c *Client) AddPeer(p Peer) error {
	op := "add peer " + p.NID.String()
	if len(p.Locators) == 0 {
		return fmt.Errorf("ilnpnl: %s: no locator", op)
	}
	return c.do(op, cmdPeerAdd, func(ae *netlink.AttributeEncoder) {
		ae.Nested(attrPeer, encodePeer(p))
	})
}

// DelPeer removes the correspondent with NID n from the ILCC.
func (c *Client) DelPeer(n ilnp.NID) error {
	return c.do("delete peer "+n.String(), cmdPeerDel, func(ae *netlink.AttributeEncoder) {
		ae.Nested(attrPeer, encodePeer(Peer{NID: n}))
	})
}

// Peers dumps the correspondents in the ILCC.
func (c *Client) Peers() ([]Peer, error) {
	msgs, err := c.query("dump peers", cmdPeerGet, netlink.Request|netlink.Dump, nil)
	if err != nil {
		return nil, err
	}
	peers := make([]Peer, 0, len(msgs))
	for _, m := range msgs {
		if m.peer != nil {
			peers = append(peers, *m.peer)
		}
	}
	return peers, nil
}

// Locators dumps the local locators of the namespace.
func (c *Client) Locators() ([]Locator, error) {
	msgs, err := c.query("dump locators", cmdLocatorGet, netlink.Request|netlink.Dump, nil)
	if err != nil {
		return nil, err
	}
	locs := make([]Locator, 0, len(msgs))
	for _, m := range msgs {
		if m.locator != nil {
			locs = append(locs, *m.locator)
		}
	}
	return locs, nil
}

// Stats returns the ILNP counters of the namespace.
func (c *Client) Stats() (Stats, error) {
	const op = "get stats"
	msgs, err := c.query(op, cmdStatsGet, netlink.Request, nil)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if m.stats != nil {
			return m.stats, nil
		}
	}
	return nil, fmt.Errorf("ilnpnl: %s: reply has no statistics", op)
}

// do sends a request the kernel answers with an acknowledgement only.
func (c *Client) do(op string, cmd uint8, encode func(*netlink.AttributeEncoder)) error {
	req, err := request(cmd, encode)
	if err != nil {
		return fmt.Errorf("ilnpnl: %s: %w", op, err)
	}
	if _, err := c.c.Execute(req, c.family.ID, netlink.Request|netlink.Acknowledge); err != nil {
		return wrap(op, err)
	}
	return nil
}

// query sends a request, or a dump request, and decodes the replies.
func (c *Client) query(op string, cmd uint8, flags netlink.HeaderFlags, encode func(*netlink.AttributeEncoder)) ([]message, error) {
	req, err := request(cmd, encode)
	if err != nil {
		return nil, fmt.Errorf("ilnpnl: %s: %w", op, err)
	}
	replies, err := c.c.Execute(req, c.family.ID, flags)
	if err != nil {
		return nil, wrap(op, err)
	}
	msgs := make([]message, 0, len(replies))
	for i, r := range replies {
		m, err := decodeMessage(r.Data)
		if err != nil {
			return nil, fmt.Errorf("ilnpnl: %s: reply %d: %w", op, i+1, err)
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// request builds a generic netlink message of the family's version.
func request(cmd uint8, encode func(*netlink.AttributeEncoder)) (genetlink.Message, error) {
	m := genetlink.Message{Header: genetlink.Header{Command: cmd, Version: FamilyVersion}}
	if encode != nil {
		ae := netlink.NewAttributeEncoder()
		encode(ae)
		b, err := ae.Encode()
		if err != nil {
			return genetlink.Message{}, fmt.Errorf("encode attributes: %w", err)
		}
		m.Data = b
	}
	return m, nil
}

// wrap names the operation that failed. An error the kernel returned is
// reduced to its errno (which errors.Is still matches, e.g. against
// os.ErrPermission) plus the kernel's extended acknowledgement message,
// if any: "ilnpnl: add peer 1:2:3:4: operation not permitted".
func wrap(op string, err error) error {
	var oe *netlink.OpError
	if errors.As(err, &oe) {
		if oe.Message != "" {
			return fmt.Errorf("ilnpnl: %s: %w: %s", op, oe.Err, oe.Message)
		}
		return fmt.Errorf("ilnpnl: %s: %w", op, oe.Err)
	}
	return fmt.Errorf("ilnpnl: %s: %w", op, err)
}
