//go:build vmtest

package sessions

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/internal/lab/labtest"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
)

const nidChecksum = "net.ipv6.ilnp_nid_checksum"

// TestChecksumRules: net.ipv6.ilnp_nid_checksum per namespace. With both
// ends at 1 a session's TCP and UDP carry RFC 6740's NID-only checksums
// (ilnpcheck accepts the capture under that rule and rejects it under
// IPv6's) and UDP datagrams arrive; with the ends disagreeing, every
// datagram fails the receiver's checksum and none reaches its socket.
// Checksums are complete on the wire (no transmit offload on MN, R4 and
// CN), so that the receiver really verifies them.
func TestChecksumRules(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mn, cn   string // the sysctl on each end
		received bool   // the datagrams reach CN's socket
	}{
		{"both-nid", "1", "1", true},
		{"mn-nid-cn-ipv6", "1", "0", false},
		{"mn-ipv6-cn-nid", "0", "1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := labtest.NewTestbed(t, true)
			ctx := context.Background()
			for _, h := range []struct {
				host   *testbed.Host
				ifname string
			}{{tb.MN, "aa"}, {tb.R4, "dd"}, {tb.CN, "dd"}} {
				if _, err := h.host.Run(ctx, "ethtool", "-K", h.ifname, "tx", "off"); err != nil {
					t.Fatal(err)
				}
			}
			if err := tb.MN.WriteSysctl(nidChecksum, tc.mn); err != nil {
				t.Fatal(err)
			}
			if err := tb.CN.WriteSysctl(nidChecksum, tc.cn); err != nil {
				t.Fatal(err)
			}
			pcap := filepath.Join(t.TempDir(), "cn.pcap")
			capture, err := tb.CN.StartCapture("dd", pcap)
			if err != nil {
				t.Fatal(err)
			}
			const n = 50
			before := udpCsumErrors(t, tb.CN)
			got := datagrams(t, tb, n)
			errs := udpCsumErrors(t, tb.CN) - before
			if err := capture.Stop(); err != nil {
				t.Fatal(err)
			}
			t.Logf("MN %s=%s, CN %s=%s: %d of %d datagrams received, CN's Udp6InCsumErrors +%d",
				nidChecksum, tc.mn, nidChecksum, tc.cn, got, n, errs)
			if tc.received {
				if got != n || errs != 0 {
					t.Errorf("both ends on one rule: %d of %d datagrams received, %d checksum errors; want all and none", got, n, errs)
				}
				rules(t, pcap)
				return
			}
			if got != 0 || errs != n {
				t.Errorf("ends on different rules: %d of %d datagrams received, %d checksum errors; want none and %d", got, n, errs, n)
			}
		})
	}
}

// rules checks that a capture of NID-only checksums is valid under that
// rule only.
func rules(t *testing.T, pcap string) {
	t.Helper()
	ilnpcheck := labtest.Bin(t, "ilnpcheck")
	if out, err := exec.Command(ilnpcheck, "--checksum-rule", "nid", pcap).CombinedOutput(); err != nil {
		t.Errorf("ilnpcheck --checksum-rule nid %s: %v\n%s", pcap, err, out)
	}
	out, err := exec.Command(ilnpcheck, pcap).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "checksum") {
		t.Errorf("ilnpcheck (IPv6's rule) accepted a capture of NID-only checksums: %v\n%s", err, out)
	}
}

// datagrams sends n UDP datagrams from MN to a socket of CN's and counts
// those that arrive.
func datagrams(t *testing.T, tb *labtest.Testbed, n int) int {
	t.Helper()
	pc, err := tb.CN.ListenUDP("[::]:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	port := pc.LocalAddr().(*net.UDPAddr).Port
	ctx := context.Background()
	c, err := tb.MN.Dial(ctx, "udp", "", net.JoinHostPort(testbed.CNAddr.String(), strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range n {
		if _, err := fmt.Fprintf(c, "datagram %d", i); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	got := 0
	buf := make([]byte, 1500)
	for {
		if err := pc.SetReadDeadline(time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := pc.ReadFrom(buf); err != nil {
			return got
		}
		got++
	}
}

// udpCsumErrors is a host's Udp6InCsumErrors.
func udpCsumErrors(t *testing.T, h *testbed.Host) int {
	t.Helper()
	out, err := h.Run(context.Background(), "cat", "/proc/net/snmp6")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == "Udp6InCsumErrors" {
			v, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatalf("%s: Udp6InCsumErrors %q: %v", h.Name, f[1], err)
			}
			return v
		}
	}
	t.Fatalf("%s: no Udp6InCsumErrors in /proc/net/snmp6:\n%s", h.Name, out)
	return 0
}
