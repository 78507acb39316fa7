package main

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		wantNames []string
		wantInts  map[string]int64
		wantStrs  map[string]string
		comments  map[string]string
		sentinels []string
		wantErr   string
	}{{
		name: "defines",
		src: `#ifndef _X_H
#define _X_H
#include <linux/types.h>
#define NAME "ilnp" /* a "quoted" comment */
#define ESC "a\"b"
#define ONE 1
#define HEX 0x1fU	/* hex */
#define BIT2 (1U << 2)	// trailing
#define EXPR (HEX | BIT2) - ONE
#endif`,
		wantNames: []string{"NAME", "ESC", "ONE", "HEX", "BIT2", "EXPR"},
		wantInts:  map[string]int64{"ONE": 1, "HEX": 31, "BIT2": 4, "EXPR": 30},
		wantStrs:  map[string]string{"NAME": "ilnp", "ESC": `a"b`},
		comments:  map[string]string{"NAME": `a "quoted" comment`, "HEX": "hex"},
	}, {
		name: "enums, comments over lines, sentinels",
		src: `/* enum state: a comment before, not on a member's line */
enum state {
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
};
enum { C, __C_MAX };`,
		wantNames: []string{"S_VALID", "S_ACTIVE", "A_UNSPEC", "A_X", "A_Y", "__A_MAX", "A_MAX", "C", "__C_MAX"},
		wantInts: map[string]int64{"S_VALID": 1, "S_ACTIVE": 2, "A_UNSPEC": 0, "A_X": 1, "A_Y": 2, "__A_MAX": 3, "A_MAX": 2,
			"C": 0, "__C_MAX": 1},
		wantStrs:  map[string]string{},
		comments:  map[string]string{"S_VALID": "first,", "A_X": "comment, over lines"},
		sentinels: []string{"A_MAX", "__A_MAX", "__C_MAX"},
	}, {
		name: "undefined name", src: "#define X (Y + 1)", wantErr: "Y is not defined",
	}, {
		name: "function-like macro", src: "#define F(x) (x)", wantErr: "function-like",
	}, {
		name: "bad enum member", src: "enum { A = 1 +, };", wantErr: "enum member A",
	}, {
		name: "duplicate", src: "enum { A }; enum { A };", wantErr: "A defined twice",
	}, {
		name: "duplicate define", src: "#define A \"a\"\nenum { A };", wantErr: "A defined twice",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := parseHeader(tt.src)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(h.names, tt.wantNames) || !maps.Equal(h.ints, tt.wantInts) || !maps.Equal(h.strs, tt.wantStrs) {
				t.Errorf("names %v\nints %v\nstrs %v\nwant %v\n%v\n%v", h.names, h.ints, h.strs, tt.wantNames, tt.wantInts, tt.wantStrs)
			}
			if tt.comments != nil && !maps.Equal(h.comments, tt.comments) {
				t.Errorf("comments %q, want %q", h.comments, tt.comments)
			}
			if got := slices.Sorted(maps.Keys(h.sentinel)); !slices.Equal(got, tt.sentinels) {
				t.Errorf("sentinels %v, want %v", got, tt.sentinels)
			}
		})
	}
}

func TestGoName(t *testing.T) {
	tests := []struct{ c, want string }{
		{"ILNP_A_LU_RTT_US", "attrLURTTUS"},
		{"ILNP_PEER_A_IDLE_MS", "peerAttrIdleMS"},
		{"ILNP_PEER_F_IPV6_ONLY", "PeerIPv6Only"},
		{"ILNP_STATS_A_BAD_NONCE", "StatBadNonce"},
		{"ILNP_STATS_A_PAD", "statsAttrPad"},
		{"ILNP_LOC_A_DRR_SCORE", "locAttrDRRScore"},
		{"ILNP_CMD_NID_SET", "cmdNIDSet"},
		{"ILNP_GENL_EVENTS_GROUP", "FamilyEventsGroup"},
		{"ILNP_LOC_STATE_ACTIVE", "LocatorActive"},
		{"ILNP_EVENT_LU_ACKED", "EventLUAcked"},
		{"ILNP_PATH_PROBING", "PathProbing"},
		{"ILNP_PATH_A_SILENT_MS", "pathAttrSilentMS"}, // the longer prefix, not ILNP_PATH_
		{"ILNP_PATH_A_LOCAL", "pathAttrLocal"},
		{"ILNP_ICMPV6_LU", "uapiICMPv6LU"}, // no group of its own
		{"ILNP_CFG_A_NONCE_LEN", "uapiCfgANonceLen"},
	}
	for _, tt := range tests {
		g, suffix, ok := groupOf(tt.c)
		if !ok {
			t.Errorf("%s: no group", tt.c)
			continue
		}
		got := goName(g.goPrefix, suffix)
		if slices.Contains(g.notTable, suffix) {
			got = goName(g.notTablePrefix, suffix)
		}
		if got != tt.want {
			t.Errorf("%s -> %s, want %s", tt.c, got, tt.want)
		}
	}
	if _, _, ok := groupOf("IPV6_X"); ok {
		t.Error("a name without the ILNP_ prefix has a group")
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct{ spec, comment, want string }{
		{"From the spec.", "u8: from the header", "From the spec."},
		{"", "registered by an administrator", "registered by an administrator"},
		{"", "u8: length of nonces we send, 4 or 12", "length of nonces we send, 4 or 12"},
		{"", "binary, struct in6_addr: what sockets see as local", "what sockets see as local"},
		{"", "u64, each counter below too", ""},
		{"", "nest, ILNP_PEER_A_*", ""},
		{"", "__be64", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := describe(tt.spec, tt.comment); got != tt.want {
			t.Errorf("describe(%q, %q) = %q, want %q", tt.spec, tt.comment, got, tt.want)
		}
	}
}

func TestSpecDocs(t *testing.T) {
	const spec = `
name: ilnp
attribute-sets:
  - name: stats
    name-prefix: ilnp-stats-a-
    attributes:
      - { name: pkts-in, type: u64, doc: Packets received
          with a valid nonce. }
      - { name: pad, type: pad }
  - name: other
    attributes:
      - { name: x, doc: Default prefix. }
operations:
  list:
    - { name: peer-add, doc: Register a correspondent. }
`
	got, err := specDocs([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"ILNP_STATS_A_PKTS_IN": "Packets received with a valid nonce.",
		"ILNP_A_OTHER_X":       "Default prefix.",
		"ILNP_CMD_PEER_ADD":    "Register a correspondent.",
	}
	if !maps.Equal(got, want) {
		t.Errorf("docs %q, want %q", got, want)
	}
	if _, err := specDocs([]byte("name: [")); err == nil {
		t.Error("bad YAML parsed")
	}
}

// TestEmit: the groups' constants, their tables and the counter table
// from a small header; a clash of Go names is an error.
func TestEmit(t *testing.T) {
	h, err := parseHeader(`#define ILNP_GENL_NAME "ilnp"
enum { ILNP_STATS_A_UNSPEC, ILNP_STATS_A_PAD, ILNP_STATS_A_PKTS_IN, /* u64, as all */ ILNP_STATS_A_BAD_NONCE, __ILNP_STATS_A_MAX };
#define ILNP_PEER_F_STATIC (1U << 0) /* registered by an administrator */
enum ilnp_path_state {
	ILNP_PATH_UP = 1,	/* carries them */
	ILNP_PATH_DOWN,
};
enum { ILNP_PATH_A_UNSPEC, ILNP_PATH_A_L64, ILNP_PATH_A_PAD, __ILNP_PATH_A_MAX };
`)
	if err != nil {
		t.Fatal(err)
	}
	src, err := emit(h, map[string]string{"ILNP_STATS_A_BAD_NONCE": "Dropped for a wrong nonce."})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"// Code generated by tools/ilnpnl/internal/gen from the kernel series; DO NOT EDIT.\n",
		`FamilyName = "ilnp" // ILNP_GENL_NAME`,
		"statsAttrPad = 1 // ILNP_STATS_A_PAD",
		"StatPktsIn   Stat = 2 // ILNP_STATS_A_PKTS_IN",
		"StatBadNonce Stat = 3 // ILNP_STATS_A_BAD_NONCE: Dropped for a wrong nonce.",
		`{Stat: StatPktsIn, CName: "ILNP_STATS_A_PKTS_IN", Name: "pkts_in", Doc: ""},`,
		`{Stat: StatBadNonce, CName: "ILNP_STATS_A_BAD_NONCE", Name: "bad_nonce", Doc: "Dropped for a wrong nonce."},`,
		"PeerStatic PeerFlags = 0x1 // ILNP_PEER_F_STATIC: registered by an administrator",
		`PeerStatic: "static",`,
		"PathUp   PathState = 1 // ILNP_PATH_UP: carries them",
		"PathDown PathState = 2 // ILNP_PATH_DOWN",
		"var pathStateNames = map[PathState]string{ PathUp: \"up\", PathDown: \"down\", }",
		"pathAttrL64 uint16 = 1 // ILNP_PATH_A_L64",
		"pathAttrPad uint16 = 2 // ILNP_PATH_A_PAD",
	} {
		if !strings.Contains(fold(string(src)), fold(want)) {
			t.Errorf("no %q in\n%s", want, src)
		}
	}
	for _, unwanted := range []string{"MAX", "StatPad", "StatUnspec", `"pad"`, "uapiPath", "PathA"} {
		if strings.Contains(string(src), unwanted) {
			t.Errorf("%q in\n%s", unwanted, src)
		}
	}
	h, err = parseHeader("enum { ILNP_A_NID, ILNP_A_N_ID };")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := emit(h, nil); err == nil || !strings.Contains(err.Error(), "ILNP_A_NID and ILNP_A_N_ID both become attrNID") {
		t.Errorf("a clash: error %v", err)
	}
}

// fold folds runs of white space, as gofmt's alignment varies them.
func fold(s string) string { return strings.Join(strings.Fields(s), " ") }
