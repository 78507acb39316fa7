// Package plot draws the paper's per-flow figures (Yanagida & Bhatti
// 2024, Figures 11-14) from metrics: throughput over time faceted by
// wire locator pair with the aggregate at the bottom, and the sequence
// number progression, both with Locator Update advertisements as dashed
// vertical lines. Each figure is written as PNG and SVG.
package plot

import (
	"cmp"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/metrics"
)

// Options say what to draw and where.
type Options struct {
	Dir    string // output directory, created if missing
	Prefix string // prepended to every file name
	// MaxFlows draws the largest flows (by octets) of each capture; 0
	// draws them all.
	MaxFlows int
	// MinPackets skips flows with fewer packets.
	MinPackets int
}

// seriesColumns bounds the points of a sequence plot: per path and time
// column the lowest and highest sequence number are kept.
const seriesColumns = 1500

// palette colours the paths, in order of first appearance.
var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
}

var luColor = color.RGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff}

// Write draws the figures of every selected flow of every capture and
// returns the files written. The metrics must have been computed with
// Options.Series for the sequence plots.
func Write(res *metrics.Result, o Options) ([]string, error) {
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	var (
		files []string
		errs  []error
	)
	for ci, c := range res.Captures {
		name := captureName(c.File, ci)
		for fi, f := range selectFlows(c.Flows, o) {
			base := filepath.Join(o.Dir, fmt.Sprintf("%s%s-flow%d-%s", o.Prefix, name, fi+1, f.Proto))
			lus := sessionLUs(c.LUEvents, f)
			title := fmt.Sprintf("%s: %s", filepath.Base(c.File), f.Key)
			written, err := save(base+"-throughput", throughputFigure(c, f, lus, title))
			files = append(files, written...)
			errs = append(errs, err)
			written, err = save(base+"-seq", seqFigure(c, f, lus, title))
			files = append(files, written...)
			errs = append(errs, err)
		}
	}
	return files, errors.Join(errs...)
}

// figure is a drawing of a given size.
type figure struct {
	w, h vg.Length
	draw func(draw.Canvas)
}

// save writes fig as base.png and base.svg.
func save(base string, fig figure) ([]string, error) {
	png := vgimg.NewWith(vgimg.UseWH(fig.w, fig.h), vgimg.UseDPI(110), vgimg.UseBackgroundColor(color.White))
	fig.draw(draw.New(png))
	svg := vgsvg.New(fig.w, fig.h)
	fig.draw(draw.New(svg))
	var files []string
	for _, out := range []struct {
		ext string
		wt  io.WriterTo
	}{{".png", vgimg.PngCanvas{Canvas: png}}, {".svg", svg}} {
		name := base + out.ext
		if err := writeFile(name, out.wt); err != nil {
			return files, err
		}
		files = append(files, name)
	}
	return files, nil
}

func writeFile(name string, wt io.WriterTo) error {
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if _, err := wt.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("plot: write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

// throughputFigure has one facet per path, top to bottom in order of
// first packet, and the aggregate at the bottom, on a shared time axis.
func throughputFigure(c *metrics.Capture, f *metrics.Flow, lus []float64, title string) figure {
	end := c.Last.Sub(c.First).Seconds()
	rows := len(f.Paths) + 1
	ymax := maxOf(f.Buckets) / 1e6
	plots := make([][]*gplot.Plot, rows)
	for i := range rows {
		p := gplot.New()
		var b []float64
		label := "aggregate"
		col := color.Color(color.Black)
		if i < len(f.Paths) {
			b, label, col = f.Paths[i].Buckets, pathLabel(f.Paths[i]), palette[i%len(palette)]
		} else {
			b = f.Buckets
			p.X.Label.Text = "time since capture start (s)"
		}
		if i == 0 {
			p.Title.Text = title + ": throughput"
		}
		p.Y.Label.Text = "Mbit/s"
		p.X.Min, p.X.Max = 0, math.Max(end, c.Interval)
		p.Y.Min, p.Y.Max = 0, math.Max(ymax*1.35, 1e-3) // headroom for the label
		addLegendLabel(p, label)
		line, err := plotter.NewLine(steps(b, c.Interval))
		if err == nil {
			line.StepStyle = plotter.PostStep
			line.LineStyle.Color = col
			line.LineStyle.Width = vg.Points(1.2)
			p.Add(line)
		}
		addLUs(p, lus)
		p.Add(plotter.NewGrid())
		plots[i] = []*gplot.Plot{p}
	}
	w, h := 9*vg.Inch, vg.Length(rows)*1.5*vg.Inch+0.6*vg.Inch
	return figure{w: w, h: h, draw: func(dc draw.Canvas) {
		t := draw.Tiles{Rows: rows, Cols: 1, PadX: vg.Millimeter, PadY: 2 * vg.Millimeter,
			PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 4 * vg.Millimeter}
		cs := gplot.Align(plots, t, dc)
		for i := range plots {
			plots[i][0].Draw(cs[i][0])
		}
	}}
}

// seqFigure plots sequence numbers against time, coloured by path.
func seqFigure(c *metrics.Capture, f *metrics.Flow, lus []float64, title string) figure {
	p := gplot.New()
	p.Title.Text = title + ": sequence numbers"
	p.X.Label.Text = "time since capture start (s)"
	if f.TCP != nil {
		p.Y.Label.Text = "relative TCP sequence number"
	} else {
		p.Y.Label.Text = "iperf2 sequence number"
	}
	end := c.Last.Sub(c.First).Seconds()
	p.X.Min, p.X.Max = 0, math.Max(end, c.Interval)
	// One scatter in time order, coloured per point, so that paths that
	// share a moment interleave instead of the last one hiding the rest.
	pts, paths := thin(f.Series, len(f.Paths), p.X.Max)
	ymin, ymax := math.Inf(1), math.Inf(-1)
	if s, err := plotter.NewScatter(pts); err == nil && len(pts) > 0 {
		s.GlyphStyleFunc = func(i int) draw.GlyphStyle { return glyph(paths[i]) }
		p.Add(s)
		for _, v := range pts {
			ymin, ymax = math.Min(ymin, v.Y), math.Max(ymax, v.Y)
		}
	}
	for i, path := range f.Paths {
		p.Legend.Add(pathLabel(path), legendGlyph(glyph(i)))
	}
	if ymin <= ymax {
		pad := math.Max((ymax-ymin)*0.05, 1)
		p.Y.Min, p.Y.Max = ymin-pad, ymax+pad
	}
	p.Legend.Top, p.Legend.Left = true, true
	addLUs(p, lus)
	p.Add(plotter.NewGrid())
	return figure{w: 9 * vg.Inch, h: 4.5 * vg.Inch, draw: func(dc draw.Canvas) { p.Draw(dc) }}
}

// thin keeps, per path and time column, the lowest and highest sequence
// number, which keeps the shape of the progression with few points. It
// returns the points in time order and the path of each.
func thin(series []metrics.Point, paths int, end float64) (plotter.XYs, []int) {
	type key struct{ path, col int }
	type cell struct{ lo, hi metrics.Point }
	cells := make(map[key]*cell)
	for _, pt := range series {
		if pt.Path >= paths {
			continue
		}
		k := key{pt.Path, int(pt.Offset / end * seriesColumns)}
		c := cells[k]
		if c == nil {
			cells[k] = &cell{pt, pt}
			continue
		}
		if pt.Seq < c.lo.Seq {
			c.lo = pt
		}
		if pt.Seq > c.hi.Seq {
			c.hi = pt
		}
	}
	kept := make([]metrics.Point, 0, 2*len(cells))
	for _, c := range cells {
		kept = append(kept, c.lo)
		if c.hi != c.lo {
			kept = append(kept, c.hi)
		}
	}
	slices.SortFunc(kept, func(a, b metrics.Point) int {
		return cmp.Or(cmp.Compare(a.Offset, b.Offset), cmp.Compare(a.Seq, b.Seq), cmp.Compare(a.Path, b.Path))
	})
	xy := make(plotter.XYs, len(kept))
	path := make([]int, len(kept))
	for i, pt := range kept {
		xy[i] = plotter.XY{X: pt.Offset, Y: float64(pt.Seq)}
		path[i] = pt.Path
	}
	return xy, path
}

func glyph(path int) draw.GlyphStyle {
	return draw.GlyphStyle{Color: palette[path%len(palette)], Radius: vg.Points(1.2), Shape: draw.CircleGlyph{}}
}

// legendGlyph draws a legend entry's glyph.
type legendGlyph draw.GlyphStyle

func (g legendGlyph) Thumbnail(c *draw.Canvas) {
	st := draw.GlyphStyle(g)
	st.Radius = vg.Points(3)
	c.DrawGlyph(st, c.Center())
}

// steps turns buckets into the corner points of a step line.
func steps(b []float64, interval float64) plotter.XYs {
	xy := make(plotter.XYs, 0, len(b)+1)
	for i, v := range b {
		xy = append(xy, plotter.XY{X: float64(i) * interval, Y: v / 1e6})
	}
	if n := len(b); n > 0 {
		xy = append(xy, plotter.XY{X: float64(n) * interval, Y: b[n-1] / 1e6})
	}
	return xy
}

// addLUs draws a dashed vertical line at each offset.
func addLUs(p *gplot.Plot, lus []float64) {
	for _, x := range lus {
		l, err := plotter.NewLine(plotter.XYs{{X: x, Y: p.Y.Min}, {X: x, Y: p.Y.Max}})
		if err != nil {
			continue
		}
		l.LineStyle.Color = luColor
		l.LineStyle.Width = vg.Points(0.8)
		l.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
	}
}

func addLegendLabel(p *gplot.Plot, label string) {
	p.Legend.Add(label)
	p.Legend.Top = true
	p.Legend.Left = false
}

// sessionLUs returns the offsets of the LU advertisements between the
// flow's two NIDs.
func sessionLUs(evs []metrics.LUEvent, f *metrics.Flow) []float64 {
	var out []float64
	for _, e := range evs {
		if e.Operation != ilnp.LUAdvertisement {
			continue
		}
		a, b := e.Src.NID, e.Dst.NID
		if (a == f.SrcNID && b == f.DstNID) || (a == f.DstNID && b == f.SrcNID) {
			out = append(out, e.Offset)
		}
	}
	return out
}

// selectFlows returns the flows to draw, largest first, then in capture
// order.
func selectFlows(flows []*metrics.Flow, o Options) []*metrics.Flow {
	var out []*metrics.Flow
	for _, f := range flows {
		if f.Packets >= o.MinPackets {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b *metrics.Flow) int { return cmp.Compare(b.Bytes, a.Bytes) })
	if o.MaxFlows > 0 && len(out) > o.MaxFlows {
		out = out[:o.MaxFlows]
	}
	return out
}

func pathLabel(p metrics.Path) string { return fmt.Sprintf("%v -> %v", p.Src, p.Dst) }

func captureName(file string, i int) string {
	base := filepath.Base(file)
	for _, ext := range []string{".gz", ".pcapng", ".pcap", ".cap"} {
		base = strings.TrimSuffix(base, ext)
	}
	if base == "" || base == "." {
		return fmt.Sprintf("capture%d", i+1)
	}
	return base
}

func maxOf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}
