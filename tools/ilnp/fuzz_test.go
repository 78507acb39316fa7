package ilnp

import "testing"

// FuzzParseILV: what parses formats and parses back to the same IL-V, in
// both notations.
func FuzzParseILV(f *testing.F) {
	f.Add("d250-99ff-fed1-5a0c.2001+2+dd+dd")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseILV(s)
		if err != nil {
			return
		}
		for _, form := range []string{v.String(), v.HostsForm()} {
			back, err := ParseILV(form)
			if err != nil || back != v {
				t.Fatalf("%q -> %v -> %q -> %v, %v", s, v, form, back, err)
			}
		}
		if e, ok, err := ParseHostsLine(v.HostsForm() + " h"); err != nil || !ok || e.ILV != v {
			t.Fatalf("hosts line of %v: %v %v %v", v, e, ok, err)
		}
	})
}
