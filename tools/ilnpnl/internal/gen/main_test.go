package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestGenerated regenerates from the series in patches/ and compares
// with the committed file.
func TestGenerated(t *testing.T) {
	const committed = "../../zz_generated.go"
	out := filepath.Join(t.TempDir(), "zz_generated.go")
	if err := run("../../../../patches", out); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(committed)
	if err != nil {
		t.Fatalf("%v: run go generate ./tools/ilnpnl/...", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("tools/ilnpnl/zz_generated.go is not what the kernel series generates: run go generate ./tools/ilnpnl/...\n%s", firstDiff(got, want))
	}
}

// firstDiff names the first line where the committed and the generated
// text differ.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n  committed: " + gl + "\n  generated: " + wl
		}
	}
	return ""
}

// TestExtract applies a series that git itself wrote: the file as the
// last patch leaves it, patches that do not touch it skipped, series
// order and comments honoured.
func TestExtract(t *testing.T) {
	repo, out := t.TempDir(), t.TempDir()
	gitT := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.org"}, args...)...)
		// Not the repository of a caller that runs the tests from git
		// (rebase --exec): that one it would commit to.
		cmd.Env = gitEnv()
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, b)
		}
	}
	write := func(path, text string) {
		t.Helper()
		p := filepath.Join(repo, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitT("init", "-q")
	write("README", "base\n")
	gitT("add", ".")
	gitT("commit", "-q", "-m", "base")
	gitT("tag", "base")
	write(headerPath, "#define X 1\n")
	gitT("add", ".")
	gitT("commit", "-q", "-m", "add")
	write("README", "changed\n")
	gitT("commit", "-q", "-a", "-m", "other file")
	final := "#define X 2\nenum {\n\tA, /* a */\n};\n-- \n"
	write(headerPath, final)
	gitT("commit", "-q", "-a", "-m", "change")
	gitT("format-patch", "-q", "-o", out, "base")
	names, err := filepath.Glob(filepath.Join(out, "*.patch"))
	if err != nil || len(names) != 3 {
		t.Fatalf("format-patch wrote %v, %v", names, err)
	}
	var series strings.Builder
	series.WriteString("# the series\n")
	for _, n := range names {
		series.WriteString(filepath.Base(n) + "  # a patch\n")
	}
	if err := os.WriteFile(filepath.Join(out, "series"), []byte(series.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	files, err := extract(out, headerPath, specPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(files[headerPath]); got != final {
		t.Errorf("header = %q, want %q", got, final)
	}
	if _, ok := files[specPath]; ok {
		t.Errorf("a file no patch creates was extracted")
	}

	// Out of order, the change does not apply.
	reversed := filepath.Base(names[2]) + "\n" + filepath.Base(names[0]) + "\n"
	if err := os.WriteFile(filepath.Join(out, "series"), []byte(reversed), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := extract(out, headerPath); err == nil || !strings.Contains(err.Error(), filepath.Base(names[2])) {
		t.Errorf("a series out of order: error %v, want one naming %s", err, filepath.Base(names[2]))
	}
	if err := os.WriteFile(filepath.Join(out, "series"), []byte("# nothing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := extract(out, headerPath); err == nil || !strings.Contains(err.Error(), "names no patch") {
		t.Errorf("an empty series: error %v", err)
	}
}
