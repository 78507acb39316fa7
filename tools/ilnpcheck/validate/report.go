package validate

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/capture"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/decode"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

// Kind names a rule an ILNP packet broke.
type Kind string

// Violation kinds.
const (
	// KindNonceOption: the Nonce option is malformed (data length not 4
	// or 12, more than one Nonce option, bad padding).
	KindNonceOption Kind = "nonce-option"
	// KindNoncePlacement: the header with the nonce is not the last
	// extension header before the upper layer.
	KindNoncePlacement Kind = "nonce-placement"
	// KindNonceChanged: a direction of a session carries a second nonce.
	KindNonceChanged Kind = "nonce-changed"
	// KindChecksumTCP, KindChecksumUDP: the checksum is not valid under
	// the checked rule (Options.ChecksumRule): wrong, valid only under
	// the other rule, the other rule's offload seed, or (UDP) zero.
	KindChecksumTCP Kind = "checksum-tcp"
	KindChecksumUDP Kind = "checksum-udp"
	// KindChecksumICMPv6: the ICMPv6 checksum (wire addresses) is wrong.
	KindChecksumICMPv6 Kind = "checksum-icmpv6"
	// KindMalformed: a header of an ILNP packet cannot be decoded, or its
	// lengths disagree.
	KindMalformed Kind = "malformed"
	// KindLUMalformed: a Locator Update breaks its format.
	KindLUMalformed Kind = "lu-malformed"
	// KindLUNoNonce: a Locator Update without a Nonce option.
	KindLUNoNonce Kind = "lu-without-nonce"
	// KindLUUnanswered: an LU advertisement no LU-ack answered.
	KindLUUnanswered Kind = "lu-unanswered"
	// KindLUAckMismatch: an LU-ack whose locators differ from the
	// outstanding LU's.
	KindLUAckMismatch Kind = "lu-ack-mismatch"
	// KindLUAckUnsolicited: an LU-ack when no LU is outstanding.
	KindLUAckUnsolicited Kind = "lu-ack-unsolicited"
	// KindProbeReplyMismatch: a probe reply whose challenge is that of a
	// probe in the other direction but whose echoed locators, or source
	// address, are not that probe's.
	KindProbeReplyMismatch Kind = "probe-reply-mismatch"
	// KindProbeReplyUnsolicited: a probe reply whose challenge no probe
	// in the other direction carried.
	KindProbeReplyUnsolicited Kind = "probe-reply-unsolicited"
)

// Violation is one broken rule.
type Violation struct {
	Frame   int       `json:"frame"`
	Time    time.Time `json:"time"`
	Offset  float64   `json:"offset"` // seconds since the first frame
	Kind    Kind      `json:"kind"`
	Message string    `json:"message"`
}

// Report is the validation of one capture file.
type Report struct {
	File      string             `json:"file"`
	Format    capture.Format     `json:"format,omitempty"`
	LinkTypes []capture.LinkType `json:"link_types,omitempty"`
	Frames    int                `json:"frames"`
	First     time.Time          `json:"first"`
	Last      time.Time          `json:"last"`

	ILNP      ILNPSummary     `json:"ilnp"`
	Other     OtherSummary    `json:"other"`
	Checksums ChecksumSummary `json:"checksums"`
	// Fragmentation counts the fragmented datagrams.
	Fragmentation FragmentSummary `json:"fragmentation"`
	Sessions      []Session       `json:"sessions"`
	LUSummary     LUSummary       `json:"lu_summary"`
	// ProbeSummary counts the return-routability probes and replies
	// (Operations 3 and 4), which LUSummary does not count.
	ProbeSummary ProbeSummary `json:"probe_summary"`

	LocatorUpdates  []LUEvent      `json:"locator_updates"`
	Violations      []Violation    `json:"violations"`
	ViolationCounts map[Kind]int   `json:"violation_counts"`
	Packets         []PacketRecord `json:"packets,omitempty"`

	// Error is why the file could not be read to its end; the rest of the
	// report covers the frames before it.
	Error string `json:"error,omitempty"`
}

// Valid reports whether the file was read whole and no rule was broken.
func (r *Report) Valid() bool { return r.Error == "" && len(r.Violations) == 0 }

// ILNPSummary counts ILNP packets: those that carry a Nonce option, and
// the fragments of a datagram whose first fragment does. TCP, UDP, ICMPv6
// and Other count by upper-layer protocol (a fragment by its datagram's);
// Nonce32 and Nonce96 count the packets that carry the option.
type ILNPSummary struct {
	Packets   int `json:"packets"`
	TCP       int `json:"tcp"`
	UDP       int `json:"udp"`
	ICMPv6    int `json:"icmpv6"`
	Other     int `json:"other"`
	Fragments int `json:"fragments"` // fragments among Packets
	Nonce32   int `json:"nonce32"`
	Nonce96   int `json:"nonce96"`
}

// FragmentSummary counts fragmented datagrams (RFC 8200 section 4.5).
type FragmentSummary struct {
	// Datagrams: fragmented ILNP datagrams whose first fragment is in
	// the capture. Of them, Reassembled were complete and their transport
	// checksum was checked (its verdict counts under Checksums), and
	// Incomplete lacked a fragment (the capture ended, 60 s of capture
	// time passed, or the reassembly table was full: Evicted), so their
	// checksum was not checked.
	Datagrams   int `json:"datagrams"`
	Reassembled int `json:"reassembled"`
	Incomplete  int `json:"incomplete"`
	Evicted     int `json:"evicted"`
	// Unattributed: fragments (of any datagram) whose first fragment is
	// not in the capture, so that their datagram is unknown.
	Unattributed int `json:"unattributed"`
	// NonceBeforeFragment: fragments that carry the nonce in front of
	// their Fragment header (older senders; accepted).
	NonceBeforeFragment int `json:"nonce_before_fragment"`
}

// OtherSummary counts what is not ILNP.
type OtherSummary struct {
	IPv6      map[string]int `json:"ipv6"` // by upper-layer protocol
	IPv4      int            `json:"ipv4"`
	NonIP     int            `json:"non_ip"`
	Malformed int            `json:"malformed"` // link or IPv6 header undecodable
}

// ChecksumSummary counts transport checksums of ILNP packets.
type ChecksumSummary struct {
	// Rule is the TCP/UDP checksum rule checked (Options.ChecksumRule).
	Rule      wire.ChecksumRule `json:"rule"`
	Verified  int               `json:"verified"`
	Offload   int               `json:"offload_pending"` // offload seeds of Rule, not verifiable
	Truncated int               `json:"truncated"`       // cut by the snap length
}

// Session is an ILNP session: the two directions between a pair of NIDs.
type Session struct {
	NIDs       [2]ilnp.NID `json:"nids"`
	Packets    int         `json:"packets"`
	Directions []Direction `json:"directions"`
}

// Direction is one direction of a session.
type Direction struct {
	Src         ilnp.NID   `json:"src_nid"`
	Dst         ilnp.NID   `json:"dst_nid"`
	Nonce       ilnp.Nonce `json:"nonce"`
	Packets     int        `json:"packets"`
	FirstFrame  int        `json:"first_frame"`
	SrcLocators []ilnp.L64 `json:"src_locators"` // wire locators seen, in order
	DstLocators []ilnp.L64 `json:"dst_locators"`
}

// LUEvent is one Locator Update message (ICMPv6 type 156) of an ILNP
// packet: an advertisement or ack, or a probe or probe reply.
type LUEvent struct {
	Frame     int                  `json:"frame"`
	Time      time.Time            `json:"time"`
	Offset    float64              `json:"offset"`
	Src       ilnp.ILV             `json:"src"`
	Dst       ilnp.ILV             `json:"dst"`
	Operation ilnp.LUOp            `json:"operation"`
	Code      uint8                `json:"code"`
	Format    wire.LUFormat        `json:"format"`
	Locators  []wire.LocatorRecord `json:"locators"`
	Nonce     ilnp.Nonce           `json:"nonce"`
	Checksum  ChecksumVerdict      `json:"checksum"`
	// Challenge is that of a probe or probe reply (nil for the others).
	Challenge *ilnp.Challenge `json:"challenge,omitempty"`
	// For an advertisement: the ack that answered it (0 if none), the
	// time from its last transmission to the ack, and how often it was
	// sent again; RetransmissionOf names the first transmission. For a
	// probe the same, with ReplyFrame for its reply.
	AckFrame         int     `json:"ack_frame,omitempty"`
	ReplyFrame       int     `json:"reply_frame,omitempty"`
	RTT              float64 `json:"rtt,omitempty"` // seconds
	Retransmissions  int     `json:"retransmissions,omitempty"`
	RetransmissionOf int     `json:"retransmission_of,omitempty"`
	// For an ack (a probe reply): the advertisement (probe) it answers;
	// Duplicate when it answers one that was answered already.
	AnswersFrame int  `json:"answers_frame,omitempty"`
	Duplicate    bool `json:"duplicate,omitempty"`
}

// LUSummary counts the handshake.
type LUSummary struct {
	Advertisements  int     `json:"advertisements"`
	Acks            int     `json:"acks"`
	Retransmissions int     `json:"retransmissions"`
	DuplicateAcks   int     `json:"duplicate_acks"`
	Unanswered      int     `json:"unanswered"`
	Answered        int     `json:"answered"`
	RTTMin          float64 `json:"rtt_min,omitempty"` // seconds
	RTTMedian       float64 `json:"rtt_median,omitempty"`
	RTTMax          float64 `json:"rtt_max,omitempty"`

	rtts []float64
}

func (s *LUSummary) finish() {
	s.Answered = len(s.rtts)
	s.RTTMin, s.RTTMedian, s.RTTMax = rttStats(s.rtts)
}

// ProbeSummary counts the return-routability exchange. A probe is one
// challenge in one direction; sent again with the same challenge and
// locators it is a retransmission of the first. A probe is answered by
// the first reply from the other direction that echoes its challenge and
// locators from the address the probe went to; later ones are
// duplicates. An unanswered probe is no violation: a host does not answer
// a probe for a set it does not advertise, which is the point of probing.
type ProbeSummary struct {
	Probes           int     `json:"probes"`
	Replies          int     `json:"replies"`
	Retransmissions  int     `json:"retransmissions"`
	DuplicateReplies int     `json:"duplicate_replies"`
	Answered         int     `json:"answered"`
	Unanswered       int     `json:"unanswered"`
	RTTMin           float64 `json:"rtt_min,omitempty"` // seconds
	RTTMedian        float64 `json:"rtt_median,omitempty"`
	RTTMax           float64 `json:"rtt_max,omitempty"`

	rtts []float64
}

func (s *ProbeSummary) finish() {
	s.Answered = len(s.rtts)
	s.RTTMin, s.RTTMedian, s.RTTMax = rttStats(s.rtts)
}

// rttStats returns the minimum, median and maximum of rtts (zeros for
// none).
func rttStats(rtts []float64) (lo, median, hi float64) {
	if len(rtts) == 0 {
		return 0, 0, 0
	}
	r := slices.Clone(rtts)
	slices.Sort(r)
	lo, hi = r[0], r[len(r)-1]
	if n := len(r); n%2 == 1 {
		median = r[n/2]
	} else {
		median = (r[n/2-1] + r[n/2]) / 2
	}
	return lo, median, hi
}

// PacketRecord describes one ILNP packet (Options.Packets).
type PacketRecord struct {
	Frame             int             `json:"frame"`
	Time              time.Time       `json:"time"`
	Src               ilnp.ILV        `json:"src"`
	Dst               ilnp.ILV        `json:"dst"`
	Proto             string          `json:"proto"`
	Nonce             ilnp.Nonce      `json:"nonce"`
	NonceOptionLength uint8           `json:"nonce_option_length"`
	Checksum          ChecksumVerdict `json:"checksum"`
	LUOperation       ilnp.LUOp       `json:"lu_operation,omitempty"`
	Locators          []ilnp.L64      `json:"locators,omitempty"`
}

// CheckFile validates the capture at path. A file that cannot be read
// to its end yields a report of what was read, with Error set, and the
// error.
func CheckFile(path string, opts Options, progress decode.Progress) (*Report, error) {
	c := NewChecker(opts)
	info, err := decode.Walk(path, progress, c.Add)
	r := c.Finish()
	r.File, r.Format, r.LinkTypes = path, info.Format, info.LinkTypes
	if err != nil {
		r.Error = err.Error()
		return r, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

func locatorList(recs []wire.LocatorRecord) string {
	if len(recs) == 0 {
		return "no locators"
	}
	s := make([]string, len(recs))
	for i, r := range recs {
		s[i] = r.Locator.String()
	}
	return strings.Join(s, ", ")
}
