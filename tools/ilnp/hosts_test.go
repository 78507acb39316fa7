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

func TestParseHostsAddr(t *testing.T) {
	mn := ILV{L64: 0x2001_0002_00dd_00dd, NID: 0xd250_99ff_fed1_5a0c}
	cn := ILV{L64: 0x2001_0002_00dd_00dd, NID: 0xc}
	tests := []struct {
		in      string
		want    ILV
		order   HostsOrder
		pref    int    // -1: none
		warning string // a substring; "" for none
		wantErr string
	}{
		{in: "d250-99ff-fed1-5a0c.2001+2+dd+dd", want: mn, order: NIDFirst, pref: -1},
		{in: "2001+2+dd+dd.d250-99ff-fed1-5a0c", want: mn, order: LocatorFirst, pref: -1},
		{in: "0-0-0-c.2001+2+dd+dd/10", want: cn, order: NIDFirst, pref: 10},
		{in: "2001+2+dd+dd.0-0-0-c/0", want: cn, order: LocatorFirst, pref: 0},
		{in: "2001+2+dd+dd.0-0-0-c/65535", want: cn, order: LocatorFirst, pref: 65535},
		// The separators do not tell; only one half is in 2000::/3.
		{in: "0-0-0-c.2001-2-dd-dd", want: cn, order: NIDFirst, pref: -1, warning: `joined by '-': read NID first`},
		{in: "2001+2+dd+dd.0+0+0+c", want: cn, order: LocatorFirst, pref: -1, warning: `joined by '+': read locator first`},
		{in: "2001-2-dd-dd.0-0-0-c/5", want: cn, order: LocatorFirst, pref: 5, warning: "read locator first"},
		// Ambiguous: both or neither half can be a locator.
		{in: "2001-2-dd-dd.2001-2-aa-aa", wantErr: "ambiguous"},
		{in: "d250+99ff+fed1+5a0c.0+0+0+c", wantErr: "ambiguous"},
		{in: "0-0-0-c.0-0-0-d", wantErr: "ambiguous"},
		// Malformed.
		{in: "d250-99ff-fed1-5a0c", wantErr: "no '.'"},
		{in: "0-0-0-c.2001+2+dd+dd.1", wantErr: "more than one '.'"},
		{in: "0-0+0-c.2001+2+dd+dd", wantErr: "mixes"},
		{in: "0-0-0-c.2001:2:dd:dd", wantErr: "want four groups joined"},
		{in: "0-0-0.2001+2+dd+dd", wantErr: "NID: 3 groups"},
		{in: "2001+2+dd.0-0-0-c", wantErr: "locator: 3 groups"},
		{in: "0-0-0-c.2001+2+dd+dd/", wantErr: "preference"},
		{in: "0-0-0-c.2001+2+dd+dd/65536", wantErr: "preference"},
		{in: "0-0-0-c.2001+2+dd+dd/-1", wantErr: "preference"},
		{in: "0-0-0-c.20011+2+dd+dd", wantErr: "1 to 4 hex digits"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseHostsAddr(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseHostsAddr = %+v, %v; want an error with %q", got, err, tt.wantErr)
				}
				if _, err := ParseHostsILV(tt.in); err == nil {
					t.Errorf("ParseHostsILV accepted it")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ILV != tt.want || got.Order != tt.order {
				t.Errorf("got %v (%s), want %v (%s)", got.ILV, got.Order, tt.want, tt.order)
			}
			switch {
			case tt.pref < 0 && got.Preference != nil:
				t.Errorf("preference %d, want none", *got.Preference)
			case tt.pref >= 0 && (got.Preference == nil || int(*got.Preference) != tt.pref):
				t.Errorf("preference %v, want %d", got.Preference, tt.pref)
			}
			if tt.warning == "" && got.Warning != "" || !strings.Contains(got.Warning, tt.warning) {
				t.Errorf("warning %q, want %q", got.Warning, tt.warning)
			}
			// ParseHostsILV (and so ParseILV) takes only what is clear
			// and has no preference.
			v, err := ParseHostsILV(tt.in)
			if clear := tt.warning == "" && tt.pref < 0; clear != (err == nil) || clear && v != tt.want {
				t.Errorf("ParseHostsILV = %v, %v; clear form: %v", v, err, clear)
			}
		})
	}
}

func TestParseHostsBothOrders(t *testing.T) {
	file := `# the paper's order, St Andrews' order, and one to guess
d250-99ff-fed1-5a0c.2001+2+aa+aa/10  mn-aaa
2001+2+bb+bb.d250-99ff-fed1-5a0c/20  mn-bbb
0-0-0-c.2001-2-dd-dd                 cn
`
	got, err := ParseHosts(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"d250-99ff-fed1-5a0c.2001+2+aa+aa/10 mn-aaa", "d250-99ff-fed1-5a0c.2001+2+bb+bb/20 mn-bbb", "0-0-0-c.2001+2+dd+dd cn"}
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d: %v", len(got), len(want), got)
	}
	for i := range got {
		if got[i].String() != want[i] {
			t.Errorf("entry %d = %q, want %q", i, got[i], want[i])
		}
		if (got[i].Warning != "") != (i == 2) {
			t.Errorf("entry %d: warning %q", i, got[i].Warning)
		}
	}
	if _, err := ParseHosts(strings.NewReader("0-0-0-c.0-0-0-d cn\n")); err == nil || !strings.Contains(err.Error(), "line 1: parse IL-V") {
		t.Errorf("an ambiguous line: error %v", err)
	}
}
