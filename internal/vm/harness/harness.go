package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ilnp-linux/ilnp/internal/vm"
)

// Config says what to run and where.
type Config struct {
	Root      string        // project checkout (absolute)
	Kernel    string        // kernel image (absolute)
	OutDir    string        // where test binaries and console logs go
	Run       string        // -test.run filter; empty runs all
	Timeout   time.Duration // per package, guest boot included
	AllowSkip bool          // count skipped tests as passed (never under make test)
	Tags      string        // build tags of the guest-side tests; default vmtest
	Env       []string      // KEY=value added to the guest tests' environment
	Output    io.Writer     // progress and the guest console
	QEMU      string        // QEMU binary; default qemu-system-x86_64 (tests use a fake)
}

// PackageResult is the outcome of one package's guest run.
type PackageResult struct {
	Package string
	Tests   []TestResult
	Log     string        // console log file
	Elapsed time.Duration // build and run
	Err     error         // why the package failed, nil if it passed
}

// Passed is true when the package passed: judge found nothing wrong.
func (r PackageResult) Passed() bool { return r.Err == nil }

// RunPackage compiles selftests/<pkg> for the guest and runs it in one boot.
func RunPackage(ctx context.Context, cfg Config, pkg string) PackageResult {
	start := time.Now()
	res := PackageResult{Package: pkg, Log: filepath.Join(cfg.OutDir, fileName(pkg)+".console.log")}
	res.Err = runPackage(ctx, cfg, pkg, &res)
	res.Elapsed = time.Since(start)
	return res
}

func runPackage(ctx context.Context, cfg Config, pkg string, res *PackageResult) error {
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	bin := filepath.Join(cfg.OutDir, fileName(pkg)+".test")
	tags := cfg.Tags
	if tags == "" {
		tags = "vmtest"
	}
	build := exec.CommandContext(ctx, "go", "test", "-c", "-tags", tags, "-o", bin, "./selftests/"+pkg)
	build.Dir = cfg.Root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}

	logf, err := os.Create(res.Log)
	if err != nil {
		return fmt.Errorf("console log: %w", err)
	}
	defer logf.Close()

	args := []string{bin, "-test.v", "-test.timeout=" + cfg.Timeout.String()}
	if cfg.Run != "" {
		args = append(args, "-test.run="+shellQuote(cfg.Run))
	}
	qres, err := vm.Run(ctx, vm.Config{
		QEMU:    cfg.QEMU,
		Kernel:  cfg.Kernel,
		Share:   cfg.Root,
		Timeout: cfg.Timeout + time.Minute, // the test binary's own timeout fires first
		Command: strings.Join(args, " "),
		Dir:     filepath.Join(cfg.Root, "selftests", pkg),
		Env:     append([]string{"ILNP_ROOT=" + cfg.Root, "ILNP_SELFTEST=1"}, cfg.Env...),
		Console: io.MultiWriter(cfg.Output, logf),
	})
	if serr := logf.Sync(); serr != nil {
		return fmt.Errorf("console log: %w", serr)
	}
	if _, serr := logf.Seek(0, io.SeekStart); serr != nil {
		return fmt.Errorf("console log: %w", serr)
	}
	// A console that cannot be read to its end may hide a verdict.
	tests, perr := ParseResults(logf)
	res.Tests = tests
	if perr != nil {
		perr = fmt.Errorf("console log %s not read to its end: %w", res.Log, perr)
	}
	return errors.Join(judge(res.Tests, qres, err, cfg.AllowSkip), perr)
}

// judge decides a package's verdict from its guest run: the tests'
// verdicts, the runner's result and error. It returns nil when the
// package passed, else every reason why it did not, one per line. The
// package fails when the guest gave no exit status (no boot, a crash, a
// timeout), the kernel reported a fault on the console, kmemleak found an
// unreferenced object allocated in ILNP code (or could not scan), the
// test binary exited non-zero, a test failed or started without a
// verdict, no test ran, or a test or subtest was skipped (unless
// allowSkip).
func judge(tests []TestResult, qres *vm.Result, runErr error, allowSkip bool) error {
	var reasons []error
	if runErr != nil {
		reasons = append(reasons, fmt.Errorf("guest: %w", runErr))
	}
	if qres != nil {
		if n := len(qres.Faults); n > 0 {
			reasons = append(reasons, fmt.Errorf("kernel reported %d fault(s), first: %s", n, qres.Faults[0]))
		}
		if err := qres.Kmemleak.Check(); err != nil {
			reasons = append(reasons, err)
		}
		if runErr == nil && qres.ExitCode != 0 {
			reasons = append(reasons, fmt.Errorf("test binary exited with status %d", qres.ExitCode))
		}
	}
	var failed, noVerdict, skipped []string
	for _, t := range tests {
		switch t.Outcome {
		case Fail:
			failed = append(failed, t.Name)
		case NoVerdict:
			noVerdict = append(noVerdict, t.Name)
		case Skip:
			skipped = append(skipped, t.Name)
		}
		skipped = append(skipped, t.SkippedSubtests()...)
	}
	if len(failed) > 0 {
		reasons = append(reasons, fmt.Errorf("failed: %s", strings.Join(failed, " ")))
	}
	if len(noVerdict) > 0 {
		reasons = append(reasons, fmt.Errorf("started without a verdict (the test binary ended inside): %s", strings.Join(noVerdict, " ")))
	}
	if len(tests) == 0 && runErr == nil {
		reasons = append(reasons, errors.New("no test ran"))
	}
	if len(skipped) > 0 && !allowSkip {
		reasons = append(reasons, fmt.Errorf("skipped (a skipped VM test or subtest is not a pass): %s", strings.Join(skipped, " ")))
	}
	return errors.Join(reasons...)
}

// fileName turns a package path under selftests/ into a file name:
// "lab/deep" -> "lab-deep".
func fileName(pkg string) string { return strings.ReplaceAll(pkg, "/", "-") }

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
