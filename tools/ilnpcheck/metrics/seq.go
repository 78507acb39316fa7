package metrics

import (
	"math/bits"
	"sort"
)

// seqSet is a set of non-negative 32-bit sequence numbers: a bitmap for
// the dense range iperf2 uses, a map above it.
type seqSet struct {
	bits []uint64
	big  map[uint32]struct{}
	n    int
}

const seqBitmapLimit = 1 << 26 // 8 MiB of bitmap at most

// add inserts v and reports whether it was new.
func (s *seqSet) add(v uint32) bool {
	if v >= seqBitmapLimit {
		if s.big == nil {
			s.big = make(map[uint32]struct{})
		}
		if _, ok := s.big[v]; ok {
			return false
		}
		s.big[v] = struct{}{}
		s.n++
		return true
	}
	w := int(v / 64)
	if w >= len(s.bits) {
		s.bits = append(s.bits, make([]uint64, w+1-len(s.bits)+len(s.bits)/2)...)
	}
	m := uint64(1) << (v % 64)
	if s.bits[w]&m != 0 {
		return false
	}
	s.bits[w] |= m
	s.n++
	return true
}

func (s *seqSet) has(v uint32) bool {
	if v >= seqBitmapLimit {
		_, ok := s.big[v]
		return ok
	}
	w := int(v / 64)
	return w < len(s.bits) && s.bits[w]&(1<<(v%64)) != 0
}

// missingFrom counts the members of other that are not in s.
func (s *seqSet) missingFrom(other *seqSet) int {
	n := 0
	for w, word := range other.bits {
		var mine uint64
		if w < len(s.bits) {
			mine = s.bits[w]
		}
		n += bits.OnesCount64(word &^ mine)
	}
	for v := range other.big {
		if !s.has(v) {
			n++
		}
	}
	return n
}

// unwrapper extends 32-bit TCP sequence and acknowledgement numbers to 64
// bits, treating a step of less than 2^31 either way as the nearest one
// (RFC 1982 serial arithmetic).
type unwrapper struct {
	last  int64
	valid bool
}

func (u *unwrapper) unwrap(v uint32) int64 {
	if !u.valid {
		u.last, u.valid = int64(v), true
		return u.last
	}
	u.last += int64(int32(v - uint32(u.last)))
	return u.last
}

// ranges is a set of half-open int64 intervals, kept sorted and merged.
type ranges [][2]int64

// covers reports whether [lo, hi) lies inside one interval.
func (r ranges) covers(lo, hi int64) bool {
	i := sort.Search(len(r), func(i int) bool { return r[i][1] >= hi })
	return i < len(r) && r[i][0] <= lo
}

// add inserts [lo, hi), merging what it touches.
func (r *ranges) add(lo, hi int64) {
	s := *r
	// Fast path: appending at or after the last interval.
	if n := len(s); n == 0 || lo > s[n-1][1] {
		*r = append(s, [2]int64{lo, hi})
		return
	} else if lo >= s[n-1][0] {
		s[n-1][1] = max(s[n-1][1], hi)
		return
	}
	i := sort.Search(len(s), func(i int) bool { return s[i][1] >= lo })
	j := i
	for j < len(s) && s[j][0] <= hi {
		lo, hi = min(lo, s[j][0]), max(hi, s[j][1])
		j++
	}
	s = append(s[:i], append([][2]int64{{lo, hi}}, s[j:]...)...)
	*r = s
}
