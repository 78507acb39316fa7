package labtest

import (
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

// LUOps reads the Locator Update messages of a pcap capture: the
// Operation of each, by frame number (from 1, as tshark numbers frames).
// Messages whose body does not decode are left out.
func LUOps(t testing.TB, pcap string) map[int]ilnp.LUOp {
	t.Helper()
	ops := map[int]ilnp.LUOp{}
	EachPacket(t, pcap, func(frame int, pkt gopacket.Packet) {
		icmp, ok := pkt.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6)
		if !ok || icmp.TypeCode.Type() != ilnp.ICMPv6TypeLocatorUpdate {
			return
		}
		var lu wire.LocatorUpdate
		if err := lu.DecodeFromBytes(icmp.Payload, gopacket.NilDecodeFeedback); err == nil {
			ops[frame] = lu.Operation
		}
	})
	return ops
}
