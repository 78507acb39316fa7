// Package sessions holds the VM selftests of ILNP sessions on the wire:
// the nonce option on every packet, NID-only checksums, forged nonces,
// the fallback to plain IPv6 and the privileges of the ilnp netlink
// family. The tests carry the vmtest build tag and run in the guest.
package sessions
