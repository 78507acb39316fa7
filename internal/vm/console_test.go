package vm

import (
	"os"
	"path/filepath"
	"testing"
)

// The files in testdata/console are real kernel console text, each with
// its source on the first line (see that directory).
func TestScanTextRealConsoles(t *testing.T) {
	tests := []struct {
		file string
		want string // kind of the first fault; "" for none
	}{
		{"oops.txt", "oops"},
		{"oops-null-deref.txt", "oops"},
		{"gpf.txt", "oops"},
		{"bug.txt", "bug"},
		{"sleeping.txt", "bug"},
		{"warning.txt", "warning"},
		{"kasan.txt", "kasan"},
		{"lockdep.txt", "lockdep"},
		{"rcu.txt", "lockdep"},
		{"ubsan.txt", "ubsan"},
		{"kmemleak.txt", "kmemleak"},
		{"panic.txt", "panic"},
		{"clean.txt", ""},
		{"clean-late-boot.txt", ""},
		{"clean-userspace.txt", ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "console", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			faults := ScanText(string(b))
			switch {
			case tt.want == "" && len(faults) > 0:
				t.Fatalf("clean console flagged: %v", faults)
			case tt.want == "":
			case len(faults) == 0:
				t.Fatalf("no fault found, want %s", tt.want)
			case faults[0].Kind != tt.want:
				t.Fatalf("first fault %v, want kind %s", faults[0], tt.want)
			}
		})
	}
}

func TestScanLine(t *testing.T) {
	tests := []struct {
		line string
		want string
	}{
		{"[    1.234567] WARNING: CPU: 0 PID: 1 at net/ipv6/ilnp.c:10 ilnp_init+0x1/0x2", "warning"},
		{"[    1.234567] BUG: KASAN: slab-use-after-free in ilnp_rcv+0x10/0x20", "kasan"},
		{"[  100.000001] ======================================================", ""},
		{"WARNING: iperf said something", ""}, // no printk timestamp: a program's output
		{"BUG: in user space", ""},
		{"[    0.000000] Linux version 6.1.192-ilnp", ""},
		{"[    3.100000] INFO: task kworker/0:1:12 blocked for more than 120 seconds.", "hung task"},
		{"[    3.100000] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000", "panic"},
	}
	for _, tt := range tests {
		f, ok := ScanLine(tt.line)
		if got := map[bool]string{true: f.Kind}[ok]; got != tt.want {
			t.Errorf("ScanLine(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}
