// Package testbed holds the VM selftests of the paper's testbed itself
// (internal/lab/testbed) in plain IPv6: SLAAC with the paper's timers
// and settings, and traffic over each access network in turn. The tests
// carry the vmtest build tag: they build network namespaces and run only
// in the guest (make selftests).
package testbed
