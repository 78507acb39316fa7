package plot_test

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/capture"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/metrics"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/plot"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/synth"
)

var (
	aa = ilnp.L64(0x2001_0002_00aa_00aa)
	bb = ilnp.L64(0x2001_0002_00bb_00bb)
	cc = ilnp.L64(0x2001_0002_00cc_00cc)
	dd = ilnp.L64(0x2001_0002_00dd_00dd)
)

// paperScenario is Figure 8's procedure: aa, +bb, +cc, -aa, -bb, +aa,
// +bb, -cc... at 1000 datagrams per second (about 10 Mbit/s).
func paperScenario() synth.Scenario {
	return synth.Scenario{
		Start: time.Date(2024, 10, 1, 12, 0, 0, 0, time.UTC), MN: 0xd250_99ff_fed1_5a0c, CN: 0xc, CNLocator: dd,
		Phases: []synth.Phase{
			{At: 0, Locators: []ilnp.L64{aa}},
			{At: 4 * time.Second, Locators: []ilnp.L64{aa, bb}},
			{At: 8 * time.Second, Locators: []ilnp.L64{aa, bb, cc}},
			{At: 12 * time.Second, Locators: []ilnp.L64{bb, cc}},
			{At: 16 * time.Second, Locators: []ilnp.L64{cc}},
			{At: 20 * time.Second, Locators: []ilnp.L64{cc, aa}},
		},
		Duration: 24 * time.Second, PacketsPerSec: 1000, PayloadOctets: 1234,
		MNNonce: ilnp.Nonce32(1), CNNonce: ilnp.Nonce32(2),
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	capPath := filepath.Join(dir, "cn.pcap")
	if err := synth.WriteFile(capPath, capture.FormatPcap, capture.LinkTypeEthernet, paperScenario().Packets()); err != nil {
		t.Fatal(err)
	}
	res, err := metrics.Analyze([]string{capPath}, metrics.Options{Series: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "plots")
	if d := os.Getenv("ILNPCHECK_PLOT_DIR"); d != "" {
		out = d // keep the figures to look at
	}
	files, err := plot.Write(res, plot.Options{Dir: out, Prefix: "run1-", MaxFlows: 4})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"run1-cn-flow1-udp-throughput.png", "run1-cn-flow1-udp-throughput.svg", "run1-cn-flow1-udp-seq.png", "run1-cn-flow1-udp-seq.svg"}
	if len(files) != len(want) {
		t.Fatalf("files %v, want %v", files, want)
	}
	for i, w := range want {
		if filepath.Base(files[i]) != w {
			t.Errorf("file %d = %s, want %s", i, files[i], w)
		}
		b, err := os.ReadFile(files[i])
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(w, ".png"):
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v", w, err)
			}
			if r := img.Bounds(); r.Dx() < 900 || r.Dy() < 400 {
				t.Errorf("%s is %v", w, r)
			}
		default:
			s := string(b)
			// Facet titles and the dashed LU lines must be in the drawing.
			if !strings.Contains(s, "<svg") || !strings.Contains(s, "stroke-dasharray") {
				t.Errorf("%s is not an SVG with dashed lines", w)
			}
			if strings.Contains(w, "throughput") && (!strings.Contains(s, "2001:2:cc:cc -&gt; 2001:2:dd:dd") || !strings.Contains(s, "aggregate")) {
				t.Errorf("%s lacks the facet labels", w)
			}
		}
	}
}
