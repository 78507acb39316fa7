package harness

import (
	"fmt"
	"go/build"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
)

// The build tags of guest-side tests: make selftests runs the vmtest
// packages, make bench the vmbench ones.
var guestTags = []string{"vmtest", "vmbench"}

// Packages lists the selftest packages whose tests build with tag
// (vmtest or vmbench): the directories under selftests/, at any depth,
// with a _test.go file that the tag selects. Every _test.go file under
// selftests/ must build with one of the guest tags and not without: a
// test file that builds on the host would never run in a guest (and one
// that builds nowhere never runs), so it fails discovery rather than
// being dropped. A helper package without
// _test.go files is allowed. Directories named testdata are skipped, as
// the go tool does. The list is sorted, as paths relative to selftests/.
func Packages(root, tag string) ([]string, error) {
	if tag == "" {
		tag = "vmtest"
	}
	base := filepath.Join(root, "selftests")
	found := map[string]bool{}
	var untagged []string
	err := filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != base && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(d.Name(), "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(base, path)
		host, err := selected(path)
		if err != nil {
			return err
		}
		guest := false
		for _, g := range guestTags {
			ok, err := selected(path, g)
			if err != nil {
				return err
			}
			guest = guest || ok
		}
		if host || !guest {
			untagged = append(untagged, filepath.ToSlash(rel))
			return nil
		}
		ok, err := selected(path, tag)
		if err != nil {
			return err
		}
		if ok {
			found[filepath.ToSlash(filepath.Dir(rel))] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("selftests: %w", err)
	}
	if len(untagged) > 0 {
		return nil, fmt.Errorf("selftests: test files without the vmtest or vmbench build tag "+
			"(a selftest runs in the guest; host unit tests belong outside selftests/): %s", strings.Join(untagged, ", "))
	}
	pkgs := make([]string, 0, len(found))
	for p := range found {
		pkgs = append(pkgs, p)
	}
	slices.Sort(pkgs)
	return pkgs, nil
}

// selected reports whether the go tool builds the file with exactly
// the given build tags set (and this machine's GOOS, GOARCH and release
// tags).
func selected(path string, tags ...string) (bool, error) {
	ctx := build.Default
	ctx.BuildTags = tags
	ok, err := ctx.MatchFile(filepath.Dir(path), filepath.Base(path))
	if err != nil {
		return false, fmt.Errorf("build constraints: %w", err)
	}
	return ok, nil
}
