package labtest

import (
	"os"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

// LUOps reads the Locator Update messages of a pcap capture: the
// Operation of each, by frame number (from 1, as tshark numbers frames).
// Messages whose body does not decode are left out.
func LUOps(t testing.TB, pcap string) map[int]ilnp.LUOp {
	t.Helper()
	f, err := os.Open(pcap)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", pcap, err)
	}
	ops := map[int]ilnp.LUOp{}
	src := gopacket.NewPacketSource(r, r.LinkType())
	src.DecodeOptions = gopacket.DecodeOptions{Lazy: true, NoCopy: true}
	frame := 0
	for pkt := range src.Packets() {
		frame++
		icmp, ok := pkt.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6)
		if !ok || icmp.TypeCode.Type() != ilnp.ICMPv6TypeLocatorUpdate {
			continue
		}
		var lu wire.LocatorUpdate
		if err := lu.DecodeFromBytes(icmp.Payload, gopacket.NilDecodeFeedback); err != nil {
			continue
		}
		ops[frame] = lu.Operation
	}
	return ops
}
