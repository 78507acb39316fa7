package ilnpnl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// Stat names one of the kernel's ILNP counters: its ILNP_STATS_A_*
// attribute number. The constants (StatPktsIn, StatBadNonce, ...) and the
// counter table are generated from the UAPI header, so a counter the
// kernel adds needs no Go code: regenerate and it is decoded, printed by
// ilnpctl and named in JSON.
type Stat uint16

// A Counter describes one counter of the table.
type Counter struct {
	Stat  Stat   // the attribute number
	CName string // the UAPI name, e.g. "ILNP_STATS_A_BAD_NONCE"
	// Name is the C name's suffix in lower case, e.g. "bad_nonce": what
	// ilnpctl prints and the key of the JSON forms.
	Name string
	// Doc is one line from the header's comment or the YAML spec's doc;
	// "" where neither describes the counter.
	Doc string
}

// Counters returns the counter table in attribute order (a copy).
func Counters() []Counter { return slices.Clone(counters) }

// Counter returns the table's entry for s.
func (s Stat) Counter() (Counter, bool) {
	for _, c := range counters {
		if c.Stat == s {
			return c, true
		}
	}
	return Counter{}, false
}

// String returns the counter's Name, or "stat(N)" for a number the table
// does not have.
func (s Stat) String() string {
	if c, ok := s.Counter(); ok {
		return c.Name
	}
	return "stat(" + strconv.Itoa(int(s)) + ")"
}

// Stats are the counters of a namespace or of one peer, by Stat. A
// counter the kernel did not report reads as 0. Decoding keeps only the
// counters of the table.
type Stats map[Stat]uint64

// MarshalJSON writes every counter of the table, reported or not, as an
// object in table order with the Names as keys:
// {"pkts_in":4000,"pkts_out":4000,"bad_nonce":0,...}.
func (s Stats) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, c := range counters {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, c.Name)
		b = append(b, ':')
		b = strconv.AppendUint(b, s[c.Stat], 10)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads the MarshalJSON form; keys that name no counter of
// the table are ignored.
func (s *Stats) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*s = nil
		return nil
	}
	var m map[string]uint64
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("ilnpnl: counters: %w", err)
	}
	out := Stats{}
	for _, c := range counters {
		if v, ok := m[c.Name]; ok {
			out[c.Stat] = v
		}
	}
	*s = out
	return nil
}
