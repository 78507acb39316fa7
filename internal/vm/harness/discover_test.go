package harness

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestPackages(t *testing.T) {
	const (
		vmtest  = "//go:build vmtest\n\npackage p\n"
		vmbench = "//go:build vmbench\n\npackage p\n"
		linux   = "//go:build vmtest && linux\n\npackage p\n"
		untaged = "package p\n"
		notTag  = "//go:build !vmtest\n\npackage p\n"
	)
	tests := []struct {
		name  string
		files map[string]string // under selftests/
		tags  string
		want  []string
		err   string // in the error; "" for none
	}{
		{
			name: "tagged packages, a helper package without tests, nested",
			files: map[string]string{
				"sysctl/sysctl_test.go":  vmtest,
				"sysctl/doc.go":          untaged,
				"helpers/helpers.go":     untaged,
				"lab/deep/deep_test.go":  linux,
				"bench/bench_test.go":    vmbench,
				"bench/doc.go":           untaged,
				"sessions/a_test.go":     vmtest,
				"sessions/b_test.go":     vmtest,
				"sessions/sessions.go":   untaged,
				"testdata/x/x_test.go":   untaged, // testdata is not a package
				"sessions/testdata/t.go": untaged,
			},
			tags: "vmtest",
			want: []string{"lab/deep", "sessions", "sysctl"},
		},
		{
			name:  "vmbench discovers the benchmarks",
			files: map[string]string{"sysctl/sysctl_test.go": vmtest, "bench/bench_test.go": vmbench},
			tags:  "vmbench",
			want:  []string{"bench"},
		},
		{
			name:  "a test file without the build tag fails discovery",
			files: map[string]string{"sysctl/sysctl_test.go": vmtest, "harness/results_test.go": untaged},
			tags:  "vmtest",
			err:   "harness/results_test.go",
		},
		{
			name:  "one untagged test file among tagged ones",
			files: map[string]string{"sessions/a_test.go": vmtest, "sessions/b_test.go": untaged},
			tags:  "vmtest",
			err:   "sessions/b_test.go",
		},
		{
			name:  "a constraint that excludes the tag is no vmtest either",
			files: map[string]string{"odd/odd_test.go": notTag},
			tags:  "vmtest",
			err:   "odd/odd_test.go",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for name, src := range tt.files {
				write(t, filepath.Join(root, "selftests", name), src)
			}
			got, err := Packages(root, tt.tags)
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("Packages: %v", err)
			case tt.err != "" && err == nil:
				t.Fatalf("Packages = %v, want an error naming %s", got, tt.err)
			case tt.err != "" && !strings.Contains(err.Error(), tt.err):
				t.Fatalf("Packages: %v, want an error naming %s", err, tt.err)
			case tt.err == "" && !reflect.DeepEqual(got, tt.want):
				t.Errorf("Packages = %v, want %v", got, tt.want)
			}
		})
	}
}
