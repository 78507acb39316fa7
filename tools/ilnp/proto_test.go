package ilnp

import (
	"strings"
	"testing"
)

func TestLUOp(t *testing.T) {
	tests := []struct {
		op   LUOp
		text string
	}{
		{LUAdvertisement, "advertisement"},
		{LUAck, "ack"},
		{LUProbe, "probe"},
		{LUProbeReply, "probe-reply"},
		{3, "probe"},
		{4, "probe-reply"},
		{0, "op(0)"},
		{5, "op(5)"},
		{255, "op(255)"},
	}
	for _, tt := range tests {
		b, err := tt.op.MarshalText()
		if err != nil || string(b) != tt.text || tt.op.String() != tt.text {
			t.Errorf("LUOp(%d) = %q, %v; want %q", uint8(tt.op), b, err, tt.text)
		}
		var back LUOp
		if err := back.UnmarshalText(b); err != nil || back != tt.op {
			t.Errorf("UnmarshalText(%q) = %d, %v", b, back, err)
		}
	}
	for _, bad := range []string{"", "advert", "probe ", "Probe", "probe_reply", "reply", "op(256)", "op(x)", "op(1"} {
		var o LUOp
		if err := o.UnmarshalText([]byte(bad)); err == nil || !strings.Contains(err.Error(), "want advertisement, ack, probe, probe-reply or op(N)") {
			t.Errorf("UnmarshalText(%q) = %v, %v", bad, o, err)
		}
	}
}

// TestProtocolNumbers pins the numbers that other implementations rely on
// (RFC 6744, RFC 6743 and the paper); tshark decodes them the same way.
func TestProtocolNumbers(t *testing.T) {
	tests := []struct {
		name      string
		got, want int
	}{
		{"nonce option type", OptTypeNonce, 139},
		{"nonce option action bits (discard, send Parameter Problem)", OptTypeNonce >> 6, 0b10},
		{"32-bit nonce length", NonceLen32, 4},
		{"96-bit nonce length", NonceLen96, 12},
		{"ICMPv6 Locator Update type", ICMPv6TypeLocatorUpdate, 156},
		{"LU code: none", LUCodeNone, 0},
		{"LU code: soft replacement", LUCodeReplaceSoft, 1},
		{"LU advertisement", int(LUAdvertisement), 1},
		{"LU ack", int(LUAck), 2},
		{"LU probe", int(LUProbe), 3},
		{"LU probe reply", int(LUProbeReply), 4},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

func TestLUOpIsProbe(t *testing.T) {
	tests := []struct {
		op   LUOp
		want bool
	}{
		{0, false},
		{LUAdvertisement, false},
		{LUAck, false},
		{LUProbe, true},
		{LUProbeReply, true},
		{5, false},
		{255, false},
	}
	for _, tt := range tests {
		if got := tt.op.IsProbe(); got != tt.want {
			t.Errorf("LUOp(%d).IsProbe() = %v, want %v", uint8(tt.op), got, tt.want)
		}
	}
}

func TestChallengeText(t *testing.T) {
	tests := []struct {
		in   string
		want Challenge
		text string
		ok   bool
	}{
		{"0123456789abcdef", 0x0123456789abcdef, "0123456789abcdef", true},
		{"0xFFFFFFFFFFFFFFFF", 0xffffffffffffffff, "ffffffffffffffff", true},
		{"1", 1, "0000000000000001", true},
		{"0", 0, "0000000000000000", true},
		{"", 0, "", false},
		{"0x", 0, "", false},
		{"10000000000000000", 0, "", false}, // 17 digits
		{"-1", 0, "", false},
		{"+1", 0, "", false},
		{"1_0", 0, "", false},
		{"xyz", 0, "", false},
	}
	for _, tt := range tests {
		var c Challenge
		err := c.UnmarshalText([]byte(tt.in))
		if (err == nil) != tt.ok {
			t.Errorf("UnmarshalText(%q) error %v, want ok %v", tt.in, err, tt.ok)
			continue
		}
		if !tt.ok {
			continue
		}
		if c != tt.want {
			t.Errorf("UnmarshalText(%q) = %#x, want %#x", tt.in, uint64(c), uint64(tt.want))
		}
		if b, _ := c.MarshalText(); string(b) != tt.text || c.String() != tt.text {
			t.Errorf("Challenge(%#x) text %q, want %q", uint64(c), b, tt.text)
		}
	}
}
