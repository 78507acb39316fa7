//go:build vmtest

package sysctl

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ksftSkip is the exit status of a kselftest that skipped.
const ksftSkip = 4

// TestKselftest runs the series' own kselftest,
// tools/testing/selftests/net/ilnp.sh, from the kernel tree the image was
// built from. A skip is a failure here: this kernel has ILNP and the
// guest runs as root.
func TestKselftest(t *testing.T) {
	root := os.Getenv("ILNP_ROOT")
	if root == "" {
		t.Fatal("ILNP_ROOT is not set: run through make selftests")
	}
	script := filepath.Join(root, "build", "linux", "tools", "testing", "selftests", "net", "ilnp.sh")
	if _, err := os.Stat(script); err != nil {
		t.Fatalf("%v (make tree)", err)
	}
	out, err := exec.Command("bash", script).CombinedOutput()
	t.Logf("%s:\n%s", filepath.Base(script), out)
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitCode() == ksftSkip:
		t.Fatalf("%s skipped", script)
	case err != nil:
		t.Fatalf("%s: %v", script, err)
	}
}
