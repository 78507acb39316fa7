package harness

import (
	"os"
	"path/filepath"
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
			name: "top-level verdicts with their subtests",
			log: `=== RUN   TestDefaults
--- PASS: TestDefaults (0.01s)
=== RUN   TestBadWrites
=== RUN   TestBadWrites/handoff_mode=2
--- FAIL: TestBadWrites (0.00s)
    --- FAIL: TestBadWrites/handoff_mode=2 (0.00s)
=== RUN   TestLater
--- SKIP: TestLater (0.00s)
FAIL
`,
			want: []TestResult{
				{Name: "TestDefaults", Outcome: Pass},
				{Name: "TestBadWrites", Outcome: Fail, Subtests: []SubtestResult{{"TestBadWrites/handoff_mode=2", Fail}}},
				{Name: "TestLater", Outcome: Skip},
			},
		},
		{
			name: "a skipped subtest two levels down under a passing test",
			log: `=== RUN   TestA
=== RUN   TestA/one
=== RUN   TestA/two
=== RUN   TestA/two/deep
    a_test.go:5: no
--- PASS: TestA (0.00s)
    --- PASS: TestA/one (0.00s)
    --- PASS: TestA/two (0.00s)
        --- SKIP: TestA/two/deep (0.00s)
`,
			want: []TestResult{{Name: "TestA", Outcome: Pass, Subtests: []SubtestResult{
				{"TestA/one", Pass}, {"TestA/two", Pass}, {"TestA/two/deep", Skip},
			}}},
		},
		{
			name: "an indented log line is not a subtest of another test",
			log: `=== RUN   TestA
    a_test.go:9: output follows
        --- SKIP: TestB/x (0.00s)
--- PASS: TestA (0.00s)
`,
			want: []TestResult{{Name: "TestA", Outcome: Pass}},
		},
		{
			name: "kernel lines and carriage returns around verdicts",
			log:  "=== RUN   TestSLAAC\r\n[    2.000000] ILNP: Identifier-Locator Network Protocol host support\r\n--- PASS: TestSLAAC (4.20s)\r\n",
			want: []TestResult{{Name: "TestSLAAC", Outcome: Pass}},
		},
		{
			name: "a test that started and never reported",
			log:  "=== RUN   TestA\n--- PASS: TestA (0.00s)\n=== RUN   TestB\n=== RUN   TestB/sub\npanic: test timed out after 20m0s\n",
			want: []TestResult{{Name: "TestA", Outcome: Pass}, {Name: "TestB", Outcome: NoVerdict}},
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
				t.Errorf("ParseResults() =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// The recorded consoles that the harness tests replay parse as expected.
func TestParseResultsConsoles(t *testing.T) {
	tests := []struct {
		file string
		want string // "Name=OUTCOME[ skipped: sub...]" per test
	}{
		{"pass.txt", "TestDefaults=PASS TestPerNamespace=PASS TestBadWritesKeepOldValue=PASS TestDisabledInterfaceCanonicalForm=PASS"},
		{"warning-pass.txt", "TestDefaults=PASS TestPerNamespace=PASS TestBadWritesKeepOldValue=PASS TestDisabledInterfaceCanonicalForm=PASS"},
		{"skipped-subtest.txt", `TestDefaults=PASS TestPerNamespace=PASS TestBadWritesKeepOldValue=PASS[skipped:TestBadWritesKeepOldValue/net.ipv6.disabled_interface="."] TestDisabledInterfaceCanonicalForm=PASS`},
		{"no-verdict.txt", "TestDefaults=PASS TestPerNamespace=PASS TestBadWritesKeepOldValue=NO VERDICT"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "console", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			res, err := ParseResults(f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range res {
				s := r.Name + "=" + string(r.Outcome)
				if sk := r.SkippedSubtests(); len(sk) > 0 {
					s += "[skipped:" + strings.Join(sk, ",") + "]"
				}
				got = append(got, s)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("got %s, want %s", g, tt.want)
			}
		})
	}
}
