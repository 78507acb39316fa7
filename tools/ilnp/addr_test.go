package ilnp

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
			if got.IsZero() != (tc.addr == "::") {
				t.Errorf("IsZero() = %v", got.IsZero())
			}
		})
	}
}

func TestILVConversions(t *testing.T) {
	v := ILV{L64: 0x2001_0002_00dd_00dd, NID: 0xd250_99ff_fed1_5a0c}
	b16 := [16]byte{0x20, 0x01, 0, 2, 0, 0xdd, 0, 0xdd, 0xd2, 0x50, 0x99, 0xff, 0xfe, 0xd1, 0x5a, 0x0c}
	if got := v.As16(); got != b16 {
		t.Errorf("As16() = %x, want %x", got, b16)
	}
	if got := ILVFrom16(b16); got != v {
		t.Errorf("ILVFrom16 = %v, want %v", got, v)
	}
	tests := []struct {
		addr    netip.Addr
		want    ILV
		wantErr string
	}{
		{addr: netip.MustParseAddr("2001:2:dd:dd:d250:99ff:fed1:5a0c"), want: v},
		{addr: netip.MustParseAddr("::c"), want: ILV{NID: 0xc}},
		{addr: netip.Addr{}, wantErr: "invalid address"},
		{addr: netip.MustParseAddr("192.0.2.1"), wantErr: "not an IPv6 address"},
		{addr: netip.MustParseAddr("::ffff:192.0.2.1"), wantErr: "not an IPv6 address"},
		{addr: netip.MustParseAddr("fe80::1%eth0"), wantErr: "zoned"},
	}
	for _, tt := range tests {
		got, err := ILVFromAddr(tt.addr)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ILVFromAddr(%v) = %v, %v; want error %q", tt.addr, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want || got.Addr() != tt.addr {
			t.Errorf("ILVFromAddr(%v) = %v, %v; want %v and back", tt.addr, got, err, tt.want)
		}
	}
}

func TestText(t *testing.T) {
	v := ILV{L64: 0x2001_0002_00dd_00dd, NID: 0xd250_99ff_fed1_5a0c}
	type doc struct {
		V ILV
		N NID
		L L64
		Z ILV `json:",omitzero"`
	}
	b, err := json.Marshal(doc{V: v, N: v.NID, L: v.L64})
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"V":"2001:2:dd:dd:d250:99ff:fed1:5a0c","N":"d250:99ff:fed1:5a0c","L":"2001:2:dd:dd"}`
	if string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
	var back doc
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.V != v || back.N != v.NID || back.L != v.L64 {
		t.Errorf("json round trip = %+v", back)
	}

	tests := []struct {
		in      string
		nid     bool // NID, else L64
		want    uint64
		out     string
		wantErr string
	}{
		{in: "d250:99ff:fed1:5a0c", nid: true, want: 0xd250_99ff_fed1_5a0c, out: "d250:99ff:fed1:5a0c"},
		{in: "d250-99ff-fed1-5a0c", nid: true, want: 0xd250_99ff_fed1_5a0c, out: "d250:99ff:fed1:5a0c"},
		{in: "0000:0000:0000:000C", nid: true, want: 0xc, out: "0:0:0:c"},
		{in: "ffff:ffff:ffff:ffff", nid: true, want: 1<<64 - 1, out: "ffff:ffff:ffff:ffff"},
		{in: "2001+2+dd+dd", want: 0x2001_0002_00dd_00dd, out: "2001:2:dd:dd"},
		{in: "2001:2:dd:dd", want: 0x2001_0002_00dd_00dd, out: "2001:2:dd:dd"},
		{in: "2001-2-dd-dd", wantErr: "want four hex groups"}, // '-' is the NID's separator
		{in: "::c", nid: true, wantErr: "3 groups"},
		{in: "1:2::3", nid: true, wantErr: `group "": want 1 to 4`},
		{in: "1:2:3", nid: true, wantErr: "3 groups"},
		{in: "1:2:3:12345", nid: true, wantErr: `group "12345": want 1 to 4`},
		{in: "1:2:3:x", nid: true, wantErr: `group "x": not hexadecimal`},
	}
	for _, tt := range tests {
		var got uint64
		var s string
		var err error
		if tt.nid {
			var n NID
			err = n.UnmarshalText([]byte(tt.in))
			got, s = uint64(n), n.String()
		} else {
			var l L64
			err = l.UnmarshalText([]byte(tt.in))
			got, s = uint64(l), l.String()
		}
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("UnmarshalText(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want || s != tt.out {
			t.Errorf("UnmarshalText(%q) = %#x (%s), %v; want %#x (%s)", tt.in, got, s, err, tt.want, tt.out)
		}
	}
}

func TestParseNID(t *testing.T) {
	tests := []struct {
		in      string
		want    NID
		wantErr string
	}{
		{in: "d250:99ff:fed1:5a0c", want: 0xd250_99ff_fed1_5a0c},
		{in: "d250-99ff-fed1-5a0c", want: 0xd250_99ff_fed1_5a0c},
		{in: "0:0:0:c", want: 0xc},
		{in: "::c", want: 0xc},
		{in: "::d250:99ff:fed1:5a0c", want: 0xd250_99ff_fed1_5a0c},
		{in: "::", want: 0},
		{in: "1::2", wantErr: `"1::2": not a NID: its upper 64 bits (1:0:0:0) are not zero`},
		{in: "2001:2:dd:dd::c", wantErr: "are not zero"},
		{in: "d250-99ff-fed1-5a0c.2001+2+dd+dd", wantErr: "not a NID"},
		{in: "1:2:3", wantErr: "not a NID"},
		{in: "1:2:3:12345", wantErr: "not a NID: want four hexadecimal groups"},
		{in: "d250-99ff-fed1-5a0g", wantErr: "want four hexadecimal groups"},
		{in: "::ffff:192.0.2.1", wantErr: "not a NID"},
		{in: "c", wantErr: "not a NID"},
		{in: "", wantErr: "not a NID"},
	}
	for _, tt := range tests {
		got, err := ParseNID(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseNID(%q) = %v, %v; want error %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseNID(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}
