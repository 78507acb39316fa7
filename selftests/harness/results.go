// Package harness runs the VM selftests: it compiles each guest-side test
// package (build tag vmtest) with `go test -c`, boots the project's kernel
// once per package with the qemu package, runs the test binary in the guest
// and judges the outcome from the exit status, the kernel console and the
// test binary's -test.v output.
package harness

import (
	"bufio"
	"io"
	"regexp"
	"strings"
)

// Outcome is what a test reported.
type Outcome string

// Outcomes of go test -v's "--- PASS: Name (1.00s)" lines.
const (
	Pass Outcome = "PASS"
	Fail Outcome = "FAIL"
	Skip Outcome = "SKIP"
)

// TestResult is one top-level test of a package.
type TestResult struct {
	Name    string
	Outcome Outcome
}

// resultLine matches go test -v's verdict lines; subtests are indented, so
// the leading blanks tell the level.
var resultLine = regexp.MustCompile(`^( *)--- (PASS|FAIL|SKIP): (\S+)`)

// ParseResults reads a console log and returns the top-level tests that
// reported a verdict, in order. Kernel and other output in between is
// ignored; a line that the console split is not recognised.
func ParseResults(r io.Reader) ([]TestResult, error) {
	var out []TestResult
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		m := resultLine.FindStringSubmatch(strings.TrimRight(sc.Text(), "\r"))
		if m == nil || m[1] != "" {
			continue
		}
		out = append(out, TestResult{Name: m[3], Outcome: Outcome(m[2])})
	}
	return out, sc.Err()
}
