package ilnp

import (
	"fmt"
	"strconv"
	"strings"
)

// The Nonce destination option (RFC 6744).
const (
	// OptTypeNonce is the IPv6 option type of the ILNP Nonce option. Its
	// top two bits (10) tell a node that does not know the option to
	// discard the packet and answer ICMPv6 Parameter Problem, code 2.
	OptTypeNonce = 0x8B

	// NonceLen32 and NonceLen96 are the two allowed option data lengths
	// in octets, a 32-bit and a 96-bit nonce.
	NonceLen32 = 4
	NonceLen96 = 12
)

// The ICMPv6 Locator Update (RFC 6743, with the paper's extensions).
const (
	// ICMPv6TypeLocatorUpdate is the ICMPv6 type of the Locator Update.
	ICMPv6TypeLocatorUpdate = 156

	// LUCodeNone and LUCodeReplaceSoft are the defined codes; with
	// LUCodeReplaceSoft the listed locators softly replace the sender's
	// whole locator set.
	LUCodeNone        = 0
	LUCodeReplaceSoft = 1

	// LUMaxLocators is the most locators one Locator Update may list
	// (the kernel's ILNP_PEER_LOCATORS_MAX): an advertisement or ack
	// lists 1 to LUMaxLocators, a probe or probe reply 0 to
	// LUMaxLocators. The kernel drops one that lists more whole and
	// counts it as lu-malformed.
	LUMaxLocators = 8
)

// LUOp is the Operation field of a Locator Update.
type LUOp uint8

// Operations. LUProbe and LUProbeReply are the return-routability
// exchange: a probe carries a random 64-bit challenge (and the locator
// set it asks to confirm), its reply echoes both from the address the
// probe was sent to.
const (
	LUAdvertisement LUOp = 1
	LUAck           LUOp = 2
	LUProbe         LUOp = 3
	LUProbeReply    LUOp = 4
)

// String returns "advertisement", "ack", "probe", "probe-reply", or
// "op(N)" for another value.
func (o LUOp) String() string {
	switch o {
	case LUAdvertisement:
		return "advertisement"
	case LUAck:
		return "ack"
	case LUProbe:
		return "probe"
	case LUProbeReply:
		return "probe-reply"
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// IsProbe reports whether o is a probe or a probe reply, the forms that
// carry a challenge.
func (o LUOp) IsProbe() bool { return o == LUProbe || o == LUProbeReply }

// MarshalText implements encoding.TextMarshaler with the String form.
func (o LUOp) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler for the String form.
func (o *LUOp) UnmarshalText(b []byte) error {
	s := string(b)
	for _, op := range []LUOp{LUAdvertisement, LUAck, LUProbe, LUProbeReply} {
		if s == op.String() {
			*o = op
			return nil
		}
	}
	if n, ok := strings.CutPrefix(s, "op("); ok {
		if n, ok := strings.CutSuffix(n, ")"); ok {
			if v, err := strconv.ParseUint(n, 10, 8); err == nil {
				*o = LUOp(v)
				return nil
			}
		}
	}
	return fmt.Errorf("parse locator update operation %q: want advertisement, ack, probe, probe-reply or op(N)", s)
}

// Challenge is the 64-bit random value of a probe, which its reply
// echoes; a probe never carries 0. Its text form is 16 hexadecimal
// digits (JSON numbers lose the low bits of large 64-bit values).
type Challenge uint64

// String returns the challenge as 16 lowercase hexadecimal digits.
func (c Challenge) String() string { return fmt.Sprintf("%016x", uint64(c)) }

// MarshalText implements encoding.TextMarshaler with the String form.
func (c Challenge) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler: 1 to 16
// hexadecimal digits, with or without a 0x prefix.
func (c *Challenge) UnmarshalText(b []byte) error {
	s := string(b)
	h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if h == "" || len(h) > 16 || strings.ContainsAny(h, "+-_") {
		return fmt.Errorf("parse challenge %q: want 1 to 16 hexadecimal digits", s)
	}
	v, err := strconv.ParseUint(h, 16, 64)
	if err != nil {
		return fmt.Errorf("parse challenge %q: want 1 to 16 hexadecimal digits", s)
	}
	*c = Challenge(v)
	return nil
}
