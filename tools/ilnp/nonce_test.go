package ilnp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestNonce(t *testing.T) {
	long := [12]byte{0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	tests := []struct {
		name  string
		n     Nonce
		len   int
		hex   string
		bytes []byte
		str   string
	}{
		{"none", Nonce{}, 0, "", []byte{}, "no nonce"},
		{"32-bit", Nonce32(0xdeadbeef), 4, "deadbeef", []byte{0xde, 0xad, 0xbe, 0xef}, "nonce(32 bits)"},
		{"96-bit", Nonce96(long), 12, "ff0102030405060708090a0b", long[:], "nonce(96 bits)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tt.n
			if n.Len() != tt.len || n.Hex() != tt.hex || !bytes.Equal(n.Bytes(), tt.bytes) || n.IsZero() != (tt.len == 0) {
				t.Errorf("Len %d Hex %q Bytes %x IsZero %v", n.Len(), n.Hex(), n.Bytes(), n.IsZero())
			}
			if n.String() != tt.str {
				t.Errorf("String() = %q, want %q", n.String(), tt.str)
			}
			back, err := ParseNonce(n.Hex())
			if err != nil || back != n {
				t.Errorf("ParseNonce(Hex()) = %v, %v", back.Hex(), err)
			}
			if tt.len > 0 {
				from, err := NonceFromBytes(tt.bytes)
				if err != nil || from != n {
					t.Errorf("NonceFromBytes = %v, %v", from.Hex(), err)
				}
			}
			b, err := json.Marshal(struct{ N Nonce }{n})
			if want := `{"N":"` + tt.hex + `"}`; err != nil || string(b) != want {
				t.Errorf("json = %s, %v; want %s", b, err, want)
			}
		})
	}
	for _, bad := range []string{"0102", "010203040506", "zz010203", "0102030405060708090a0b0c0d"} {
		if n, err := ParseNonce(bad); err == nil {
			t.Errorf("ParseNonce(%q) = %v, want an error", bad, n.Hex())
		}
	}
	if _, err := NonceFromBytes([]byte{1, 2, 3}); !errors.Is(err, ErrNonceLength) {
		t.Errorf("NonceFromBytes(3 octets) = %v", err)
	}
}

// TestNonceDoesNotLeak: no fmt verb and no slog handler prints the nonce's
// octets, alone or inside a struct.
func TestNonceDoesNotLeak(t *testing.T) {
	n := Nonce32(0xdeadbeef)
	secrets := []string{"deadbeef", "3735928559", "222 173 190 239", "de ad be ef", "[222"}
	type holder struct {
		Peer  string
		Nonce Nonce
	}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%o", "%08x"} {
		out = append(out, fmt.Sprintf(verb, n), fmt.Sprintf(verb, holder{"cn", n}), fmt.Sprintf(verb, &n))
	}
	out = append(out, fmt.Sprint(n), fmt.Sprintln([]Nonce{n}), fmt.Sprint(map[string]Nonce{"a": n}))
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("session", "nonce", n)
	out = append(out, logs.String())
	for _, s := range out {
		for _, secret := range secrets {
			if strings.Contains(strings.ToLower(s), secret) {
				t.Errorf("printed %q: it shows the nonce", s)
			}
		}
		if !strings.Contains(s, "nonce(32 bits)") {
			t.Errorf("printed %q: no placeholder", s)
		}
	}
}
