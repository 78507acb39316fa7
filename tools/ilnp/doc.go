// Package ilnp holds the names and numbers of ILNP, the
// Identifier-Locator Network Protocol (RFC 6740-6744), that every part of
// this project shares: the Node Identifier (NID), the Locator (L64), the
// Identifier-Locator Vector (IL-V) that joins them into an IPv6 address,
// the nonce of a session, the paper's hosts-file syntax for IL-Vs, and the
// protocol numbers of the Nonce option and the ICMPv6 Locator Update.
//
// It is a leaf: it imports nothing of the project, so that the wire
// formats (tools/wire), the netlink client (tools/ilnpnl), the capture
// checker (tools/ilnpcheck), the commands and the tests all speak of one
// NID type. An IL-V is written as an IPv6 address, the L64 in the upper
// 64 bits and the NID in the lower 64:
//
//	v, err := ilnp.ParseILV("2001:2:dd:dd:d250:99ff:fed1:5a0c")
//	// v.L64 is 2001:2:dd:dd, v.NID is d250:99ff:fed1:5a0c
//	v, err = ilnp.ParseILV("d250-99ff-fed1-5a0c.2001+2+dd+dd") // the same IL-V
//	a := v.Addr() // netip.Addr
//
// # Nonces are secrets
//
// A Nonce prints as a placeholder such as "nonce(32 bits)" with every
// fmt verb (%v, %s, %x, %d, %#v, also inside a struct) and in log/slog
// records, so that a log line cannot leak it by accident: a nonce lets an off-path host forge a session's
// packets. Code that means to show one calls Nonce.Hex. Serialising is
// deliberate too: MarshalText (and so encoding/json) writes the hex
// digits, because the JSON reports that carry nonces (ilnpcheck's, and
// ilnpctl's, which the kernel fills only for CAP_NET_ADMIN callers) exist
// to show them.
package ilnp
