package harness

import (
	"bufio"
	"io"
	"regexp"
	"strings"
)

// Outcome is what a test reported.
type Outcome string

// Outcomes of go test -v's "--- PASS: Name (1.00s)" lines, and of a test
// that started ("=== RUN   Name") but never reported one: the binary
// ended under it (a panic, -test.timeout, the guest gone).
const (
	Pass      Outcome = "PASS"
	Fail      Outcome = "FAIL"
	Skip      Outcome = "SKIP"
	NoVerdict Outcome = "NO VERDICT"
)

// TestResult is one top-level test of a package with its subtests'
// verdicts.
type TestResult struct {
	Name     string
	Outcome  Outcome
	Subtests []SubtestResult
}

// SubtestResult is one subtest at any depth: "TestSharing/down".
type SubtestResult struct {
	Name    string
	Outcome Outcome
}

// SkippedSubtests returns the names of the subtests that were skipped.
func (t TestResult) SkippedSubtests() []string {
	var out []string
	for _, s := range t.Subtests {
		if s.Outcome == Skip {
			out = append(out, s.Name)
		}
	}
	return out
}

var (
	// resultLine matches go test -v's verdict lines; a subtest's is
	// indented by four blanks a level and printed after its parent's.
	resultLine = regexp.MustCompile(`^( *)--- (PASS|FAIL|SKIP): (\S+)`)
	runLine    = regexp.MustCompile(`^=== RUN   (\S+)`)
)

// ParseResults reads a console log and returns the top-level tests in
// the order they reported, each with the subtests listed under it, then
// the top-level tests that started but reported no verdict (NoVerdict).
// Kernel and other output in between is ignored; a line that the
// console split is not recognised.
func ParseResults(r io.Reader) ([]TestResult, error) {
	var out []TestResult
	started := map[string]bool{}
	var order []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if m := runLine.FindStringSubmatch(line); m != nil {
			if !strings.Contains(m[1], "/") && !started[m[1]] {
				started[m[1]] = true
				order = append(order, m[1])
			}
			continue
		}
		m := resultLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name, outcome := m[3], Outcome(m[2])
		top, _, nested := strings.Cut(name, "/")
		switch {
		case m[1] == "" && !nested:
			out = append(out, TestResult{Name: name, Outcome: outcome})
			delete(started, name)
		case m[1] != "" && nested && len(out) > 0 && out[len(out)-1].Name == top:
			// A subtest's line follows its top-level test's; an
			// indented line of a test's own log output does not
			// name one of its subtests.
			last := &out[len(out)-1]
			last.Subtests = append(last.Subtests, SubtestResult{Name: name, Outcome: outcome})
		}
	}
	for _, name := range order {
		if started[name] {
			out = append(out, TestResult{Name: name, Outcome: NoVerdict})
		}
	}
	return out, sc.Err()
}
