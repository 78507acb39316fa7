package validate_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/capture"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/synth"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/validate"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

// tshark returns the path of tshark. Without it the test is skipped,
// unless ILNP_REQUIRE_TSHARK=1 (as `make test` sets), which makes it
// fail.
func tshark(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("ILNP_REQUIRE_TSHARK") == "1" {
			t.Fatalf("ILNP_REQUIRE_TSHARK=1 but tshark is not installed: %v", err)
		}
		t.Skipf("tshark not installed: %v", err)
	}
	return path
}

// tsharkFields are the fields compared, checked against
// `tshark -G fields | grep -i ilnp` (Wireshark 4.0).
var tsharkFields = []string{"frame.number", "ipv6.opt.ilnp_nonce", "icmpv6.ilnp.nb_locator", "icmpv6.checksum.status", "tcp.checksum.status", "udp.checksum.status"}

// TestAgreesWithTshark checks that the nonces, the Locator Update locator
// lists and the checksum verdicts ilnpcheck reports equal what tshark's
// own dissectors decode from the same capture. Under the ipv6 checksum
// rule (draft-bhatti-ilnp-tcp-udp-checksums, the default) ILNP's TCP and
// UDP checksums are IPv6's, so tshark's verdicts on them must agree too;
// a NID-only (RFC 6740) checksum is bad to both. Wireshark knows only the
// RFC 6743 record layout, so the LUs here use it.
func TestAgreesWithTshark(t *testing.T) {
	bin := tshark(t)
	n32 := []byte{ilnp.OptTypeNonce, 4, 0xfe, 0xed, 0xfa, 0xce}
	rfc := func(op ilnp.LUOp, locs ...ilnp.L64) *synth.LU {
		return &synth.LU{Op: op, Code: ilnp.LUCodeReplaceSoft, Format: wire.LUFormatRFC6743, Locators: locs}
	}
	cc := ilnp.L64(0x2001_0002_00cc_00cc)
	pkts := []synth.Packet{
		{Time: at(0), Src: mnAA, Dst: cnDD, Nonce: mnN, TCP: tcp(1), Payload: []byte("data")},
		{Time: at(1), Src: cnDD, Dst: mnAA, Nonce: cnN, TCP: tcp(1)},
		{Time: at(2), Src: mnAA, Dst: cnDD, Nonce: mnN, LU: rfc(ilnp.LUAdvertisement, aa, bb, cc)},
		{Time: at(3), Src: cnDD, Dst: mnBB, Nonce: cnN, LU: rfc(ilnp.LUAck, aa, bb, cc)},
		{Time: at(4), Src: mnBB, Dst: cnDD, Nonce: mnN, UDP: udp(), Payload: synth.Iperf2Payload(1, 200)},
		// The nonce after Pad1 and PadN, then PadN after it.
		{Time: at(5), Src: mnBB, Dst: cnDD, TCP: tcp(9), DestOpts: append(append([]byte{0, 1, 0, 1, 1, 0}, n32...), 1, 2, 0, 0)},
		{Time: at(6), Src: mnAA, Dst: cnDD, Nonce: mnN, LU: rfc(ilnp.LUAdvertisement, bb), Checksum: synth.ChecksumCorrupt},
		{Time: at(7), Src: mnAA, Dst: cnDD, Nonce: mnN, LU: rfc(ilnp.LUAdvertisement, bb)},
		{Time: at(8), Src: cnDD, Dst: mnBB, Nonce: cnN, LU: rfc(ilnp.LUAck, bb), Checksum: synth.ChecksumCorrupt},
		{Time: at(9), Src: cnDD, Dst: mnBB, Nonce: cnN, LU: rfc(ilnp.LUAck, bb)},
		{Time: at(10), Src: mnAA, Dst: cnDD, LU: rfc(ilnp.LUAdvertisement, aa)}, // no nonce
		{Time: at(11), Src: mnAA, Dst: cnDD, UDP: udp(), Payload: []byte("plain")},
		{Time: at(12), Src: mnAA, Dst: cnDD, Nonce: mnN, TCP: tcp(13), Payload: []byte("nid"), Checksum: synth.ChecksumOtherRule},
		{Time: at(13), Src: cnDD, Dst: mnAA, Nonce: cnN, UDP: udp(), Payload: []byte("bad"), Checksum: synth.ChecksumCorrupt},
	}
	for _, tc := range []struct {
		format capture.Format
		link   capture.LinkType
	}{
		{capture.FormatPcap, capture.LinkTypeEthernet},
		{capture.FormatPcapNG, capture.LinkTypeLinuxSLL2},
	} {
		t.Run(fmt.Sprintf("%v-%v", tc.format, tc.link), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ilnp."+tc.format.String())
			if err := synth.WriteFile(path, tc.format, tc.link, pkts); err != nil {
				t.Fatal(err)
			}
			r, err := validate.CheckFile(path, validate.Options{Packets: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			ours := make(map[int]row)
			for _, p := range r.Packets {
				ours[p.Frame] = ourRow(p)
			}
			theirs := runTshark(t, bin, path)
			if len(theirs) != len(pkts) {
				t.Fatalf("tshark printed %d frames, want %d", len(theirs), len(pkts))
			}
			var nonces, lus, bad, transportGood, transportBad int
			for frame := 1; frame <= len(pkts); frame++ {
				got, want := ours[frame], theirs[frame]
				if _, ok := ours[frame]; !ok {
					// Not an ILNP packet (no nonce): ilnpcheck lists no
					// record for it; compare the nonce.
					want = row{nonce: want.nonce}
				}
				if frame == 11 && r.ViolationCounts[validate.KindLUNoNonce] != 1 {
					t.Errorf("LU without nonce not reported: %+v", r.Violations)
				}
				if got != want {
					t.Errorf("frame %d: ilnpcheck %+v, tshark %+v", frame, got, want)
				}
				if want.nonce != "" {
					nonces++
				}
				if want.locators != "" {
					lus++
				}
				if want.checksum == "0" {
					bad++
				}
				switch want.transport {
				case "1":
					transportGood++
				case "0":
					transportBad++
				}
			}
			// The comparison must have had something to compare.
			if nonces != 12 || lus != 6 || bad != 2 || transportGood != 4 || transportBad != 2 {
				t.Errorf("compared %d nonces, %d LUs, %d bad ICMPv6 checksums, %d good and %d bad TCP/UDP checksums; want 12, 6, 2, 4, 2",
					nonces, lus, bad, transportGood, transportBad)
			}
		})
	}
}

// row is what both tools say about one frame.
type row struct {
	nonce    string // hex
	locators string // 0x%016x, comma-separated
	checksum string // ICMPv6 only: "1" good, "0" bad (tshark's PROTO_CHECKSUM_E_*)
	// transport is the same for TCP and UDP, which tshark checks over
	// the wire addresses (the ipv6 rule).
	transport string
}

func ourRow(p validate.PacketRecord) row {
	r := row{nonce: p.Nonce.Hex()}
	locs := make([]string, len(p.Locators))
	for i, l := range p.Locators {
		locs[i] = fmt.Sprintf("0x%016x", uint64(l))
	}
	r.locators = strings.Join(locs, ",")
	status := p.Checksum.String()
	switch p.Checksum {
	case validate.ChecksumGood:
		status = "1"
	case validate.ChecksumBad, validate.ChecksumNIDRule: // bad over the wire addresses
		status = "0"
	}
	switch p.Proto {
	case "icmpv6":
		r.checksum = status
	case "tcp", "udp":
		r.transport = status
	}
	return r
}

func runTshark(t *testing.T, bin, path string) map[int]row {
	t.Helper()
	args := []string{"-n", "-r", path, "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
		"-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"}
	for _, f := range tsharkFields {
		args = append(args, "-e", f)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tshark %v: %v\n%s", args, err, stderr.String())
	}
	out := make(map[int]row)
	for _, line := range strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != len(tsharkFields) {
			t.Fatalf("tshark line %q has %d fields, want %d", line, len(f), len(tsharkFields))
		}
		n, err := strconv.Atoi(f[0])
		if err != nil {
			t.Fatalf("tshark frame number %q: %v", f[0], err)
		}
		out[n] = row{nonce: strings.ReplaceAll(f[1], ":", ""), locators: f[2], checksum: f[3], transport: f[4] + f[5]}
	}
	return out
}
