package main

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// header holds the names a C UAPI header defines, in the order it
// defines them.
type header struct {
	names    []string          // every name with a value, in order
	ints     map[string]int64  // numeric #defines and enum members
	strs     map[string]string // #defines of string literals
	comments map[string]string // the comment on the line of a name's definition
	sentinel map[string]bool   // the enums' array-size sentinels (__FOO_MAX, FOO_MAX)
}

var (
	defineRE = regexp.MustCompile(`^#\s*define\s+(\w+)(\(?)\s*(.*)$`)
	enumRE   = regexp.MustCompile(`\benum\s*\w*\s*\{([^}]*)\}`)
	stringRE = regexp.MustCompile(`^"((?:[^"\\]|\\.)*)"$`)
	// A definition that a comment follows on its line: an enum member
	// or a #define.
	commentRE = regexp.MustCompile(`^\s*(?:#\s*define\s+)?([A-Za-z_]\w*)\b[^/]*/\*(.*)$`)
)

// parseHeader evaluates the object-like #defines with a value and the
// enum members of a C header, and keeps the comment on each one's line.
// A value it cannot evaluate is an error, never skipped.
func parseHeader(src string) (*header, error) {
	h := &header{ints: map[string]int64{}, strs: map[string]string{}, sentinel: map[string]bool{}}
	h.comments = lineComments(src)
	src = strings.ReplaceAll(stripComments(src), "\\\n", " ")
	define := func(name string) error {
		if _, dup := h.ints[name]; dup {
			return fmt.Errorf("%s defined twice", name)
		}
		if _, dup := h.strs[name]; dup {
			return fmt.Errorf("%s defined twice", name)
		}
		h.names = append(h.names, name)
		return nil
	}
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
		}
		if err := define(name); err != nil {
			return nil, err
		}
		if stringRE.MatchString(val) {
			s, err := strconv.Unquote(val)
			if err != nil {
				return nil, fmt.Errorf("#define %s %s: %w", name, val, err)
			}
			h.strs[name] = s
			continue
		}
		v, err := eval(val, h.ints)
		if err != nil {
			return nil, fmt.Errorf("#define %s %s: %w", name, val, err)
		}
		h.ints[name] = v
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
			if err := define(name); err != nil {
				return nil, err
			}
			h.ints[name] = next
			members = append(members, name)
			next++
		}
		h.markSentinels(members)
	}
	return h, nil
}

// markSentinels records an enum's array-size sentinels: __FOO_MAX as the
// last member or followed only by FOO_MAX. Go decoders do not size tables
// by them, so they are not generated.
func (h *header) markSentinels(members []string) {
	n := len(members)
	if n == 0 {
		return
	}
	last := members[n-1]
	switch {
	case n >= 2 && "__"+last == members[n-2]:
		h.sentinel[last], h.sentinel[members[n-2]] = true, true
	case strings.HasPrefix(last, "__") && strings.HasSuffix(last, "_MAX"):
		h.sentinel[last] = true
	}
}

// lineComments returns, for each enum member or #define followed by a
// comment on its line, the comment's text: one line, white space
// folded, leading '*'s of its continuation lines dropped.
func lineComments(src string) map[string]string {
	out := map[string]string{}
	lines := strings.Split(src, "\n")
	for i := 0; i < len(lines); i++ {
		m := commentRE.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		name, text := m[1], m[2]
		parts := []string{}
		for {
			end := strings.Index(text, "*/")
			if end >= 0 {
				parts = append(parts, text[:end])
				break
			}
			parts = append(parts, text)
			if i+1 >= len(lines) {
				break
			}
			i++
			text = strings.TrimLeft(strings.TrimSpace(lines[i]), "*")
		}
		out[name] = strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
	}
	return out
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
