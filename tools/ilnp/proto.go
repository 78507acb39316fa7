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
)

// LUOp is the Operation field of a Locator Update.
type LUOp uint8

// Operations.
const (
	LUAdvertisement LUOp = 1
	LUAck           LUOp = 2
)

// String returns "advertisement", "ack", or "op(N)" for another value.
func (o LUOp) String() string {
	switch o {
	case LUAdvertisement:
		return "advertisement"
	case LUAck:
		return "ack"
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// MarshalText implements encoding.TextMarshaler with the String form.
func (o LUOp) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler for the String form.
func (o *LUOp) UnmarshalText(b []byte) error {
	s := string(b)
	switch s {
	case "advertisement":
		*o = LUAdvertisement
		return nil
	case "ack":
		*o = LUAck
		return nil
	}
	if n, ok := strings.CutPrefix(s, "op("); ok {
		if n, ok := strings.CutSuffix(n, ")"); ok {
			if v, err := strconv.ParseUint(n, 10, 8); err == nil {
				*o = LUOp(v)
				return nil
			}
		}
	}
	return fmt.Errorf("parse locator update operation %q: want advertisement, ack or op(N)", s)
}
