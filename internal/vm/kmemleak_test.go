package vm

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseKmemleak(t *testing.T) {
	tests := []struct {
		file  string // in testdata/kmemleak
		leaks int
		ilnp  [][]string // ILNP frames of each leak
		fails bool       // Check fails the run
	}{
		{"ilnp.txt", 2, [][]string{
			{"ilnp_lu_build+0x7c/0x4a0", "ilnp_lu_send+0x112/0x3e0", "ilnp_lu_timer+0x9b/0x1c0"}, nil,
		}, true},
		{"other.txt", 2, [][]string{nil, nil}, false},
		{"empty.txt", 0, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			leaks := parseKmemleakFile(t, tt.file)
			if len(leaks) != tt.leaks {
				t.Fatalf("%d leaks, want %d", len(leaks), tt.leaks)
			}
			for i, l := range leaks {
				if got := l.ILNPFrames(); !reflect.DeepEqual(got, tt.ilnp[i]) {
					t.Errorf("leak %d: ILNP frames %q, want %q", i, got, tt.ilnp[i])
				}
				if len(l.Backtrace) < 4 || l.Size == 0 || l.Comm == "" || !strings.HasPrefix(l.Text, "unreferenced object "+l.Object) {
					t.Errorf("leak %d parsed as %+v", i, l)
				}
			}
			r := &KmemleakReport{Leaks: leaks}
			if err := r.Check(); (err != nil) != tt.fails {
				t.Errorf("Check() = %v, want failure %v", err, tt.fails)
			}
			var out strings.Builder
			r.Print(&out)
			if !strings.HasPrefix(out.String(), "=== kmemleak: ") || strings.Count(out.String(), "unreferenced object 0x") != tt.leaks {
				t.Errorf("Print wrote:\n%s", out.String())
			}
		})
	}
}

// parseKmemleakFile parses testdata/kmemleak/name.
func parseKmemleakFile(t *testing.T, name string) []Leak {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "kmemleak", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	leaks, err := ParseKmemleak(f)
	if err != nil {
		t.Fatal(err)
	}
	return leaks
}

func TestParseKmemleakFirstObject(t *testing.T) {
	l := parseKmemleakFile(t, "ilnp.txt")[0]
	l.Text = ""
	want := Leak{Object: "0xffff888006f3c400", Size: 512, Comm: "softirq", PID: 0, Backtrace: []string{
		"__kmalloc_node_track_caller+0x5e/0x1a0", "kmalloc_reserve+0x33/0xd0", "__alloc_skb+0xa6/0x2c0",
		"ilnp_lu_build+0x7c/0x4a0", "ilnp_lu_send+0x112/0x3e0", "ilnp_lu_timer+0x9b/0x1c0",
		"call_timer_fn+0x3c/0x1f0", "__run_timers+0x3f5/0x4c0", "run_timer_softirq+0x2e/0x60", "__do_softirq+0x10b/0x48d",
	}}
	if !reflect.DeepEqual(l, want) {
		t.Errorf("got %+v\nwant %+v", l, want)
	}
}

// A report run through scripts/decode_stacktrace.sh has no addresses and
// file:line after the symbols; newer kernels add the object's age and a
// crc to the backtrace line.
func TestParseKmemleakDecoded(t *testing.T) {
	const report = `unreferenced object 0xffff88800faf5a00 (size 256):
  comm "ip", pid 19930, jiffies 4296609305 (age 21.423s)
  hex dump (first 32 bytes):
    78 5a af 0f 80 88 ff ff 00 00 00 00 00 00 00 00  xZ..............
  backtrace (crc 5f3a1b2c):
    kmalloc_trace (mm/slab_common.c:1050)
    ilnp_local_rebuild (net/ipv6/ilnp_local.c:212)
    addrconf_notify (net/ipv6/addrconf.c:3590)
`
	leaks, err := ParseKmemleak(strings.NewReader(report))
	if err != nil {
		t.Fatal(err)
	}
	if len(leaks) != 1 || leaks[0].Comm != "ip" || leaks[0].PID != 19930 {
		t.Fatalf("got %+v", leaks)
	}
	if got := leaks[0].ILNPFrames(); !reflect.DeepEqual(got, []string{"ilnp_local_rebuild (net/ipv6/ilnp_local.c:212)"}) {
		t.Errorf("ILNP frames %q", got)
	}
}

func TestParseKmemleakGarbage(t *testing.T) {
	if _, err := ParseKmemleak(strings.NewReader("kmemleak: Kernel memory leak detector disabled\n")); err == nil {
		t.Error("a line outside an object was accepted")
	}
}

func TestILNPSymbol(t *testing.T) {
	for frame, want := range map[string]bool{
		"ilnp_lu_send+0x112/0x3e0":       true,
		"ipv6_dest_ilnp_nonce+0x10/0x80": true,
		"ilnp_rcv+0x1/0x2 [ilnp]":        true,
		"__ilnp_free":                    true,
		"milnp_send+0x1/0x2":             false,
		"ilnpx+0x1/0x2":                  false,
		"__kmalloc+0x49/0x150":           false,
		"tcp_v6_connect+0x3c1/0x9e0":     false,
	} {
		l := Leak{Backtrace: []string{frame}}
		if got := len(l.ILNPFrames()) == 1; got != want {
			t.Errorf("%q in ILNP code: %v, want %v", frame, got, want)
		}
	}
}

func TestReadKmemleak(t *testing.T) {
	dir := t.TempDir()
	if r, err := readKmemleak(dir); r != nil || err != nil {
		t.Errorf("no report file: %v, %v; want nil (no kmemleak)", r, err)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "kmemleak", "other.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kmemleak"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := readKmemleak(dir)
	if err != nil || r == nil || len(r.Leaks) != 2 || r.Check() != nil {
		t.Errorf("report without ILNP frames: %+v, %v", r, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kmemleak.err"), []byte("kmemleak: scan or read failed: sh: write error: Operation not permitted\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err = readKmemleak(dir)
	if err != nil || r == nil || r.Check() == nil || !strings.Contains(r.Check().Error(), "Operation not permitted") {
		t.Errorf("failed scan: %+v, %v; want a report whose Check fails", r, err)
	}
}
