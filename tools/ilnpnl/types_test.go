package ilnpnl

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestNIDText(t *testing.T) {
	tests := []struct {
		in      string
		want    NID
		out     string
		wantErr string
	}{
		{in: "d250:99ff:fed1:5a0c", want: 0xd250_99ff_fed1_5a0c, out: "d250:99ff:fed1:5a0c"},
		{in: "0:0:0:c", want: 0xc, out: "0:0:0:c"},
		{in: "0000:0000:0000:000C", want: 0xc, out: "0:0:0:c"},
		{in: "ffff:ffff:ffff:ffff", want: ^NID(0), out: "ffff:ffff:ffff:ffff"},
		{in: "::c", wantErr: "want four hexadecimal groups"},
		{in: "1:2:3", wantErr: "want four hexadecimal groups"},
		{in: "1:2:3:12345", wantErr: `group "12345": want 1 to 4`},
		{in: "1:2:3:x", wantErr: `group "x" is not hexadecimal`},
		{in: "1:2::3", wantErr: `group "": want 1 to 4`},
	}
	for _, tt := range tests {
		var n NID
		err := n.UnmarshalText([]byte(tt.in))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("UnmarshalText(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || n != tt.want || n.String() != tt.out {
			t.Errorf("UnmarshalText(%q) = %#x (%s), %v; want %#x (%s)", tt.in, uint64(n), n, err, uint64(tt.want), tt.out)
		}
	}
}

func TestJSON(t *testing.T) {
	type doc struct {
		NID   NID
		L64   L64
		State LocatorState
		Event EventType
	}
	in := doc{NID: 0xc, L64: 0x2001_0002_00dd_00dd, State: LocatorActive, Event: EventLUAcked}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"NID":"0:0:0:c","L64":"2001:2:dd:dd","State":"active","Event":"lu_acked"}`
	if string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	var out struct{ NID NID }
	if err := json.Unmarshal(b, &out); err != nil || out.NID != in.NID {
		t.Errorf("Unmarshal NID = %v, %v", out.NID, err)
	}
}

func TestILV(t *testing.T) {
	a := netip.MustParseAddr("2001:2:dd:dd:d250:99ff:fed1:5a0c")
	l, n := SplitILV(a)
	if l != 0x2001_0002_00dd_00dd || n != 0xd250_99ff_fed1_5a0c {
		t.Errorf("SplitILV(%s) = %s, %s", a, l, n)
	}
	if got := ILV(l, n); got != a {
		t.Errorf("ILV(%s, %s) = %s, want %s", l, n, got, a)
	}
}

func TestStrings(t *testing.T) {
	tests := []struct {
		got  string
		want string
	}{
		{LocatorValid.String(), "valid"},
		{LocatorActive.String(), "active"},
		{LocatorGone.String(), "gone"},
		{LocatorState(0).String(), "gone"},
		{LocatorState(7).String(), "state(7)"},
		{PeerFlags(0).String(), "none"},
		{(PeerStatic | PeerIPv6Only).String(), "static,ipv6_only"},
		{(PeerLearned | 1<<7 | 1<<31).String(), "learned,0x80,0x80000000"},
		{LifetimeInfinite.String(), "forever"},
		{Lifetime(15).String(), "15sec"},
		{EventSessionCreated.String(), "session_created"},
		{EventFallback.String(), "fallback"},
		{EventType(99).String(), "event(99)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if got := PeerFlags(0).Names(); got == nil || len(got) != 0 {
		t.Errorf("PeerFlags(0).Names() = %#v, want an empty slice", got)
	}
	if got, want := (PeerStatic | PeerLearned).Names(), []string{"static", "learned"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
}
