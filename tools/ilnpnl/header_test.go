package ilnpnl

// Test helpers that read a C UAPI header out of a git format-patch
// series and evaluate its #defines and enums, for TestUAPIConstants.

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// headerFromPatches replays, in series order, every patch in dir that
// creates, changes or deletes path and returns the resulting file text
// and the patch that created it. patch is "" when no patch in the series
// creates the file (or the file is deleted again).
func headerFromPatches(dir, path string) (text, patch string, err error) {
	names, err := seriesOrder(dir)
	if err != nil {
		return "", "", err
	}
	var f fileState
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", "", err
		}
		next, err := applyToFile(string(b), path, f)
		if err != nil {
			return "", "", fmt.Errorf("%s: %w", name, err)
		}
		if next.exists && !f.exists {
			patch = name
		}
		f = next
	}
	if !f.exists {
		return "", "", nil
	}
	return strings.Join(f.lines, "\n") + "\n", filepath.Join(dir, patch), nil
}

// seriesOrder lists the patches of dir in the order of its series file,
// or in name order (git format-patch numbers them) when the series file
// is missing or empty.
func seriesOrder(dir string) ([]string, error) {
	var names []string
	b, err := os.ReadFile(filepath.Join(dir, "series"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if i := strings.IndexByte(l, '#'); i >= 0 {
			l = l[:i]
		}
		if l = strings.TrimSpace(l); l != "" {
			names = append(names, l)
		}
	}
	if len(names) > 0 {
		return names, nil
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.patch"))
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	sort.Strings(names)
	return names, nil
}

var hunkRE = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@`)

// fileState is a file as the patches so far leave it.
type fileState struct {
	exists bool
	lines  []string
}

// applyToFile applies the parts of one patch that touch path to f and
// returns the file as the patch leaves it. Hunks must apply exactly (no
// offset, no fuzz), which is how git format-patch writes a series.
func applyToFile(patch, path string, f fileState) (fileState, error) {
	sc := bufio.NewScanner(strings.NewReader(patch))
	sc.Buffer(nil, 1<<20)
	var (
		in, touched bool     // inside the diff of path; seen it
		out         []string // the new text
		pos         int      // next line of f.lines not yet consumed
		created     bool
		deleted     bool
		oldLeft     int // old lines still expected in the current hunk
		newLeft     int // new lines still expected
	)
	for sc.Scan() {
		l := sc.Text()
		if oldLeft > 0 || newLeft > 0 { // a hunk body; "" is an empty context line
			kind, text := byte(' '), ""
			if l != "" {
				kind, text = l[0], l[1:]
			}
			switch kind {
			case '\\': // "\ No newline at end of file"
			case '+':
				newLeft--
				if in {
					out = append(out, text)
				}
			case '-', ' ':
				oldLeft--
				if !in {
					if kind == ' ' {
						newLeft--
					}
					break
				}
				if pos >= len(f.lines) || f.lines[pos] != text {
					return fileState{}, fmt.Errorf("%s: hunk does not apply at line %d", path, pos+1)
				}
				pos++
				if kind == ' ' {
					newLeft--
					out = append(out, text)
				}
			default:
				return fileState{}, fmt.Errorf("malformed hunk line %q", l)
			}
			continue
		}
		switch {
		case strings.HasPrefix(l, "diff --git "):
			if in {
				out = append(out, f.lines[pos:]...)
			}
			fields := strings.Fields(l)
			in = len(fields) == 4 && (fields[2] == "a/"+path || fields[3] == "b/"+path)
			if in {
				if touched {
					return fileState{}, fmt.Errorf("%s appears twice in one patch", path)
				}
				touched, out, pos = true, nil, 0
			}
		case in && l == "--- /dev/null":
			if f.exists {
				return fileState{}, fmt.Errorf("%s: created again, but it exists", path)
			}
			created = true
		case in && strings.HasPrefix(l, "--- a/"):
			if !f.exists {
				return fileState{}, fmt.Errorf("%s: changed before any patch created it", path)
			}
		case in && l == "+++ /dev/null":
			deleted = true
		case strings.HasPrefix(l, "@@ "):
			m := hunkRE.FindStringSubmatch(l)
			if m == nil {
				return fileState{}, fmt.Errorf("malformed hunk header %q", l)
			}
			oldStart, _ := strconv.Atoi(m[1])
			oldLeft, newLeft = count(m[2]), count(m[4])
			if !in {
				break
			}
			// The old range starts at line oldStart, or after it when
			// the range is empty.
			start := oldStart - 1
			if oldLeft == 0 {
				start = oldStart
			}
			if start < pos || start > len(f.lines) {
				return fileState{}, fmt.Errorf("%s: hunk %q out of range", path, l)
			}
			out = append(out, f.lines[pos:start]...)
			pos = start
		}
	}
	if err := sc.Err(); err != nil {
		return fileState{}, err
	}
	switch {
	case oldLeft > 0 || newLeft > 0:
		return fileState{}, errors.New("patch ends inside a hunk")
	case !touched:
		return f, nil
	case deleted:
		return fileState{}, nil
	case !created && !f.exists:
		return fileState{}, fmt.Errorf("%s: changed before any patch created it", path)
	}
	if in {
		out = append(out, f.lines[pos:]...)
	}
	return fileState{exists: true, lines: out}, nil
}

// count parses the line count of a hunk range, which is 1 when omitted.
func count(s string) int {
	if s == "" {
		return 1
	}
	n, _ := strconv.Atoi(s)
	return n
}

// header holds the names a C header defines.
type header struct {
	ints  map[string]int64  // numeric #defines and enum members
	strs  map[string]string // #defines of string literals
	enums [][]string        // the members of each enum, in order
}

// sentinels returns the enums' array-size sentinels, __FOO_MAX as the
// last member or followed only by FOO_MAX. Go decoders do not size tables
// by them, so Go does not mirror them.
func (h *header) sentinels() map[string]bool {
	s := map[string]bool{}
	for _, members := range h.enums {
		n := len(members)
		last := members[n-1]
		if n >= 2 && "__"+last == members[n-2] {
			s[last], s[members[n-2]] = true, true
		} else if strings.HasPrefix(last, "__") && strings.HasSuffix(last, "_MAX") {
			s[last] = true
		}
	}
	return s
}

var (
	defineRE = regexp.MustCompile(`^#\s*define\s+(\w+)(\(?)\s*(.*)$`)
	enumRE   = regexp.MustCompile(`\benum\s*\w*\s*\{([^}]*)\}`)
	stringRE = regexp.MustCompile(`^"((?:[^"\\]|\\.)*)"$`)
)

// parseHeader evaluates the object-like #defines with a value and the
// enum members of a C header. A value it cannot evaluate is an error,
// never skipped.
func parseHeader(src string) (*header, error) {
	h := &header{ints: map[string]int64{}, strs: map[string]string{}}
	src = strings.ReplaceAll(stripComments(src), "\\\n", " ")
	var code strings.Builder
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "#") {
			code.WriteString(line + "\n")
			continue
		}
		m := defineRE.FindStringSubmatch(line)
		if m == nil {
			continue // #include, #ifndef, #endif, ...
		}
		name, fn, val := m[1], m[2], strings.TrimSpace(m[3])
		switch {
		case fn != "":
			return nil, fmt.Errorf("#define %s: function-like macros are not supported", name)
		case val == "":
			continue // include guard
		case stringRE.MatchString(val):
			s, err := strconv.Unquote(val)
			if err != nil {
				return nil, fmt.Errorf("#define %s %s: %w", name, val, err)
			}
			h.strs[name] = s
		default:
			v, err := eval(val, h.ints)
			if err != nil {
				return nil, fmt.Errorf("#define %s %s: %w", name, val, err)
			}
			h.ints[name] = v
		}
	}
	for _, m := range enumRE.FindAllStringSubmatch(code.String(), -1) {
		var members []string
		next := int64(0)
		for _, item := range strings.Split(m[1], ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			name, expr, hasValue := strings.Cut(item, "=")
			name = strings.TrimSpace(name)
			if !isIdent(name) {
				return nil, fmt.Errorf("enum member %q: not an identifier", item)
			}
			if hasValue {
				v, err := eval(expr, h.ints)
				if err != nil {
					return nil, fmt.Errorf("enum member %s: %w", name, err)
				}
				next = v
			}
			if _, dup := h.ints[name]; dup {
				return nil, fmt.Errorf("%s defined twice", name)
			}
			h.ints[name] = next
			members = append(members, name)
			next++
		}
		if len(members) > 0 {
			h.enums = append(h.enums, members)
		}
	}
	return h, nil
}

// stripComments removes /* */ and // comments outside string literals,
// keeping the line breaks.
func stripComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' && s[j] != '\n' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(s))
			b.WriteString(s[i:j])
			i = j - 1
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return b.String() // unterminated: the rest is comment
			}
			comment := s[i : i+2+end+2]
			b.WriteString(" " + strings.Repeat("\n", strings.Count(comment, "\n")))
			i += len(comment) - 1
		case strings.HasPrefix(s[i:], "//"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
			if i < len(s) {
				b.WriteByte('\n')
			}
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func isIdent(s string) bool {
	for i, r := range s {
		if r != '_' && !unicode.IsLetter(r) && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return s != ""
}

// eval evaluates an integer constant expression of a UAPI header:
// literals (with U/L suffixes), names already defined, parentheses,
// unary - + ~ and binary * / % + - << >> & ^ |.
func eval(expr string, names map[string]int64) (int64, error) {
	p := &exprParser{names: names}
	if err := p.tokenize(expr); err != nil {
		return 0, err
	}
	v, err := p.binary(0)
	if err != nil {
		return 0, err
	}
	if p.i != len(p.toks) {
		return 0, fmt.Errorf("unexpected %q in %q", p.toks[p.i], expr)
	}
	return v, nil
}

type exprParser struct {
	names map[string]int64
	toks  []string
	i     int
}

var binaryPrec = map[string]int{
	"|": 1, "^": 2, "&": 3, "<<": 4, ">>": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6,
}

func (p *exprParser) tokenize(s string) error {
	for i := 0; i < len(s); {
		c := rune(s[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '<' || c == '>':
			if i+1 >= len(s) || s[i+1] != s[i] {
				return fmt.Errorf("unsupported operator in %q", s)
			}
			p.toks = append(p.toks, s[i:i+2])
			i += 2
		case strings.ContainsRune("()+-*/%&|^~", c):
			p.toks = append(p.toks, s[i:i+1])
			i++
		case c == '_' || unicode.IsLetter(c) || unicode.IsDigit(c):
			j := i
			for j < len(s) && (s[j] == '_' || unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j]))) {
				j++
			}
			p.toks = append(p.toks, s[i:j])
			i = j
		default:
			return fmt.Errorf("unsupported character %q in %q", c, s)
		}
	}
	if len(p.toks) == 0 {
		return errors.New("empty expression")
	}
	return nil
}

// binary parses operators binding tighter than minPrec (precedence
// climbing; all binary operators are left-associative).
func (p *exprParser) binary(minPrec int) (int64, error) {
	x, err := p.unary()
	if err != nil {
		return 0, err
	}
	for p.i < len(p.toks) {
		op := p.toks[p.i]
		prec, ok := binaryPrec[op]
		if !ok || prec <= minPrec {
			break
		}
		p.i++
		y, err := p.binary(prec)
		if err != nil {
			return 0, err
		}
		switch op {
		case "|":
			x |= y
		case "^":
			x ^= y
		case "&":
			x &= y
		case "<<":
			x <<= y
		case ">>":
			x >>= y
		case "+":
			x += y
		case "-":
			x -= y
		case "*":
			x *= y
		case "/", "%":
			if y == 0 {
				return 0, errors.New("division by zero")
			}
			if op == "/" {
				x /= y
			} else {
				x %= y
			}
		}
	}
	return x, nil
}

func (p *exprParser) unary() (int64, error) {
	if p.i >= len(p.toks) {
		return 0, errors.New("expression ends early")
	}
	t := p.toks[p.i]
	p.i++
	switch {
	case t == "-" || t == "+" || t == "~":
		v, err := p.unary()
		switch t {
		case "-":
			v = -v
		case "~":
			v = ^v
		}
		return v, err
	case t == "(":
		v, err := p.binary(0)
		if err != nil {
			return 0, err
		}
		if p.i >= len(p.toks) || p.toks[p.i] != ")" {
			return 0, errors.New("missing )")
		}
		p.i++
		return v, nil
	case unicode.IsDigit(rune(t[0])):
		v, err := strconv.ParseInt(strings.TrimRight(t, "uUlL"), 0, 64)
		if err != nil {
			return 0, fmt.Errorf("literal %q: %w", t, err)
		}
		return v, nil
	case isIdent(t):
		v, ok := p.names[t]
		if !ok {
			return 0, fmt.Errorf("%s is not defined before its use", t)
		}
		return v, nil
	}
	return 0, fmt.Errorf("unexpected %q", t)
}
