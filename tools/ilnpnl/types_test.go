package ilnpnl

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestText(t *testing.T) {
	type doc struct {
		State LocatorState
		Event EventType
		Path  PathState
	}
	tests := []struct {
		in   doc
		want string
	}{
		{doc{LocatorActive, EventLUAcked, PathUp}, `{"State":"active","Event":"lu_acked","Path":"up"}`},
		{doc{LocatorGone, EventUnspec, PathDown}, `{"State":"gone","Event":"unspec","Path":"down"}`},
		{doc{LocatorState(7), EventType(99), PathState(0)}, `{"State":"state(7)","Event":"event(99)","Path":"state(0)"}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.in)
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tt.in, b, err, tt.want)
		}
		var back doc
		if err := json.Unmarshal(b, &back); err != nil || back != tt.in {
			t.Errorf("Unmarshal(%s) = %v, %v", b, back, err)
		}
	}
	for _, bad := range []string{`{"State":"activ"}`, `{"State":"state(256)"}`, `{"Event":"lu"}`, `{"Event":"event(x)"}`, `{"Path":"gone"}`, `{"Path":"state(300)"}`} {
		var d doc
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want an error", bad, d)
		}
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
		{PathUp.String(), "up"},
		{PathProbing.String(), "probing"},
		{PathDown.String(), "down"},
		{PathState(9).String(), "state(9)"},
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
	if got := EventTypes(); !slices.IsSorted(got) || slices.Contains(got, EventUnspec) || len(got) != len(eventNames)-1 ||
		got[0] != EventSessionCreated || !slices.Contains(got, EventPathState) {
		t.Errorf("EventTypes() = %v, want the %d generated types but unspec, in order", got, len(eventNames)-1)
	}
	if got := PeerFlags(0).Names(); got == nil || len(got) != 0 {
		t.Errorf("PeerFlags(0).Names() = %#v, want an empty slice", got)
	}
	if got, want := (PeerStatic | PeerLearned).Names(), []string{"static", "learned"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
}
