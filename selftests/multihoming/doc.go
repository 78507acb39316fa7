// Package multihoming holds the VM selftests of ILNP multihoming on the
// paper's testbed: one flow spread over all of MN's networks by
// per-packet deficit round-robin, the aggregate throughput of several
// links, and the paper's mobility-multihoming duality procedure with UDP
// and TCP flows in both directions. The tests carry the vmtest build tag
// and run in the guest.
package multihoming
