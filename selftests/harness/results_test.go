package harness

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseResults(t *testing.T) {
	tests := []struct {
		name string
		log  string
		want []TestResult
	}{
		{
			name: "top-level verdicts only",
			log: `=== RUN   TestDefaults
--- PASS: TestDefaults (0.01s)
=== RUN   TestBadWrites
=== RUN   TestBadWrites/handoff_mode=2
    --- FAIL: TestBadWrites/handoff_mode=2 (0.00s)
--- FAIL: TestBadWrites (0.00s)
--- SKIP: TestLater (0.00s)
FAIL
`,
			want: []TestResult{{"TestDefaults", Pass}, {"TestBadWrites", Fail}, {"TestLater", Skip}},
		},
		{
			name: "kernel lines and carriage returns around verdicts",
			log:  "[    2.000000] ILNP: Identifier-Locator Network Protocol host support\r\n--- PASS: TestSLAAC (4.20s)\r\n",
			want: []TestResult{{"TestSLAAC", Pass}},
		},
		{
			name: "no verdicts",
			log:  "testing: warning: no tests to run\nPASS\n",
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseResults(strings.NewReader(tt.log))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseResults() = %v, want %v", got, tt.want)
			}
		})
	}
}
