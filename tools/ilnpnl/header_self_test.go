package ilnpnl

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// These tests check the helpers of TestUAPIConstants, so that a broken
// parser cannot make the drift test pass vacuously.

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		wantInts map[string]int64
		wantStrs map[string]string
		wantErr  string
	}{{
		name: "defines",
		src: `#ifndef _X_H
#define _X_H
#include <linux/types.h>
#define NAME "ilnp" /* a "quoted" comment */
#define ESC "a\"b"
#define ONE 1
#define HEX 0x1fU
#define BIT2 (1U << 2)	// trailing
#define EXPR (HEX | BIT2) - ONE
#define LONG 12L
#endif`,
		wantInts: map[string]int64{"ONE": 1, "HEX": 31, "BIT2": 4, "EXPR": 30, "LONG": 12},
		wantStrs: map[string]string{"NAME": "ilnp", "ESC": `a"b`},
	}, {
		name: "enums",
		src: `enum state {
	S_VALID = 1,	/* first, */
	S_ACTIVE,
};
enum {
	A_UNSPEC,
	A_X,		/* comment,
			 * over lines */
	A_Y,

	__A_MAX,
	A_MAX = __A_MAX - 1
};`,
		wantInts: map[string]int64{
			"S_VALID": 1, "S_ACTIVE": 2,
			"A_UNSPEC": 0, "A_X": 1, "A_Y": 2, "__A_MAX": 3, "A_MAX": 2,
		},
		wantStrs: map[string]string{},
	}, {
		name:    "undefined name",
		src:     "#define X (Y + 1)",
		wantErr: "Y is not defined",
	}, {
		name:    "function-like macro",
		src:     "#define F(x) (x)",
		wantErr: "function-like",
	}, {
		name:    "bad enum member",
		src:     "enum { A = 1 +, };",
		wantErr: "enum member A",
	}, {
		name:    "duplicate",
		src:     "enum { A }; enum { A };",
		wantErr: "A defined twice",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := parseHeader(tt.src)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseHeader error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(h.ints, tt.wantInts) {
				t.Errorf("ints = %v, want %v", h.ints, tt.wantInts)
			}
			if !maps.Equal(h.strs, tt.wantStrs) {
				t.Errorf("strings = %v, want %v", h.strs, tt.wantStrs)
			}
		})
	}
}

func TestSentinels(t *testing.T) {
	h, err := parseHeader("enum { A, B, __A_MAX, A_MAX = __A_MAX - 1 }; enum { C, __C_MAX }; enum { D_MAX };")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"__A_MAX": true, "A_MAX": true, "__C_MAX": true}
	if got := h.sentinels(); !maps.Equal(got, want) {
		t.Errorf("sentinels = %v, want %v", got, want)
	}
}

const (
	patchAdd = `From 1111 Mon Sep 17 00:00:00 2001
Subject: [PATCH 1/3] add

---
 include/uapi/linux/x.h | 4 ++++
 net/x.c                | 1 +
 2 files changed, 5 insertions(+)

diff --git a/include/uapi/linux/x.h b/include/uapi/linux/x.h
new file mode 100644
index 000000000000..111111111111
--- /dev/null
+++ b/include/uapi/linux/x.h
@@ -0,0 +1,4 @@
+enum {
+	A,
+
+};
diff --git a/net/x.c b/net/x.c
new file mode 100644
--- /dev/null
+++ b/net/x.c
@@ -0,0 +1 @@
+-- not a trailer, a C decrement
-- 
2.39.2
`
	patchOther = `Subject: [PATCH 2/3] other

diff --git a/net/x.c b/net/x.c
--- a/net/x.c
+++ b/net/x.c
@@ -1 +1,2 @@
 -- not a trailer, a C decrement
+int x;
-- 
2.39.2
`
	patchChange = `Subject: [PATCH 3/3] change

diff --git a/include/uapi/linux/x.h b/include/uapi/linux/x.h
--- a/include/uapi/linux/x.h
+++ b/include/uapi/linux/x.h
@@ -1,4 +1,5 @@
 enum {
-	A,
+	A = 3,
+	B,
 
 };
-- 
2.39.2
`
	patchDelete = `Subject: [PATCH] delete

diff --git a/include/uapi/linux/x.h b/include/uapi/linux/x.h
deleted file mode 100644
--- a/include/uapi/linux/x.h
+++ /dev/null
@@ -1,5 +0,0 @@
-enum {
-	A = 3,
-	B,
-
-};
`
)

func TestHeaderFromPatches(t *testing.T) {
	const path = "include/uapi/linux/x.h"
	tests := []struct {
		name      string
		series    string // "" writes no series file
		patches   map[string]string
		wantText  string
		wantPatch string
		wantErr   string
	}{{
		name:    "none",
		patches: map[string]string{"0001-other.patch": patchOther},
	}, {
		name:      "added",
		patches:   map[string]string{"0001-add.patch": patchAdd},
		wantText:  "enum {\n\tA,\n\n};\n",
		wantPatch: "0001-add.patch",
	}, {
		name:      "added then changed, in series order",
		series:    "# the series\nb.patch\nc.patch\na.patch\n",
		patches:   map[string]string{"b.patch": patchAdd, "c.patch": patchOther, "a.patch": patchChange},
		wantText:  "enum {\n\tA = 3,\n\tB,\n\n};\n",
		wantPatch: "b.patch",
	}, {
		name:    "deleted",
		patches: map[string]string{"1.patch": patchAdd, "2.patch": patchChange, "3.patch": patchDelete},
	}, {
		name:    "changed before added",
		series:  "a.patch\nb.patch\n",
		patches: map[string]string{"a.patch": patchChange, "b.patch": patchAdd},
		wantErr: "a.patch: include/uapi/linux/x.h: changed before any patch created it",
	}, {
		name:    "hunk does not apply",
		patches: map[string]string{"1.patch": patchAdd, "2.patch": strings.Replace(patchChange, "-\tA,", "-\tZ,", 1)},
		wantErr: "2.patch: include/uapi/linux/x.h: hunk does not apply at line 2",
	}, {
		name:    "truncated",
		patches: map[string]string{"1.patch": patchAdd[:strings.Index(patchAdd, "+};")]},
		wantErr: "patch ends inside a hunk",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.series != "" {
				writeFile(t, filepath.Join(dir, "series"), tt.series)
			}
			for name, text := range tt.patches {
				writeFile(t, filepath.Join(dir, name), text)
			}
			text, patch, err := headerFromPatches(dir, path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantPatch != "" {
				tt.wantPatch = filepath.Join(dir, tt.wantPatch)
			}
			if text != tt.wantText || patch != tt.wantPatch {
				t.Errorf("got %q from %q, want %q from %q", text, patch, tt.wantText, tt.wantPatch)
			}
		})
	}
}

// TestHeaderFromGitFormatPatch checks the reassembly against a series
// that git itself wrote.
func TestHeaderFromGitFormatPatch(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	repo, out := t.TempDir(), t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.org"}, args...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, b)
		}
	}
	hdr := filepath.Join(repo, uapiHeaderPath)
	git("init", "-q")
	writeFile(t, filepath.Join(repo, "README"), "base\n")
	git("add", ".")
	git("commit", "-q", "-m", "base")
	git("tag", "base")
	first := "#define X 1\n\nenum {\n\tA,\n\tB,\n};\n"
	writeFile(t, hdr, first)
	git("add", ".")
	git("commit", "-q", "-m", "add")
	final := "#define X 2\n\nenum {\n\tA,\n\tB,\n\tC,\n};\n-- \n"
	writeFile(t, hdr, final)
	writeFile(t, filepath.Join(repo, "README"), "changed\n")
	git("commit", "-q", "-a", "-m", "change")
	git("format-patch", "-q", "-o", out, "base")

	text, patch, err := headerFromPatches(out, uapiHeaderPath)
	if err != nil {
		t.Fatal(err)
	}
	if text != final || !strings.HasPrefix(filepath.Base(patch), "0001-") {
		t.Errorf("got %q from %s, want %q from 0001-*", text, patch, final)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
