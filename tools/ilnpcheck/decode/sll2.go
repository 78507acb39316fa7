package decode

import (
	"encoding/binary"
	"fmt"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// LayerTypeLinuxSLL2 is the gopacket layer type of LinuxSLL2, which
// gopacket v1.1.19 does not have.
var LayerTypeLinuxSLL2 = gopacket.RegisterLayerType(6276, gopacket.LayerTypeMetadata{
	Name: "LinuxSLL2",
	Decoder: gopacket.DecodeFunc(func(data []byte, p gopacket.PacketBuilder) error {
		l := &LinuxSLL2{}
		if err := l.DecodeFromBytes(data, p); err != nil {
			return err
		}
		p.AddLayer(l)
		return p.NextDecoder(l.Protocol)
	}),
})

const sll2HeaderLen = 20

// LinuxSLL2 is the Linux "cooked" capture header, version 2
// (LINKTYPE_LINUX_SLL2, written by tcpdump -i any):
//
//	Protocol(16) Reserved(16) InterfaceIndex(32) ARPHRD(16) PacketType(8)
//	AddrLen(8) Addr(64)
type LinuxSLL2 struct {
	layers.BaseLayer
	Protocol       layers.EthernetType
	InterfaceIndex uint32
	ARPHRD         uint16
	PacketType     layers.LinuxSLLPacketType
	AddrLen        uint8
	Addr           [8]byte
}

// LayerType returns LayerTypeLinuxSLL2.
func (l *LinuxSLL2) LayerType() gopacket.LayerType { return LayerTypeLinuxSLL2 }

// CanDecode returns LayerTypeLinuxSLL2.
func (l *LinuxSLL2) CanDecode() gopacket.LayerClass { return LayerTypeLinuxSLL2 }

// NextLayerType returns the layer type of Protocol.
func (l *LinuxSLL2) NextLayerType() gopacket.LayerType { return l.Protocol.LayerType() }

// DecodeFromBytes decodes the 20-octet header.
func (l *LinuxSLL2) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < sll2HeaderLen {
		df.SetTruncated()
		return fmt.Errorf("linux SLL2 header: %d octets, need %d", len(data), sll2HeaderLen)
	}
	l.Protocol = layers.EthernetType(binary.BigEndian.Uint16(data[0:2]))
	l.InterfaceIndex = binary.BigEndian.Uint32(data[4:8])
	l.ARPHRD = binary.BigEndian.Uint16(data[8:10])
	l.PacketType = layers.LinuxSLLPacketType(data[10])
	l.AddrLen = data[11]
	copy(l.Addr[:], data[12:20])
	l.Contents, l.Payload = data[:sll2HeaderLen], data[sll2HeaderLen:]
	return nil
}
