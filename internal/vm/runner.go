// Package vm boots the project's kernel under QEMU with the host's root
// file system and runs one command in the guest, the way virtme does, and
// judges what the guest kernel said: fault reports on the console (see
// ScanLine) and, on a kernel with kmemleak, the unreferenced objects left
// after the command (see ParseKmemleak).
//
// The guest sees the host's / read-only over 9p, so Debian's tools (ip, tc,
// iperf, tcpdump, tshark, radvd) run unchanged; the guest init (guest-init.sh,
// embedded in the package) mounts tmpfs where they write and the host
// directory Config.Share (the checkout) read-write at the same path, which
// is how results get back to the host. The runner copies the guest console
// to Config.Console and returns the command's exit status with the faults
// and leaks it found.
package vm

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config describes one guest run.
type Config struct {
	QEMU    string // QEMU binary; default qemu-system-x86_64
	Kernel  string // bzImage to boot (required)
	Init    string // guest init script, the same path on host and guest; default the embedded one
	Share   string // host directory mounted read-write at the same path (required)
	Memory  string // guest memory, QEMU syntax; default 2G
	CPUs    int    // guest CPUs; default 2
	Timeout time.Duration

	// Command is run by bash in the guest, in Dir, with Env added to the
	// environment. Interactive runs an interactive shell on the console
	// instead; the terminal is then QEMU's standard input.
	Command     string
	Interactive bool
	Dir         string
	Env         []string

	// KernelArgs are appended to the kernel command line.
	KernelArgs []string
	// Console receives the guest console; nil discards it.
	Console io.Writer
}

// Result is the outcome of a run that booted and finished.
type Result struct {
	ExitCode int           // the command's exit status
	Faults   []Fault       // kernel fault reports seen on the console
	Elapsed  time.Duration // wall time from QEMU start to exit
	// Kmemleak is the kmemleak report the guest read after the command
	// (printed to Config.Console), nil when the kernel has no kmemleak.
	Kmemleak *KmemleakReport
}

// guestInit is PID 1 of the guest. Run writes it into the run directory,
// which the guest sees at the same path through its 9p root.
//
//go:embed guest-init.sh
var guestInit []byte

// ErrTimeout is returned when the run did not end within Config.Timeout.
var ErrTimeout = errors.New("guest run timed out")

// ErrNoStatus is returned when the guest ended without the command's exit
// status: it did not boot, or the kernel panicked or rebooted early.
var ErrNoStatus = errors.New("guest ended without reporting the command's exit status")

func (c *Config) validate() error {
	for _, f := range []struct{ name, path string }{
		{"kernel", c.Kernel}, {"init script", c.Init}, {"share directory", c.Share},
	} {
		if f.path == "" && f.name == "init script" {
			continue // the embedded one
		}
		if f.path == "" {
			return fmt.Errorf("vm: no %s given", f.name)
		}
		if !filepath.IsAbs(f.path) {
			return fmt.Errorf("vm: %s %q must be an absolute path", f.name, f.path)
		}
		if _, err := os.Stat(f.path); err != nil {
			return fmt.Errorf("vm: %s: %w", f.name, err)
		}
	}
	if c.Command == "" && !c.Interactive {
		return errors.New("vm: no command given")
	}
	return nil
}

// Run boots the guest, runs the command and waits for the guest to end.
// The error is non-nil when no exit status could be had: the guest did
// not boot, crashed before the command ended, or timed out (ErrTimeout).
// Faults seen on the console are returned in Result, and also with the
// error, so that callers can show them either way.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.QEMU == "" {
		cfg.QEMU = "qemu-system-x86_64"
	}
	if cfg.Memory == "" {
		cfg.Memory = "2G"
	}
	if cfg.CPUs == 0 {
		cfg.CPUs = 2
	}
	if cfg.Console == nil {
		cfg.Console = io.Discard
	}

	runDir, err := newRunDir(cfg.Share)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(runDir)
	if err := writeCommand(runDir, cfg); err != nil {
		return nil, err
	}
	if cfg.Init == "" {
		cfg.Init = filepath.Join(runDir, "init")
		if err := os.WriteFile(cfg.Init, guestInit, 0o755); err != nil {
			return nil, fmt.Errorf("vm: guest init: %w", err)
		}
	}

	if cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, cfg.QEMU, qemuArgs(cfg, runDir)...)
	cmd.WaitDelay = 5 * time.Second

	var scan *consoleScanner
	if cfg.Interactive {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	} else {
		// No standard input: QEMU's stdio backend sees EOF at once, as in CI.
		scan = &consoleScanner{out: cfg.Console}
		cmd.Stdout = scan
		cmd.Stderr = scan
	}

	start := time.Now()
	runErr := cmd.Run()
	res := &Result{Elapsed: time.Since(start)}
	if scan != nil {
		scan.flush()
		res.Faults = scan.faults()
	}

	if ctx.Err() == context.DeadlineExceeded {
		return res, fmt.Errorf("%w after %s", ErrTimeout, cfg.Timeout)
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if runErr != nil {
		return res, fmt.Errorf("qemu: %w", runErr)
	}
	status, err := os.ReadFile(filepath.Join(runDir, "status"))
	if err != nil {
		return res, ErrNoStatus
	}
	res.ExitCode, err = strconv.Atoi(strings.TrimSpace(string(status)))
	if err != nil {
		return res, fmt.Errorf("vm: bad exit status %q from guest", status)
	}
	if res.Kmemleak, err = readKmemleak(runDir); err != nil {
		return res, err
	}
	if res.Kmemleak != nil {
		res.Kmemleak.Print(cfg.Console)
	}
	return res, nil
}

func newRunDir(share string) (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("vm: run id: %w", err)
	}
	dir := filepath.Join(share, "build", "vm", "run-"+hex.EncodeToString(b[:]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("vm: run directory: %w", err)
	}
	return dir, nil
}

// writeCommand leaves the command for guest-init.sh as a bash script.
func writeCommand(runDir string, cfg Config) error {
	var b strings.Builder
	b.WriteString("# written by vm.Run for the guest init (guest-init.sh)\n")
	if cfg.Dir != "" {
		fmt.Fprintf(&b, "cd %s || exit 125\n", shellQuote(cfg.Dir))
	}
	for _, kv := range cfg.Env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("vm: environment entry %q is not KEY=value", kv)
		}
		fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(v))
	}
	if cfg.Interactive {
		b.WriteString("exec bash -i\n")
		if err := os.WriteFile(filepath.Join(runDir, "interactive"), nil, 0o644); err != nil {
			return fmt.Errorf("vm: %w", err)
		}
	} else {
		b.WriteString(cfg.Command + "\n")
	}
	if err := os.WriteFile(filepath.Join(runDir, "cmd"), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("vm: write command: %w", err)
	}
	return nil
}

func qemuArgs(cfg Config, runDir string) []string {
	append9p := []string{
		"console=ttyS0",
		"root=root", "rootfstype=9p",
		"rootflags=trans=virtio,version=9p2000.L,msize=262144",
		"ro",
		"init=" + cfg.Init,
		"loglevel=5",
		"panic=-1", "oops=panic",
		// PCI interrupt routing from the MP table: evaluating ACPI's _PRT
		// under TCG with KASAN can time out and leave virtio without IRQs.
		"pci=noacpi",
		"ILNP_VM_SHARE=" + cfg.Share,
		"ILNP_VM_RUN=" + runDir,
	}
	append9p = append(append9p, cfg.KernelArgs...)
	serial := "stdio"
	if cfg.Interactive {
		serial = "mon:stdio"
	}
	return []string{
		"-accel", "tcg,thread=multi",
		"-cpu", "max",
		"-smp", strconv.Itoa(cfg.CPUs),
		"-m", cfg.Memory,
		"-nodefaults", "-no-user-config", "-no-reboot",
		"-display", "none",
		"-serial", serial,
		"-kernel", cfg.Kernel,
		"-append", strings.Join(append9p, " "),
		"-fsdev", "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap",
		"-device", "virtio-9p-pci,fsdev=root,mount_tag=root",
		"-fsdev", "local,id=share,path=" + cfg.Share + ",security_model=none,multidevs=remap",
		"-device", "virtio-9p-pci,fsdev=share,mount_tag=share",
		"-device", "virtio-rng-pci",
	}
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// consoleScanner copies the console through and records fault reports.
type consoleScanner struct {
	mu      sync.Mutex
	out     io.Writer
	partial []byte
	found   []Fault
}

func (s *consoleScanner) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.out.Write(p); err != nil {
		return 0, err
	}
	s.partial = append(s.partial, p...)
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			break
		}
		s.scan(string(s.partial[:i]))
		s.partial = s.partial[i+1:]
	}
	return len(p), nil
}

func (s *consoleScanner) scan(line string) {
	if f, ok := ScanLine(strings.TrimRight(line, "\r")); ok {
		s.found = append(s.found, f)
	}
}

func (s *consoleScanner) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.partial) > 0 {
		s.scan(string(s.partial))
		s.partial = nil
	}
}

func (s *consoleScanner) faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Fault(nil), s.found...)
}
