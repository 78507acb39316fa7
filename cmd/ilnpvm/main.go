// Command ilnpvm boots the project's kernel under QEMU (TCG) with the host's
// root file system and runs a command in the guest. It is what `make vm`
// runs; see the internal/vm package for how the guest is set up.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ilnp-linux/ilnp/internal/vm"
)

// Exit statuses of ilnpvm itself, chosen like timeout(1) and env(1) so that
// they are not mistaken for a command's usual failures.
const (
	exitTimeout    = 124 // the guest did not finish in time
	exitGuestFault = 125 // no boot, no exit status, or a kernel fault report
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	status := 0
	cmd := newRootCmd(&status)
	if err := cmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "ilnpvm: %v\n", err)
		if status == 0 {
			status = exitGuestFault
		}
	}
	return status
}

func newRootCmd(status *int) *cobra.Command {
	top := projectRoot()
	cfg := vm.Config{
		Kernel: filepath.Join(top, "build", "bzImage"),
		Share:  top,
	}
	cmd := &cobra.Command{
		Use:   "ilnpvm [flags] [--] [COMMAND...]",
		Short: "Run a command in a QEMU guest booted from the project's kernel",
		Long: `ilnpvm boots a kernel (by default build/bzImage) under QEMU with TCG,
with the host's / as the guest's read-only root over 9p, so that the host's
tools (ip, tc, iperf, tcpdump, tshark, radvd, the project's binaries) run in
the guest unchanged. The guest has tmpfs on /tmp, /run, /var and /dev/shm,
and the share directory (by default the project's checkout) is mounted
read-write at the same path, which is how results get back to the host.

COMMAND runs under bash as root in the guest, in the current directory. The
guest console is copied to standard output. ilnpvm exits with COMMAND's exit
status, with 124 if the run timed out, and with 125 if the guest did not
boot, did not report an exit status, or its kernel reported an oops, BUG,
WARNING, KASAN, lockdep, UBSAN, kmemleak or panic on the console (only
lines with a printk timestamp are judged). On a kernel with kmemleak, the
guest scans twice after COMMAND and the report is printed; an unreferenced
object allocated by ILNP code (an ilnp_ function in its backtrace), or a
scan that failed, also gives 125.

Without COMMAND, ilnpvm starts an interactive shell on the guest console
(Ctrl-A X quits QEMU).`,
		Example: `  ilnpvm -- sysctl net.ipv6.handoff_mode
  ilnpvm --timeout 5m -- 'ip netns add a && ip -n a link'
  ilnpvm                      # interactive shell`,
		Args:          cobra.ArbitraryArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(c *cobra.Command, args []string) error {
			abs, err := absPaths(&cfg)
			if err != nil {
				return err
			}
			cfg = abs
			if cfg.Dir == "" {
				if cfg.Dir, err = os.Getwd(); err != nil {
					return fmt.Errorf("working directory: %w", err)
				}
			}
			cfg.Command = strings.Join(args, " ")
			cfg.Interactive = len(args) == 0
			cfg.Console = os.Stdout
			return runGuest(c.Context(), cfg, status)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&cfg.Kernel, "kernel", "k", cfg.Kernel, "kernel image to boot")
	f.StringVar(&cfg.Init, "init", "", "guest init script, the same path in the guest (default: the built-in internal/vm/guest-init.sh)")
	f.StringVar(&cfg.Share, "share", cfg.Share, "host directory mounted read-write in the guest")
	f.StringVarP(&cfg.Dir, "dir", "C", "", "working directory of COMMAND in the guest (default: current directory)")
	f.StringVarP(&cfg.Memory, "memory", "m", "2G", "guest memory")
	f.IntVar(&cfg.CPUs, "cpus", 2, "guest CPUs")
	f.DurationVarP(&cfg.Timeout, "timeout", "t", 15*time.Minute, "end the run after this long (0: never)")
	f.StringArrayVarP(&cfg.Env, "env", "e", nil, "KEY=value added to COMMAND's environment (repeatable)")
	f.StringArrayVar(&cfg.KernelArgs, "append", nil, "extra kernel command line argument (repeatable)")
	return cmd
}

func runGuest(ctx context.Context, cfg vm.Config, status *int) error {
	res, err := vm.Run(ctx, cfg)
	if res != nil {
		for _, f := range res.Faults {
			fmt.Fprintf(os.Stderr, "ilnpvm: kernel fault report: %s\n", f)
		}
	}
	switch {
	case errors.Is(err, vm.ErrTimeout):
		*status = exitTimeout
		return err
	case err != nil:
		*status = exitGuestFault
		return err
	case len(res.Faults) > 0:
		*status = exitGuestFault
		return fmt.Errorf("%d kernel fault report(s) on the console; the command exited with status %d", len(res.Faults), res.ExitCode)
	case res.Kmemleak.Check() != nil:
		*status = exitGuestFault
		return fmt.Errorf("%w; the command exited with status %d", res.Kmemleak.Check(), res.ExitCode)
	}
	*status = res.ExitCode
	fmt.Fprintf(os.Stderr, "ilnpvm: command exited with status %d after %.1f s\n", res.ExitCode, res.Elapsed.Seconds())
	return nil
}

func absPaths(cfg *vm.Config) (vm.Config, error) {
	out := *cfg
	for _, p := range []*string{&out.Kernel, &out.Init, &out.Share} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return out, fmt.Errorf("path %q: %w", *p, err)
		}
		*p = abs
	}
	return out, nil
}

// projectRoot finds the checkout from the working directory, so that the
// defaults work from any subdirectory; it falls back to the directory.
func projectRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "internal", "vm", "guest-init.sh")); err == nil {
			return dir
		}
		if dir == filepath.Dir(dir) {
			return wd
		}
	}
}
