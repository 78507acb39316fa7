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
		{0, "op(0)"},
		{3, "op(3)"},
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
	for _, bad := range []string{"", "advert", "op(256)", "op(x)", "op(1"} {
		var o LUOp
		if err := o.UnmarshalText([]byte(bad)); err == nil || !strings.Contains(err.Error(), "want advertisement, ack or op(N)") {
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
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}
