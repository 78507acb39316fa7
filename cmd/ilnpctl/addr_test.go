package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

const (
	mnNID  ilnp.NID = 0xd250_99ff_fed1_5a0c
	l64AA  ilnp.L64 = 0x2001_0002_00aa_00aa
	l64BB  ilnp.L64 = 0x2001_0002_00bb_00bb
	l64DD  ilnp.L64 = 0x2001_0002_00dd_00dd
	cnNID  ilnp.NID = 0xc
	cnAddr          = "2001:2:dd:dd::c"
)

func TestParseILV(t *testing.T) {
	tests := []struct {
		in      string
		want    ilnp.ILV
		wantErr string
	}{
		{in: "2001:2:dd:dd:d250:99ff:fed1:5a0c", want: ilnp.ILV{L64: l64DD, NID: mnNID}},
		{in: cnAddr, want: ilnp.ILV{L64: l64DD, NID: cnNID}},
		{in: "d250-99ff-fed1-5a0c.2001+2+dd+dd", want: ilnp.ILV{L64: l64DD, NID: mnNID}},
		{in: "0-0-0-c.2001+2+aa+aa", want: ilnp.ILV{L64: l64AA, NID: cnNID}},
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
		want    ilnp.NID
		wantErr string
	}{
		// Without anyILV, as ilnp.ParseNID (tested there).
		{in: "d250-99ff-fed1-5a0c", want: mnNID},
		{in: "::c", want: cnNID},
		{in: cnAddr, wantErr: "upper 64 bits (2001:2:dd:dd) are not zero"},
		{in: "d250-99ff-fed1-5a0c.2001+2+dd+dd", wantErr: "not a NID"},
		// With anyILV, an IL-V stands for its NID.
		{in: cnAddr, anyILV: true, want: cnNID},
		{in: "d250-99ff-fed1-5a0c.2001+2+dd+dd", anyILV: true, want: mnNID},
		{in: "d250:99ff:fed1:5a0c", anyILV: true, want: mnNID},
		{in: "::c", anyILV: true, want: cnNID},
		{in: "d250-99ff-fed1-5a0c.2001+2+dd", anyILV: true, wantErr: "locator: 3 groups"},
		{in: "1:2:3", anyILV: true, wantErr: "not a NID"},
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
		in   []ilnp.ILV
		want []ilnpnl.Peer
	}{{
		name: "one",
		in:   []ilnp.ILV{{L64: l64DD, NID: cnNID}},
		want: []ilnpnl.Peer{{NID: cnNID, Locators: []ilnpnl.Locator{{L64: l64DD}}}},
	}, {
		name: "same NID, several L64s, duplicates once, first-seen order",
		in:   []ilnp.ILV{{L64: l64BB, NID: mnNID}, {L64: l64DD, NID: cnNID}, {L64: l64AA, NID: mnNID}, {L64: l64BB, NID: mnNID}},
		want: []ilnpnl.Peer{
			{NID: mnNID, Locators: []ilnpnl.Locator{{L64: l64BB}, {L64: l64AA}}},
			{NID: cnNID, Locators: []ilnpnl.Locator{{L64: l64DD}}},
		},
	}}
	for _, tt := range tests {
		if got := groupPeers(targetsOf(tt.in)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: groupPeers = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestReadHosts(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		want    []ilnp.ILV
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
		want: []ilnp.ILV{{L64: l64AA, NID: mnNID}, {L64: l64BB, NID: mnNID}, {L64: l64DD, NID: cnNID}},
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
		ts, err := readHosts(strings.NewReader(tt.file), func(int, string) {})
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
		if got := targetsOf(tt.want); !reflect.DeepEqual(ts, got) {
			t.Errorf("%s: got %v, want %v", tt.name, ts, got)
		}
	}
}
