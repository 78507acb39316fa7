// Command vmtest runs the project's VM selftests: each package under
// selftests/ whose tests carry the vmtest build tag is compiled with
// `go test -c` and run in its own boot of the project's kernel. It is what
// `make selftests` (and so `make test`) runs.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ilnp-linux/ilnp/internal/vm/harness"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCmd().ExecuteContext(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "vmtest: %v\n", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	cfg := harness.Config{Output: os.Stdout}
	list := false
	cmd := &cobra.Command{
		Use:   "vmtest [flags] [PACKAGE...]",
		Short: "Run the VM selftests, one guest boot per package",
		Long: `vmtest compiles each selftest package (selftests/PACKAGE, tests with the
vmtest build tag, or --tags) with 'go test -c', boots the kernel under QEMU
once per package and runs the test binary there as root with -test.v. The
guest console is shown and kept in build/selftests/PACKAGE.console.log.

Without PACKAGE arguments, every selftest package runs: each directory
under selftests/ (at any depth) with test files of the tag. A _test.go
file under selftests/ that does not build with vmtest or vmbench, or that
builds without them, stops discovery with an error naming it.

A package passes when the guest reported the test binary's exit status
(it booted, did not crash, did not time out), the binary exited 0, at
least one test ran, every top-level test reported PASS (a test that
started and reported nothing fails), no test or subtest was skipped
(unless --allow-skip), the kernel printed no fault report (oops, BUG,
WARNING, KASAN, lockdep, UBSAN, hung task, panic) and, on a kernel with
kmemleak, its report after the command (scanned twice by the guest init)
has no unreferenced object allocated by ILNP code (other objects are
printed and counted). Every reason a package failed is listed.

The last line is "vmtest: N passed, M failed". It counts top-level tests
(one with a skipped subtest counts as failed), plus one failure for each
package that failed without a failed test (a build failure, a kernel
fault or leak, a non-zero exit, a guest that timed out or died).`,
		Example: `  vmtest                       # all packages
  vmtest --run 'TestBadWrites' sysctl
  vmtest --list                # what discovery finds`,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(c *cobra.Command, pkgs []string) error {
			root, err := os.Getwd()
			if err != nil {
				return err
			}
			cfg.Root = root
			if cfg.Kernel, err = filepath.Abs(cfg.Kernel); err != nil {
				return err
			}
			if cfg.OutDir, err = filepath.Abs(cfg.OutDir); err != nil {
				return err
			}
			// Knobs of the guest tests (BENCH_SECONDS, FUZZ_SECONDS,
			// FUZZ_SEED, ...) pass through.
			for _, kv := range os.Environ() {
				if strings.HasPrefix(kv, "BENCH_") || strings.HasPrefix(kv, "FUZZ_") {
					cfg.Env = append(cfg.Env, kv)
				}
			}
			if len(pkgs) == 0 {
				if pkgs, err = harness.Packages(root, cfg.Tags); err != nil {
					return err
				}
				if len(pkgs) == 0 {
					return fmt.Errorf("no selftest package under %s/selftests has tests with the %s build tag", root, cfg.Tags)
				}
			}
			if list {
				for _, p := range pkgs {
					fmt.Fprintln(cfg.Output, p)
				}
				return nil
			}
			return run(c.Context(), cfg, pkgs)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&cfg.Kernel, "kernel", "k", "build/bzImage", "kernel image to boot")
	f.StringVar(&cfg.OutDir, "out", "build/selftests", "directory for test binaries and console logs")
	f.StringVar(&cfg.Run, "run", "", "run only tests matching this regular expression (go test -run)")
	f.DurationVar(&cfg.Timeout, "timeout", 20*time.Minute, "time limit of one package")
	f.BoolVar(&cfg.AllowSkip, "allow-skip", false, "count skipped tests as passed")
	f.StringVar(&cfg.Tags, "tags", "vmtest", "build tags of the guest-side tests (vmbench for make bench)")
	f.BoolVar(&list, "list", false, "print the packages that would run, one a line, and exit")
	return cmd
}

func run(ctx context.Context, cfg harness.Config, pkgs []string) error {
	if _, err := os.Stat(cfg.Kernel); err != nil {
		return fmt.Errorf("kernel: %w (run 'make kernel')", err)
	}
	var results []harness.PackageResult
	for _, pkg := range pkgs {
		fmt.Fprintf(cfg.Output, "=== vmtest: selftests/%s: building and booting %s\n", pkg, cfg.Kernel)
		results = append(results, harness.RunPackage(ctx, cfg, pkg))
	}
	fmt.Fprintln(cfg.Output, "=== vmtest summary")
	harness.Report(cfg.Output, results)
	summary := harness.Summarize(results, cfg.AllowSkip).String() + "\n"
	fmt.Fprint(cfg.Output, summary)
	// make test repeats it as its closing line.
	if err := os.WriteFile(filepath.Join(cfg.OutDir, "summary"), []byte(summary), 0o644); err != nil {
		return err
	}
	for _, r := range results {
		if !r.Passed() {
			return fmt.Errorf("selftests/%s failed", r.Package)
		}
	}
	return nil
}
