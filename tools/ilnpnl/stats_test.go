package ilnpnl

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
)

// TestCounterTable checks the table's invariants that the code relies on,
// whatever counters the header defines.
func TestCounterTable(t *testing.T) {
	cs := Counters()
	if len(cs) == 0 {
		t.Fatal("the counter table is empty")
	}
	names := map[string]bool{}
	for i, c := range cs {
		if i > 0 && c.Stat <= cs[i-1].Stat {
			t.Errorf("%s: not in attribute order", c.CName)
		}
		if c.Stat == statsAttrUnspec || c.Stat == statsAttrPad {
			t.Errorf("%s: not a counter", c.CName)
		}
		if want := strings.ToLower(strings.TrimPrefix(c.CName, "ILNP_STATS_A_")); c.Name != want || names[c.Name] {
			t.Errorf("%s is named %q, want %q once", c.CName, c.Name, want)
		}
		names[c.Name] = true
		if got, ok := c.Stat.Counter(); !ok || got != c || c.Stat.String() != c.Name {
			t.Errorf("%s: Counter() = %v, %v; String() = %q", c.CName, got, ok, c.Stat)
		}
	}
	cs[0].Name = "changed"
	if Counters()[0].Name == "changed" {
		t.Error("Counters returns the table itself, not a copy")
	}
	if s := Stat(0x7fff).String(); s != "stat(32767)" {
		t.Errorf("unknown Stat = %q", s)
	}
}

func TestStatsJSON(t *testing.T) {
	// Every counter of the table, in table order, zeros included.
	var want strings.Builder
	in := Stats{}
	for i, c := range Counters() {
		if i > 0 {
			want.WriteString(",")
		}
		v := uint64(0)
		if i%2 == 1 {
			v = uint64(i) << 40
			in[c.Stat] = v
		}
		want.WriteString(`"` + c.Name + `":` + uintText(v))
	}
	in[0x7fff] = 5 // not in the table: not written
	b, err := json.Marshal(in)
	if err != nil || string(b) != "{"+want.String()+"}" {
		t.Fatalf("Marshal = %s, %v; want {%s}", b, err, want.String())
	}
	var back Stats
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	delete(in, 0x7fff)
	for _, c := range Counters() {
		if back[c.Stat] != in[c.Stat] {
			t.Errorf("%s: %d after the round trip, want %d", c.Name, back[c.Stat], in[c.Stat])
		}
	}
	var other Stats
	if err := json.Unmarshal([]byte(`{"`+StatPktsIn.String()+`":3,"from_a_newer_kernel":9}`), &other); err != nil ||
		!maps.Equal(other, Stats{StatPktsIn: 3}) {
		t.Errorf("Unmarshal with an unknown key = %v, %v", other, err)
	}
	if err := json.Unmarshal([]byte(`{"`+StatPktsIn.String()+`":-1}`), &other); err == nil {
		t.Error("a negative counter decoded")
	}
	if b, _ := json.Marshal(struct {
		S Stats `json:"s,omitempty"`
	}{}); string(b) != "{}" {
		t.Errorf("nil Stats with omitempty = %s", b)
	}
}

func uintText(v uint64) string {
	b, _ := json.Marshal(v)
	return string(b)
}
