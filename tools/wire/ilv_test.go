package wire

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
)

func TestParseILV(t *testing.T) {
	tests := []struct {
		in      string
		want    ILV
		addr    string
		hosts   string
		wantErr string
	}{
		{
			in:    "d250-99ff-fed1-5a0c.2001+2+dd+dd",
			want:  ILV{L64: 0x2001_0002_00dd_00dd, NID: 0xd250_99ff_fed1_5a0c},
			addr:  "2001:2:dd:dd:d250:99ff:fed1:5a0c",
			hosts: "d250-99ff-fed1-5a0c.2001+2+dd+dd",
		},
		{
			in:    "2001:2:dd:dd::c",
			want:  ILV{L64: 0x2001_0002_00dd_00dd, NID: 0xc},
			addr:  "2001:2:dd:dd::c",
			hosts: "0-0-0-c.2001+2+dd+dd",
		},
		{
			in:    "0000-00-0-C.2001+0002+AA+aa", // leading zeros and upper case accepted
			want:  ILV{L64: 0x2001_0002_00aa_00aa, NID: 0xc},
			addr:  "2001:2:aa:aa::c",
			hosts: "0-0-0-c.2001+2+aa+aa",
		},
		{in: "::", want: ILV{}, addr: "::", hosts: "0-0-0-0.0+0+0+0"},
		{in: "d250-99ff-fed1.2001+2+dd+dd", wantErr: "3 groups"},
		{in: "d250-99ff-fed1-5a0c-1.2001+2+dd+dd", wantErr: "5 groups"},
		{in: "d250-99ff-fed1-5a0c", wantErr: "no '.'"},
		{in: "d250-99ff-fed1-5a0c.2001+2+dd", wantErr: "locator"},
		{in: "d250-99ff-fed1-12345.2001+2+dd+dd", wantErr: "1 to 4 hex digits"},
		{in: "d250-99ff-fed1-5a0g.2001+2+dd+dd", wantErr: "not hexadecimal"},
		{in: "d250--fed1-5a0c.2001+2+dd+dd", wantErr: "1 to 4 hex digits"},
		{in: "d250-99ff-fed1-5a0c.2001:2:dd:dd", wantErr: "locator"},
		{in: "192.0.2.1", wantErr: "not an IPv6"},
		{in: "::ffff:192.0.2.1", wantErr: "not an IPv6"},
		{in: "fe80::1%eth0", wantErr: "zoned"},
		{in: "nonsense", wantErr: "parse IL-V"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseILV(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseILV(%q) error = %v, want one containing %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseILV(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("ParseILV(%q) = %#v, want %#v", tc.in, got, tc.want)
			}
			if s := got.String(); s != tc.addr {
				t.Errorf("String() = %q, want %q", s, tc.addr)
			}
			if s := got.HostsForm(); s != tc.hosts {
				t.Errorf("HostsForm() = %q, want %q", s, tc.hosts)
			}
			back, err := ParseILV(got.HostsForm())
			if err != nil || back != got {
				t.Errorf("ParseILV(HostsForm()) = %v, %v; want %v", back, err, got)
			}
			if a := got.Addr(); a != netip.MustParseAddr(tc.addr) {
				t.Errorf("Addr() = %v, want %v", a, tc.addr)
			}
		})
	}
}

func TestILVParts(t *testing.T) {
	v := ILV{L64: 0x2001_0002_00dd_00dd, NID: 0xd250_99ff_fed1_5a0c}
	if s := v.NID.String(); s != "d250:99ff:fed1:5a0c" {
		t.Errorf("NID.String() = %q", s)
	}
	if s := v.L64.String(); s != "2001:2:dd:dd" {
		t.Errorf("L64.String() = %q", s)
	}
	if got := ILVFrom16(v.As16()); got != v {
		t.Errorf("ILVFrom16(As16()) = %v, want %v", got, v)
	}
	b, err := json.Marshal(struct {
		V ILV
		N NID
		L L64
	}{v, v.NID, v.L64})
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"V":"2001:2:dd:dd:d250:99ff:fed1:5a0c","N":"d250:99ff:fed1:5a0c","L":"2001:2:dd:dd"}`
	if string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
	var back struct {
		V ILV
		N NID
		L L64
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.V != v || back.N != v.NID || back.L != v.L64 {
		t.Errorf("json round trip = %+v", back)
	}
	var n NID
	if err := n.UnmarshalText([]byte("d250-99ff-fed1-5a0c")); err != nil || n != v.NID {
		t.Errorf("NID hosts form: %v, %v", n, err)
	}
	var l L64
	if err := l.UnmarshalText([]byte("2001+2+dd+dd")); err != nil || l != v.L64 {
		t.Errorf("L64 hosts form: %v, %v", l, err)
	}
}

func TestParseHosts(t *testing.T) {
	const file = `# ILNP hosts
d250-99ff-fed1-5a0c.2001+2+dd+dd mn-ddd-ilnp   # the mobile node

0-0-0-c.2001+2+dd+dd	cn cn.example
`
	got, err := ParseHosts(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"d250-99ff-fed1-5a0c.2001+2+dd+dd mn-ddd-ilnp",
		"0-0-0-c.2001+2+dd+dd cn cn.example",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if s := got[i].String(); s != want[i] {
			t.Errorf("entry %d = %q, want %q", i, s, want[i])
		}
	}
	if got[0].ILV.NID != 0xd250_99ff_fed1_5a0c || got[0].ILV.L64 != 0x2001_0002_00dd_00dd {
		t.Errorf("entry 0 ILV = %v", got[0].ILV)
	}

	for _, bad := range []string{
		"d250-99ff-fed1-5a0c.2001+2+dd+dd\n",  // no name
		"x\nd250-99ff-fed1.2001+2+dd+dd mn\n", // bad ILV
	} {
		_, err := ParseHosts(strings.NewReader(bad))
		if err == nil || !strings.Contains(err.Error(), "line ") {
			t.Errorf("ParseHosts(%q) error = %v, want a line-numbered error", bad, err)
		}
	}
}
