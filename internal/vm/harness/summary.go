package harness

import (
	"fmt"
	"io"
	"strings"
)

// Summary counts the tests of a run of several packages.
type Summary struct {
	Passed, Failed int
}

// String is the closing line that make test repeats and CI reads.
func (s Summary) String() string {
	return fmt.Sprintf("vmtest: %d passed, %d failed", s.Passed, s.Failed)
}

// passed reports whether a top-level test counts as passed: it said PASS
// and none of its subtests was skipped, or it was skipped and skips are
// allowed (never under make test).
func (t TestResult) passed(allowSkip bool) bool {
	switch t.Outcome {
	case Pass:
		return allowSkip || len(t.SkippedSubtests()) == 0
	case Skip:
		return allowSkip
	}
	return false
}

// Summarize counts the top-level tests of the packages as passed or
// failed, and a package that failed with no test counted as failed (a
// build failure, a kernel fault or leak, a non-zero exit, a guest that
// timed out or died: see judge) as one more failure, so that the
// summary never says 0 failed when a package failed.
func Summarize(results []PackageResult, allowSkip bool) Summary {
	var s Summary
	for _, r := range results {
		failedBefore := s.Failed
		for _, t := range r.Tests {
			if t.passed(allowSkip) {
				s.Passed++
			} else {
				s.Failed++
			}
		}
		if !r.Passed() && s.Failed == failedBefore {
			s.Failed++ // the package itself
		}
	}
	return s
}

// Report writes each package's verdict, its tests (with the subtests
// that did not pass) and every reason why it failed.
func Report(w io.Writer, results []PackageResult) {
	for _, r := range results {
		verdict := "PASS"
		if !r.Passed() {
			verdict = "FAIL"
		}
		fmt.Fprintf(w, "%s selftests/%s (%d tests, %.1f s)\n", verdict, r.Package, len(r.Tests), r.Elapsed.Seconds())
		for _, t := range r.Tests {
			fmt.Fprintf(w, "    %s %s\n", t.Outcome, t.Name)
			for _, st := range t.Subtests {
				if st.Outcome != Pass {
					fmt.Fprintf(w, "        %s %s\n", st.Outcome, st.Name)
				}
			}
		}
		if r.Err != nil {
			for _, line := range strings.Split(r.Err.Error(), "\n") {
				fmt.Fprintf(w, "    reason: %s\n", line)
			}
			fmt.Fprintf(w, "    console log: %s\n", r.Log)
		}
	}
}
