package validate

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
)

// TextOptions tune WriteText.
type TextOptions struct {
	// MaxPerKind caps the violations listed per kind (0: all); the
	// counts are always complete.
	MaxPerKind int
	// Packets lists every ILNP packet (needs Options.Packets).
	Packets bool
}

// WriteText writes the report for a person to read.
func (r *Report) WriteText(w io.Writer, o TextOptions) error {
	ew := &textBuf{}
	dur := r.Last.Sub(r.First)
	links := make([]string, len(r.LinkTypes))
	for i, l := range r.LinkTypes {
		links[i] = l.String()
	}
	ew.printf("%s: %v, %s, %d frames over %.6f s\n", r.File, r.Format, strings.Join(links, "+"), r.Frames, dur.Seconds())
	if r.Error != "" {
		ew.printf("  UNREADABLE: %s\n", r.Error)
	}
	i := r.ILNP
	ew.printf("  ILNP: %d packets (TCP %d, UDP %d, ICMPv6 %d, other %d; nonce 32-bit %d, 96-bit %d", i.Packets, i.TCP, i.UDP, i.ICMPv6, i.Other, i.Nonce32, i.Nonce96)
	if i.Fragments > 0 {
		ew.printf("; %d fragments", i.Fragments)
	}
	ew.printf(") in %d session(s)\n", len(r.Sessions))
	if f := r.Fragmentation; f != (FragmentSummary{}) {
		ew.printf("  fragmented: %d ILNP datagrams, %d reassembled and checked, %d incomplete (not checked", f.Datagrams, f.Reassembled, f.Incomplete)
		if f.Evicted > 0 {
			ew.printf("; %d dropped from a full reassembly table", f.Evicted)
		}
		ew.printf(")")
		if f.Unattributed > 0 {
			ew.printf("; %d fragments without their first fragment (unattributed)", f.Unattributed)
		}
		if f.NonceBeforeFragment > 0 {
			ew.printf("; %d fragments with the nonce before the fragment header", f.NonceBeforeFragment)
		}
		ew.printf("\n")
	}
	ew.printf("  not ILNP: %s\n", r.Other.text())
	c := r.Checksums
	ew.printf("  checksums (%v rule): %d verified", c.Rule, c.Verified)
	if c.Offload > 0 {
		ew.printf(", %d left to offload (%v-rule seed, not verifiable)", c.Offload, c.Rule)
	}
	if c.Truncated > 0 {
		ew.printf(", %d cut by the snap length", c.Truncated)
	}
	if n := r.Fragmentation.Incomplete; n > 0 {
		ew.printf(", %d fragmented datagrams not checked (incomplete)", n)
	}
	ew.printf("\n")

	for _, s := range r.Sessions {
		ew.printf("  session %v <-> %v: %d packets\n", s.NIDs[0], s.NIDs[1], s.Packets)
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		for _, d := range s.Directions {
			fmt.Fprintf(tw, "    %v -> %v\tnonce %s\t%d packets\tfrom frame %d\tlocators %s -> %s\n",
				d.Src, d.Dst, nonceText(d.Nonce), d.Packets, d.FirstFrame, l64List(d.SrcLocators), l64List(d.DstLocators))
		}
		tw.Flush()
	}

	if len(r.LocatorUpdates) > 0 {
		s := r.LUSummary
		ew.printf("  locator updates: %d advertisements (%d answered, %d retransmissions), %d acks (%d duplicate)",
			s.Advertisements, s.Answered, s.Retransmissions, s.Acks, s.DuplicateAcks)
		if s.Answered > 0 {
			ew.printf("; RTT min %s, median %s, max %s", ms(s.RTTMin), ms(s.RTTMedian), ms(s.RTTMax))
		}
		ew.printf("\n")
		if p := r.ProbeSummary; p.Probes > 0 || p.Replies > 0 {
			ew.printf("  probes: %d (%d answered, %d unanswered, %d retransmissions), %d replies (%d duplicate)",
				p.Probes, p.Answered, p.Unanswered, p.Retransmissions, p.Replies, p.DuplicateReplies)
			if p.Answered > 0 {
				ew.printf("; RTT min %s, median %s, max %s", ms(p.RTTMin), ms(p.RTTMedian), ms(p.RTTMax))
			}
			ew.printf("\n")
		}
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "    frame\ttime (s)\tfrom -> to\top\tcode\tformat\tchallenge\tlocators\tanswer\n")
		for _, e := range r.LocatorUpdates {
			ch := "-"
			if e.Challenge != nil {
				ch = e.Challenge.String()
			}
			fmt.Fprintf(tw, "    %d\t%.6f\t%v -> %v\t%v\t%d\t%v\t%s\t%s\t%s\n",
				e.Frame, e.Offset, e.Src, e.Dst, e.Operation, e.Code, e.Format, ch, locatorList(e.Locators), e.answer())
		}
		tw.Flush()
	}

	if o.Packets && len(r.Packets) > 0 {
		ew.printf("  packets:\n")
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "    frame\ttime (s)\tsrc\tdst\tproto\tnonce\tchecksum\tlocators\n")
		for _, p := range r.Packets {
			fmt.Fprintf(tw, "    %d\t%.6f\t%v\t%v\t%s\t%s\t%v\t%s\n",
				p.Frame, p.Time.Sub(r.First).Seconds(), p.Src, p.Dst, p.Proto, nonceText(p.Nonce), p.Checksum, l64List(p.Locators))
		}
		tw.Flush()
	}

	if len(r.Violations) == 0 {
		if r.Error == "" {
			ew.printf("  VALID: every ILNP packet is well formed\n")
		}
		_, err := w.Write(ew.Bytes())
		return err
	}
	kinds := make([]Kind, 0, len(r.ViolationCounts))
	for k := range r.ViolationCounts {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	counts := make([]string, len(kinds))
	for i, k := range kinds {
		counts[i] = fmt.Sprintf("%s %d", k, r.ViolationCounts[k])
	}
	ew.printf("  INVALID: %d violations (%s)\n", len(r.Violations), strings.Join(counts, ", "))
	shown := make(map[Kind]int)
	for _, v := range r.Violations {
		shown[v.Kind]++
		if o.MaxPerKind > 0 && shown[v.Kind] > o.MaxPerKind {
			continue
		}
		ew.printf("    frame %d at %.6f s [%s] %s\n", v.Frame, v.Offset, v.Kind, v.Message)
	}
	for _, k := range kinds {
		if n := r.ViolationCounts[k]; o.MaxPerKind > 0 && n > o.MaxPerKind {
			ew.printf("    ... and %d more %s (--max-report 0 lists all)\n", n-o.MaxPerKind, k)
		}
	}
	_, err := w.Write(ew.Bytes())
	return err
}

func (e *LUEvent) answer() string {
	switch {
	case e.Operation == ilnp.LUProbe && e.RetransmissionOf != 0:
		return fmt.Sprintf("retransmission of %d", e.RetransmissionOf)
	case e.Operation == ilnp.LUProbe && e.ReplyFrame != 0:
		s := fmt.Sprintf("reply %d, RTT %s", e.ReplyFrame, ms(e.RTT))
		if e.Retransmissions > 0 {
			s += fmt.Sprintf(", %d retransmissions", e.Retransmissions)
		}
		return s
	case e.Operation == ilnp.LUProbeReply && e.Duplicate:
		return fmt.Sprintf("duplicate reply to %d", e.AnswersFrame)
	case e.Operation == ilnp.LUProbeReply && e.AnswersFrame != 0:
		return fmt.Sprintf("answers %d", e.AnswersFrame)
	case e.Operation == ilnp.LUAdvertisement && e.RetransmissionOf != 0:
		return fmt.Sprintf("retransmission of %d", e.RetransmissionOf)
	case e.Operation == ilnp.LUAdvertisement && e.AckFrame != 0:
		s := fmt.Sprintf("ack %d, RTT %s", e.AckFrame, ms(e.RTT))
		if e.Retransmissions > 0 {
			s += fmt.Sprintf(", %d retransmissions", e.Retransmissions)
		}
		return s
	case e.Operation == ilnp.LUAck && e.Duplicate:
		return fmt.Sprintf("duplicate ack of %d", e.AnswersFrame)
	case e.Operation == ilnp.LUAck && e.AnswersFrame != 0:
		return fmt.Sprintf("answers %d", e.AnswersFrame)
	case e.Checksum != ChecksumGood:
		return "ignored: checksum " + e.Checksum.String()
	}
	return "-"
}

func (o OtherSummary) text() string {
	var parts []string
	if len(o.IPv6) > 0 {
		protos := make([]string, 0, len(o.IPv6))
		n := 0
		for p, c := range o.IPv6 {
			protos = append(protos, fmt.Sprintf("%s %d", p, c))
			n += c
		}
		slices.Sort(protos)
		parts = append(parts, fmt.Sprintf("IPv6 %d (%s)", n, strings.Join(protos, ", ")))
	}
	if o.IPv4 > 0 {
		parts = append(parts, fmt.Sprintf("IPv4 %d", o.IPv4))
	}
	if o.NonIP > 0 {
		parts = append(parts, fmt.Sprintf("not IP %d", o.NonIP))
	}
	if o.Malformed > 0 {
		parts = append(parts, fmt.Sprintf("undecodable %d", o.Malformed))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func nonceText(n ilnp.Nonce) string {
	if n.IsZero() {
		return "-"
	}
	return fmt.Sprintf("%s (%d-bit)", n.Hex(), n.Len()*8)
}

func l64List(l []ilnp.L64) string {
	if len(l) == 0 {
		return "-"
	}
	s := make([]string, len(l))
	for i, x := range l {
		s[i] = x.String()
	}
	return strings.Join(s, "|")
}

func ms(sec float64) string { return fmt.Sprintf("%.3f ms", sec*1e3) }

// textBuf collects the report before it is written in one go.
type textBuf struct{ bytes.Buffer }

func (b *textBuf) printf(format string, args ...any) { fmt.Fprintf(b, format, args...) }
