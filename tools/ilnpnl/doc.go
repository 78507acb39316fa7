// Package ilnpnl is a client for the "ilnp" generic netlink family of the
// Linux kernel's ILNP host support (Identifier-Locator Network Protocol,
// RFC 6740-6744), as defined in include/uapi/linux/ilnp.h.
//
// A Client talks to the ILNP Communication Cache (ILCC) of one network
// namespace: it reads and sets the local Node Identifier and the other
// settings (the nonce length, the peer limit), registers and
// removes correspondent peers, dumps the peers and the local locators with
// their counters, reads the namespace's statistics and subscribes to the
// "events" multicast group:
//
//	c, err := ilnpnl.Dial(nil)
//	if err != nil {
//		return err // errors.Is(err, ilnpnl.ErrFamilyNotFound) without CONFIG_IPV6_ILNP
//	}
//	defer c.Close()
//	err = c.AddPeer(ilnpnl.Peer{
//		NID:      0xd250_99ff_fed1_5a0c,
//		Locators: []ilnpnl.Locator{{L64: 0x2001_0002_00dd_00dd}},
//	})
//
// Node Identifiers and Locators are package ilnp's NID and L64, 64-bit
// host integers; the kernel carries them as __be64, the eight octets
// exactly as they appear in an IPv6 address, and this package converts
// them, so that ilnp.NID(0xd250_99ff_fed1_5a0c) is the identifier written
// d250:99ff:fed1:5a0c. IL-Vs are ilnp.ILVs, nonces ilnp.Nonces. Counters
// are host-order u64 attributes.
//
// Mutating requests need CAP_NET_ADMIN in the namespace's user namespace;
// the kernel returns the peers' nonces only to such callers.
package ilnpnl
