package metrics

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
)

// WriteText writes the measurements as aligned tables.
func (r *Result) WriteText(w io.Writer) error {
	ew := &bytes.Buffer{}
	for i, c := range r.Captures {
		if i > 0 {
			fmt.Fprintln(ew)
		}
		probes := 0
		for _, e := range c.LUEvents {
			if e.Operation.IsProbe() {
				probes++
			}
		}
		fmt.Fprintf(ew, "%s: %d frames over %.3f s, %d flows, %d locator updates", c.File, c.Frames, c.Last.Sub(c.First).Seconds(), len(c.Flows), len(c.LUEvents)-probes)
		if probes > 0 {
			fmt.Fprintf(ew, ", %d probes and replies", probes)
		}
		fmt.Fprintf(ew, ", buckets of %g s\n", c.Interval)
		if c.Error != "" {
			fmt.Fprintf(ew, "  UNREADABLE after frame %d: %s\n", c.Frames, c.Error)
		}
		if c.FragmentedDatagrams > 0 || c.UnattributedFragments > 0 {
			fmt.Fprintf(ew, "  fragmented: %d datagrams counted with their flows", c.FragmentedDatagrams)
			if c.UnattributedFragments > 0 {
				fmt.Fprintf(ew, "; %d fragments without their first fragment, in no flow", c.UnattributedFragments)
			}
			fmt.Fprintln(ew)
		}
		if len(c.Flows) > 0 {
			tw := table(ew)
			fmt.Fprintln(tw, "  FLOW\tPATH\tPACKETS\tOCTETS\tSECONDS\tMBIT/S\tSHARE\tGAP-LOSS\tMISORDER\tDUP\tACK-MISORDER\tDUP-ACK\t")
			for _, f := range c.Flows {
				loss, mis, dup, amis, dack := "-", "-", "-", "-", "-"
				if u := f.UDP; u != nil {
					loss, mis, dup = pct(u.GapLossRatio), pct(u.MisorderingRatio), pct(u.DuplicateRatio)
				}
				if t := f.TCP; t != nil {
					mis, dup, amis, dack = pct(t.SeqMisorderingRatio), pct(t.SeqDuplicateRatio), pct(t.AckMisorderingRatio), pct(t.AckDuplicateRatio)
				}
				fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%.3f\t%.3f\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
					f.Key, "all", f.Packets, f.Bytes, f.Duration, f.Throughput/1e6, pct(1), loss, mis, dup, amis, dack)
				for _, p := range f.Paths {
					fmt.Fprintf(tw, "  \t%s\t%d\t%d\t%.3f\t%.3f\t%s\t\t\t\t\t\t\n",
						p.Key(), p.Packets, p.Bytes, p.Last.Sub(p.First).Seconds(), p.Throughput/1e6, pct(p.Share))
				}
			}
			tw.Flush()
		}
		if len(c.LUEvents) > 0 {
			fmt.Fprintln(ew, "  locator updates:")
			tw := table(ew)
			fmt.Fprintln(tw, "    SECONDS\tFRAME\tOPERATION\tFROM -> TO\tLOCATORS\t")
			for _, e := range c.LUEvents {
				op := e.Operation.String()
				if e.Challenge != nil {
					op += " " + e.Challenge.String()
				}
				fmt.Fprintf(tw, "    %.6f\t%d\t%s\t%v -> %v\t%s\t\n", e.Offset, e.Frame, op, e.Src, e.Dst, l64s(e.Locators))
			}
			tw.Flush()
		}
	}
	if len(r.UDPLoss) > 0 {
		fmt.Fprintln(ew, "\nUDP loss between the sender's and the receiver's capture:")
		tw := table(ew)
		fmt.Fprintln(tw, "  FLOW\tSENDER\tRECEIVER\tSENT\tRECEIVED\tLOST\tLOSS\t")
		for _, l := range r.UDPLoss {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%d\t%d\t%s\t\n", l.Flow, l.Sender, l.Receiver, l.Sent, l.Received, l.Lost, pct(l.LossRatio))
		}
		tw.Flush()
	}
	fmt.Fprintln(ew, "\nGAP-LOSS: holes in the iperf2 numbering seen in that capture; MISORDER, DUP: of data packets (TCP: by sequence number);")
	fmt.Fprintln(ew, "ACK-MISORDER, DUP-ACK: of segments with ACK. Definitions: docs/ilnpcheck.md.")
	_, err := w.Write(ew.Bytes())
	return err
}

func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

func pct(r float64) string { return fmt.Sprintf("%.3f%%", 100*r) }

func l64s(l []ilnp.L64) string {
	s := make([]string, len(l))
	for i, x := range l {
		s[i] = x.String()
	}
	return strings.Join(s, ", ")
}
