// Package paths holds the VM selftests of ILNP multihoming over paths
// that are not the paper's: unequal links (rate and delay) and a path
// that fails silently (its router drops MN's traffic while the link
// stays up and advertised), each measured against plain IPv6 on one
// link and against MPTCP on the same testbed (internal/lab/mptcp). Each
// test runs in one boot and prints its figures as a table.
//
// TestSilentFailure carries the vmtest build tag and runs in make test.
// TestUnequalPaths asserts the bounds for unequal paths, which
// the kernel's equal-share round-robin does not meet yet; until it does,
// it carries the vmbench tag and runs in make bench, which prints its
// figures and fails with it.
package paths
