package ilnp

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
)

// ErrNonceLength reports a nonce whose length is neither 4 nor 12 octets.
var ErrNonceLength = errors.New("nonce length is not 4 or 12 octets")

// Nonce is the value of an ILNP Nonce option: 32 or 96 bits. The zero
// Nonce means "none". Nonce is comparable and can key a map.
//
// A nonce is a secret (see the package documentation): String, Format
// (every fmt verb), GoString and LogValue give a placeholder that names
// only its length; Hex and MarshalText give the digits.
type Nonce struct {
	b [NonceLen96]byte
	n uint8
}

// Nonce32 returns a 32-bit nonce.
func Nonce32(v uint32) Nonce {
	var n Nonce
	binary.BigEndian.PutUint32(n.b[:], v)
	n.n = NonceLen32
	return n
}

// Nonce96 returns a 96-bit nonce.
func Nonce96(b [NonceLen96]byte) Nonce { return Nonce{b: b, n: NonceLen96} }

// NonceFromBytes copies a 4- or 12-octet nonce.
func NonceFromBytes(b []byte) (Nonce, error) {
	if len(b) != NonceLen32 && len(b) != NonceLen96 {
		return Nonce{}, fmt.Errorf("%w: got %d", ErrNonceLength, len(b))
	}
	var n Nonce
	n.n = uint8(copy(n.b[:], b))
	return n, nil
}

// ParseNonce parses the hex form that Hex returns: 8 or 24 hexadecimal
// digits, or "" for the zero Nonce.
func ParseNonce(s string) (Nonce, error) {
	var n Nonce
	err := n.UnmarshalText([]byte(s))
	return n, err
}

// Len returns the nonce length in octets: 0 (none), 4 or 12.
func (n Nonce) Len() int { return int(n.n) }

// IsZero reports whether n is the zero Nonce (no nonce); encoding/json's
// omitzero omits it.
func (n Nonce) IsZero() bool { return n.n == 0 }

// Bytes returns a copy of the nonce octets.
func (n Nonce) Bytes() []byte { return append([]byte(nil), n.b[:n.n]...) }

// Hex returns the nonce as lowercase hex digits without separators, the
// form tshark prints for ipv6.opt.ilnp_nonce; "" for the zero Nonce. It
// is the one method that shows the secret as text: call it where the
// output is meant to carry the nonce.
func (n Nonce) Hex() string { return hex.EncodeToString(n.b[:n.n]) }

// String returns a placeholder that says how long the nonce is and not
// what it is: "nonce(32 bits)", "nonce(96 bits)" or "no nonce".
func (n Nonce) String() string {
	if n.n == 0 {
		return "no nonce"
	}
	return "nonce(" + strconv.Itoa(8*int(n.n)) + " bits)"
}

// GoString returns the String placeholder, so that %#v does not print
// the octets either.
func (n Nonce) GoString() string { return n.String() }

// Format implements fmt.Formatter: every verb prints the String
// placeholder (%q quoted), so that no verb (%d, %x, %v of a struct that
// holds a Nonce) prints the octets.
func (n Nonce) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprint(f, strconv.Quote(n.String()))
		return
	}
	fmt.Fprint(f, n.String())
}

// LogValue implements slog.LogValuer with the String placeholder.
func (n Nonce) LogValue() slog.Value { return slog.StringValue(n.String()) }

// MarshalText implements encoding.TextMarshaler with the Hex form.
func (n Nonce) MarshalText() ([]byte, error) { return []byte(n.Hex()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (hex, 8 or 24 digits,
// or empty for the zero Nonce).
func (n *Nonce) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*n = Nonce{}
		return nil
	}
	raw, err := hex.DecodeString(string(b))
	if err != nil {
		return fmt.Errorf("parse nonce: %w", err)
	}
	v, err := NonceFromBytes(raw)
	if err != nil {
		return fmt.Errorf("parse nonce: %w", err)
	}
	*n = v
	return nil
}
