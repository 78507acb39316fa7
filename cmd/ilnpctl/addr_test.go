package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

const (
	mnNID  ilnpnl.NID = 0xd250_99ff_fed1_5a0c
	l64AA  ilnpnl.L64 = 0x2001_0002_00aa_00aa
	l64BB  ilnpnl.L64 = 0x2001_0002_00bb_00bb
	l64DD  ilnpnl.L64 = 0x2001_0002_00dd_00dd
	cnNID  ilnpnl.NID = 0xc
	cnAddr            = "2001:2:dd:dd::c"
)

func TestParseILV(t *testing.T) {
	tests := []struct {
		in      string
		want    ilv
		wantErr string
	}{
		{in: "2001:2:dd:dd:d250:99ff:fed1:5a0c", want: ilv{l64DD, mnNID}},
		{in: cnAddr, want: ilv{l64DD, cnNID}},
		{in: "d250-99ff-fed1-5a0c.2001+2+dd+dd", want: ilv{l64DD, mnNID}},
		{in: "0-0-0-c.2001+2+aa+aa", want: ilv{l64AA, cnNID}},
		{in: "2001:2:dd:dd::", wantErr: "no identifier"},
		{in: "::c", wantErr: "no locator"},
		{in: "fe80::1", wantErr: "not a global unicast address"},
		{in: "ff02::1", wantErr: "not a global unicast address"},
		{in: "192.0.2.1", wantErr: "not an IL-V"},
		{in: "::ffff:192.0.2.1", wantErr: "not an IL-V"},
		{in: "2001:2:dd:dd::c%eth0", wantErr: "not an IL-V"},
		{in: "mn", wantErr: "not an IL-V"},
		{in: "d250-99ff-fed1.2001+2+dd+dd", wantErr: "3 groups"},
		{in: "0-0-0-0.2001+2+dd+dd", wantErr: "no identifier"},
	}
	for _, tt := range tests {
		got, err := parseILV(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseILV(%q) = %v, %v; want error %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseILV(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseNID(t *testing.T) {
	tests := []struct {
		in      string
		anyILV  bool
		want    ilnpnl.NID
		wantErr string
	}{
		{in: "d250:99ff:fed1:5a0c", want: mnNID},
		{in: "d250-99ff-fed1-5a0c", want: mnNID},
		{in: "0:0:0:c", want: cnNID},
		{in: "::c", want: cnNID},
		{in: "::d250:99ff:fed1:5a0c", want: mnNID},
		{in: "::", want: 0},
		{in: "1::2", wantErr: "upper 64 bits (1:0:0:0) are not zero"},
		{in: cnAddr, wantErr: "not zero"},
		{in: cnAddr, anyILV: true, want: cnNID},
		{in: "d250-99ff-fed1-5a0c.2001+2+dd+dd", anyILV: true, want: mnNID},
		{in: "d250-99ff-fed1-5a0c.2001+2+dd+dd", wantErr: "not a NID"},
		{in: "1:2:3", wantErr: "not a NID"},
		{in: "1:2:3:12345", wantErr: "want four hexadecimal groups"},
		{in: "d250-99ff-fed1-5a0g", wantErr: "want four hexadecimal groups"},
		{in: "c", wantErr: "not a NID"},
	}
	for _, tt := range tests {
		got, err := parseNID(tt.in, tt.anyILV)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseNID(%q, %v) = %v, %v; want error %q", tt.in, tt.anyILV, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseNID(%q, %v) = %v, %v; want %v", tt.in, tt.anyILV, got, err, tt.want)
		}
	}
}

func TestGroupPeers(t *testing.T) {
	tests := []struct {
		name string
		in   []ilv
		want []ilnpnl.Peer
	}{{
		name: "one",
		in:   []ilv{{l64DD, cnNID}},
		want: []ilnpnl.Peer{{NID: cnNID, Locators: []ilnpnl.Locator{{L64: l64DD}}}},
	}, {
		name: "same NID, several L64s, duplicates once, first-seen order",
		in:   []ilv{{l64BB, mnNID}, {l64DD, cnNID}, {l64AA, mnNID}, {l64BB, mnNID}},
		want: []ilnpnl.Peer{
			{NID: mnNID, Locators: []ilnpnl.Locator{{L64: l64BB}, {L64: l64AA}}},
			{NID: cnNID, Locators: []ilnpnl.Locator{{L64: l64DD}}},
		},
	}}
	for _, tt := range tests {
		if got := groupPeers(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: groupPeers = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestReadHosts(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		want    []ilv
		wantErr string
	}{{
		name: "paper syntax among ordinary entries",
		file: `# /etc/hosts
127.0.0.1	localhost
::1		localhost ip6-localhost

d250-99ff-fed1-5a0c.2001+2+aa+aa mn-aaa-ilnp   # the MN on aa
d250-99ff-fed1-5a0c.2001+2+bb+bb mn-bbb-ilnp
0-0-0-c.2001+2+dd+dd	cn cn.example
2001:2:dd:dd::c	cn-ipv6
`,
		want: []ilv{{l64AA, mnNID}, {l64BB, mnNID}, {l64DD, cnNID}},
	}, {
		name:    "bad IL-V names its line",
		file:    "# peers\n\nd250-99ff-fed1-5a0c.2001+2+aa+aa mn\nd250-99ff-fed1.2001+2+bb+bb mn\n",
		wantErr: "line 4: parse IL-V",
	}, {
		name:    "no name",
		file:    "0-0-0-c.2001+2+dd+dd\n",
		wantErr: "line 1: hosts line",
	}, {
		name:    "zero NID",
		file:    "\n0-0-0-0.2001+2+dd+dd zero\n",
		wantErr: "line 2: \"0-0-0-0.2001+2+dd+dd\": no identifier",
	}, {
		name:    "nothing to load",
		file:    "127.0.0.1 localhost\n# nothing\n",
		wantErr: "no IL-V entries",
	}}
	for _, tt := range tests {
		entries, err := readHosts(strings.NewReader(tt.file))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error = %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		var got []ilv
		for _, e := range entries {
			got = append(got, e.ilv)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
