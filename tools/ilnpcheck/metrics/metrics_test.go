package metrics_test

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/capture"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/metrics"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/synth"
)

var (
	aa    = ilnp.L64(0x2001_0002_00aa_00aa)
	bb    = ilnp.L64(0x2001_0002_00bb_00bb)
	cc    = ilnp.L64(0x2001_0002_00cc_00cc)
	dd    = ilnp.L64(0x2001_0002_00dd_00dd)
	mnNID = ilnp.NID(0xd250_99ff_fed1_5a0c)
	cnNID = ilnp.NID(0xc)
	paths = []ilnp.L64{aa, bb, cc}
	t0    = time.Date(2024, 10, 1, 12, 0, 0, 0, time.UTC)
)

func at(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }

const payload = 1000 // iperf2 UDP payload; IPv6 payload = 8 (nonce) + 8 (UDP) + 1000

func datagram(ms float64, seq int32, path ilnp.L64, hop uint8) synth.Packet {
	return synth.Packet{
		Time: at(ms), Src: ilnp.ILV{L64: path, NID: mnNID}, Dst: ilnp.ILV{L64: dd, NID: cnNID}, HopLimit: hop,
		Nonce: ilnp.Nonce32(1), UDP: &layers.UDP{SrcPort: 40001, DstPort: 5001}, Payload: synth.Iperf2Payload(seq, payload),
	}
}

// udpCaptures builds a 3-path iperf2 UDP flow as captured at the sender
// (MN: 100 datagrams, seq i on path i%3 at i*10 ms, hop limit 64, then 3
// final datagrams) and at the receiver (CN, hop limit 62) where 5
// datagrams are lost, 2 duplicated and some arrive out of order.
func udpCaptures(t *testing.T) (sender, receiver string) {
	t.Helper()
	var snd []synth.Packet
	for i := range 100 {
		snd = append(snd, datagram(float64(i*10), int32(i), paths[i%3], 64))
	}
	snd = append(snd,
		synth.Packet{Time: at(500), Src: ilnp.ILV{L64: aa, NID: mnNID}, Dst: ilnp.ILV{L64: dd, NID: cnNID}, Nonce: ilnp.Nonce32(1),
			LU: &synth.LU{Op: ilnp.LUAdvertisement, Code: 1, Locators: []ilnp.L64{aa, bb, cc}}},
	)
	for i := range 3 {
		snd = append(snd, datagram(float64(1000+10*i), -100, aa, 64))
	}
	// Sort the LU into time order.
	snd = append(snd[:50], append([]synth.Packet{snd[100]}, append(snd[50:100:100], snd[101:]...)...)...)

	lost := map[int32]bool{10: true, 20: true, 30: true, 40: true, 50: true}
	order := []int32{}
	for i := int32(0); i < 100; i++ {
		order = append(order, i)
	}
	// Rearrange the arrival order:
	//   61 60, 71 70         -> 2 misordered, 2 reordered
	//   81 82 83 80          -> 1 misordered, 1 reordered
	//   90 93 91 92 94       -> 1 misordered (91), 2 reordered (91, 92)
	//   5 twice; 95 again after 96 -> 2 duplicates
	swap := func(a, b int) { order[a], order[b] = order[b], order[a] }
	swap(60, 61)
	swap(70, 71)
	copy(order[80:84], []int32{81, 82, 83, 80})
	copy(order[91:94], []int32{93, 91, 92})
	var arrivals []int32
	for _, s := range order {
		if lost[s] {
			continue
		}
		arrivals = append(arrivals, s)
		switch s {
		case 5:
			arrivals = append(arrivals, 5)
		case 96:
			arrivals = append(arrivals, 95)
		}
	}
	var rcv []synth.Packet
	for i, s := range arrivals {
		rcv = append(rcv, datagram(float64(i*10+1), s, paths[s%3], 62))
	}
	for i := range 3 {
		rcv = append(rcv, datagram(float64(1001+10*i), -100, aa, 62))
	}
	dir := t.TempDir()
	sender, receiver = filepath.Join(dir, "mn.pcap"), filepath.Join(dir, "cn.pcapng")
	if err := synth.WriteFile(sender, capture.FormatPcap, capture.LinkTypeLinuxSLL2, snd); err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteFile(receiver, capture.FormatPcapNG, capture.LinkTypeEthernet, rcv); err != nil {
		t.Fatal(err)
	}
	return sender, receiver
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestUDPThreePaths(t *testing.T) {
	sender, receiver := udpCaptures(t)
	// Given in the "wrong" order: the sender is found by hop limit.
	res, err := metrics.Analyze([]string{receiver, sender}, metrics.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Captures) != 2 {
		t.Fatalf("%d captures", len(res.Captures))
	}
	rc, sc := res.Captures[0], res.Captures[1]
	if len(rc.Flows) != 1 || len(sc.Flows) != 1 {
		t.Fatalf("flows: receiver %d, sender %d", len(rc.Flows), len(sc.Flows))
	}
	r := rc.Flows[0]
	u := r.UDP
	want := metrics.UDPStats{
		Datagrams: 97, Distinct: 95, Duplicates: 2, Misordered: 4, Reordered: 5, Fin: 3,
		SeqMin: 0, SeqMax: 99, Expected: 100, GapLost: 5,
		GapLossRatio: 5.0 / 100, MisorderingRatio: 4.0 / 97, ReorderingRatio: 5.0 / 97, DuplicateRatio: 2.0 / 97,
	}
	if *u != want {
		t.Errorf("receiver UDP stats\n got %+v\nwant %+v", *u, want)
	}
	if len(res.UDPLoss) != 1 {
		t.Fatalf("UDP loss entries %+v", res.UDPLoss)
	}
	l := res.UDPLoss[0]
	if l.Sender != sender || l.Receiver != receiver || l.Sent != 100 || l.Received != 95 || l.Lost != 5 || !near(l.LossRatio, 0.05) {
		t.Errorf("UDP loss %+v", l)
	}

	s := sc.Flows[0]
	if s.UDP.Misordered != 0 || s.UDP.Duplicates != 0 || s.UDP.GapLost != 0 || s.UDP.Fin != 3 {
		t.Errorf("sender UDP stats %+v", *s.UDP)
	}
	const octets = 8 + 8 + payload
	if s.Packets != 103 || s.Bytes != 103*octets || !near(s.Duration, 1.02) || !near(s.Throughput, 103*octets*8/1.02) {
		t.Errorf("sender flow: %d packets, %d octets, %.3f s, %.1f bit/s", s.Packets, s.Bytes, s.Duration, s.Throughput)
	}
	if len(s.Buckets) != 2 || !near(s.Buckets[0], 100*octets*8) || !near(s.Buckets[1], 3*octets*8) {
		t.Errorf("sender buckets %v", s.Buckets)
	}
	if len(s.Paths) != 3 {
		t.Fatalf("sender paths %+v", s.Paths)
	}
	for i, want := range []struct {
		src     ilnp.L64
		packets int
	}{{aa, 37}, {bb, 33}, {cc, 33}} {
		p := s.Paths[i]
		if p.Src != want.src || p.Dst != dd || p.Packets != want.packets || !near(p.Share, float64(want.packets)/103) {
			t.Errorf("path %d = %+v, want %v with %d packets", i, p, want.src, want.packets)
		}
	}
	if s.MeanHopLimit != 64 || r.MeanHopLimit != 62 {
		t.Errorf("hop limits %v %v", s.MeanHopLimit, r.MeanHopLimit)
	}
	if len(sc.LUEvents) != 1 || sc.LUEvents[0].Operation != ilnp.LUAdvertisement || len(sc.LUEvents[0].Locators) != 3 || !near(sc.LUEvents[0].Offset, 0.5) {
		t.Errorf("LU events %+v", sc.LUEvents)
	}

	var text bytes.Buffer
	if err := res.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"udp d250:99ff:fed1:5a0c.40001 -> 0:0:0:c.5001", "2001:2:aa:aa -> 2001:2:dd:dd", "4.124%", "5.000%", "advertisement"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"loss_ratio":0.05`, `"misordering_ratio":0.041237113402061855`, `"src_l64":"2001:2:bb:bb"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("JSON lacks %s", want)
		}
	}
	// The JSON reads back into the same types, as the selftests read
	// ilnpcheck's report: all but what it leaves out (the flow key, the
	// series, the state behind loss).
	var back metrics.Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res, &back, cmpopts.IgnoreUnexported(metrics.Flow{}, metrics.UDPLoss{}),
		cmpopts.IgnoreFields(metrics.Flow{}, "Key", "Series")); diff != "" {
		t.Errorf("JSON round trip (-analysed +read):\n%s", diff)
	}
	if lus := back.Captures[1].LUEvents; len(lus) != 1 || lus[0].Operation != ilnp.LUAdvertisement || len(lus[0].Locators) != 3 {
		t.Errorf("the sender's LU events after the round trip: %+v", lus)
	}
}

func seg(ms float64, src, dst ilnp.ILV, seq, ack uint32, win uint16, data int) synth.Packet {
	return synth.Packet{
		Time: at(ms), Src: src, Dst: dst, Nonce: ilnp.Nonce32(2),
		TCP:     &layers.TCP{SrcPort: 40000, DstPort: 5001, Seq: seq, Ack: ack, ACK: true, Window: win},
		Payload: make([]byte, data),
	}
}

func TestTCP(t *testing.T) {
	mn := ilnp.ILV{L64: aa, NID: mnNID}
	mnB := ilnp.ILV{L64: bb, NID: mnNID}
	cn := ilnp.ILV{L64: dd, NID: cnNID}
	rev := func(p synth.Packet) synth.Packet {
		p.TCP.SrcPort, p.TCP.DstPort = p.TCP.DstPort, p.TCP.SrcPort
		return p
	}
	var base uint32 = 0xffff_f000 // the sequence numbers wrap past 2^32
	pkts := []synth.Packet{
		seg(0, mn, cn, base+1, 1, 100, 1000),
		rev(seg(1, cn, mn, 1, base+1001, 50, 0)),
		seg(2, mnB, cn, base+1001, 1, 100, 1000),
		rev(seg(3, cn, mn, 1, base+2001, 50, 0)),
		seg(4, mn, cn, base+2001, 1, 100, 1000),
		seg(5, mnB, cn, base+4001, 1, 100, 1000),  // skips 3001
		rev(seg(6, cn, mnB, 1, base+2001, 50, 0)), // dup ack
		seg(7, mn, cn, base+3001, 1, 100, 1000),   // misordered
		rev(seg(8, cn, mn, 1, base+2001, 50, 0)),  // dup ack
		seg(9, mnB, cn, base+2001, 1, 100, 1000),  // duplicate
		rev(seg(10, cn, mn, 1, base+1001, 50, 0)), // misordered ack
		seg(11, mn, cn, base+5001, 1, 100, 1000),
		rev(seg(12, cn, mn, 1, base+2001, 60, 0)), // window changed: not a dup ack
		rev(seg(13, cn, mn, 1, base+6001, 60, 0)),
	}
	path := filepath.Join(t.TempDir(), "tcp.pcap")
	if err := synth.WriteFile(path, capture.FormatPcap, capture.LinkTypeRaw, pkts); err != nil {
		t.Fatal(err)
	}
	c, err := metrics.AnalyzeFile(path, metrics.Options{Series: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Flows) != 2 {
		t.Fatalf("flows %+v", c.Flows)
	}
	data, acks := c.Flows[0].TCP, c.Flows[1].TCP
	wantData := metrics.TCPStats{
		Segments: 7, DataSegments: 7, DataBytes: 7000, SeqDuplicates: 1, SeqMisordered: 1,
		AckSegments: 7, SeqMisorderingRatio: 1.0 / 7, SeqDuplicateRatio: 1.0 / 7, DuplicateRatio: 1.0 / 7,
	}
	if *data != wantData {
		t.Errorf("data flow\n got %+v\nwant %+v", *data, wantData)
	}
	wantAcks := metrics.TCPStats{
		Segments: 7, AckSegments: 7, AckMisordered: 1, DupAcks: 2,
		AckMisorderingRatio: 1.0 / 7, AckDuplicateRatio: 2.0 / 7, DuplicateRatio: 2.0 / 7,
	}
	if *acks != wantAcks {
		t.Errorf("ack flow\n got %+v\nwant %+v", *acks, wantAcks)
	}
	if n := len(c.Flows[0].Paths); n != 2 {
		t.Errorf("data flow paths %d, want 2", n)
	}
	var seqs []int64
	for _, p := range c.Flows[0].Series {
		seqs = append(seqs, p.Seq)
	}
	if want := []int64{0, 1000, 2000, 4000, 3000, 2000, 5000}; !equal(seqs, want) {
		t.Errorf("relative sequence series %v, want %v", seqs, want)
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFragments: a UDP flow whose large datagrams are fragmented (the
// nonce after the fragment header, one datagram with it before, one
// whose fragments arrive in reverse order) on path aa, small ones whole
// on path bb, a fragment whose first fragment is missing, and a TCP
// segment in fragments. Every fragment's octets count towards the flow
// and its path, each datagram once towards the iperf2 figures.
func TestFragments(t *testing.T) {
	mn := ilnp.ILV{L64: aa, NID: mnNID}
	mnB := ilnp.ILV{L64: bb, NID: mnNID}
	cn := ilnp.ILV{L64: dd, NID: cnNID}
	frags := func(p synth.Packet, id uint32, pl synth.Placement) []synth.Packet {
		t.Helper()
		f, err := p.Fragments(1280, id, pl)
		if err != nil {
			t.Fatal(err)
		}
		for i := range f {
			f[i].Time = p.Time.Add(time.Duration(i) * 100 * time.Microsecond)
		}
		return f
	}
	var pkts []synth.Packet
	for i := range 10 {
		p := synth.Packet{Time: at(float64(10 * i)), Src: mn, Dst: cn, Nonce: ilnp.Nonce32(1),
			UDP: &layers.UDP{SrcPort: 40001, DstPort: 5001}, Payload: synth.Iperf2Payload(int32(i), 2000)}
		switch {
		case i >= 6: // whole, on bb
			p.Src, p.Payload = mnB, synth.Iperf2Payload(int32(i), 500)
			pkts = append(pkts, p)
		case i == 5:
			pkts = append(pkts, frags(p, uint32(i), synth.NonceBeforeFragment)...)
		case i == 3:
			f := frags(p, uint32(i), synth.NonceAfterFragment)
			f[0].Time, f[1].Time = f[1].Time, f[0].Time
			pkts = append(pkts, f[1], f[0])
		default:
			pkts = append(pkts, frags(p, uint32(i), synth.NonceAfterFragment)...)
		}
	}
	lone := synth.Packet{Time: at(95), Src: mn, Dst: cn, Nonce: ilnp.Nonce32(1),
		UDP: &layers.UDP{SrcPort: 40001, DstPort: 5001}, Payload: synth.Iperf2Payload(99, 2000)}
	pkts = append(pkts, frags(lone, 99, synth.NonceAfterFragment)[1])
	seg := synth.Packet{Time: at(100), Src: mn, Dst: cn, Nonce: ilnp.Nonce32(2),
		TCP: &layers.TCP{SrcPort: 40000, DstPort: 5001, Seq: 1000, ACK: true, Window: 100}, Payload: make([]byte, 2000)}
	pkts = append(pkts, frags(seg, 100, synth.NonceAfterFragment)...)

	path := filepath.Join(t.TempDir(), "frag.pcap")
	if err := synth.WriteFile(path, capture.FormatPcap, capture.LinkTypeEthernet, pkts); err != nil {
		t.Fatal(err)
	}
	c, err := metrics.AnalyzeFile(path, metrics.Options{Series: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Flows) != 2 {
		t.Fatalf("flows %+v", c.Flows)
	}
	// A 2016-octet fragmentable part (nonce 8, UDP 8, data 2000) in 1232
	// and 784 octets, each behind a fragment header: 1240 + 792. With the
	// nonce in front of the fragment header: 2008 in 1224 and 784, each
	// behind both headers: 1240 + 800.
	const (
		after  = 1240 + 792
		before = 1240 + 800
		whole  = 8 + 8 + 500
	)
	u := c.Flows[0]
	aaBytes, bbBytes := int64(5*after+before), int64(4*whole)
	if u.Packets != 16 || u.Bytes != aaBytes+bbBytes {
		t.Errorf("UDP flow: %d packets, %d octets; want 16, %d", u.Packets, u.Bytes, aaBytes+bbBytes)
	}
	if len(u.Paths) != 2 || u.Paths[0].Src != aa || u.Paths[0].Packets != 12 || u.Paths[0].Bytes != aaBytes ||
		u.Paths[1].Src != bb || u.Paths[1].Packets != 4 || u.Paths[1].Bytes != bbBytes {
		t.Fatalf("paths %+v", u.Paths)
	}
	if !near(u.Paths[0].Share, float64(aaBytes)/float64(aaBytes+bbBytes)) || !near(u.Paths[1].Share, float64(bbBytes)/float64(aaBytes+bbBytes)) {
		t.Errorf("shares %v %v", u.Paths[0].Share, u.Paths[1].Share)
	}
	if s := u.UDP; s.Datagrams != 10 || s.Distinct != 10 || s.Duplicates != 0 || s.Misordered != 0 || s.GapLost != 0 || s.SeqMax != 9 {
		t.Errorf("UDP stats %+v", *s)
	}
	if len(u.Series) != 10 {
		t.Errorf("series has %d points, want one per datagram", len(u.Series))
	}
	// The first of datagram 3's fragments came second; the flow and the
	// path start at the first packet all the same.
	if !u.First.Equal(at(0)) || !u.Paths[0].Last.Equal(at(50.1)) {
		t.Errorf("first %v, path aa last %v", u.First, u.Paths[0].Last)
	}
	tc := c.Flows[1]
	if tc.TCP == nil || tc.TCP.Segments != 1 || tc.TCP.DataSegments != 1 || tc.TCP.DataBytes != 2000 || tc.Packets != 2 {
		t.Errorf("TCP flow %+v: %+v", tc, tc.TCP)
	}
	if c.FragmentedDatagrams != 7 || c.UnattributedFragments != 1 {
		t.Errorf("fragmented %d, unattributed %d; want 7, 1", c.FragmentedDatagrams, c.UnattributedFragments)
	}
	var text bytes.Buffer
	if err := (&metrics.Result{Captures: []*metrics.Capture{c}}).WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if want := "fragmented: 7 datagrams counted with their flows; 1 fragments without their first fragment, in no flow"; !strings.Contains(text.String(), want) {
		t.Errorf("text lacks %q:\n%s", want, text.String())
	}
}

// TestFlowSpanOffsets: a flow that starts 1.5 s after the capture's
// first frame (here an LU, in the testbed a Router Advertisement) has
// empty buckets before it; first_offset and last_offset give its own
// span on the buckets' axis, and each path's.
func TestFlowSpanOffsets(t *testing.T) {
	pkts := []synth.Packet{{Time: at(0), Src: ilnp.ILV{L64: aa, NID: mnNID}, Dst: ilnp.ILV{L64: dd, NID: cnNID}, Nonce: ilnp.Nonce32(1),
		LU: &synth.LU{Op: ilnp.LUAdvertisement, Code: 1, Locators: []ilnp.L64{aa, bb}}}}
	for i := range 16 {
		path := aa
		if i%2 == 1 && i < 10 {
			path = bb
		}
		pkts = append(pkts, datagram(float64(1500+100*i), int32(i), path, 64))
	}
	file := filepath.Join(t.TempDir(), "late.pcap")
	if err := synth.WriteFile(file, capture.FormatPcap, capture.LinkTypeEthernet, pkts); err != nil {
		t.Fatal(err)
	}
	res, err := metrics.Analyze([]string{file}, metrics.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := res.Captures[0].Flows[0]
	if !near(f.FirstOffset, 1.5) || !near(f.LastOffset, 3.0) || !near(f.LastOffset-f.FirstOffset, f.Duration) {
		t.Errorf("flow span [%v, %v], duration %v; want [1.5, 3.0]", f.FirstOffset, f.LastOffset, f.Duration)
	}
	if len(f.Buckets) != 4 || f.Buckets[0] != 0 || f.Buckets[1] == 0 {
		t.Errorf("buckets %v: want 4, the first empty", f.Buckets)
	}
	if len(f.Paths) != 2 {
		t.Fatalf("paths %+v", f.Paths)
	}
	for i, want := range [][2]float64{{1.5, 3.0}, {1.6, 2.4}} {
		if p := f.Paths[i]; !near(p.FirstOffset, want[0]) || !near(p.LastOffset, want[1]) {
			t.Errorf("path %v span [%v, %v], want %v", p.Src, p.FirstOffset, p.LastOffset, want)
		}
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"first_offset":1.5,"last_offset":3`, `"first_offset":1.6,"last_offset":2.4`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("JSON lacks %s", want)
		}
	}
}

// TestProbeEvents: probes and replies are LU events with their challenge,
// counted apart from the locator updates in the text.
func TestProbeEvents(t *testing.T) {
	mn := ilnp.ILV{L64: aa, NID: mnNID}
	cn := ilnp.ILV{L64: dd, NID: cnNID}
	pkts := []synth.Packet{
		datagram(0, 0, aa, 64),
		{Time: at(1), Src: mn, Dst: cn, Nonce: ilnp.Nonce32(1), LU: &synth.LU{Op: ilnp.LUAdvertisement, Code: 1, Locators: []ilnp.L64{aa, bb}}},
		{Time: at(2), Src: cn, Dst: ilnp.ILV{L64: bb, NID: mnNID}, Nonce: ilnp.Nonce32(2), LU: &synth.LU{Op: ilnp.LUProbe, Challenge: 7, Locators: []ilnp.L64{aa, bb}}},
		{Time: at(3), Src: ilnp.ILV{L64: bb, NID: mnNID}, Dst: cn, Nonce: ilnp.Nonce32(1), LU: &synth.LU{Op: ilnp.LUProbeReply, Challenge: 7, Locators: []ilnp.L64{aa, bb}}},
		datagram(4, 1, aa, 64),
	}
	path := filepath.Join(t.TempDir(), "probes.pcap")
	if err := synth.WriteFile(path, capture.FormatPcap, capture.LinkTypeEthernet, pkts); err != nil {
		t.Fatal(err)
	}
	res, err := metrics.Analyze([]string{path}, metrics.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	evs := res.Captures[0].LUEvents
	if len(evs) != 3 || evs[0].Challenge != nil || evs[1].Operation != ilnp.LUProbe || evs[1].Challenge == nil || *evs[1].Challenge != 7 ||
		evs[2].Operation != ilnp.LUProbeReply || evs[2].Challenge == nil || *evs[2].Challenge != 7 || len(evs[2].Locators) != 2 {
		t.Fatalf("LU events %+v", evs)
	}
	var text bytes.Buffer
	if err := res.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 locator updates, 2 probes and replies", "probe 0000000000000007", "probe-reply 0000000000000007"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"operation":"probe","challenge":"0000000000000007"`)) || bytes.Count(b, []byte(`"challenge"`)) != 2 {
		t.Errorf("JSON of the probes: %s", b)
	}
	var back metrics.Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(evs, back.Captures[0].LUEvents); diff != "" {
		t.Errorf("JSON round trip (-analysed +read):\n%s", diff)
	}
}
