package ilnpdns

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/ilnp-linux/ilnp/tools/ilnpdns/dnstest"
)

const testKey = `# tsig-keygen -a hmac-sha256 ilnp-update
key "ilnp-update" {
	algorithm hmac-sha256;
	secret "bm90IGEgcmVhbCBzZWNyZXQsIGEgdGVzdCBvbmUgLy8gLi4u//8=";
};
`

func TestParseKey(t *testing.T) {
	tests := []struct {
		name, text string
		want       Key
		wantErr    string
	}{{
		name: "tsig-keygen", text: testKey,
		want: Key{Name: "ilnp-update.", Algorithm: dns.HmacSHA256, Secret: "bm90IGEgcmVhbCBzZWNyZXQsIGEgdGVzdCBvbmUgLy8gLi4u//8="},
	}, {
		name: "one line, comments, upper case",
		text: "/* the publisher's */ key Cn.Example. { algorithm HMAC-SHA512; // strongest\n secret \"AAAA\"; };",
		want: Key{Name: "cn.example.", Algorithm: dns.HmacSHA512, Secret: "AAAA"},
	}, {
		name: "no key", text: "# nothing\n", wantErr: "0 key statements",
	}, {
		name: "two keys", text: testKey + testKey, wantErr: "2 key statements",
	}, {
		name: "md5", text: `key k { algorithm hmac-md5; secret "AAAA"; };`, wantErr: "not supported",
	}, {
		name: "no secret", text: `key k { algorithm hmac-sha256; };`, wantErr: "no secret",
	}, {
		name: "no algorithm", text: `key k { secret "AAAA"; };`, wantErr: "no algorithm",
	}, {
		name: "bad secret", text: `key k { algorithm hmac-sha256; secret "not base64!"; };`, wantErr: "not base64",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKey(tt.text)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseKey = %+v, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseKey = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestUpdateMsg(t *testing.T) {
	p := &Publisher{Zone: "example.test", Name: "cn.example.test", TTL: 5}
	s := State{NID: 0xc, Locators: []Locator{{L64: 0x2001_0002_00ff_00ff, Preference: 10}, {L64: 0x2001_0002_00dd_00dd, Preference: 20}}}
	tests := []struct {
		addNID bool
		want   []string
	}{{
		addNID: true,
		want: []string{
			"cn.example.test.\t0\tCLASS255\tL64\t",
			"cn.example.test.\t5\tIN\tNID\t10 0000:0000:0000:000c",
			"cn.example.test.\t5\tIN\tL64\t10 2001:0002:00FF:00FF",
			"cn.example.test.\t5\tIN\tL64\t20 2001:0002:00DD:00DD",
		},
	}, {
		want: []string{
			"cn.example.test.\t0\tCLASS255\tL64\t",
			"cn.example.test.\t5\tIN\tL64\t10 2001:0002:00FF:00FF",
			"cn.example.test.\t5\tIN\tL64\t20 2001:0002:00DD:00DD",
		},
	}}
	for _, tt := range tests {
		m := p.UpdateMsg(s, tt.addNID)
		if m.Opcode != dns.OpcodeUpdate || len(m.Question) != 1 || m.Question[0].Name != "example.test." || m.Question[0].Qtype != dns.TypeSOA {
			t.Errorf("not an update of example.test.: %v", m)
		}
		if len(m.Answer) != 0 {
			t.Errorf("prerequisites %v, want none", m.Answer)
		}
		var got []string
		for _, rr := range m.Ns {
			got = append(got, rr.String())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("addNID %v: update section\n%s\nwant\n%s", tt.addNID, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

func TestStateEqual(t *testing.T) {
	a := Locator{L64: 1, Preference: 10}
	b := Locator{L64: 2, Preference: 10}
	tests := []struct {
		x, y State
		want bool
	}{
		{State{NID: 1, Locators: []Locator{a, b}}, State{NID: 1, Locators: []Locator{b, a}}, true},
		{State{NID: 1, Locators: []Locator{a}}, State{NID: 1, Locators: []Locator{a, b}}, false},
		{State{NID: 1, Locators: []Locator{a}}, State{NID: 2, Locators: []Locator{a}}, false},
		{State{NID: 1, Locators: []Locator{a}}, State{NID: 1, Locators: []Locator{{L64: 1, Preference: 20}}}, false},
		{State{NID: 1, Locators: []Locator{{L64: 1, TTL: time.Second, Via: "x."}}}, State{NID: 1, Locators: []Locator{{L64: 1}}}, true},
	}
	for i, tt := range tests {
		if got := tt.x.Equal(tt.y); got != tt.want {
			t.Errorf("%d: Equal = %v, want %v", i, got, tt.want)
		}
	}
}

// source is a Source whose states the test sets.
type source struct {
	mu      sync.Mutex
	s       State
	changed chan struct{}
}

func (s *source) State() (State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.s, nil
}

func (s *source) Changed() <-chan struct{} { return s.changed }

func (s *source) set(st State) {
	s.mu.Lock()
	s.s = st
	s.mu.Unlock()
	s.changed <- struct{}{}
}

func TestRun(t *testing.T) {
	key, err := ParseKey(testKey)
	if err != nil {
		t.Fatal(err)
	}
	us := dnstest.New(t, `
cn.example.test. 60 IN NID 20 0000:0000:0000:000c
cn.example.test. 60 IN L64 10 2001:0002:00dd:00dd
cn.example.test. 60 IN AAAA 2001:2:dd:dd::c
other.example.test. 60 IN L64 10 2001:0002:00dd:00dd
`, key.Name, key.Algorithm, key.Secret)
	p := &Publisher{Server: us.Addr, Zone: "example.test.", Name: "cn.example.test.", Key: key, TTL: 5,
		Timeout: time.Second, MinBackoff: 20 * time.Millisecond, MaxBackoff: 80 * time.Millisecond}
	dd := Locator{L64: 0x2001_0002_00dd_00dd}
	ff := Locator{L64: 0x2001_0002_00ff_00ff}
	src := &source{s: State{NID: 0xc, Locators: []Locator{dd, ff}}, changed: make(chan struct{})}
	reports := make(chan Report, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx, src, func(r Report) { reports <- r }) }()

	next := func() Report {
		t.Helper()
		select {
		case r := <-reports:
			return r
		case <-time.After(5 * time.Second):
			t.Fatal("no report after 5 s")
		}
		return Report{}
	}
	want := func(lines ...string) {
		t.Helper()
		slices.Sort(lines)
		if got := us.Zone(); !slices.Equal(got, lines) {
			t.Errorf("zone\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(lines, "\n"))
		}
	}
	keep := []string{
		"cn.example.test.\t60\tIN\tNID\t20 0000:0000:0000:000c", // kept as it was: the NID is there
		"cn.example.test.\t60\tIN\tAAAA\t2001:2:dd:dd::c",
		"other.example.test.\t60\tIN\tL64\t10 2001:0002:00DD:00DD",
	}
	if r := next(); r.Err != nil {
		t.Fatalf("first update: %v", r.Err)
	}
	want(append(keep, "cn.example.test.\t5\tIN\tL64\t0 2001:0002:00DD:00DD", "cn.example.test.\t5\tIN\tL64\t0 2001:0002:00FF:00FF")...)

	src.set(State{NID: 0xc, Locators: []Locator{ff}})
	if r := next(); r.Err != nil {
		t.Fatalf("second update: %v", r.Err)
	}
	want(append(keep, "cn.example.test.\t5\tIN\tL64\t0 2001:0002:00FF:00FF")...)

	// The same set again is not sent; an empty one is not published.
	src.set(State{NID: 0xc, Locators: []Locator{ff}})
	src.set(State{NID: 0xc})
	select {
	case r := <-reports:
		t.Errorf("unexpected report %+v", r)
	case <-time.After(100 * time.Millisecond):
	}

	// The server fails: the publisher backs off, doubling, and gets
	// through once the server is back.
	us.SetRcode(dns.RcodeServerFailure)
	src.set(State{NID: 0xc, Locators: []Locator{dd}})
	var retries []time.Duration
	for len(retries) < 4 {
		r := next()
		if r.Err == nil {
			t.Fatal("an update succeeded while the server was down")
		}
		retries = append(retries, r.Retry)
	}
	if want := []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond, 80 * time.Millisecond}; !slices.Equal(retries, want) {
		t.Errorf("backoff %v, want %v", retries, want)
	}
	us.SetRcode(dns.RcodeSuccess)
	for r := next(); r.Err != nil; r = next() {
	}
	want(append(keep, "cn.example.test.\t5\tIN\tL64\t0 2001:0002:00DD:00DD")...)

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestPublishAddsMissingNID(t *testing.T) {
	key, _ := ParseKey(testKey)
	us := dnstest.New(t, "", key.Name, key.Algorithm, key.Secret)
	p := &Publisher{Server: us.Addr, Zone: "example.test.", Name: "new.example.test.", Key: key, TTL: 5, Timeout: time.Second}
	if err := p.Publish(context.Background(), State{NID: 0xc, Locators: []Locator{{L64: 0x2001_0002_00dd_00dd, Preference: 3}}}); err != nil {
		t.Fatal(err)
	}
	want := []string{"new.example.test.\t5\tIN\tL64\t3 2001:0002:00DD:00DD", "new.example.test.\t5\tIN\tNID\t10 0000:0000:0000:000c"}
	if got := us.Zone(); !slices.Equal(got, want) {
		t.Errorf("zone %q, want %q", got, want)
	}
	p.Key.Secret = "AAAA" // a wrong key is refused
	if err := p.Publish(context.Background(), State{NID: 0xc, Locators: []Locator{{L64: 1}}}); err == nil {
		t.Error("an update with a wrong key succeeded")
	}
}
