// Package mobility holds the VM selftests of ILNP mobility on the paper's
// testbed: locators learned from Router Advertisements, the Locator Update
// handshake with its retransmission, net.ipv6.disabled_interface, and
// TCP and UDP flows that survive MN moving between networks. The tests
// carry the vmtest build tag and run in the guest.
package mobility
