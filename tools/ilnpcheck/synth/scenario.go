package synth

import (
	"slices"
	"time"

	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

// Phase is a moment from which the mobile node uses a set of locators.
type Phase struct {
	At       time.Duration
	Locators []ilnp.L64
}

// Scenario is the paper's mobility-multihoming run reduced to one UDP
// flow: iperf2 datagrams from the MN to the CN spread round-robin over
// the MN's locators of the current phase, and an LU advertisement with
// its ack (1 ms later) at the start of every phase but the first.
type Scenario struct {
	Start            time.Time
	MN, CN           ilnp.NID
	CNLocator        ilnp.L64
	Phases           []Phase
	Duration         time.Duration
	PacketsPerSec    int
	PayloadOctets    int
	MNNonce, CNNonce ilnp.Nonce
	// Rule is the checksum rule of the packets (zero: wire.RuleIPv6).
	Rule wire.ChecksumRule
}

// Packets returns the scenario's packets in time order.
func (s Scenario) Packets() []Packet {
	var out []Packet
	gap := time.Second / time.Duration(s.PacketsPerSec)
	cn := ilnp.ILV{L64: s.CNLocator, NID: s.CN}
	phase, rr := 0, 0
	for i, t := 0, time.Duration(0); t < s.Duration; i, t = i+1, t+gap {
		for phase+1 < len(s.Phases) && s.Phases[phase+1].At <= t {
			phase++
			locs := s.Phases[phase].Locators
			at := s.Start.Add(s.Phases[phase].At)
			from := ilnp.ILV{L64: s.Phases[phase-1].Locators[0], NID: s.MN}
			out = append(out,
				Packet{Time: at, Src: from, Dst: cn, Nonce: s.MNNonce, LU: &LU{Op: ilnp.LUAdvertisement, Code: ilnp.LUCodeReplaceSoft, Locators: locs}},
				Packet{Time: at.Add(time.Millisecond), Src: cn, Dst: ilnp.ILV{L64: locs[len(locs)-1], NID: s.MN}, Nonce: s.CNNonce,
					LU: &LU{Op: ilnp.LUAck, Code: ilnp.LUCodeReplaceSoft, Locators: locs}})
		}
		locs := s.Phases[phase].Locators
		src := ilnp.ILV{L64: locs[rr%len(locs)], NID: s.MN}
		rr++
		out = append(out, Packet{
			Time: s.Start.Add(t), Src: src, Dst: cn, Nonce: s.MNNonce,
			UDP: &layers.UDP{SrcPort: 40001, DstPort: 5001}, Payload: Iperf2Payload(int32(i), s.PayloadOctets),
		})
	}
	// An LU and its ack are stamped between data packets; keep the
	// capture in time order.
	slices.SortStableFunc(out, func(a, b Packet) int { return a.Time.Compare(b.Time) })
	for i := range out {
		out[i].Rule = s.Rule
	}
	return out
}
