package ilnpdns

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/miekg/dns"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpdns/dnstest"
)

// zone is the example.test. zone the tests' server answers from.
const zone = `
cn.example.test.     60 IN NID 10 0000:0000:0000:000c
cn.example.test.     30 IN L64 10 2001:0002:00dd:00dd
cn.example.test.     60 IN L64 20 2001:0002:00ff:00ff
mn.example.test.     60 IN NID 10 d250:99ff:fed1:5a0c
mn.example.test.     60 IN NID 5 d250:99ff:fed1:5a0d
mn.example.test.    120 IN LP 20 net2.example.test.
mn.example.test.    120 IN LP 10 net1.example.test.
net1.example.test.  300 IN L64 10 2001:0002:00aa:00aa
net2.example.test.   40 IN L64 10 2001:0002:00bb:00bb
net2.example.test.   40 IN L64 30 2001:0002:00cc:00cc
v6.example.test.     90 IN AAAA 2001:db8::1
lonely.example.test. 60 IN NID 10 0000:0000:0000:0009
dangling.example.test. 60 IN NID 10 0000:0000:0000:0008
dangling.example.test. 60 IN LP 10 gone.example.test.
empty.example.test.  60 IN TXT "nothing here"
`

func TestLookup(t *testing.T) {
	r := &Resolver{Servers: []string{dnstest.New(t, zone, "k.", dns.HmacSHA256, "AAAA").Addr}, Timeout: time.Second}
	tests := []struct {
		name    string
		want    Host
		ilvs    []string
		wantErr error
		errText string
	}{{
		name: "cn.example.test",
		want: Host{Name: "cn.example.test.",
			NIDs: []Identifier{{NID: 0xc, Preference: 10, TTL: 60 * time.Second}},
			Locators: []Locator{
				{L64: 0x2001_0002_00dd_00dd, Preference: 10, TTL: 30 * time.Second},
				{L64: 0x2001_0002_00ff_00ff, Preference: 20, TTL: 60 * time.Second},
			},
			TTL: 30 * time.Second},
		ilvs: []string{"2001:2:dd:dd::c", "2001:2:ff:ff::c"},
	}, {
		name: "mn.example.test.", // two NIDs, locators through LP records
		want: Host{Name: "mn.example.test.",
			NIDs: []Identifier{{NID: 0xd250_99ff_fed1_5a0d, Preference: 5, TTL: time.Minute}, {NID: 0xd250_99ff_fed1_5a0c, Preference: 10, TTL: time.Minute}},
			Locators: []Locator{
				{L64: 0x2001_0002_00aa_00aa, Preference: 10, TTL: 120 * time.Second, Via: "net1.example.test."},
				{L64: 0x2001_0002_00bb_00bb, Preference: 20, TTL: 40 * time.Second, Via: "net2.example.test."},
				{L64: 0x2001_0002_00cc_00cc, Preference: 20, TTL: 40 * time.Second, Via: "net2.example.test."},
			},
			TTL: 40 * time.Second},
		ilvs: []string{"2001:2:aa:aa:d250:99ff:fed1:5a0d", "2001:2:bb:bb:d250:99ff:fed1:5a0d", "2001:2:cc:cc:d250:99ff:fed1:5a0d",
			"2001:2:aa:aa:d250:99ff:fed1:5a0c", "2001:2:bb:bb:d250:99ff:fed1:5a0c", "2001:2:cc:cc:d250:99ff:fed1:5a0c"},
	}, {
		name: "v6.example.test", // no NID: plain IPv6
		want: Host{Name: "v6.example.test.", AAAA: []netip.Addr{netip.MustParseAddr("2001:db8::1")}, TTL: 90 * time.Second},
	}, {
		name: "nowhere.example.test", wantErr: ErrNoSuchName,
	}, {
		name: "empty.example.test", wantErr: ErrNoAddress,
	}, {
		name: "lonely.example.test", errText: "NID records but no L64 records",
	}, {
		name: "dangling.example.test", errText: "NID records but no L64 records",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Lookup(context.Background(), tt.name)
			switch {
			case tt.wantErr != nil || tt.errText != "":
				if err == nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("Lookup = %+v, %v; want error %v %q", got, err, tt.wantErr, tt.errText)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got, cmpopts.EquateComparable(netip.Addr{})); d != "" {
				t.Errorf("Lookup (-want +got):\n%s", d)
			}
			if got.ILNP() != (len(tt.ilvs) > 0) {
				t.Errorf("ILNP() = %v", got.ILNP())
			}
			var ilvs []string
			for _, v := range got.ILVs() {
				ilvs = append(ilvs, v.String())
			}
			if d := cmp.Diff(tt.ilvs, ilvs); d != "" {
				t.Errorf("ILVs (-want +got):\n%s", d)
			}
		})
	}
}

func TestLookupServers(t *testing.T) {
	refusing := dnstest.New(t, zone, "k.", dns.HmacSHA256, "AAAA")
	refusing.SetRcode(dns.RcodeRefused)
	refused := refusing.Addr
	good := dnstest.New(t, zone, "k.", dns.HmacSHA256, "AAAA").Addr
	r := &Resolver{Servers: []string{refused, good}, Timeout: time.Second}
	if h, err := r.Lookup(context.Background(), "cn.example.test"); err != nil || !h.ILNP() {
		t.Errorf("with a refusing first server: %+v, %v", h, err)
	}
	r.Servers = []string{refused}
	if _, err := r.Lookup(context.Background(), "cn.example.test"); err == nil || !strings.Contains(err.Error(), "REFUSED") {
		t.Errorf("only a refusing server: error %v", err)
	}
}

func TestRecordParsing(t *testing.T) {
	tests := []struct {
		name string
		text string
		nids []Identifier
		l64s []Locator
	}{{
		name: "RFC 6742 section 2 examples",
		text: "host1.example.com. 10 IN NID 10 0014:4fff:ff20:ee64\nhost1.example.com. 20 IN L64 10 2001:0db8:1140:1000\n",
		nids: []Identifier{{NID: 0x0014_4fff_ff20_ee64, Preference: 10, TTL: 10 * time.Second}},
		l64s: []Locator{{L64: 0x2001_0db8_1140_1000, Preference: 10, TTL: 20 * time.Second}},
	}, {
		name: "sorted by preference, other types ignored",
		text: "h. 1 IN L64 30 2001:0002:00cc:00cc\nh. 1 IN A 192.0.2.1\nh. 1 IN L64 0 2001:0002:00aa:00aa\nh. 2 IN NID 20 0000:0000:0000:0002\nh. 1 IN NID 1 0000:0000:0000:0001\nh. 1 IN L32 10 192.0.2.1\n",
		nids: []Identifier{{NID: 1, Preference: 1, TTL: time.Second}, {NID: 2, Preference: 20, TTL: 2 * time.Second}},
		l64s: []Locator{{L64: 0x2001_0002_00aa_00aa, Preference: 0, TTL: time.Second}, {L64: 0x2001_0002_00cc_00cc, Preference: 30, TTL: time.Second}},
	}, {
		name: "none",
		text: "h. 1 IN AAAA 2001:db8::1\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rr := dnstest.RRs(t, tt.text)
			if d := cmp.Diff(tt.nids, nids(rr)); d != "" {
				t.Errorf("nids (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.l64s, l64s(rr, nil)); d != "" {
				t.Errorf("l64s (-want +got):\n%s", d)
			}
		})
	}
}

func TestLocatorsViaLP(t *testing.T) {
	lp := dnstest.RRs(t, "h. 100 IN LP 7 net.example.\n")[0].(*dns.LP)
	got := l64s(dnstest.RRs(t, "net.example. 300 IN L64 1 2001:0002:00aa:00aa\nnet.example. 50 IN L64 2 2001:0002:00bb:00bb\n"), lp)
	want := []Locator{
		{L64: ilnp.L64(0x2001_0002_00aa_00aa), Preference: 7, TTL: 100 * time.Second, Via: "net.example."},
		{L64: ilnp.L64(0x2001_0002_00bb_00bb), Preference: 7, TTL: 50 * time.Second, Via: "net.example."},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestHostPort(t *testing.T) {
	for in, want := range map[string]string{
		"2001:2:53:53::53":     "[2001:2:53:53::53]:53",
		"[2001:2:53:53::53]:5": "[2001:2:53:53::53]:5",
		"192.0.2.1":            "192.0.2.1:53",
		"ns.example:5353":      "ns.example:5353",
	} {
		if got := HostPort(in); got != want {
			t.Errorf("HostPort(%q) = %q, want %q", in, got, want)
		}
	}
}
