// Package sysctl holds the VM selftests of the per-namespace ILNP sysctls
// net.ipv6.handoff_mode, net.ipv6.disabled_interface and
// net.ipv6.ilnp_nid_checksum. The tests carry the vmtest build tag: they
// change the machine's namespaces and need the patched kernel, so they
// run only in the guest (make selftests).
package sysctl
