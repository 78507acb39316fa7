//go:build vmtest

package sysctl

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
)

const (
	handoffMode = "net.ipv6.handoff_mode"
	disabledIf  = "net.ipv6.disabled_interface"
	nidChecksum = "net.ipv6.ilnp_nid_checksum"
)

// defaults are the values of a new namespace, as /proc shows them.
var defaults = map[string]string{handoffMode: "0\n", disabledIf: "\n", nidChecksum: "0\n"}

// newHost gives the test a fresh namespace, removed at the end.
func newHost(t *testing.T, name string) *testbed.Host {
	t.Helper()
	h, err := testbed.NewHost(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Delete(); err != nil {
			t.Error(err)
		}
	})
	return h
}

func mustRead(t *testing.T, h *testbed.Host, key string) string {
	t.Helper()
	v, err := h.ReadSysctl(key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustWrite(t *testing.T, h *testbed.Host, key, value string) {
	t.Helper()
	if err := h.WriteSysctl(key, value); err != nil {
		t.Fatal(err)
	}
}

func TestDefaults(t *testing.T) {
	// The initial namespace, where the test runs, and a new one.
	h := newHost(t, "defaults")
	for key, want := range defaults {
		b, err := os.ReadFile(testbed.SysctlPath(key))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != want {
			t.Errorf("initial namespace: %s = %q, want %q", key, b, want)
		}
		if got := mustRead(t, h, key); got != strings.TrimSuffix(want, "\n") {
			t.Errorf("%s: %s = %q, want %q", h.Name, key, got, strings.TrimSuffix(want, "\n"))
		}
	}
}

func TestPerNamespace(t *testing.T) {
	a, b := newHost(t, "ns-a"), newHost(t, "ns-b")
	mustWrite(t, a, handoffMode, "1")
	mustWrite(t, a, disabledIf, "aa bb")
	mustWrite(t, a, nidChecksum, "1")
	if got := mustRead(t, a, nidChecksum); got != "1" {
		t.Errorf("a: %s = %q after writing 1", nidChecksum, got)
	}
	if got := mustRead(t, b, nidChecksum); got != "0" {
		t.Errorf("b: %s = %q: a's write leaked into b", nidChecksum, got)
	}

	if got := mustRead(t, a, handoffMode); got != "1" {
		t.Errorf("a: %s = %q after writing 1", handoffMode, got)
	}
	if got := mustRead(t, a, disabledIf); got != "aa bb" {
		t.Errorf("a: %s = %q after writing %q", disabledIf, got, "aa bb")
	}
	if got := mustRead(t, b, handoffMode); got != "0" {
		t.Errorf("b: %s = %q: a's write leaked into b", handoffMode, got)
	}
	if got := mustRead(t, b, disabledIf); got != "" {
		t.Errorf("b: %s = %q: a's write leaked into b", disabledIf, got)
	}
	// A namespace made after the write starts from the defaults too.
	c := newHost(t, "ns-c")
	if got := mustRead(t, c, handoffMode); got != "0" {
		t.Errorf("c: %s = %q, want 0", handoffMode, got)
	}
}

func TestBadWritesKeepOldValue(t *testing.T) {
	many := make([]string, 33)
	for i := range many {
		many[i] = fmt.Sprintf("eth%d", i)
	}
	tests := []struct {
		key, value string
	}{
		{handoffMode, "2"},
		{handoffMode, "-1"},
		{handoffMode, "256"},
		{handoffMode, "yes"},
		{nidChecksum, "2"},
		{nidChecksum, "-1"},
		{nidChecksum, "256"},
		{disabledIf, strings.Join(many, " ")},   // 33 names
		{disabledIf, "aa a/b"},                  // '/' is not allowed in a name
		{disabledIf, "aa averyverylongname"},    // longer than IFNAMSIZ-1
		{disabledIf, "."},                       // reserved
		{disabledIf, "aa b:c"},                  // ':' is not allowed in a name
		{disabledIf, strings.Repeat(" ", 2000)}, // longer than any valid list
	}
	h := newHost(t, "badwrites")
	good := map[string]string{handoffMode: "1", disabledIf: "xx yy", nidChecksum: "1"}
	for k, v := range good {
		mustWrite(t, h, k, v)
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s=%.20q", tt.key, tt.value)
		t.Run(name, func(t *testing.T) {
			err := h.WriteSysctl(tt.key, tt.value)
			if !errors.Is(err, syscall.EINVAL) {
				t.Errorf("write gave %v, want EINVAL", err)
			}
			if got := mustRead(t, h, tt.key); got != good[tt.key] {
				t.Errorf("after the bad write %s = %q, want the old %q", tt.key, got, good[tt.key])
			}
		})
	}
}

func TestDisabledInterfaceCanonicalForm(t *testing.T) {
	tests := []struct {
		write, read string
	}{
		{"aa", "aa"},
		{"aa,bb,cc", "aa bb cc"},
		{"  aa\tbb , cc\n", "aa bb cc"},
		{"bb aa bb aa", "bb aa"},
		{"aa\n", "aa"},
		{"", ""},
		{"\n", ""},
		{"eth0.100 veth-x_1 if@1", "eth0.100 veth-x_1 if@1"},
	}
	h := newHost(t, "canonical")
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.write), func(t *testing.T) {
			mustWrite(t, h, disabledIf, "zz") // something to replace
			mustWrite(t, h, disabledIf, tt.write)
			if got := mustRead(t, h, disabledIf); got != tt.read {
				t.Errorf("wrote %q, read %q, want %q", tt.write, got, tt.read)
			}
		})
	}
	// The limit is 32 distinct names, duplicates not counted.
	names := make([]string, 32)
	for i := range names {
		names[i] = fmt.Sprintf("if%d", i)
	}
	list := strings.Join(names, " ")
	mustWrite(t, h, disabledIf, list+" "+list)
	if got := mustRead(t, h, disabledIf); got != list {
		t.Errorf("32 names written twice read back as %q", got)
	}
}
