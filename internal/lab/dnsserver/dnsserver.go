// Package dnsserver runs BIND 9 (named, from Debian's bind9 package) in a
// testbed host's network namespace: one primary zone with ILNP records
// (RFC 6742) that accepts dynamic updates (RFC 2136) signed with a TSIG
// key made by tsig-keygen. Everything named reads and writes (its
// configuration, the zone and its journal, the key, its log) is in a
// directory of the server's own; named runs in the foreground (-g) with
// no control channel, so no rndc and nothing of the system's BIND
// configuration is used. Stop and Start again keep the zone and its
// journal, as a restarted server does.
package dnsserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
	"github.com/ilnp-linux/ilnp/tools/ilnp"
)

// Config describes the server.
type Config struct {
	// Dir holds the server's files; it must exist.
	Dir string
	// Addr is the address named listens on (UDP and TCP port 53); the
	// host must have it.
	Addr netip.Addr
	// Zone is the zone's name, e.g. "example.".
	Zone string
	// Records are the zone's records beside its SOA and NS (made here),
	// in zone-file syntax with absolute names; see NID, L64 and LP.
	Records []string
	// KeyName names the TSIG key allowed to update the zone.
	KeyName string
	// TTL is the zone's default and negative-caching TTL; 5 s if zero.
	TTL time.Duration
}

// Server is named running in a host.
type Server struct {
	cfg  Config
	host *testbed.Host
	// KeyFile is the TSIG key, as tsig-keygen wrote it (the format of
	// `ilnpctl dns publish --key`).
	KeyFile string
	conf    string
	cmd     *exec.Cmd
	done    chan error
}

// NID is a NID record line (RFC 6742 section 2.1) with preference 10.
func NID(name string, n ilnp.NID) string {
	return (&dns.NID{Hdr: hdr(name, dns.TypeNID), Preference: 10, NodeID: uint64(n)}).String()
}

// L64 is an L64 record line (RFC 6742 section 2.3).
func L64(name string, pref uint16, l ilnp.L64) string {
	return (&dns.L64{Hdr: hdr(name, dns.TypeL64), Preference: pref, Locator64: uint64(l)}).String()
}

// LP is an LP record line (RFC 6742 section 2.4).
func LP(name string, pref uint16, fqdn string) string {
	return (&dns.LP{Hdr: hdr(name, dns.TypeLP), Preference: pref, Fqdn: dns.Fqdn(fqdn)}).String()
}

func hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: dns.Fqdn(name), Rrtype: t, Class: dns.ClassINET, Ttl: 5}
}

// New writes the server's configuration, zone and key into cfg.Dir and
// starts named in the host; it returns once named answers for the zone.
func New(ctx context.Context, h *testbed.Host, cfg Config) (*Server, error) {
	if cfg.TTL == 0 {
		cfg.TTL = 5 * time.Second
	}
	cfg.Zone, cfg.KeyName = dns.Fqdn(cfg.Zone), dns.Fqdn(cfg.KeyName)
	s := &Server{cfg: cfg, host: h, KeyFile: filepath.Join(cfg.Dir, "update.key"), conf: filepath.Join(cfg.Dir, "named.conf")}
	key, err := exec.CommandContext(ctx, "tsig-keygen", "-a", "hmac-sha256", strings.TrimSuffix(cfg.KeyName, ".")).Output()
	if err != nil {
		return nil, fmt.Errorf("dnsserver: tsig-keygen: %w", err)
	}
	files := map[string]string{s.KeyFile: string(key), s.conf: s.namedConf(), s.zoneFile(): s.zone()}
	for path, text := range files {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return nil, fmt.Errorf("dnsserver: %w", err)
		}
	}
	if out, err := exec.CommandContext(ctx, "named-checkconf", "-z", s.conf).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("dnsserver: named-checkconf: %w\n%s", err, out)
	}
	if err := s.Start(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) zoneFile() string { return filepath.Join(s.cfg.Dir, "zone.db") }

func (s *Server) namedConf() string {
	d := s.cfg.Dir
	return fmt.Sprintf(`// written by internal/lab/dnsserver
options {
	directory "%[1]s";
	pid-file "%[1]s/named.pid";
	lock-file "%[1]s/named.lock";
	session-keyfile "%[1]s/session.key";
	managed-keys-directory "%[1]s";
	dump-file "%[1]s/named.dump";
	listen-on { none; };
	listen-on-v6 { %[2]s; };
	recursion no;
	dnssec-validation no;
	notify no;
	allow-query { any; };
};
controls { };
include "%[3]s";
zone "%[4]s" {
	type primary;
	file "%[5]s";
	allow-update { key "%[6]s"; };
};
`, d, s.cfg.Addr, s.KeyFile, s.cfg.Zone, s.zoneFile(), strings.TrimSuffix(s.cfg.KeyName, "."))
}

func (s *Server) zone() string {
	ttl := int(s.cfg.TTL.Seconds())
	var b strings.Builder
	fmt.Fprintf(&b, "$TTL %d\n", ttl)
	fmt.Fprintf(&b, "%s IN SOA ns.%s hostmaster.%s 1 60 30 600 %d\n", s.cfg.Zone, s.cfg.Zone, s.cfg.Zone, ttl)
	fmt.Fprintf(&b, "%s IN NS ns.%s\n", s.cfg.Zone, s.cfg.Zone)
	fmt.Fprintf(&b, "ns.%s IN AAAA %s\n", s.cfg.Zone, s.cfg.Addr)
	for _, r := range s.cfg.Records {
		fmt.Fprintln(&b, r)
	}
	return b.String()
}

// Addr is where the server listens: [Addr]:53.
func (s *Server) Addr() string { return net.JoinHostPort(s.cfg.Addr.String(), "53") }

// Start runs named again (after Stop), with the zone and journal as they
// were, and waits until it answers for the zone.
func (s *Server) Start(ctx context.Context) error {
	if s.cmd != nil {
		return errors.New("dnsserver: named is running")
	}
	logf, err := os.OpenFile(filepath.Join(s.cfg.Dir, "named.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("dnsserver: %w", err)
	}
	defer logf.Close()
	// -g: foreground, log to stderr; no -u: the guest runs it as root,
	// in its own directory. The server's lifetime is the test's, not
	// ctx's.
	cmd := s.host.Command(context.Background(), "named", "-g", "-c", s.conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("dnsserver: start named: %w", err)
	}
	s.cmd, s.done = cmd, make(chan error, 1)
	go func() { s.done <- cmd.Wait() }()
	return s.waitReady(ctx, 30*time.Second)
}

// waitReady waits until named answers the zone's SOA.
func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if _, err := s.Query(ctx, s.cfg.Zone, dns.TypeSOA); err == nil {
			return nil
		}
		select {
		case err := <-s.done:
			s.cmd = nil
			return fmt.Errorf("dnsserver: named exited: %v\n%s", err, s.Log())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dnsserver: named does not answer after %s\n%s", timeout, s.Log())
		}
	}
}

// Stop ends named (SIGTERM, then SIGKILL after 5 s) and waits for it.
func (s *Server) Stop() error {
	if s.cmd == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
	return nil
}

// Log is what named has logged.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.cfg.Dir, "named.log"))
	return string(b)
}

// Query asks the server, from its own host, for the records of type t
// at name (an authoritative answer; NXDOMAIN or NODATA is none).
func (s *Server) Query(ctx context.Context, name string, t uint16) ([]dns.RR, error) {
	var rrs []dns.RR
	err := s.host.Do(func() error {
		q := new(dns.Msg)
		q.SetQuestion(dns.Fqdn(name), t)
		c := &dns.Client{Timeout: time.Second}
		resp, _, err := c.ExchangeContext(ctx, q, s.Addr())
		if err != nil {
			return err
		}
		if resp.Rcode != dns.RcodeSuccess && resp.Rcode != dns.RcodeNameError {
			return fmt.Errorf("dnsserver: %s %s: %s", name, dns.TypeToString[t], dns.RcodeToString[resp.Rcode])
		}
		for _, rr := range resp.Answer {
			if rr.Header().Rrtype == t {
				rrs = append(rrs, rr)
			}
		}
		return nil
	})
	return rrs, err
}

// L64s are the locators of the L64 records at name, as the server
// answers now.
func (s *Server) L64s(ctx context.Context, name string) ([]ilnp.L64, error) {
	rrs, err := s.Query(ctx, name, dns.TypeL64)
	if err != nil {
		return nil, err
	}
	var out []ilnp.L64
	for _, rr := range rrs {
		out = append(out, ilnp.L64(rr.(*dns.L64).Locator64))
	}
	return out, nil
}
