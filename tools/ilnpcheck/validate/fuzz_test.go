package validate

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/capture"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/decode"
)

// FuzzCheckFrame feeds arbitrary frames of each link type through the
// decoder and the checker: whatever the bytes, the result is a report,
// never a panic. Seeds: testdata/fuzz/FuzzCheckFrame.
func FuzzCheckFrame(f *testing.F) {
	f.Add(uint8(0), []byte{0x60, 0, 0, 0, 0, 8, 60, 64})
	links := []capture.LinkType{capture.LinkTypeIPv6, capture.LinkTypeEthernet, capture.LinkTypeLinuxSLL, capture.LinkTypeLinuxSLL2, capture.LinkTypeRaw}
	f.Fuzz(func(t *testing.T, link uint8, data []byte) {
		dec := decode.New()
		c := NewChecker(Options{Packets: true})
		fr := capture.Frame{Number: 1, Timestamp: time.Unix(1, 0), LinkType: links[int(link)%len(links)], Data: data, CaptureLength: len(data), Length: len(data)}
		var p decode.Packet
		for i := range 2 { // twice: the second packet meets the state of the first
			fr.Number = i + 1
			if err := dec.Decode(&fr, &p); err != nil {
				t.Fatal(err)
			}
			c.Add(&p)
		}
		r := c.Finish()
		if r.Frames != 2 {
			t.Fatalf("frames %d", r.Frames)
		}
		if err := r.WriteText(io.Discard, TextOptions{Packets: true}); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzCaptureReader reads arbitrary files as captures: an error or
// frames, never a panic. Seeds: testdata/fuzz/FuzzCaptureReader.
func FuzzCaptureReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := capture.NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		dec := decode.New()
		c := NewChecker(Options{})
		var (
			fr capture.Frame
			p  decode.Packet
		)
		for range 1000 {
			if err := r.Next(&fr); err != nil {
				return
			}
			if len(fr.Data) != fr.CaptureLength {
				t.Fatalf("frame %d: %d octets, caplen %d", fr.Number, len(fr.Data), fr.CaptureLength)
			}
			if err := dec.Decode(&fr, &p); err != nil {
				continue // unsupported link type
			}
			c.Add(&p)
		}
		c.Finish()
	})
}
