package ilnpnl

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mdlayher/genetlink"
	"golang.org/x/sys/unix"
)

// ErrEventsLost is returned (wrapped) by Monitor.Next when the socket's
// receive buffer overran and the kernel dropped notifications. The
// Monitor stays usable.
var ErrEventsLost = errors.New("events lost: receive buffer overrun")

// A Monitor receives the notifications of the "events" multicast group
// on a socket of its own. Its methods are not safe for concurrent use,
// except Close.
type Monitor struct {
	ctx     context.Context
	c       conn
	stop    func() bool // unregisters the context's AfterFunc
	pending []genetlink.Message
}

// Monitor opens a socket in the client's namespace and joins the
// "events" multicast group; events that happen from then on can be read
// with Next. When ctx is done, a blocked Next returns ctx.Err(). The
// caller must Close the Monitor.
func (c *Client) Monitor(ctx context.Context) (*Monitor, error) {
	const op = "monitor"
	var group uint32
	for _, g := range c.family.Groups {
		if g.Name == FamilyEventsGroup {
			group = g.ID
		}
	}
	if group == 0 {
		return nil, fmt.Errorf("ilnpnl: %s: family %s has no %q multicast group", op, FamilyName, FamilyEventsGroup)
	}
	mc, err := c.dial()
	if err != nil {
		return nil, fmt.Errorf("ilnpnl: %s: open generic netlink socket: %w", op, err)
	}
	if err := mc.JoinGroup(group); err != nil {
		mc.Close()
		return nil, wrap(op+": join group "+FamilyEventsGroup, err)
	}
	m := &Monitor{ctx: ctx, c: mc}
	// Wake a blocked Receive when ctx is done; Next then reports ctx.Err().
	m.stop = context.AfterFunc(ctx, func() { mc.SetReadDeadline(time.Unix(1, 0)) })
	return m, nil
}

// Next blocks until an event arrives and returns it. It returns
// ctx.Err() once the Monitor's context is done, an error wrapping
// ErrEventsLost when notifications were dropped, and an error naming the
// problem when a notification cannot be decoded; the Monitor stays
// usable after the latter two.
func (m *Monitor) Next() (Event, error) {
	for {
		if err := m.ctx.Err(); err != nil {
			return Event{}, err
		}
		for len(m.pending) > 0 {
			msg := m.pending[0]
			m.pending = m.pending[1:]
			if msg.Header.Command != cmdEvent {
				continue
			}
			ev, err := decodeEvent(msg.Data)
			if err != nil {
				return Event{}, fmt.Errorf("ilnpnl: decode event: %w", err)
			}
			return ev, nil
		}
		msgs, _, err := m.c.Receive()
		switch {
		case err == nil:
			m.pending = msgs
		case m.ctx.Err() != nil:
			return Event{}, m.ctx.Err()
		case errors.Is(err, unix.ENOBUFS):
			return Event{}, fmt.Errorf("ilnpnl: receive event: %w", ErrEventsLost)
		default:
			return Event{}, wrap("receive event", err)
		}
	}
}

// Close leaves the group and closes the Monitor's socket.
func (m *Monitor) Close() error {
	m.stop()
	return m.c.Close()
}
