package capture_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/capture"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/synth"
)

// TestPcapNGSections reads a pcapng file of two sections, as `cat a.pcapng
// b.pcapng` makes, whose interfaces have link types that pcapgo's 8 bits
// cannot tell apart from others (276 is 20 in 8 bits): every frame must
// come out with its section's true link type.
func TestPcapNGSections(t *testing.T) {
	ip6 := make([]byte, 40)
	ip6[0] = 0x60
	var file bytes.Buffer
	sections := []struct {
		link   capture.LinkType
		frames int
	}{
		{capture.LinkTypeEthernet, 3},
		{capture.LinkTypeLinuxSLL2, 4},
		{capture.LinkTypeRaw, 2},
	}
	var want []capture.LinkType
	for _, s := range sections {
		w, err := synth.NewWriter(&file, capture.FormatPcapNG, s.link)
		if err != nil {
			t.Fatal(err)
		}
		for range s.frames {
			if err := w.WritePacket(time.Unix(1, 0), ip6, false); err != nil {
				t.Fatal(err)
			}
			want = append(want, s.link)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	r, err := capture.NewReader(&file)
	if err != nil {
		t.Fatal(err)
	}
	var (
		f   capture.Frame
		got []capture.LinkType
	)
	for {
		err := r.Next(&f)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, f.LinkType)
	}
	if len(got) != len(want) {
		t.Fatalf("link types %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("frame %d: link type %v, want %v", i+1, got[i], want[i])
		}
	}
}
