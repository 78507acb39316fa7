package labtest

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/ilnp-linux/ilnp/internal/lab/attack"
	"github.com/ilnp-linux/ilnp/tools/ilnp"
)

// writePcap writes raw IPv6 packets to a pcap file in dir.
func writePcap(t *testing.T, pkts ...[]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeRaw); err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(1, 0), CaptureLength: len(p), Length: len(p)}
		if err := w.WritePacket(ci, p); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func must(t *testing.T) func([]byte, error) []byte {
	return func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

func TestCaptureReaders(t *testing.T) {
	h := attack.Header{Src: netip.MustParseAddr("2001:db8:1::a"), Dst: netip.MustParseAddr("2001:db8:2::c")}
	rec := attack.Record(netip.MustParsePrefix("2001:db8:1::/64"), 1, 15)
	probe := must(t)(attack.Probe(h, ilnp.LUProbe, 7, rec))
	reply := must(t)(attack.Probe(h, ilnp.LUProbeReply, 7, rec))
	rst := must(t)(attack.TCP(h, &layers.TCP{SrcPort: 1, DstPort: 2, RST: true}, attack.ChecksumIPv6, nil))
	ack := must(t)(attack.TCP(h, &layers.TCP{SrcPort: 1, DstPort: 2, ACK: true}, attack.ChecksumIPv6, nil))
	echo := must(t)(attack.ICMPv6(h, 128, 0, []byte{0, 1, 0, 1}))
	pcap := writePcap(t, echo, probe, rst, reply, ack)

	ops := LUOps(t, pcap)
	want := map[int]ilnp.LUOp{2: ilnp.LUProbe, 4: ilnp.LUProbeReply}
	if len(ops) != len(want) {
		t.Errorf("LUOps = %v, want %v", ops, want)
	}
	for frame, op := range want {
		if ops[frame] != op {
			t.Errorf("frame %d: op %v, want %v", frame, ops[frame], op)
		}
	}
	if seg, rsts := TCPResets(t, pcap); seg != 2 || rsts != 1 {
		t.Errorf("TCPResets = %d segments, %d resets; want 2, 1", seg, rsts)
	}
}
