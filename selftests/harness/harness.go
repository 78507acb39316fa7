package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ilnp-linux/ilnp/qemu"
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
}

// PackageResult is the outcome of one package's guest run.
type PackageResult struct {
	Package string
	Tests   []TestResult
	Log     string        // console log file
	Elapsed time.Duration // build and run
	Err     error         // why the package failed, nil if it passed
}

// Passed is true when every test passed (or was skipped and skips are allowed).
func (r PackageResult) Passed() bool { return r.Err == nil }

// Packages lists the guest-side selftest packages: directories under
// selftests/ with a test file built only with the vmtest tag.
func Packages(root string) ([]string, error) {
	dirs, err := os.ReadDir(filepath.Join(root, "selftests"))
	if err != nil {
		return nil, fmt.Errorf("selftests: %w", err)
	}
	var pkgs []string
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(root, "selftests", d.Name(), "*_test.go"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			if bytes.HasPrefix(b, []byte("//go:build vmtest")) {
				pkgs = append(pkgs, d.Name())
				break
			}
		}
	}
	return pkgs, nil
}

// RunPackage compiles selftests/<pkg> for the guest and runs it in one boot.
func RunPackage(ctx context.Context, cfg Config, pkg string) PackageResult {
	start := time.Now()
	res := PackageResult{Package: pkg, Log: filepath.Join(cfg.OutDir, pkg+".console.log")}
	res.Err = runPackage(ctx, cfg, pkg, &res)
	res.Elapsed = time.Since(start)
	return res
}

func runPackage(ctx context.Context, cfg Config, pkg string, res *PackageResult) error {
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return err
	}
	bin := filepath.Join(cfg.OutDir, pkg+".test")
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
		return err
	}
	defer logf.Close()

	args := []string{bin, "-test.v", "-test.timeout=" + cfg.Timeout.String()}
	if cfg.Run != "" {
		args = append(args, "-test.run="+shellQuote(cfg.Run))
	}
	qres, err := qemu.Run(ctx, qemu.Config{
		Kernel:  cfg.Kernel,
		Init:    filepath.Join(cfg.Root, "qemu", "guest-init.sh"),
		Share:   cfg.Root,
		Timeout: cfg.Timeout + time.Minute, // the test binary's own timeout fires first
		Command: strings.Join(args, " "),
		Dir:     filepath.Join(cfg.Root, "selftests", pkg),
		Env:     append([]string{"ILNP_ROOT=" + cfg.Root, "ILNP_SELFTEST=1"}, cfg.Env...),
		Console: io.MultiWriter(cfg.Output, logf),
	})
	if serr := logf.Sync(); serr != nil {
		return serr
	}
	if _, serr := logf.Seek(0, io.SeekStart); serr != nil {
		return serr
	}
	res.Tests, _ = ParseResults(logf)

	switch {
	case err != nil:
		return fmt.Errorf("guest: %w", err)
	case len(qres.Faults) > 0:
		return fmt.Errorf("kernel reported %d fault(s), first: %s", len(qres.Faults), qres.Faults[0])
	}
	var failed, skipped []string
	for _, t := range res.Tests {
		switch t.Outcome {
		case Fail:
			failed = append(failed, t.Name)
		case Skip:
			skipped = append(skipped, t.Name)
		}
	}
	switch {
	case len(failed) > 0:
		return fmt.Errorf("failed: %s", strings.Join(failed, " "))
	case qres.ExitCode != 0:
		return fmt.Errorf("test binary exited with status %d", qres.ExitCode)
	case len(res.Tests) == 0:
		return errors.New("no test ran")
	case len(skipped) > 0 && !cfg.AllowSkip:
		return fmt.Errorf("skipped (a skipped VM test is not a pass): %s", strings.Join(skipped, " "))
	}
	return nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
