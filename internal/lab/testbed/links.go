package testbed

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/jsimonetti/rtnetlink/v2/driver"
	"golang.org/x/sys/unix"
)

// Link finds an interface of the host by name.
func (h *Host) Link(name string) (rtnetlink.LinkMessage, error) {
	links, err := h.rtnl.Link.List()
	if err != nil {
		return rtnetlink.LinkMessage{}, fmt.Errorf("host %s: list links: %w", h.Name, err)
	}
	for _, l := range links {
		if l.Attributes != nil && l.Attributes.Name == name {
			return l, nil
		}
	}
	return rtnetlink.LinkMessage{}, fmt.Errorf("host %s: no interface %q", h.Name, name)
}

// LinkIndex is the ifindex of the named interface.
func (h *Host) LinkIndex(name string) (uint32, error) {
	l, err := h.Link(name)
	return l.Index, err
}

// SetLinkUp brings the named interface up.
func (h *Host) SetLinkUp(name string) error { return h.setLinkFlags(name, unix.IFF_UP) }

// SetLinkDown takes the named interface down.
func (h *Host) SetLinkDown(name string) error { return h.setLinkFlags(name, 0) }

func (h *Host) setLinkFlags(name string, flags uint32) error {
	idx, err := h.LinkIndex(name)
	if err != nil {
		return err
	}
	err = h.rtnl.Link.Set(&rtnetlink.LinkMessage{
		Family: unix.AF_UNSPEC, Index: idx, Flags: flags, Change: unix.IFF_UP,
	})
	if err != nil {
		return fmt.Errorf("host %s: set %s up=%t: %w", h.Name, name, flags != 0, err)
	}
	return nil
}

// Veth connects h and peer with a veth pair, named name on h and peerName
// on peer, both left down. A hardware address is set on h's end when mac is
// not nil, so that its EUI-64 interface identifier is predictable.
func (h *Host) Veth(name string, peer *Host, peerName string, mac net.HardwareAddr) error {
	attrs := &rtnetlink.LinkAttributes{
		Name: name,
		Info: &rtnetlink.LinkInfo{
			Kind: "veth",
			Data: &driver.Veth{PeerInfo: &rtnetlink.LinkMessage{
				Family: unix.AF_UNSPEC,
				Attributes: &rtnetlink.LinkAttributes{
					Name:  peerName,
					NetNS: rtnetlink.NetNSForFD(uint32(peer.NSFd())),
				},
			}},
		},
	}
	if mac != nil {
		attrs.Address = mac
	}
	if err := h.rtnl.Link.New(&rtnetlink.LinkMessage{Family: unix.AF_UNSPEC, Attributes: attrs}); err != nil {
		return fmt.Errorf("veth %s:%s - %s:%s: %w", h.Name, name, peer.Name, peerName, err)
	}
	return nil
}

// AddAddr adds an IPv6 address with its prefix length to an interface.
// DAD is skipped (IFA_F_NODAD) since the testbed's addresses are unique by
// construction and DAD would only slow it down.
func (h *Host) AddAddr(ifname string, p netip.Prefix) error {
	idx, err := h.LinkIndex(ifname)
	if err != nil {
		return err
	}
	err = h.rtnl.Address.New(&rtnetlink.AddressMessage{
		Family:       unix.AF_INET6,
		PrefixLength: uint8(p.Bits()),
		Scope:        unix.RT_SCOPE_UNIVERSE,
		Index:        idx,
		Attributes: &rtnetlink.AddressAttributes{
			Address: p.Addr().AsSlice(),
			Flags:   unix.IFA_F_NODAD,
		},
	})
	if err != nil {
		return fmt.Errorf("host %s: add %s to %s: %w", h.Name, p, ifname, err)
	}
	return nil
}

// Addrs lists the IPv6 addresses of an interface that fall in prefix.
func (h *Host) Addrs(ifname string, prefix netip.Prefix) ([]netip.Addr, error) {
	idx, err := h.LinkIndex(ifname)
	if err != nil {
		return nil, err
	}
	msgs, err := h.rtnl.Address.List()
	if err != nil {
		return nil, fmt.Errorf("host %s: list addresses: %w", h.Name, err)
	}
	var out []netip.Addr
	for _, m := range msgs {
		if m.Index != idx || m.Family != unix.AF_INET6 || m.Attributes == nil {
			continue
		}
		a, ok := netip.AddrFromSlice(m.Attributes.Address)
		if ok && prefix.Contains(a) {
			out = append(out, a)
		}
	}
	return out, nil
}

// AddRoute adds an IPv6 route to dst via gw out of ifname in the main
// table; an invalid gw makes it a direct route.
func (h *Host) AddRoute(dst netip.Prefix, gw netip.Addr, ifname string) error {
	return h.addRoute(unix.RT_TABLE_MAIN, dst, gw, ifname)
}

func (h *Host) addRoute(table uint32, dst netip.Prefix, gw netip.Addr, ifname string) error {
	idx, err := h.LinkIndex(ifname)
	if err != nil {
		return err
	}
	msg := &rtnetlink.RouteMessage{
		Family:    unix.AF_INET6,
		DstLength: uint8(dst.Bits()),
		Table:     unix.RT_TABLE_UNSPEC,
		Protocol:  unix.RTPROT_STATIC,
		Scope:     unix.RT_SCOPE_UNIVERSE,
		Type:      unix.RTN_UNICAST,
		Attributes: rtnetlink.RouteAttributes{
			Dst: dst.Addr().AsSlice(), OutIface: idx, Table: table,
		},
	}
	if gw.IsValid() {
		msg.Attributes.Gateway = gw.AsSlice()
	}
	if err := h.rtnl.Route.Add(msg); err != nil {
		return fmt.Errorf("host %s: route %s via %s dev %s table %d: %w", h.Name, dst, gw, ifname, table, err)
	}
	return nil
}

// AddSourceRoute routes packets from src to dst via gw out of ifname: a
// policy rule sends them to a table of their own holding that route.
func (h *Host) AddSourceRoute(table uint32, src, dst netip.Prefix, gw netip.Addr, ifname string) error {
	if err := h.addRoute(table, dst, gw, ifname); err != nil {
		return err
	}
	from := net.IP(src.Addr().AsSlice())
	prio := table
	err := h.rtnl.Rule.Add(&rtnetlink.RuleMessage{
		Family:    unix.AF_INET6,
		SrcLength: uint8(src.Bits()),
		Action:    unix.FR_ACT_TO_TBL,
		Attributes: &rtnetlink.RuleAttributes{
			Src: &from, Table: &table, Priority: &prio,
		},
	})
	if err != nil {
		return fmt.Errorf("host %s: rule from %s table %d: %w", h.Name, src, table, err)
	}
	return nil
}

// LinkStats returns the interface's 64-bit counters.
func (h *Host) LinkStats(ifname string) (rtnetlink.LinkStats64, error) {
	l, err := h.Link(ifname)
	if err != nil {
		return rtnetlink.LinkStats64{}, err
	}
	if l.Attributes.Stats64 == nil {
		return rtnetlink.LinkStats64{}, fmt.Errorf("host %s: %s has no 64-bit stats", h.Name, ifname)
	}
	return *l.Attributes.Stats64, nil
}
