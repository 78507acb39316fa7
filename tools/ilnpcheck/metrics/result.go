package metrics

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/decode"
)

// Result holds the measurements of a set of captures.
type Result struct {
	Interval float64    `json:"interval"` // bucket width, seconds
	Captures []*Capture `json:"captures"`
	// UDPLoss compares, for each UDP flow seen in more than one capture,
	// the sender's capture with the receiver's.
	UDPLoss []UDPLoss `json:"udp_loss"`
}

// Capture holds the measurements of one capture file.
type Capture struct {
	File     string    `json:"file"`
	Frames   int       `json:"frames"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
	Flows    []*Flow   `json:"flows"` // in order of first packet
	LUEvents []LUEvent `json:"lu_events"`
	// FragmentedDatagrams counts the fragmented TCP and UDP datagrams
	// whose first fragment is in the capture (their fragments count with
	// its flow); UnattributedFragments the fragments whose first fragment
	// is not, which count in no flow.
	FragmentedDatagrams   int     `json:"fragmented_datagrams"`
	UnattributedFragments int     `json:"unattributed_fragments"`
	Error                 string  `json:"error,omitempty"`
	Interval              float64 `json:"interval"` // bucket width, seconds
}

// Flow holds the measurements of one flow in one capture. Throughput is
// the sum of IPv6 payload lengths (the IPv6 header's Payload Length
// field) over the time from the flow's first to its last packet, in
// bit/s; Buckets holds the same per interval, bucket i covering
// [capture start + i*interval, capture start + (i+1)*interval).
type Flow struct {
	Key          FlowKey   `json:"-"`
	Proto        string    `json:"proto"`
	SrcNID       ilnp.NID  `json:"src_nid"`
	SrcPort      uint16    `json:"src_port"`
	DstNID       ilnp.NID  `json:"dst_nid"`
	DstPort      uint16    `json:"dst_port"`
	Packets      int       `json:"packets"`
	Bytes        int64     `json:"bytes"`
	First        time.Time `json:"first"`
	Last         time.Time `json:"last"`
	Duration     float64   `json:"duration"` // seconds
	Throughput   float64   `json:"throughput_bps"`
	Buckets      []float64 `json:"buckets_bps"`
	MeanHopLimit float64   `json:"mean_hop_limit"`
	Paths        []Path    `json:"paths"`
	UDP          *UDPStats `json:"udp,omitempty"`
	TCP          *TCPStats `json:"tcp,omitempty"`
	Series       []Point   `json:"-"`
	seen         *seqSet

	// FirstOffset and LastOffset are the times of the flow's first and
	// last packet in seconds since the capture's first frame, on the
	// buckets' axis: the flow's own span is [FirstOffset, LastOffset].
	FirstOffset float64 `json:"first_offset"`
	LastOffset  float64 `json:"last_offset"`
}

// Path holds the share of a flow carried on one wire locator pair.
type Path struct {
	Src        ilnp.L64  `json:"src_l64"`
	Dst        ilnp.L64  `json:"dst_l64"`
	Packets    int       `json:"packets"`
	Bytes      int64     `json:"bytes"`
	First      time.Time `json:"first"`
	Last       time.Time `json:"last"`
	Throughput float64   `json:"throughput_bps"` // over the path's own first to last packet
	Share      float64   `json:"share"`          // of the flow's octets
	Buckets    []float64 `json:"buckets_bps"`

	// Seconds since the capture's first frame, as in Flow.
	FirstOffset float64 `json:"first_offset"`
	LastOffset  float64 `json:"last_offset"`
}

// Key returns the path's locator pair.
func (p Path) Key() PathKey { return PathKey{p.Src, p.Dst} }

// UDPStats are iperf2 sequence statistics of a UDP flow in one capture.
// Datagrams counts those with a sequence number >= 0 (data); Fin those
// with a negative one (iperf2's final datagrams), which take no part in
// the ratios.
type UDPStats struct {
	Datagrams  int   `json:"datagrams"`
	Distinct   int   `json:"distinct"`
	Duplicates int   `json:"duplicates"` // Datagrams - Distinct
	Misordered int   `json:"misordered"` // new number below the previous new number
	Reordered  int   `json:"reordered"`  // new number below the highest before it
	Fin        int   `json:"fin"`
	Short      int   `json:"short"` // payload under 4 octets, not counted
	SeqMin     int64 `json:"seq_min"`
	SeqMax     int64 `json:"seq_max"`
	// Expected = SeqMax - SeqMin + 1 and GapLost = Expected - Distinct:
	// the loss one capture can see, from holes in the numbering.
	Expected     int     `json:"expected"`
	GapLost      int     `json:"gap_lost"`
	GapLossRatio float64 `json:"gap_loss_ratio"` // GapLost / Expected
	// MisorderingRatio = Misordered / Datagrams (the paper's eq. 8);
	// ReorderingRatio = Reordered / Datagrams; DuplicateRatio =
	// Duplicates / Datagrams.
	MisorderingRatio float64 `json:"misordering_ratio"`
	ReorderingRatio  float64 `json:"reordering_ratio"`
	DuplicateRatio   float64 `json:"duplicate_ratio"`
}

// TCPStats are the sequence and acknowledgement statistics of a TCP flow
// in one capture. A data segment carries at least one octet of payload.
type TCPStats struct {
	Segments     int   `json:"segments"`
	DataSegments int   `json:"data_segments"`
	DataBytes    int64 `json:"data_bytes"`
	// SeqDuplicates: data segments whose octets were all seen before
	// (retransmissions and network duplicates). SeqMisordered: the other
	// data segments whose sequence number is below that of the previous
	// one of them.
	SeqDuplicates int `json:"seq_duplicates"`
	SeqMisordered int `json:"seq_misordered"`
	// AckSegments carry the ACK flag. AckMisordered: acknowledgement
	// number below the previous segment's. DupAcks: RFC 5681 duplicate
	// acknowledgements (no data, no SYN/FIN/RST, acknowledgement number
	// equal to the highest so far, window equal to the previous one).
	AckSegments   int `json:"ack_segments"`
	AckMisordered int `json:"ack_misordered"`
	DupAcks       int `json:"dup_acks"`
	// SeqMisorderingRatio = SeqMisordered / DataSegments;
	// SeqDuplicateRatio = SeqDuplicates / DataSegments;
	// AckMisorderingRatio = AckMisordered / AckSegments;
	// AckDuplicateRatio = DupAcks / AckSegments;
	// DuplicateRatio = (SeqDuplicates + DupAcks) / Segments (eq. 6).
	SeqMisorderingRatio float64 `json:"seq_misordering_ratio"`
	SeqDuplicateRatio   float64 `json:"seq_duplicate_ratio"`
	AckMisorderingRatio float64 `json:"ack_misordering_ratio"`
	AckDuplicateRatio   float64 `json:"ack_duplicate_ratio"`
	DuplicateRatio      float64 `json:"duplicate_ratio"`
}

// UDPLoss is the loss of a UDP flow between the capture at its sender
// and the capture at its receiver: Sent is the distinct sequence numbers
// (>= 0) in the sender's capture, Lost those of them missing from the
// receiver's, LossRatio = Lost / Sent (the paper's eq. 7). The sender's
// capture is the one where the flow's packets have the highest mean hop
// limit (they have crossed no router yet), the earlier first packet
// breaking a tie.
type UDPLoss struct {
	Flow      string  `json:"flow"`
	Sender    string  `json:"sender"`
	Receiver  string  `json:"receiver"`
	Sent      int     `json:"sent"`
	Received  int     `json:"received"`
	Lost      int     `json:"lost"`
	LossRatio float64 `json:"loss_ratio"`
	key       FlowKey
}

// LUEvent is a Locator Update message seen in a capture: an
// advertisement or ack, or a return-routability probe or probe reply
// (Operation.IsProbe), which alone carries a Challenge.
type LUEvent struct {
	Frame     int             `json:"frame"`
	Time      time.Time       `json:"time"`
	Offset    float64         `json:"offset"` // seconds since the capture's first frame
	Src       ilnp.ILV        `json:"src"`
	Dst       ilnp.ILV        `json:"dst"`
	Operation ilnp.LUOp       `json:"operation"`
	Challenge *ilnp.Challenge `json:"challenge,omitempty"`
	Locators  []ilnp.L64      `json:"locators"`
}

// Finish ends the tracking of fragmented datagrams and returns the
// measurements.
func (a *Analyzer) Finish() *Capture {
	a.frags.Flush()
	for _, d := range a.frags.Finished() {
		a.datagramDone(d)
	}
	c := &Capture{Frames: a.n, First: a.first, Last: a.last, LUEvents: a.lus, Interval: a.opts.Interval.Seconds(),
		FragmentedDatagrams: a.fragmented, UnattributedFragments: a.unattributed}
	if c.LUEvents == nil {
		c.LUEvents = []LUEvent{}
	}
	iv := a.opts.Interval.Seconds()
	for _, f := range a.order {
		fl := &Flow{
			Key: f.key, Proto: decode.ProtoName(f.key.Proto), SrcNID: f.key.SrcNID, SrcPort: f.key.SrcPort,
			DstNID: f.key.DstNID, DstPort: f.key.DstPort,
			Packets: f.all.packets, Bytes: f.all.bytes, First: f.all.first, Last: f.all.last,
			Duration: f.all.last.Sub(f.all.first).Seconds(), Throughput: throughput(&f.all),
			Buckets: bps(f.all.buckets, iv), MeanHopLimit: float64(f.hopSum) / float64(f.all.packets),
			Series: f.series,
		}
		fl.FirstOffset, fl.LastOffset = a.offset(f.all.first), a.offset(f.all.last)
		for _, p := range f.paths {
			fl.Paths = append(fl.Paths, Path{
				Src: p.key.Src, Dst: p.key.Dst, Packets: p.packets, Bytes: p.bytes, First: p.first, Last: p.last,
				Throughput: throughput(&p.counter), Share: ratio(int(p.bytes), int(f.all.bytes)), Buckets: bps(p.buckets, iv),
			})
			fp := &fl.Paths[len(fl.Paths)-1]
			fp.FirstOffset, fp.LastOffset = a.offset(p.first), a.offset(p.last)
		}
		if f.udp != nil {
			fl.UDP, fl.seen = f.udp.stats(), &f.udp.seen
		}
		if f.tcp != nil {
			fl.TCP = f.tcp.stats()
		}
		c.Flows = append(c.Flows, fl)
	}
	return c
}

// offset is t in seconds since the capture's first frame.
func (a *Analyzer) offset(t time.Time) float64 { return t.Sub(a.first).Seconds() }

func (u *udpState) stats() *UDPStats {
	s := &UDPStats{
		Datagrams: u.datagrams, Distinct: u.seen.n, Duplicates: u.duplicates, Misordered: u.misordered,
		Reordered: u.reordered, Fin: u.fin, Short: u.short,
	}
	if u.seen.n > 0 {
		s.SeqMin, s.SeqMax = u.min, u.high
		s.Expected = int(u.high - u.min + 1)
		s.GapLost = s.Expected - s.Distinct
	}
	s.GapLossRatio = ratio(s.GapLost, s.Expected)
	s.MisorderingRatio = ratio(s.Misordered, s.Datagrams)
	s.ReorderingRatio = ratio(s.Reordered, s.Datagrams)
	s.DuplicateRatio = ratio(s.Duplicates, s.Datagrams)
	return s
}

func (t *tcpState) stats() *TCPStats {
	s := &TCPStats{
		Segments: t.segments, DataSegments: t.dataSegments, DataBytes: t.dataBytes,
		SeqDuplicates: t.seqDup, SeqMisordered: t.seqMisorder,
		AckSegments: t.ackSegments, AckMisordered: t.ackMisorder, DupAcks: t.dupAcks,
	}
	s.SeqMisorderingRatio = ratio(s.SeqMisordered, s.DataSegments)
	s.SeqDuplicateRatio = ratio(s.SeqDuplicates, s.DataSegments)
	s.AckMisorderingRatio = ratio(s.AckMisordered, s.AckSegments)
	s.AckDuplicateRatio = ratio(s.DupAcks, s.AckSegments)
	s.DuplicateRatio = ratio(s.SeqDuplicates+s.DupAcks, s.Segments)
	return s
}

// Compare pairs the captures of each UDP flow seen in more than one of
// them and computes the loss between its sender and receiver.
func Compare(caps []*Capture) []UDPLoss {
	type seen struct {
		file string
		flow *Flow
	}
	byKey := make(map[FlowKey][]seen)
	var keys []FlowKey
	for _, c := range caps {
		for _, f := range c.Flows {
			if f.UDP == nil || f.UDP.Distinct == 0 {
				continue
			}
			if _, ok := byKey[f.Key]; !ok {
				keys = append(keys, f.Key)
			}
			byKey[f.Key] = append(byKey[f.Key], seen{c.File, f})
		}
	}
	out := []UDPLoss{}
	for _, k := range keys {
		s := byKey[k]
		if len(s) < 2 {
			continue
		}
		slices.SortStableFunc(s, func(a, b seen) int {
			if c := cmp.Compare(b.flow.MeanHopLimit, a.flow.MeanHopLimit); c != 0 {
				return c
			}
			return a.flow.First.Compare(b.flow.First)
		})
		snd, rcv := s[0], s[len(s)-1]
		l := UDPLoss{
			Flow: k.String(), Sender: snd.file, Receiver: rcv.file, key: k,
			Sent: snd.flow.UDP.Distinct, Received: rcv.flow.UDP.Distinct,
			Lost: rcv.flow.seen.missingFrom(snd.flow.seen),
		}
		l.LossRatio = ratio(l.Lost, l.Sent)
		out = append(out, l)
	}
	return out
}

// AnalyzeFile measures the capture at path. A file that cannot be read
// to its end yields the measurements of what was read, with Error set,
// and the error.
func AnalyzeFile(path string, opts Options, progress decode.Progress) (*Capture, error) {
	a := NewAnalyzer(opts)
	_, err := decode.Walk(path, progress, a.Add)
	c := a.Finish()
	c.File = path
	if err != nil {
		c.Error = err.Error()
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

func throughput(c *counter) float64 {
	d := c.last.Sub(c.first).Seconds()
	if d <= 0 {
		return 0
	}
	return float64(c.bytes) * 8 / d
}

func bps(b []int64, interval float64) []float64 {
	out := make([]float64, len(b))
	for i, v := range b {
		out[i] = float64(v) * 8 / interval
	}
	return out
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// Analyze measures each capture and compares the UDP flows between them.
// progress, when not nil, gives the progress callback of each file. It
// returns the measurements of every file, the unreadable ones with Error
// set, and an error naming the files that could not be read to the end.
func Analyze(files []string, opts Options, progress func(file string) decode.Progress) (*Result, error) {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	res := &Result{Interval: opts.Interval.Seconds()}
	var errs []error
	for _, f := range files {
		var p decode.Progress
		if progress != nil {
			p = progress(f)
		}
		c, err := AnalyzeFile(f, opts, p)
		if err != nil {
			errs = append(errs, err)
		}
		res.Captures = append(res.Captures, c)
	}
	res.UDPLoss = Compare(res.Captures)
	return res, errors.Join(errs...)
}
