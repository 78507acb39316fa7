package lab

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// pendingMoves are selftests/ packages that product code still imports
// while another change moves them out of the test tree; each entry must
// go when its package does (the test fails once it is not imported).
var pendingMoves = []string{}

// TestProductDoesNotImportSelftests: nothing that cmd/ and tools/ build
// (the mains and the project's Go API) depends on a package under
// selftests/, which holds tests only.
func TestProductDoesNotImportSelftests(t *testing.T) {
	mod := goCmd(t, "list", "-m", "-f", "{{.Path}} {{.Dir}}")
	path, dir, _ := strings.Cut(strings.TrimSpace(mod), " ")
	out := goCmd(t, "-C", dir, "list", "-deps", "-f", "{{.ImportPath}}", "./cmd/...", "./tools/...")
	deps := strings.Fields(out)
	if len(deps) < 10 || !slices.Contains(deps, path+"/tools/ilnp") {
		t.Fatalf("go list -deps listed %d packages, not the project's: %q", len(deps), deps)
	}
	used := map[string]bool{}
	for _, p := range deps {
		rel, ok := strings.CutPrefix(p, path+"/")
		if !ok || !strings.HasPrefix(rel, "selftests/") {
			continue
		}
		if slices.Contains(pendingMoves, rel) {
			used[rel] = true
			continue
		}
		t.Errorf("%s is under selftests/, and cmd/ or tools/ depends on it: move it out of the test tree (internal/...)", rel)
	}
	for _, p := range pendingMoves {
		if !used[p] {
			t.Errorf("%s is no longer imported by cmd/ or tools/: remove it from pendingMoves in %s", p, filepath.Join("internal", "lab", "imports_test.go"))
		}
	}
}

func goCmd(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return string(out)
}
