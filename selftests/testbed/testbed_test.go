//go:build vmtest

package testbed

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/internal/lab/labtest"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
)

// TestSLAAC: MN learns the three prefixes from radvd within 10 s, using
// the paper's Table 3 settings, which are in place on every interface.
func TestSLAAC(t *testing.T) {
	tb := labtest.PlainTestbed(t, testbed.Options{})
	start := time.Now()
	addrs, err := tb.WaitSLAAC(context.Background(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("MN addresses after %s: %v", time.Since(start).Round(time.Millisecond), addrs)
	for i, an := range testbed.AccessNets {
		want := eui64(an.Prefix, testbed.MNHardwareAddr(i))
		if addrs[an.Name] != want {
			t.Errorf("%s: MN address %s, want the EUI-64 address %s", an.Name, addrs[an.Name], want)
		}
		for key, v := range testbed.MNSysctls() {
			got, err := tb.MN.ReadSysctl("net.ipv6.conf." + an.Name + "." + key)
			if err != nil {
				t.Fatal(err)
			}
			if got != v {
				t.Errorf("MN %s: %s = %s, want %s (paper Table 3)", an.Name, key, got, v)
			}
		}
	}
}

// TestPlainIPv6 runs ping, iperf2 TCP and iperf2 UDP from MN to CN over
// each access network in turn, in plain IPv6 mode, and checks from MN's
// interface counters that the traffic took that network.
func TestPlainIPv6(t *testing.T) {
	tb := labtest.PlainTestbed(t, testbed.Options{})
	addrs, err := tb.WaitSLAAC(context.Background(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, args := range [][]string{{"-s", "-V"}, {"-s", "-u", "-V"}} {
		srv := tb.CN.Command(ctx, "iperf", args...)
		if err := srv.Start(); err != nil {
			t.Fatalf("CN: iperf %v: %v", args, err)
		}
		t.Cleanup(func() { cancel(); _ = srv.Wait() })
	}
	for _, proto := range []string{"tcp", "udp"} {
		if err := tb.CN.WaitListening(ctx, proto, 5001, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}

	for _, an := range testbed.AccessNets {
		src := addrs[an.Name]
		t.Run(an.Name, func(t *testing.T) {
			t.Run("ping", func(t *testing.T) {
				out, err := tb.MN.Run(ctx, "ping", "-6", "-c", "3", "-i", "0.2", "-W", "2",
					"-I", an.Name, testbed.CNAddr.String())
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(out, "3 received") {
					t.Errorf("ping over %s:\n%s", an.Name, out)
				}
			})
			t.Run("tcp", func(t *testing.T) {
				bytes := iperfOver(t, tb, an.Name, src, "-t", "2")
				if bytes < 100_000 {
					t.Errorf("TCP over %s moved %d bytes", an.Name, bytes)
				}
			})
			t.Run("udp", func(t *testing.T) {
				bytes := iperfOver(t, tb, an.Name, src, "-u", "-b", "10M", "-t", "2")
				// 2 s at 10 Mbit/s is 2.5 MB; the first report may round.
				if bytes < 2_000_000 {
					t.Errorf("UDP over %s moved %d bytes, want about 2.5 MB", an.Name, bytes)
				}
			})
		})
	}
}

// iperfOver runs an iperf2 client on MN bound to src on ifname, returns
// the bytes the client reported and checks that ifname carried them.
func iperfOver(t *testing.T, tb *testbed.Testbed, ifname string, src netip.Addr, args ...string) int64 {
	t.Helper()
	before, err := tb.MN.LinkStats(ifname)
	if err != nil {
		t.Fatal(err)
	}
	all := append([]string{"-c", testbed.CNAddr.String(), "-V", "-B", src.String() + "%" + ifname, "-y", "C"}, args...)
	out, err := tb.MN.Run(context.Background(), "iperf", all...)
	if err != nil {
		t.Fatal(err)
	}
	bytes, err := iperfBytes(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	after, err := tb.MN.LinkStats(ifname)
	if err != nil {
		t.Fatal(err)
	}
	if sent := int64(after.TXBytes - before.TXBytes); sent < bytes {
		t.Errorf("%s sent %d bytes, fewer than the %d iperf moved: the flow took another path", ifname, sent, bytes)
	}
	return bytes
}

// iperfBytes is the transferred byte count of iperf2's first CSV report
// line (the client's own): field 8 of
// time,src,sport,dst,dport,id,interval,bytes,bits/s[,...].
func iperfBytes(out string) (int64, error) {
	r := csv.NewReader(strings.NewReader(out))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return 0, fmt.Errorf("iperf CSV: %w", err)
	}
	for _, rec := range recs {
		if len(rec) >= 9 {
			return strconv.ParseInt(rec[7], 10, 64)
		}
	}
	return 0, fmt.Errorf("no iperf CSV report")
}

// eui64 is the SLAAC address of a MAC in a /64 (RFC 4291 appendix A).
func eui64(p netip.Prefix, mac []byte) netip.Addr {
	b := p.Masked().Addr().As16()
	b[8], b[9], b[10] = mac[0]^0x02, mac[1], mac[2]
	b[11], b[12] = 0xff, 0xfe
	b[13], b[14], b[15] = mac[3], mac[4], mac[5]
	return netip.AddrFrom16(b)
}
