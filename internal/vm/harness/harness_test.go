package harness

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/internal/vm"
)

// fakeModule writes a Go module with the selftest packages given (name
// -> source of its one test file) under selftests/, for RunPackage to
// build; the fake QEMU does not run the binary.
func fakeModule(t *testing.T, pkgs map[string]string) string {
	t.Helper()
	root := t.TempDir()
	write(t, filepath.Join(root, "go.mod"), "module example.com/fake\n\ngo 1.26\n")
	for name, src := range pkgs {
		write(t, filepath.Join(root, "selftests", name, filepath.Base(name)+"_test.go"), src)
	}
	return root
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

const vmtestSource = `//go:build vmtest

package fake

import "testing"

func TestDefaults(t *testing.T) {}
`

// TestRunPackageVerdicts runs the harness end to end on a stand-in for
// QEMU (testdata/fake-qemu.sh) that replays a recorded console and
// leaves the exit status and the kmemleak report as the guest would:
// every way a package can fail must fail it and count in the summary,
// also when every test said PASS.
func TestRunPackageVerdicts(t *testing.T) {
	root := fakeModule(t, map[string]string{"lab/fake": vmtestSource})
	kernel := filepath.Join(t.TempDir(), "bzImage")
	write(t, kernel, "")
	qemu, err := filepath.Abs(filepath.Join("..", "testdata", "fake-qemu.sh"))
	if err != nil {
		t.Fatal(err)
	}
	kmemleakDir, err := filepath.Abs(filepath.Join("..", "testdata", "kmemleak"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		console  string // in testdata/console
		status   string // the test binary's exit status; "" for none
		kmemleak string // in ../testdata/kmemleak; "" for a kernel without kmemleak
		pass     bool
		reason   string // in the failure's reason
		summary  Summary
	}{
		{"every test PASS", "pass.txt", "0", "", true, "", Summary{4, 0}},
		{"WARNING on the console, every test PASS", "warning-pass.txt", "0", "", false, "WARNING: CPU: 7", Summary{4, 1}},
		{"a subtest skipped", "skipped-subtest.txt", "0", "", false, `TestBadWritesKeepOldValue/net.ipv6.disabled_interface="."`, Summary{3, 1}},
		{"test binary timed out inside a test", "no-verdict.txt", "2", "", false, "without a verdict (the test binary ended inside): TestBadWritesKeepOldValue", Summary{2, 1}},
		{"exit status 1, every test PASS", "pass.txt", "1", "", false, "status 1", Summary{4, 1}},
		{"guest ended without an exit status", "pass.txt", "", "", false, "exit status", Summary{4, 1}},
		{"kmemleak: an object from ILNP code", "pass.txt", "0", "ilnp.txt", false, "ilnp_lu_send", Summary{4, 1}},
		{"kmemleak: objects from other code only", "pass.txt", "0", "other.txt", true, "", Summary{4, 0}},
		{"kmemleak: nothing unreferenced", "pass.txt", "0", "empty.txt", true, "", Summary{4, 0}},
	}
	out := t.TempDir() // one test binary for all: it is built, never run
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			console, err := filepath.Abs(filepath.Join("testdata", "console", tt.console))
			if err != nil {
				t.Fatal(err)
			}
			t.Setenv("FAKE_CONSOLE", console)
			t.Setenv("FAKE_STATUS", tt.status)
			leaks := ""
			if tt.kmemleak != "" {
				leaks = filepath.Join(kmemleakDir, tt.kmemleak)
			}
			t.Setenv("FAKE_KMEMLEAK", leaks)
			cfg := Config{
				Root: root, Kernel: kernel, OutDir: out, Timeout: time.Minute,
				Output: io.Discard, QEMU: qemu,
			}
			r := RunPackage(context.Background(), cfg, "lab/fake")
			if r.Passed() != tt.pass {
				t.Errorf("passed = %v, want %v (reason: %v)", r.Passed(), tt.pass, r.Err)
			}
			if tt.reason != "" && (r.Err == nil || !strings.Contains(r.Err.Error(), tt.reason)) {
				t.Errorf("reason %v, want one naming %q", r.Err, tt.reason)
			}
			if got := Summarize([]PackageResult{r}, false); got != tt.summary {
				t.Errorf("summary %q, want %q", got, tt.summary)
			}
		})
	}
}

// TestRunPackageUnreadableConsole: a console line too long to scan
// could hide the verdicts after it, so it fails the package.
func TestRunPackageUnreadableConsole(t *testing.T) {
	root := fakeModule(t, map[string]string{"fake": vmtestSource})
	dir := t.TempDir()
	kernel, console := filepath.Join(dir, "bzImage"), filepath.Join(dir, "console.txt")
	write(t, kernel, "")
	write(t, console, "=== RUN   TestA\n--- PASS: TestA (0.00s)\n"+strings.Repeat("x", 2<<20)+"\n=== RUN   TestB\n    --- SKIP: TestB/x (0.00s)\n--- PASS: TestB (0.00s)\n")
	qemu, err := filepath.Abs(filepath.Join("..", "testdata", "fake-qemu.sh"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAKE_CONSOLE", console)
	t.Setenv("FAKE_STATUS", "0")
	t.Setenv("FAKE_KMEMLEAK", "")
	r := RunPackage(context.Background(), Config{Root: root, Kernel: kernel, OutDir: t.TempDir(), Timeout: time.Minute, Output: io.Discard, QEMU: qemu}, "fake")
	if r.Passed() || !strings.Contains(r.Err.Error(), "not read to its end") {
		t.Errorf("passed %v, reason %v; want a failure for the unreadable console", r.Passed(), r.Err)
	}
	if got, want := Summarize([]PackageResult{r}, false), (Summary{1, 1}); got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}

// TestRunPackageBuildFailure: a package that does not compile fails and
// counts as one failure.
func TestRunPackageBuildFailure(t *testing.T) {
	root := fakeModule(t, map[string]string{"broken": "//go:build vmtest\n\npackage broken\n\nfunc TestX(t *testing.T) {}\n"})
	kernel := filepath.Join(t.TempDir(), "bzImage")
	write(t, kernel, "")
	r := RunPackage(context.Background(), Config{Root: root, Kernel: kernel, OutDir: t.TempDir(), Timeout: time.Minute, Output: io.Discard}, "broken")
	if r.Passed() || r.Err == nil || !strings.Contains(r.Err.Error(), "build") {
		t.Errorf("a package that does not build: passed %v, reason %v", r.Passed(), r.Err)
	}
	if got, want := Summarize([]PackageResult{r}, false), (Summary{0, 1}); got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}

// TestJudgeGuestErrors: when the runner gives no exit status (timeout,
// QEMU failed, no status), the package fails whatever its tests said,
// and the summary counts it.
func TestJudgeGuestErrors(t *testing.T) {
	passed := []TestResult{{Name: "TestA", Outcome: Pass}, {Name: "TestB", Outcome: Pass}}
	for _, runErr := range []error{
		fmt.Errorf("%w after 21m0s", vm.ErrTimeout),
		vm.ErrNoStatus,
		fmt.Errorf("qemu: exit status 1"),
	} {
		t.Run(runErr.Error(), func(t *testing.T) {
			err := judge(passed, &vm.Result{}, runErr, false)
			if err == nil {
				t.Fatal("passed")
			}
			r := PackageResult{Package: "p", Tests: passed, Err: err}
			if got, want := Summarize([]PackageResult{r}, false), (Summary{2, 1}); got != want {
				t.Errorf("summary %q, want %q", got, want)
			}
		})
	}
}

// TestSummarizeSeveralPackages: counts add up over packages; skips pass
// only with allowSkip.
func TestSummarizeSeveralPackages(t *testing.T) {
	results := []PackageResult{
		{Package: "a", Tests: []TestResult{{Name: "TestA", Outcome: Pass}}},
		{Package: "b", Tests: []TestResult{{Name: "TestB", Outcome: Fail}, {Name: "TestC", Outcome: Pass}}, Err: fmt.Errorf("failed: TestB")},
		{Package: "c", Err: fmt.Errorf("build: exit status 1")},
		{Package: "d", Tests: []TestResult{{Name: "TestD", Outcome: Skip}}},
	}
	if got, want := Summarize(results, false), (Summary{2, 3}); got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if got, want := Summarize(results, true), (Summary{3, 2}); got != want {
		t.Errorf("with skips allowed: summary %q, want %q", got, want)
	}
	if got, want := (Summary{17, 1}).String(), "vmtest: 17 passed, 1 failed"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// TestReport: a failed package is listed with every reason, one a line,
// and the subtests that did not pass under their test.
func TestReport(t *testing.T) {
	var out strings.Builder
	Report(&out, []PackageResult{
		{Package: "sysctl", Tests: []TestResult{{Name: "TestDefaults", Outcome: Pass}}, Elapsed: 2 * time.Second},
		{Package: "multihoming", Log: "build/selftests/multihoming.console.log", Elapsed: 90 * time.Second,
			Tests: []TestResult{{Name: "TestSharing", Outcome: Pass, Subtests: []SubtestResult{{"TestSharing/up", Pass}, {"TestSharing/down", Skip}}}},
			Err:   judge([]TestResult{{Name: "TestSharing", Outcome: Pass, Subtests: []SubtestResult{{"TestSharing/down", Skip}}}}, &vm.Result{ExitCode: 1}, nil, false)},
	})
	want := `PASS selftests/sysctl (1 tests, 2.0 s)
    PASS TestDefaults
FAIL selftests/multihoming (1 tests, 90.0 s)
    PASS TestSharing
        SKIP TestSharing/down
    reason: test binary exited with status 1
    reason: skipped (a skipped VM test or subtest is not a pass): TestSharing/down
    console log: build/selftests/multihoming.console.log
`
	if out.String() != want {
		t.Errorf("Report wrote\n%s\nwant\n%s", out.String(), want)
	}
}
