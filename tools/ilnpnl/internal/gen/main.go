// Command gen writes tools/ilnpnl's zz_generated.go from the kernel
// series: the numbers of the "ilnp" generic netlink family (commands,
// attributes, events, peer flags, locator states, the header's other
// constants) and the table of the kernel's counters, as
// include/uapi/linux/ilnp.h defines them, with the documentation of
// Documentation/netlink/specs/ilnp.yaml where the series has it.
//
// The series in patches/ is the source of truth and the header exists
// only in it, so gen needs no kernel tree: it applies, in the order of
// patches/series, the parts of every patch that touch those two files
// (git apply --include) in an empty temporary directory and reads the
// result. tools/ilnpnl runs it with go generate:
//
//	go generate ./tools/ilnpnl/...
//
// and TestGenerated fails when the committed file is not what the series
// generates.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The files of the series that gen reads.
const (
	headerPath = "include/uapi/linux/ilnp.h"
	specPath   = "Documentation/netlink/specs/ilnp.yaml"
)

func main() {
	patches := flag.String("patches", "../../patches", "the kernel series: a directory with a series file and its patches")
	out := flag.String("out", "zz_generated.go", "the Go file to write")
	flag.Parse()
	if err := run(*patches, *out); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}

// run generates the Go source from the series in patches and writes it
// to out.
func run(patches, out string) error {
	src, err := generate(patches)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, src, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return nil
}

// generate reads the header (and the spec, if any) as the series in
// patches leaves them and returns the Go source.
func generate(patches string) ([]byte, error) {
	files, err := extract(patches, headerPath, specPath)
	if err != nil {
		return nil, err
	}
	hdr, ok := files[headerPath]
	if !ok {
		return nil, fmt.Errorf("no patch of the series in %s creates %s", patches, headerPath)
	}
	h, err := parseHeader(string(hdr))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", headerPath, err)
	}
	var docs map[string]string
	if spec, ok := files[specPath]; ok {
		if docs, err = specDocs(spec); err != nil {
			return nil, fmt.Errorf("%s: %w", specPath, err)
		}
	}
	return emit(h, docs)
}

// extract applies the parts of the series' patches that touch paths, in
// series order, in an empty directory and returns the files that exist
// at the end.
func extract(patches string, paths ...string) (map[string][]byte, error) {
	names, err := series(patches)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "ilnpnl-gen-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	// A repository of its own, so that git apply works on this directory
	// whatever repository the temporary directory sits in.
	if err := git(dir, "init", "-q"); err != nil {
		return nil, err
	}
	args := []string{"apply"}
	for _, p := range paths {
		args = append(args, "--include="+p)
	}
	for _, name := range names {
		patch, err := filepath.Abs(filepath.Join(patches, name))
		if err != nil {
			return nil, err
		}
		if err := git(dir, append(args, patch)...); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	files := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(filepath.Join(dir, p))
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			files[p] = b
		}
	}
	return files, nil
}

// series lists the patches of dir/series in order; '#' starts a comment.
func series(dir string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "series"))
	if err != nil {
		return nil, fmt.Errorf("the kernel series: %w", err)
	}
	var names []string
	for _, l := range strings.Split(string(b), "\n") {
		l, _, _ = strings.Cut(l, "#")
		if l = strings.TrimSpace(l); l != "" {
			names = append(names, l)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s names no patch", filepath.Join(dir, "series"))
	}
	return names, nil
}

// gitEnv is the environment without GIT_DIR and the like from the caller
// (go generate inside a hook or a rebase, say), so that git commands are
// about their own directory alone.
func gitEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			env = append(env, kv)
		}
	}
	return env
}

func git(dir string, args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("git %s: %w: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
