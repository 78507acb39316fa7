// Package harness runs the VM selftests: it finds the guest-side test
// packages under selftests/ (build tag vmtest, or vmbench for the
// benchmarks), compiles each with `go test -c`, boots the project's
// kernel once per package with the vm package, runs the test binary in
// the guest and judges the outcome from the exit status, the kernel
// console, kmemleak's report and the test binary's -test.v output, and
// counts the tests for the closing line `vmtest: N passed, M failed`.
package harness
