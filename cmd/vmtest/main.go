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

	"github.com/ilnp-linux/ilnp/selftests/harness"
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
	cmd := &cobra.Command{
		Use:   "vmtest [flags] [PACKAGE...]",
		Short: "Run the VM selftests, one guest boot per package",
		Long: `vmtest compiles each selftest package (selftests/PACKAGE, tests with the
vmtest build tag) with 'go test -c', boots the kernel under QEMU once per
package and runs the test binary there as root with -test.v. The guest
console is shown and kept in build/selftests/PACKAGE.console.log.

A package passes when its test binary exits 0, every test reports PASS, at
least one test ran, and the kernel reported no fault on the console. A
guest that does not boot is a failure, and so is a skipped test unless
--allow-skip is given. Without PACKAGE arguments, every selftest package
runs. The last line is "vmtest: N passed, M failed", counting top-level
tests (a package that fails before reporting counts as one failure).`,
		Example: `  vmtest                       # all packages
  vmtest --run 'TestBadWrites' sysctl`,
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
			// Knobs of the guest tests (BENCH_SECONDS, ...) pass through.
			for _, kv := range os.Environ() {
				if strings.HasPrefix(kv, "BENCH_") {
					cfg.Env = append(cfg.Env, kv)
				}
			}
			if len(pkgs) == 0 {
				if pkgs, err = harness.Packages(root); err != nil {
					return err
				}
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
	return cmd
}

func run(ctx context.Context, cfg harness.Config, pkgs []string) error {
	if _, err := os.Stat(cfg.Kernel); err != nil {
		return fmt.Errorf("kernel: %w (run 'make kernel')", err)
	}
	var passed, failed int
	var results []harness.PackageResult
	for _, pkg := range pkgs {
		fmt.Fprintf(cfg.Output, "=== vmtest: selftests/%s: building and booting %s\n", pkg, cfg.Kernel)
		r := harness.RunPackage(ctx, cfg, pkg)
		results = append(results, r)
		for _, t := range r.Tests {
			if t.Outcome == harness.Pass || (t.Outcome == harness.Skip && cfg.AllowSkip) {
				passed++
			} else {
				failed++
			}
		}
		if !r.Passed() && len(r.Tests) == 0 {
			failed++ // nothing reported: count the package itself
		}
	}
	fmt.Fprintln(cfg.Output, "=== vmtest summary")
	for _, r := range results {
		verdict := "PASS"
		if !r.Passed() {
			verdict = "FAIL"
		}
		fmt.Fprintf(cfg.Output, "%s selftests/%s (%d tests, %.1f s)\n", verdict, r.Package, len(r.Tests), r.Elapsed.Seconds())
		for _, t := range r.Tests {
			fmt.Fprintf(cfg.Output, "    %s %s\n", t.Outcome, t.Name)
		}
		if r.Err != nil {
			fmt.Fprintf(cfg.Output, "    reason: %v (console log: %s)\n", r.Err, r.Log)
		}
	}
	summary := fmt.Sprintf("vmtest: %d passed, %d failed\n", passed, failed)
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
