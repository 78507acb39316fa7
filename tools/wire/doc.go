// Package wire holds the on-the-wire formats of ILNP (RFC 6740-6744) as
// used by this project: the Nonce destination option (RFC 6744), the
// ICMPv6 Locator Update message (RFC 6743 and the paper's extended
// 16-octet record form), and the ILNP transport checksum rules
// (ChecksumRule: TCP and UDP pseudo-headers carry the wire addresses, as
// for IPv6, under draft-bhatti-ilnp-tcp-udp-checksums, the default; or
// the NIDs only under RFC 6740). The values they carry (NID,
// L64, IL-V, nonce) and the protocol numbers are package ilnp's.
//
// The packet formats are gopacket layers. DestOpts and LocatorUpdate are
// gopacket.DecodingLayers that decode without allocating (LocatorUpdate
// reuses its record slice), so they slot into a
// gopacket.DecodingLayerParser next to gopacket's own IPv6, TCP, UDP and
// ICMPv6 layers:
//
//	var (
//		ip6  layers.IPv6
//		dst  wire.DestOpts // replaces layers.IPv6Destination
//		tcp  layers.TCP
//		udp  layers.UDP
//		icmp layers.ICMPv6
//	)
//	p := gopacket.NewDecodingLayerParser(layers.LayerTypeIPv6, &ip6, &dst, &tcp, &udp, &icmp)
//
// DestOpts registers for layers.LayerTypeIPv6Destination rather than a
// layer type of its own, because gopacket's IPv6 and extension decoders
// name the next header by that type. gopacket's layers.IPv6Destination is
// not used: it appends to its option slice on every decode (so it grows
// without bound when reused in a DecodingLayerParser), allocates per
// option, does not check padding, and pads wrongly when serializing
// options whose length is not already a multiple of 8.
//
// RawDestOpts serializes a Destination Options header exactly as
// described (options with any length octet, padding or not, any Hdr Ext
// Len), for the malformed headers that adversary tests and fuzzers send.
//
// gopacket's ICMPv6 layer hands type 156 bodies on as a Payload; decode
// them with LocatorUpdate.DecodeFromBytes (or gopacket.NewPacket with
// LayerTypeLocatorUpdate). To serialize a Locator Update, stack
// layers.ICMPv6 (type 156) and LocatorUpdate; gopacket's ICMPv6 layer then
// computes the standard checksum. For TCP and UDP, pass
// rule.NetworkLayer(ip6) (NIDOnly(ip6) under RuleNID, ip6 under RuleIPv6)
// to SetNetworkLayerForChecksum so gopacket computes the ILNP checksum.
package wire
