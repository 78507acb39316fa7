package wire

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
)

// Nonce destination option (RFC 6744).
const (
	// OptTypeNonce is the IPv6 option type of the ILNP Nonce option. Its
	// top two bits (10) tell a node that does not know the option to
	// discard the packet and answer ICMPv6 Parameter Problem, code 2.
	OptTypeNonce = 0x8B
	// OptTypePad1 and OptTypePadN are the IPv6 padding options (RFC 8200).
	OptTypePad1 = 0x00
	OptTypePadN = 0x01

	// NonceLen32 and NonceLen96 are the two allowed option data lengths.
	NonceLen32 = 4
	NonceLen96 = 12
)

// ErrNonceLength reports a nonce whose length is neither 4 nor 12 octets.
var ErrNonceLength = errors.New("nonce length is not 4 or 12 octets")

// Nonce is the value of an ILNP Nonce option: 32 or 96 bits. The zero
// Nonce means "none". Nonce is comparable and can key a map.
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

// Len returns the nonce length in octets: 0 (none), 4 or 12.
func (n Nonce) Len() int { return int(n.n) }

// IsZero reports whether n is the zero Nonce (no nonce).
func (n Nonce) IsZero() bool { return n.n == 0 }

// Bytes returns a copy of the nonce octets.
func (n Nonce) Bytes() []byte { return append([]byte(nil), n.b[:n.n]...) }

// String returns the nonce as lowercase hex without separators, the form
// tshark prints for ipv6.opt.ilnp_nonce; "" for the zero Nonce.
func (n Nonce) String() string { return hex.EncodeToString(n.b[:n.n]) }

// MarshalText implements encoding.TextMarshaler (hex).
func (n Nonce) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (hex, 8 or 24 digits,
// or empty for the zero Nonce).
func (n *Nonce) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*n = Nonce{}
		return nil
	}
	raw, err := hex.DecodeString(string(b))
	if err != nil {
		return fmt.Errorf("parse nonce %q: %w", b, err)
	}
	v, err := NonceFromBytes(raw)
	if err != nil {
		return fmt.Errorf("parse nonce %q: %w", b, err)
	}
	*n = v
	return nil
}
