// Package names holds the VM selftests of ILNP names in the DNS (RFC
// 6742) on the paper's testbed with a real BIND 9 beside it
// (internal/lab/dnsserver): peers registered by name with `ilnpctl peer
// add NAME`, and a mobile server, CN, that keeps its L64 records current
// with `ilnpctl dns publish` (RFC 2136 with TSIG) while it moves from dd
// to ff and back, with the DNS server stopped during a move. The tests
// carry the vmtest build tag and run in the guest.
package names
