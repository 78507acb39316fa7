// Package teardown holds the VM selftest of ILNP's per-namespace state
// going away under load (issue 11, item 6): namespaces with a thousand
// sessions whose Locator Updates are pending are deleted while traffic
// flows into them, several times over. The kernel must report nothing
// (on the debug kernel: no use-after-free, no leak, no lockdep splat).
// The tests carry the vmtest build tag and run in the guest.
package teardown
