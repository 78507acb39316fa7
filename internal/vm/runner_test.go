package vm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRun boots testdata/fake-qemu.sh instead of QEMU: it replays a
// console and leaves what guest-init.sh would in the run directory.
func TestRun(t *testing.T) {
	qemu, err := filepath.Abs(filepath.Join("testdata", "fake-qemu.sh"))
	if err != nil {
		t.Fatal(err)
	}
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	tests := []struct {
		name     string
		console  string // in testdata/console
		status   string
		kmemleak string // in testdata/kmemleak
		sleep    string
		timeout  time.Duration
		exit     int
		err      error
		faults   []string // kinds
		leaks    int      // -1: no report
		output   string   // in what Console received
	}{
		{name: "clean boot, status 3", console: "clean.txt", status: "3", exit: 3, leaks: -1},
		{name: "a WARNING on the console", console: "warning.txt", status: "0", faults: []string{"warning"}, leaks: -1},
		{name: "no status", console: "panic.txt", err: ErrNoStatus, faults: []string{"panic"}, leaks: -1},
		{name: "timeout", console: "clean.txt", status: "0", sleep: "30", timeout: time.Second, err: ErrTimeout, leaks: -1},
		{name: "kmemleak report", console: "clean.txt", status: "0", kmemleak: "ilnp.txt", leaks: 2,
			output: "=== kmemleak: 2 unreferenced object(s), 1 with ILNP frames"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			share := t.TempDir()
			kernel := filepath.Join(share, "bzImage")
			if err := os.WriteFile(kernel, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Setenv("FAKE_CONSOLE", abs(filepath.Join("testdata", "console", tt.console)))
			t.Setenv("FAKE_STATUS", tt.status)
			t.Setenv("FAKE_SLEEP", tt.sleep)
			leaks := ""
			if tt.kmemleak != "" {
				leaks = abs(filepath.Join("testdata", "kmemleak", tt.kmemleak))
			}
			t.Setenv("FAKE_KMEMLEAK", leaks)
			var console strings.Builder
			start := time.Now()
			res, err := Run(context.Background(), Config{
				QEMU: qemu, Kernel: kernel, Share: share, Command: "true", Timeout: tt.timeout, Console: &console,
			})
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("Run: %v, want %v", err, tt.err)
			}
			if tt.timeout > 0 && time.Since(start) > tt.timeout+10*time.Second {
				t.Errorf("a 1 s timeout took %s", time.Since(start))
			}
			if res == nil {
				t.Fatal("no result")
			}
			if res.ExitCode != tt.exit {
				t.Errorf("exit %d, want %d", res.ExitCode, tt.exit)
			}
			var kinds []string
			for _, f := range res.Faults {
				kinds = append(kinds, f.Kind)
			}
			if strings.Join(kinds, " ") != strings.Join(tt.faults, " ") {
				t.Errorf("faults %v, want %v", kinds, tt.faults)
			}
			switch {
			case tt.leaks < 0 && res.Kmemleak != nil:
				t.Errorf("kmemleak report %+v, want none", res.Kmemleak)
			case tt.leaks >= 0 && (res.Kmemleak == nil || len(res.Kmemleak.Leaks) != tt.leaks):
				t.Errorf("kmemleak report %+v, want %d leaks", res.Kmemleak, tt.leaks)
			}
			if !strings.Contains(console.String(), tt.output) {
				t.Errorf("console lacks %q", tt.output)
			}
			if runs, _ := filepath.Glob(filepath.Join(share, "build", "vm", "run-*")); len(runs) != 0 {
				t.Errorf("run directories left behind: %v", runs)
			}
		})
	}
}

// The run directory holds the guest's init (the embedded script) and
// the command, which the fake QEMU cannot check.
func TestWriteCommand(t *testing.T) {
	dir := t.TempDir()
	err := writeCommand(dir, Config{Command: "echo 'hi'", Dir: "/a b", Env: []string{"A=it's"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	want := "# written by vm.Run for the guest init (guest-init.sh)\ncd '/a b' || exit 125\nexport A='it'\\''s'\necho 'hi'\n"
	if string(b) != want {
		t.Errorf("cmd =\n%s\nwant\n%s", b, want)
	}
	if err := writeCommand(dir, Config{Command: "x", Env: []string{"NOEQUALS"}}); err == nil {
		t.Error("an environment entry without = was accepted")
	}
	if !strings.HasPrefix(string(guestInit), "#!/bin/sh\n") || !strings.Contains(string(guestInit), "/sys/kernel/debug/kmemleak") {
		t.Error("the embedded guest init is not guest-init.sh")
	}
}

func TestConfigValidate(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []Config{
		{Kernel: "", Share: dir, Command: "x"},
		{Kernel: "rel/bzImage", Share: dir, Command: "x"},
		{Kernel: filepath.Join(dir, "missing"), Share: dir, Command: "x"},
		{Kernel: dir, Share: dir},
	} {
		if err := c.validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if err := (&Config{Kernel: dir, Share: dir, Command: "x"}).validate(); err != nil {
		t.Errorf("valid config: %v", err)
	}
}
