package ilnp

import (
	"strings"
	"testing"
)

func TestParseHosts(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		want    []string // entries as String() writes them
		lines   []int
		wantErr string
	}{{
		name: "IL-V entries",
		file: `# ILNP hosts
d250-99ff-fed1-5a0c.2001+2+dd+dd mn-ddd-ilnp   # the mobile node

0-0-0-c.2001+2+dd+dd	cn cn.example
`,
		want:  []string{"d250-99ff-fed1-5a0c.2001+2+dd+dd mn-ddd-ilnp", "0-0-0-c.2001+2+dd+dd cn cn.example"},
		lines: []int{2, 4},
	}, {
		name: "among ordinary entries, as in /etc/hosts",
		file: "127.0.0.1\tlocalhost\n::1 localhost ip6-localhost\nd250-99ff-fed1-5a0c.2001+2+aa+aa mn\n2001:2:dd:dd::c cn-ipv6\n",
		want: []string{"d250-99ff-fed1-5a0c.2001+2+aa+aa mn"}, lines: []int{3},
	}, {
		name: "nothing", file: "# nothing\n\n127.0.0.1 localhost\n",
	}, {
		name: "no name", file: "d250-99ff-fed1-5a0c.2001+2+dd+dd\n", wantErr: "line 1: hosts line",
	}, {
		name: "bad IL-V", file: "x y\n", wantErr: `line 1: parse IL-V "x"`,
	}, {
		name: "bad group", file: "# h\nd250-99ff-fed1.2001+2+dd+dd mn\n", wantErr: "line 2: parse IL-V",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHosts(strings.NewReader(tt.file))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d entries, want %d: %v", len(got), len(tt.want), got)
			}
			for i := range got {
				if got[i].String() != tt.want[i] || got[i].Line != tt.lines[i] {
					t.Errorf("entry %d = %q at line %d, want %q at line %d", i, got[i], got[i].Line, tt.want[i], tt.lines[i])
				}
			}
		})
	}
}

func TestParseHostsLine(t *testing.T) {
	e, ok, err := ParseHostsLine("d250-99ff-fed1-5a0c.2001+2+dd+dd mn-ddd-ilnp mn # comment")
	if err != nil || !ok || e.ILV != (ILV{L64: 0x2001_0002_00dd_00dd, NID: 0xd250_99ff_fed1_5a0c}) || strings.Join(e.Names, ",") != "mn-ddd-ilnp,mn" {
		t.Errorf("ParseHostsLine = %+v, %v, %v", e, ok, err)
	}
	for _, blank := range []string{"", "   ", "# only a comment"} {
		if _, ok, err := ParseHostsLine(blank); ok || err != nil {
			t.Errorf("ParseHostsLine(%q) = %v, %v; want nothing", blank, ok, err)
		}
	}
}
