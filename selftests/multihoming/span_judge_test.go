//go:build vmtest

package multihoming

import (
	"reflect"
	"testing"
)

// TestJudgeSpan needs no testbed: the sharing check on recorded bucket
// shapes, among them the one of the clean-clone CI failure (every
// locator empty before the flow's first packet).
func TestJudgeSpan(t *testing.T) {
	l64s := []string{"aa", "bb", "cc"}
	full := []float64{3.5e6, 3.5e6, 3.5e6, 3.5e6, 3.5e6}
	tests := []struct {
		name        string
		buckets     map[string][]float64
		first, last float64
		want        []string
	}{
		{
			name: "flow 3.2 s after the capture's first frame: empty buckets before it are not judged",
			buckets: map[string][]float64{
				"aa": {0, 0, 0, 2.8e6, 3.5e6, 3.5e6, 0.7e6},
				"bb": {0, 0, 0, 2.8e6, 3.5e6, 3.5e6, 0.7e6},
				"cc": {0, 0, 0, 2.8e6, 3.5e6, 3.5e6, 0.7e6},
			},
			first: 3.199, last: 6.21,
		},
		{
			name:    "well shared from the capture's start",
			buckets: map[string][]float64{"aa": full, "bb": full, "cc": full},
			first:   0.001, last: 4.9,
		},
		{
			name: "a stall of the whole flow inside its span",
			buckets: map[string][]float64{
				"aa": {3.5e6, 3.5e6, 0, 0, 3.5e6, 3.5e6},
				"bb": {3.5e6, 3.5e6, 0, 0, 3.5e6, 3.5e6},
				"cc": {3.5e6, 3.5e6, 0, 0, 3.5e6, 3.5e6},
			},
			first: 0.5, last: 5.5,
			want: []string{"stall of 2 s at t=1.500 s of the flow (capture buckets 2-3): no locator carried a packet"},
		},
		{
			name: "one locator idle while the others carry",
			buckets: map[string][]float64{
				"aa": {3.5e6, 5e6, 5e6, 3.5e6},
				"bb": {3.5e6, 5e6, 5e6, 3.5e6},
				"cc": {3.5e6, 0, 0, 3.5e6},
			},
			first: 0.2, last: 3.8,
			want: []string{
				"cc idle in the 1 s bucket 1 (t=0.800 s of the flow) while aa and bb carried",
				"cc idle in the 1 s bucket 2 (t=1.800 s of the flow) while aa and bb carried",
			},
		},
		{
			name: "a stall that lasts to the flow's last full second",
			buckets: map[string][]float64{
				"aa": {3.5e6, 3.5e6, 0, 0, 0.1e6},
				"bb": {3.5e6, 3.5e6, 0, 0, 0},
				"cc": {3.5e6, 3.5e6, 0, 0, 0},
			},
			first: 0, last: 4.01,
			want: []string{"stall of 2 s at t=2.000 s of the flow (capture buckets 2-3): no locator carried a packet"},
		},
		{
			name: "a locator missing from the buckets altogether",
			buckets: map[string][]float64{
				"aa": {3.5e6, 3.5e6, 3.5e6},
				"bb": {3.5e6, 3.5e6, 3.5e6},
			},
			first: 0, last: 2.5,
			want: []string{
				"cc idle in the 1 s bucket 0 (t=0.000 s of the flow) while aa and bb carried",
				"cc idle in the 1 s bucket 1 (t=1.000 s of the flow) while aa and bb carried",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := judgeSpan(l64s, tt.buckets, tt.first, tt.last, 1); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("judgeSpan =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
