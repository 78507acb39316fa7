package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpctl/view"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// client is what ilnpctl needs of an *ilnpnl.Client; tests fake it.
type client interface {
	NID() (ilnp.NID, error)
	SetNID(ilnp.NID) error
	Config() (ilnpnl.Config, error)
	SetConfig(ilnpnl.ConfigChange) error
	AddPeer(ilnpnl.Peer) error
	DelPeer(ilnp.NID) error
	Peers() ([]ilnpnl.Peer, error)
	Locators() ([]ilnpnl.Locator, error)
	Stats() (ilnpnl.Stats, error)
	Monitor(context.Context) (events, error)
	Close() error
}

// events is an event subscription, an *ilnpnl.Monitor.
type events interface {
	Next() (ilnpnl.Event, error)
	Close() error
}

// system is how ilnpctl reaches the kernel: the ilnp family and the
// interface names, each in the network namespace of the descriptor nsfd
// (0: ilnpctl's own).
type system struct {
	dial  func(nsfd int) (client, error)
	links func(nsfd int) (map[int]string, error)
}

// kernel adapts *ilnpnl.Client to client.
type kernel struct{ *ilnpnl.Client }

func (k kernel) Monitor(ctx context.Context) (events, error) {
	m, err := k.Client.Monitor(ctx)
	if err != nil {
		return nil, err
	}
	return m, nil
}

func dialKernel(nsfd int) (client, error) {
	c, err := ilnpnl.Dial(&ilnpnl.Options{NetNS: nsfd})
	if err != nil {
		return nil, err
	}
	return kernel{c}, nil
}

// linkNames lists the interfaces of a namespace by index.
func linkNames(nsfd int) (map[int]string, error) {
	c, err := rtnetlink.Dial(&netlink.Config{NetNS: nsfd})
	if err != nil {
		return nil, fmt.Errorf("list interfaces: %w", err)
	}
	defer c.Close()
	links, err := c.Link.List()
	if err != nil {
		return nil, fmt.Errorf("list interfaces: %w", err)
	}
	names := make(map[int]string, len(links))
	for _, l := range links {
		if l.Attributes != nil {
			names[int(l.Index)] = l.Attributes.Name
		}
	}
	return names, nil
}

// session is one command's connection to the kernel.
type session struct {
	client
	ns  *os.File // the namespace from -n; nil for ilnpctl's own
	sys system
}

// open enters the namespace of -n, if any, and dials the ilnp family.
func (a *app) open() (*session, error) {
	s := &session{sys: a.sys}
	if a.netns != "" {
		path := a.netns
		if !strings.Contains(path, "/") {
			path = filepath.Join("/run/netns", path)
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("network namespace %s: %w", a.netns, errors.Unwrap(err))
		}
		s.ns = f
	}
	c, err := a.sys.dial(s.nsfd())
	if err != nil {
		s.closeNS()
		return nil, err
	}
	s.client = c
	return s, nil
}

// withSession runs fn in a session of its own, closed after.
func (a *app) withSession(fn func(*session) error) error {
	s, err := a.open()
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}

func (s *session) nsfd() int {
	if s.ns == nil {
		return 0
	}
	return int(s.ns.Fd())
}

func (s *session) closeNS() {
	if s.ns != nil {
		s.ns.Close()
	}
}

// ifnames returns a function that names interfaces of the session's
// namespace, listing them again when it meets an index it does not know
// (a monitor runs while interfaces come and go).
func (s *session) ifnames() (view.Ifname, error) {
	names, err := s.sys.links(s.nsfd())
	if err != nil {
		return nil, err
	}
	return func(i int) string {
		if _, ok := names[i]; !ok {
			if fresh, err := s.sys.links(s.nsfd()); err == nil {
				names = fresh
			}
		}
		return ifnameFrom(names)(i)
	}, nil
}

func (s *session) Close() error {
	err := s.client.Close()
	s.closeNS()
	return err
}
