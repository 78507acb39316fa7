// Package dnstest runs a small authoritative DNS server on the loopback
// for tests of DNS clients: it answers from a set of records, applies
// RFC 2136 updates signed with its TSIG key, and can be made to fail.
// It is no BIND (the VM selftests run BIND itself); it knows exact names
// only, no wildcards, delegations or zones' apexes.
package dnstest

import (
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// A Server answers queries from its records and applies signed updates.
type Server struct {
	Addr string // host:port, UDP

	mu      sync.Mutex
	records []dns.RR
	rcode   int // answer every message with this when not success
	key     struct{ name, alg string }
}

// RRs parses records in zone-file syntax.
func RRs(t testing.TB, text string) []dns.RR {
	t.Helper()
	var out []dns.RR
	zp := dns.NewZoneParser(strings.NewReader(text), "", "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		out = append(out, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// New starts a server with the records of zone (zone-file syntax) that
// accepts updates signed with the key keyName (algorithm alg, a
// miekg/dns name; secret base64); it stops when the test ends.
func New(t testing.TB, zone, keyName, alg, secret string) *Server {
	t.Helper()
	s := &Server{records: RRs(t, zone)}
	s.key.name, s.key.alg = keyName, alg
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = pc.LocalAddr().String()
	srv := &dns.Server{PacketConn: pc, Handler: s, TsigSecret: map[string]string{keyName: secret},
		MsgAcceptFunc: func(dns.Header) dns.MsgAcceptAction { return dns.MsgAccept }}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return s
}

// SetRcode makes the server answer everything with rcode (e.g.
// dns.RcodeServerFailure), or normally again with dns.RcodeSuccess.
func (s *Server) SetRcode(rcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rcode = rcode
}

// Zone is the server's records in presentation form, sorted.
func (s *Server) Zone() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, rr := range s.records {
		out = append(out, rr.String())
	}
	slices.Sort(out)
	return out
}

// ServeDNS implements dns.Handler.
func (s *Server) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	switch {
	case s.rcode != dns.RcodeSuccess:
		m.Rcode = s.rcode
	case r.Opcode == dns.OpcodeUpdate && (r.IsTsig() == nil || w.TsigStatus() != nil):
		m.Rcode = dns.RcodeNotAuth
	case r.Opcode == dns.OpcodeUpdate:
		s.apply(r.Ns)
	default:
		q := r.Question[0]
		exists := false
		for _, rr := range s.records {
			if h := rr.Header(); strings.EqualFold(h.Name, q.Name) {
				exists = true
				if h.Rrtype == q.Qtype {
					m.Answer = append(m.Answer, rr)
				}
			}
		}
		if !exists {
			m.Rcode = dns.RcodeNameError
		}
	}
	if r.IsTsig() != nil && w.TsigStatus() == nil {
		m.SetTsig(s.key.name, s.key.alg, 300, time.Now().Unix())
	}
	w.WriteMsg(m)
}

// apply carries out an update section: RRset deletions (class ANY) and
// additions (class IN), as RFC 2136 section 3.4.2 says.
func (s *Server) apply(ns []dns.RR) {
	for _, rr := range ns {
		h := rr.Header()
		if h.Class == dns.ClassANY {
			s.records = slices.DeleteFunc(s.records, func(r dns.RR) bool {
				return strings.EqualFold(r.Header().Name, h.Name) && r.Header().Rrtype == h.Rrtype
			})
			continue
		}
		if !slices.ContainsFunc(s.records, func(r dns.RR) bool { return dns.IsDuplicate(r, rr) }) {
			s.records = append(s.records, rr)
		}
	}
}
