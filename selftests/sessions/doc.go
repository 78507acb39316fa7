// Package sessions holds the VM selftests of ILNP sessions on the wire:
// the nonce option on every packet (of 32 bits, and of 96 as set with
// ilnpctl config set), transport checksums under each rule
// (IPv6's by default, RFC 6740's NID-only one under
// net.ipv6.ilnp_nid_checksum), forged nonces, the fallback to plain IPv6
// and the privileges of the ilnp netlink family. The tests carry the vmtest build tag and run in the guest.
package sessions
