// Package fuzz holds the VM selftests that fuzz ILNP (internal/lab/fuzz)
// for a fixed budget (FUZZ_SECONDS, default 30 s per fuzzer; FUZZ_SEED
// repeats a run): mutated packets from the off-path host EE at MN and CN
// while they have live sessions, and mutated requests to the ilnp
// generic netlink family as root (in a namespace of its own), as nobody
// (in MN's namespace) and as the root of a user namespace. A run passes
// when the kernel reports nothing, every request is answered, and the
// sessions work afterwards. The tests carry the vmtest build tag and run
// in the guest.
package fuzz
