package ilnpdns

import (
	"encoding/base64"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/miekg/dns"
)

// Key is a TSIG key (RFC 8945) that signs dynamic updates.
type Key struct {
	Name      string // fully qualified, lower case: "ilnp-update."
	Algorithm string // a miekg/dns algorithm name: dns.HmacSHA256
	Secret    string // base64
}

// algorithms are the HMACs BIND's key files name and miekg/dns signs with.
var algorithms = map[string]string{
	"hmac-sha1":   dns.HmacSHA1,
	"hmac-sha224": dns.HmacSHA224,
	"hmac-sha256": dns.HmacSHA256,
	"hmac-sha384": dns.HmacSHA384,
	"hmac-sha512": dns.HmacSHA512,
}

var (
	keyRE       = regexp.MustCompile(`(?s)\bkey\s+"?([^"\s{]+)"?\s*\{(.*?)\}\s*;`)
	algorithmRE = regexp.MustCompile(`\balgorithm\s+"?([A-Za-z0-9.-]+)"?\s*;`)
	secretRE    = regexp.MustCompile(`\bsecret\s+"([^"]+)"\s*;`)

	blockCommentRE = regexp.MustCompile(`(?s)/\*.*?\*/`)
	lineCommentRE  = regexp.MustCompile(`(?m)(^|\s)(#|//).*$`)
)

// ParseKey parses a key statement as tsig-keygen(8) writes it and
// named.conf(5) includes it:
//
//	key "ilnp-update" {
//		algorithm hmac-sha256;
//		secret "base64...";
//	};
//
// The file must hold exactly one key.
func ParseKey(text string) (Key, error) {
	text = stripComments(text)
	m := keyRE.FindAllStringSubmatch(text, -1)
	if len(m) != 1 {
		return Key{}, fmt.Errorf("ilnpdns: key file: %d key statements, want one", len(m))
	}
	k := Key{Name: dns.CanonicalName(m[0][1])}
	body := m[0][2]
	a := algorithmRE.FindStringSubmatch(body)
	if a == nil {
		return Key{}, fmt.Errorf("ilnpdns: key %s: no algorithm", k.Name)
	}
	alg, ok := algorithms[strings.ToLower(strings.TrimSuffix(a[1], "."))]
	if !ok {
		return Key{}, fmt.Errorf("ilnpdns: key %s: algorithm %s not supported: want hmac-sha1, -sha224, -sha256, -sha384 or -sha512", k.Name, a[1])
	}
	k.Algorithm = alg
	s := secretRE.FindStringSubmatch(body)
	if s == nil {
		return Key{}, fmt.Errorf("ilnpdns: key %s: no secret", k.Name)
	}
	if _, err := base64.StdEncoding.DecodeString(s[1]); err != nil {
		return Key{}, fmt.Errorf("ilnpdns: key %s: secret is not base64: %w", k.Name, err)
	}
	k.Secret = s[1]
	return k, nil
}

// ReadKeyFile reads a key file (see ParseKey).
func ReadKeyFile(path string) (Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("ilnpdns: %w", err)
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return Key{}, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// stripComments removes named.conf's comments: /* */, and # or // to the
// end of the line when they start a line or follow white space (a base64
// secret may hold "//", never after a space).
func stripComments(s string) string {
	s = blockCommentRE.ReplaceAllString(s, "")
	return lineCommentRE.ReplaceAllString(s, "$1")
}
