package fuzz

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
)

// NetlinkConfig configures Netlink.
type NetlinkConfig struct {
	Seed   uint64
	Budget time.Duration
	// Conn is a generic netlink socket in the namespace under attack,
	// with the credentials of the attacker.
	Conn   *genetlink.Conn
	Family genetlink.Family
	// Seeds are attribute sets of the family (the Data of messages it
	// sent or accepts) that mutations start from: what a dump of the
	// family returns has every shape it knows. Without seeds the
	// attributes are made from nothing.
	Seeds [][]byte
	// Commands bounds the command numbers tried: 0 to Commands-1 most
	// of the time (the family's and a few it does not have), any octet
	// now and then.
	Commands int
	// Timeout bounds the wait for each answer; 0 means 5 s. A request
	// the kernel does not answer in time is an error: every request
	// asks for an acknowledgment.
	Timeout time.Duration
}

// NetlinkReport is what Netlink sent and what came back.
type NetlinkReport struct {
	Seed    uint64
	Sent    int
	Elapsed time.Duration
	// Answers counts the answers by command and outcome ("ok" or the
	// errno's name).
	Answers map[uint8]map[string]int
}

func (r NetlinkReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d: %d requests in %s", r.Seed, r.Sent, r.Elapsed.Round(time.Millisecond))
	// The commands tried now and then (any octet) are summed up.
	const many = 16
	cmds := make([]int, 0, len(r.Answers))
	rare := map[string]int{}
	for c, outcomes := range r.Answers {
		if c < many {
			cmds = append(cmds, int(c))
			continue
		}
		for k, n := range outcomes {
			rare[k] += n
		}
	}
	sort.Ints(cmds)
	line := func(name string, outcomes map[string]int) {
		var parts []string
		for _, k := range sortedKeys(outcomes) {
			parts = append(parts, fmt.Sprintf("%s %d", k, outcomes[k]))
		}
		fmt.Fprintf(&b, "; %s: %s", name, strings.Join(parts, ", "))
	}
	for _, c := range cmds {
		line(fmt.Sprintf("cmd %d", c), r.Answers[uint8(c)])
	}
	if len(rare) > 0 {
		line(fmt.Sprintf("cmd %d-255", many), rare)
	}
	return b.String()
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ErrNoAnswer is returned when the kernel did not answer a request.
var ErrNoAnswer = errors.New("the kernel did not answer a request")

// Netlink sends Request(cfg.Seed, 0, ...), Request(cfg.Seed, 1, ...), ...
// one after the other, each waiting for its answer, until the budget is
// spent or ctx ends.
func Netlink(ctx context.Context, cfg NetlinkConfig) (rep NetlinkReport, err error) {
	rep = NetlinkReport{Seed: cfg.Seed, Answers: map[uint8]map[string]int{}}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	start := time.Now()
	defer func() { rep.Elapsed = time.Since(start) }()
	for i := 0; time.Since(start) < cfg.Budget; i++ {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		msg, flags := Request(cfg.Seed, i, cfg.Family, cfg.Seeds, cfg.Commands)
		var outcome string
		outcome, err = exchange(cfg.Conn, msg, cfg.Family.ID, flags, timeout)
		rep.Sent++
		if err != nil {
			return rep, fmt.Errorf("fuzz: netlink: request %d (command %d, flags %s, attributes % x): %w", i, msg.Header.Command, flags, msg.Data, err)
		}
		if rep.Answers[msg.Header.Command] == nil {
			rep.Answers[msg.Header.Command] = map[string]int{}
		}
		rep.Answers[msg.Header.Command][outcome]++
	}
	return rep, nil
}

// exchange sends one request and reads until its end: an error, an
// acknowledgment, or the end of a dump (a reply to a request that is no
// dump comes before its acknowledgment). It returns "ok" or the errno's
// name.
func exchange(c *genetlink.Conn, msg genetlink.Message, family uint16, flags netlink.HeaderFlags, timeout time.Duration) (string, error) {
	// A socket that takes no deadline (a test's) answers at once.
	_ = c.SetReadDeadline(time.Now().Add(timeout))
	if _, err := c.Send(msg, family, flags); err != nil {
		return "", fmt.Errorf("send: %w", err)
	}
	for {
		_, nms, err := c.Receive()
		var errno syscall.Errno
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			return "", ErrNoAnswer
		case errors.As(err, &errno):
			return errnoName(errno), nil
		case err != nil:
			return "", fmt.Errorf("receive: %w", err)
		}
		if len(nms) == 0 {
			return "ok", nil // an empty dump
		}
		for _, m := range nms {
			if m.Header.Type == netlink.Error || m.Header.Flags&netlink.Multi != 0 {
				return "ok", nil // an acknowledgment, or a whole dump
			}
		}
	}
}

func errnoName(e syscall.Errno) string {
	names := map[syscall.Errno]string{
		syscall.EPERM: "EPERM", syscall.ENOENT: "ENOENT", syscall.EINVAL: "EINVAL", syscall.EEXIST: "EEXIST",
		syscall.ENOSPC: "ENOSPC", syscall.E2BIG: "E2BIG", syscall.EOPNOTSUPP: "EOPNOTSUPP", syscall.ENOMEM: "ENOMEM",
		syscall.ERANGE: "ERANGE", syscall.EMSGSIZE: "EMSGSIZE", syscall.EBUSY: "EBUSY", syscall.ENODEV: "ENODEV",
	}
	if n, ok := names[e]; ok {
		return n
	}
	return fmt.Sprintf("errno %d", int(e))
}

// Request returns request i of the seed's sequence: a command, flags
// (always a request that wants an acknowledgment; a dump at times) and
// attributes mutated from one of seeds.
func Request(seed uint64, i int, f genetlink.Family, seeds [][]byte, commands int) (genetlink.Message, netlink.HeaderFlags) {
	rng := rand.New(rand.NewPCG(seed, uint64(i)))
	if commands <= 0 {
		commands = 16
	}
	cmd := uint8(rng.IntN(commands))
	if rng.IntN(16) == 0 {
		cmd = uint8(rng.UintN(256))
	}
	flags := netlink.Request | netlink.Acknowledge
	if rng.IntN(3) == 0 {
		flags |= netlink.Dump
	}
	if rng.IntN(10) == 0 {
		flags |= []netlink.HeaderFlags{netlink.Create, netlink.Excl, netlink.Replace, netlink.Append}[rng.IntN(4)]
	}
	version := f.Version
	if rng.IntN(20) == 0 {
		version = uint8(rng.UintN(256))
	}
	var attrs []attr
	if len(seeds) > 0 && rng.IntN(5) != 0 {
		attrs = parseAttrs(seeds[rng.IntN(len(seeds))], 0)
	}
	m := mutator{rng: rng}
	for range 1 + rng.IntN(4) {
		attrs = m.mutate(attrs, 0)
	}
	data := encodeAttrs(attrs)
	if rng.IntN(12) == 0 && len(data) > 0 {
		// Lie in the bytes themselves: a length field, a type, a
		// payload octet.
		m.flipBytes(data, 1+rng.IntN(3))
	}
	if rng.IntN(30) == 0 && len(data) > 0 {
		data = data[:rng.IntN(len(data))]
	}
	return genetlink.Message{Header: genetlink.Header{Command: cmd, Version: version}, Data: data}, flags
}

// attr is a netlink attribute whose payload parsed as attributes too
// (children) or not.
type attr struct {
	typ      uint16 // with the NLA_F_NESTED and byte-order bits as they came
	data     []byte
	children []attr
	nested   bool
}

const maxDepth = 4

// parseAttrs reads b as attributes, and each payload that reads as
// attributes too as a nest.
func parseAttrs(b []byte, depth int) []attr {
	msgs, err := netlink.UnmarshalAttributes(b)
	if err != nil {
		return nil
	}
	out := make([]attr, 0, len(msgs))
	for _, a := range msgs {
		at := attr{typ: a.Type, data: a.Data}
		if depth < maxDepth && len(a.Data) >= 4 {
			if kids := parseAttrs(a.Data, depth+1); kids != nil && encodedLen(kids) == len(a.Data) {
				at.children, at.nested = kids, true
			}
		}
		out = append(out, at)
	}
	return out
}

func encodedLen(as []attr) int { return len(encodeAttrs(as)) }

// encodeAttrs writes the attributes, lengths right and padded.
func encodeAttrs(as []attr) []byte {
	msgs := make([]netlink.Attribute, 0, len(as))
	for _, a := range as {
		data := a.data
		if a.nested {
			data = encodeAttrs(a.children)
		}
		msgs = append(msgs, netlink.Attribute{Type: a.typ, Data: data})
	}
	b, err := netlink.MarshalAttributes(msgs)
	if err != nil {
		return nil // too long for a length field: nothing
	}
	return b
}

type mutator struct{ rng *rand.Rand }

func (m mutator) chance(n int) bool { return m.rng.IntN(n) == 0 }

func (m mutator) flipBytes(b []byte, n int) {
	for range n {
		b[m.rng.IntN(len(b))] ^= 1 << m.rng.IntN(8)
	}
}

// payload is a value of a shape netlink families use (an integer, an
// address, a nonce) or junk, often at a boundary.
func (m mutator) payload() []byte {
	n := []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17, 64, m.rng.IntN(300)}[m.rng.IntN(14)]
	b := make([]byte, n)
	switch m.rng.IntN(4) {
	case 0: // zeros
	case 1:
		for i := range b {
			b[i] = 0xff
		}
	case 2:
		if n > 0 {
			b[n-1] = 1
		}
	default:
		for i := range b {
			b[i] = byte(m.rng.UintN(256))
		}
	}
	return b
}

// mutate changes one thing in the list (at some depth).
func (m mutator) mutate(as []attr, depth int) []attr {
	if len(as) > 0 && depth < maxDepth && m.chance(2) {
		i := m.rng.IntN(len(as))
		if as[i].nested {
			as[i].children = m.mutate(as[i].children, depth+1)
			return as
		}
	}
	switch m.rng.IntN(9) {
	case 0, 1: // a new attribute
		a := attr{typ: uint16(m.rng.IntN(20)), data: m.payload()}
		if m.chance(3) && depth < maxDepth {
			a.nested = true
			a.children = m.mutate(nil, depth+1)
			if m.chance(2) {
				a.typ |= netlink.Nested
			}
		}
		return append(as, a)
	case 2: // drop one
		if len(as) > 0 {
			i := m.rng.IntN(len(as))
			return append(as[:i:i], as[i+1:]...)
		}
	case 3: // repeat one
		if len(as) > 0 {
			return append(as, as[m.rng.IntN(len(as))])
		}
	case 4: // another type
		if len(as) > 0 {
			i := m.rng.IntN(len(as))
			if m.chance(2) {
				as[i].typ = uint16(int(as[i].typ) + m.rng.IntN(3) - 1)
			} else {
				as[i].typ = uint16(m.rng.UintN(1 << 16))
			}
		}
	case 5: // another payload
		if len(as) > 0 {
			i := m.rng.IntN(len(as))
			as[i].nested, as[i].children, as[i].data = false, nil, m.payload()
		}
	case 6: // a payload cut or grown
		if len(as) > 0 {
			i := m.rng.IntN(len(as))
			if !as[i].nested {
				d := append([]byte(nil), as[i].data...)
				if len(d) > 0 && m.chance(2) {
					d = d[:m.rng.IntN(len(d))]
				} else {
					d = append(d, m.payload()...)
				}
				as[i].data = d
			}
		}
	case 7: // bits flipped in a payload
		if len(as) > 0 {
			i := m.rng.IntN(len(as))
			if !as[i].nested && len(as[i].data) > 0 {
				d := append([]byte(nil), as[i].data...)
				m.flipBytes(d, 1)
				as[i].data = d
			}
		}
	default: // an attribute wrapped in a nest of its own
		if len(as) > 0 && depth < maxDepth {
			i := m.rng.IntN(len(as))
			as[i] = attr{typ: uint16(m.rng.IntN(12)) | netlink.Nested, nested: true, children: []attr{as[i]}}
		}
	}
	return as
}

// Seeds dumps every command of the family (0 to commands-1) and returns
// the attribute sets of the answers: the shapes of the family's
// attributes, for Request to mutate. Commands that are not dumps fail,
// which is fine.
func Seeds(c *genetlink.Conn, f genetlink.Family, commands int) [][]byte {
	var seeds [][]byte
	for cmd := range commands {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		msgs, err := c.Execute(genetlink.Message{Header: genetlink.Header{Command: uint8(cmd), Version: f.Version}},
			f.ID, netlink.Request|netlink.Dump)
		if err != nil {
			continue
		}
		for _, m := range msgs {
			if len(m.Data) > 0 {
				seeds = append(seeds, m.Data)
			}
		}
	}
	_ = c.SetReadDeadline(time.Time{})
	return seeds
}
