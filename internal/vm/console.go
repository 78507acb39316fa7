package vm

import (
	"fmt"
	"regexp"
	"strings"
)

// A Fault is a problem the guest kernel reported on its console.
type Fault struct {
	Kind string // what was matched, e.g. "oops" or "lockdep"
	Line string // the console line, without its trailing newline
}

func (f Fault) String() string { return fmt.Sprintf("%s: %s", f.Kind, f.Line) }

// printkPrefix matches the timestamp that CONFIG_PRINTK_TIME puts in front
// of every kernel console line. Only such lines are judged, so a program
// in the guest that prints "WARNING:" does not fail the run.
var printkPrefix = regexp.MustCompile(`^\[\s*\d+\.\d{6}\]\s`)

// faultPatterns are the kernel reports that fail a run, most specific
// first so that a KASAN report ("BUG: KASAN: ...") is named as such.
var faultPatterns = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"kasan", regexp.MustCompile(`\bKASAN\b`)},
	{"lockdep", regexp.MustCompile(`possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|lock held when returning to user space`)},
	{"ubsan", regexp.MustCompile(`\bUBSAN:`)},
	{"kmemleak", regexp.MustCompile(`kmemleak: \d+ new suspected memory leaks?|unreferenced object 0x`)},
	{"panic", regexp.MustCompile(`Kernel panic - not syncing`)},
	{"oops", regexp.MustCompile(`\bOops\b|general protection fault|BUG: unable to handle|BUG: kernel NULL pointer dereference`)},
	{"bug", regexp.MustCompile(`\bBUG:|kernel BUG at `)},
	{"warning", regexp.MustCompile(`\bWARNING:`)},
	{"hung task", regexp.MustCompile(`blocked for more than \d+ seconds`)},
}

// ScanLine reports whether one console line is a kernel fault report.
func ScanLine(line string) (Fault, bool) {
	loc := printkPrefix.FindStringIndex(line)
	if loc == nil {
		return Fault{}, false
	}
	msg := line[loc[1]:]
	for _, p := range faultPatterns {
		if p.re.MatchString(msg) {
			return Fault{Kind: p.kind, Line: strings.TrimRight(line, "\r\n")}, true
		}
	}
	return Fault{}, false
}

// ScanText returns the faults in a whole console log.
func ScanText(text string) []Fault {
	var faults []Fault
	for _, line := range strings.Split(text, "\n") {
		if f, ok := ScanLine(line); ok {
			faults = append(faults, f)
		}
	}
	return faults
}
