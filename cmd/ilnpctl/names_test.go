package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/ilnp-linux/ilnp/tools/ilnpctl/view"
	"github.com/ilnp-linux/ilnp/tools/ilnpdns/dnstest"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

const testZone = `
cn.example.     60 IN NID 10 0000:0000:0000:000c
cn.example.     60 IN L64 10 2001:0002:00dd:00dd
cn.example.     30 IN LP  20 bb.nets.example.
bb.nets.example. 60 IN L64 5 2001:0002:00bb:00bb
v6.example.     60 IN AAAA 2001:db8::6
`

func TestPeerAddName(t *testing.T) {
	srv := dnstest.New(t, testZone, "k.", dns.HmacSHA256, "AAAA")
	cache := filepath.Join(t.TempDir(), "names.json")
	k := &fakeKernel{}
	code, stdout, stderr := execute(t, k, "peer", "add", "--server", srv.Addr, "--cache", cache, "cn.example", "2001:2:aa:aa::1")
	if code != exitOK || stdout != "" || stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	want := []ilnpnl.Peer{
		{NID: 0x1, Locators: []ilnpnl.Locator{{L64: l64AA}}},
		{NID: cnNID, Locators: []ilnpnl.Locator{{L64: l64DD, Preference: 10}, {L64: l64BB, Preference: 20}}},
	}
	if !reflect.DeepEqual(k.added, want) {
		t.Errorf("requests %+v, want %+v", k.added, want)
	}
	b, err := os.ReadFile(cache)
	if err != nil {
		t.Fatal(err)
	}
	var kept []view.Name
	if err := json.Unmarshal(b, &kept); err != nil || len(kept) != 1 || kept[0].Name != "cn.example." || kept[0].TTL != 30 {
		t.Errorf("cache %s: %v\n%s", cache, err, b)
	}

	// A name with AAAA records only: plain IPv6, nothing registered.
	k = &fakeKernel{}
	code, _, stderr = execute(t, k, "peer", "add", "--server", srv.Addr, "--cache", cache, "v6.example.")
	if code != exitOK || len(k.added) != 0 || !strings.Contains(stderr, "v6.example. has no NID record: not an ILNP host; it is reached by plain IPv6 at 2001:db8::6") {
		t.Errorf("exit %d, added %v, stderr %q", code, k.added, stderr)
	}
	code, _, stderr = execute(t, k, "peer", "add", "--server", srv.Addr, "--cache", cache, "nowhere.example.")
	if code != exitError || !strings.Contains(stderr, "no such name") {
		t.Errorf("a name that does not exist: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = execute(t, k, "peer", "add", "0-0-0-c.0-0-0-d")
	if code != exitUsage || !strings.Contains(stderr, "ambiguous") {
		t.Errorf("an ambiguous IL-V: exit %d, stderr %q", code, stderr)
	}
}

func TestResolve(t *testing.T) {
	srv := dnstest.New(t, testZone, "k.", dns.HmacSHA256, "AAAA")
	k := &fakeKernel{}
	code, stdout, stderr := execute(t, k, "resolve", "--server", srv.Addr, "cn.example.")
	want := `cn.example. ttl 30s
    RECORD  VALUE         PREF  TTL  VIA
    nid     0:0:0:c       10    60s  -
    l64     2001:2:dd:dd  10    60s  -
    l64     2001:2:bb:bb  20    30s  bb.nets.example.
    ilv 2001:2:dd:dd::c
    ilv 2001:2:bb:bb::c
`
	if code != exitOK || stdout != want {
		t.Errorf("exit %d, stderr %q\n%s\nwant\n%s", code, stderr, stdout, want)
	}
	code, stdout, _ = execute(t, k, "-j", "resolve", "--server", srv.Addr, "v6.example.")
	var n view.Name
	if err := json.Unmarshal([]byte(stdout), &n); code != exitOK || err != nil || n.ILNP || len(n.AAAA) != 1 || len(n.ILVs) != 0 {
		t.Errorf("-j resolve v6.example.: exit %d, %v\n%s", code, err, stdout)
	}
	for _, key := range []string{`"name":"v6.example."`, `"ilnp":false`, `"nids":[]`, `"ilvs":[]`, `"aaaa":["2001:db8::6"]`, `"ttl":60`} {
		if !strings.Contains(stdout, key) {
			t.Errorf("-j output lacks %s: %s", key, stdout)
		}
	}
}

func TestPeerRefresh(t *testing.T) {
	srv := dnstest.New(t, testZone, "k.", dns.HmacSHA256, "AAAA")
	cache := filepath.Join(t.TempDir(), "names.json")
	k := &fakeKernel{}
	if code, _, stderr := execute(t, k, "peer", "add", "--server", srv.Addr, "--cache", cache, "cn.example."); code != exitOK {
		t.Fatal(stderr)
	}
	// Fresh: nothing asked, nothing done.
	code, stdout, _ := execute(t, k, "peer", "refresh", "--server", srv.Addr, "--cache", cache)
	if code != exitOK || !strings.HasPrefix(stdout, "cn.example. fresh for ") {
		t.Errorf("exit %d, %q", code, stdout)
	}
	// The kernel has the peer with other locators and no session: it is
	// registered anew; with a live session it is left alone.
	k.peers = []ilnpnl.Peer{{NID: cnNID, Locators: []ilnpnl.Locator{{L64: l64AA}}}}
	k.added = nil
	code, stdout, _ = execute(t, k, "peer", "refresh", "-f", "--server", srv.Addr, "--cache", cache)
	if code != exitOK || stdout != "cn.example. peer 0:0:0:c registered anew\n" || len(k.deleted) != 1 || len(k.added) != 1 {
		t.Errorf("exit %d, %q, deleted %v, added %v", code, stdout, k.deleted, k.added)
	}
	k.peers[0].Stats, k.peers[0].Idle = ilnpnl.Stats{ilnpnl.StatPktsIn: 1}, time.Second
	code, stdout, _ = execute(t, k, "peer", "refresh", "-f", "--server", srv.Addr, "--cache", cache, "cn.example")
	if code != exitOK || stdout != "cn.example. peer 0:0:0:c has a live session: left to its Locator Updates\n" {
		t.Errorf("exit %d, %q", code, stdout)
	}
	k.peers = nil
	code, stdout, _ = execute(t, k, "peer", "refresh", "-f", "--server", srv.Addr, "--cache", cache)
	if code != exitOK || stdout != "cn.example. peer 0:0:0:c registered again\n" {
		t.Errorf("exit %d, %q", code, stdout)
	}
	if code, _, stderr := execute(t, k, "peer", "refresh", "--cache", cache, "mn.example."); code != exitError || !strings.Contains(stderr, "not registered by name") {
		t.Errorf("exit %d, %q", code, stderr)
	}
}

func TestHostsLoadForms(t *testing.T) {
	hosts := filepath.Join(t.TempDir(), "hosts")
	os.WriteFile(hosts, []byte("2001+2+aa+aa.d250-99ff-fed1-5a0c/10 mn\nd250-99ff-fed1-5a0c.2001+2+bb+bb/20 mn\n0-0-0-c.2001-2-dd-dd cn\n"), 0o644)
	k := &fakeKernel{}
	code, _, stderr := execute(t, k, "hosts", "load", hosts)
	want := []ilnpnl.Peer{
		{NID: mnNID, Locators: []ilnpnl.Locator{{L64: l64AA, Preference: 10}, {L64: l64BB, Preference: 20}}},
		{NID: cnNID, Locators: []ilnpnl.Locator{{L64: l64DD}}},
	}
	if code != exitOK || !reflect.DeepEqual(k.added, want) {
		t.Errorf("exit %d, requests %+v, want %+v", code, k.added, want)
	}
	if wantErr := "ilnpctl: warning: " + hosts + ": line 3: both halves are joined by '-': read NID first, taking the half in 2000::/3 as the locator\n"; stderr != wantErr {
		t.Errorf("stderr %q, want %q", stderr, wantErr)
	}
}

func TestDNSPublishUsage(t *testing.T) {
	k := &fakeKernel{}
	for args, want := range map[string]string{
		"dns publish --zone example. --name cn.example.":                  `required flag(s) "key" not set`,
		"dns publish --zone example. --name cn.other. --key /nonexistent": "cn.other. is not in the zone example.",
		"dns": "dns: missing command: one of publish",
	} {
		code, _, stderr := execute(t, k, strings.Fields(args)...)
		if code != exitUsage || !strings.Contains(stderr, want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2, %q", args, code, stderr, want)
		}
	}
}
