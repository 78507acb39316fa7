package vm

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// A Leak is one unreferenced object of a kmemleak report
// (/sys/kernel/debug/kmemleak, printed by print_unreferenced() in
// mm/kmemleak.c).
type Leak struct {
	Object    string   // the object's address as printed
	Size      int      // octets
	Comm      string   // the task that allocated it
	PID       int      // and its pid
	Backtrace []string // allocation frames, innermost first: "ilnp_lu_send+0x5a/0x340"
	Text      string   // the report's lines for this object
}

// ilnpSymbol matches a function of the ILNP series: "ilnp" as a word of
// an underscore-separated name (ilnp_lu_send, ipv6_dest_ilnp_nonce).
var ilnpSymbol = regexp.MustCompile(`(^|_)ilnp(_|$)`)

// ILNPFrames returns the frames of the backtrace that are in ILNP code.
func (l Leak) ILNPFrames() []string {
	var out []string
	for _, f := range l.Backtrace {
		if ilnpSymbol.MatchString(frameSymbol(f)) {
			out = append(out, f)
		}
	}
	return out
}

// frameSymbol returns the function name of a frame, without offset,
// length and module: "ilnp_lu_send+0x5a/0x340 [ilnp]" -> "ilnp_lu_send".
func frameSymbol(frame string) string {
	sym, _, _ := strings.Cut(frame, "+")
	sym, _, _ = strings.Cut(sym, " ")
	return sym
}

// KmemleakReport is what the guest read from kmemleak after the command.
type KmemleakReport struct {
	Leaks []Leak
	// Err says why the guest could not scan or read kmemleak (for
	// example, kmemleak disabled itself after an internal error): then
	// the kernel's leaks are unknown.
	Err string
}

// ILNPLeaks returns the leaks with a frame in ILNP code.
func (r *KmemleakReport) ILNPLeaks() []Leak {
	var out []Leak
	for _, l := range r.Leaks {
		if len(l.ILNPFrames()) > 0 {
			out = append(out, l)
		}
	}
	return out
}

// Check fails a run whose report has an unreferenced object with ILNP
// code in its allocation backtrace, or that kmemleak could not scan; a
// nil report (no kmemleak in the kernel) passes. Objects allocated
// elsewhere are printed and counted (Print) but do not fail the run:
// they come from the base kernel (boot-time allocations, kmemleak's
// known false positives), which this project does not change, and a leak
// that the series causes shows an ILNP caller in the backtrace whenever
// ILNP code made the allocation. (One it causes by not freeing what core
// code allocated does not: such objects are among those printed.)
func (r *KmemleakReport) Check() error {
	switch {
	case r == nil:
		return nil
	case r.Err != "":
		return fmt.Errorf("kmemleak could not scan, so the kernel's leaks are unknown: %s", r.Err)
	}
	leaks := r.ILNPLeaks()
	if len(leaks) == 0 {
		return nil
	}
	l := leaks[0]
	return fmt.Errorf("kmemleak: %d unreferenced object(s) allocated by ILNP code, first %s (size %d, comm %q) from %s",
		len(leaks), l.Object, l.Size, l.Comm, strings.Join(l.ILNPFrames(), " < "))
}

// Summary is one line: how many unreferenced objects, how many of them
// from ILNP code.
func (r *KmemleakReport) Summary() string {
	if r.Err != "" {
		return "kmemleak: " + r.Err
	}
	return fmt.Sprintf("kmemleak: %d unreferenced object(s), %d with ILNP frames", len(r.Leaks), len(r.ILNPLeaks()))
}

// Print writes the summary and every leak's lines.
func (r *KmemleakReport) Print(w io.Writer) {
	fmt.Fprintf(w, "=== %s\n", r.Summary())
	for _, l := range r.Leaks {
		io.WriteString(w, l.Text)
		if f := l.ILNPFrames(); len(f) > 0 {
			fmt.Fprintf(w, "  (ILNP frames: %s)\n", strings.Join(f, ", "))
		}
	}
}

var (
	leakHead  = regexp.MustCompile(`^unreferenced object (0x[0-9a-f]+) \(size (\d+)\):`)
	leakComm  = regexp.MustCompile(`^\s+comm "(.*)", pid (\d+)`)
	leakFrame = regexp.MustCompile(`^\s+(?:\[<[0-9a-fx]+>\]\s+)?(\S.*?)\s*$`)
)

// ParseKmemleak reads a kmemleak report: a sequence of objects, each
//
//	unreferenced object 0xffff888004a3b000 (size 256):
//	  comm "ip", pid 231, jiffies 4294893108 (age 12.504s)
//	  hex dump (first 32 bytes):
//	    00 00 ...  ................
//	  backtrace:
//	    [<00000000c1e0c3a4>] __kmalloc+0x49/0x150
//	    [<000000009b1d5e7f>] ilnp_lu_send+0x5a/0x340
//
// (the "[<...>]" addresses are optional, so that a report decoded by
// scripts/decode_stacktrace.sh reads too). An empty report has no leaks.
func ParseKmemleak(r io.Reader) ([]Leak, error) {
	var leaks []Leak
	var cur *Leak
	var text strings.Builder
	inTrace := false
	end := func() {
		if cur != nil {
			cur.Text = text.String()
			leaks = append(leaks, *cur)
		}
		cur, inTrace = nil, false
		text.Reset()
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if m := leakHead.FindStringSubmatch(line); m != nil {
			end()
			size, _ := strconv.Atoi(m[2])
			cur = &Leak{Object: m[1], Size: size}
			text.WriteString(line + "\n")
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		if cur == nil {
			return leaks, fmt.Errorf("kmemleak report line %d: %q is not inside an object", n, line)
		}
		text.WriteString(line + "\n")
		switch trimmed := strings.TrimSpace(line); {
		case strings.HasPrefix(trimmed, "backtrace"):
			inTrace = true
		case strings.HasPrefix(trimmed, "hex dump"):
			inTrace = false
		case inTrace:
			if m := leakFrame.FindStringSubmatch(line); m != nil {
				cur.Backtrace = append(cur.Backtrace, m[1])
			}
		default:
			if m := leakComm.FindStringSubmatch(line); m != nil {
				cur.Comm = m[1]
				cur.PID, _ = strconv.Atoi(m[2])
			}
		}
	}
	end()
	return leaks, sc.Err()
}

// readKmemleak reads what guest-init.sh left in the run directory: the
// report in "kmemleak", or why there is none in "kmemleak.err". Neither
// means the kernel has no kmemleak: nil.
func readKmemleak(runDir string) (*KmemleakReport, error) {
	if b, err := os.ReadFile(filepath.Join(runDir, "kmemleak.err")); err == nil {
		return &KmemleakReport{Err: strings.TrimSpace(string(b))}, nil
	}
	f, err := os.Open(filepath.Join(runDir, "kmemleak"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("vm: kmemleak report: %w", err)
	}
	defer f.Close()
	leaks, err := ParseKmemleak(f)
	if err != nil {
		return nil, fmt.Errorf("vm: %w", err)
	}
	return &KmemleakReport{Leaks: leaks}, nil
}
