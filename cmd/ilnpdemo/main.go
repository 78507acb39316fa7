// Command ilnpdemo runs the paper's mobility-multihoming experiment on the
// testbed and reports it: `make demo` runs `ilnpdemo run` in a guest
// booted from the project's kernel, then `ilnpdemo report` on the host.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ilnp-linux/ilnp/internal/cli"
	"github.com/ilnp-linux/ilnp/internal/lab/scenario"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/metrics"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/plot"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCmd().ExecuteContext(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "ilnpdemo: %v\n", err)
		os.Exit(cli.Status(err, 1))
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "ilnpdemo",
		Short: "Run and report the paper's mobility-multihoming experiment",
		Long: `ilnpdemo runs the experiment of Yanagida and Bhatti's "Mobility-Multihoming
Duality" (section 5) on the project's testbed: MN starts on network aa,
gains bb, then cc, loses aa, then bb, and so on until every network has
been gained and lost twice, while iperf2 flows run in both directions
between MN and CN. Losing a network is a soft handover: the interface is
listed in net.ipv6.disabled_interface and taken down once CN has
acknowledged the Locator Update.

"ilnpdemo run" needs a kernel with the ILNP patches and root (it builds
network namespaces); "ilnpdemo report" reads what it left. make demo
does both.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newRunCmd(), newReportCmd())
	return root
}

// summary is what `run` leaves for `report` in DIR/PROTO/summary.json.
type summary struct {
	Proto       string          `json:"proto"`
	Rate        string          `json:"rate"`
	DelayMS     int64           `json:"delay_ms"`
	ProcedureS  float64         `json:"procedure_s"`
	Steps       []string        `json:"steps"`
	Up          scenario.Report `json:"up"`
	Down        scenario.Report `json:"down"`
	MNStats     ilnpnl.Stats    `json:"mn_stats"` // MN's counters at the end
	MNCapture   string          `json:"mn_capture"`
	CNCapture   string          `json:"cn_capture"`
	MNDropped   int             `json:"mn_capture_dropped"`
	CNDropped   int             `json:"cn_capture_dropped"`
	MNAddr      string          `json:"mn_addr"`
	FinishedUTC time.Time       `json:"finished"`
}

func newRunCmd() *cobra.Command {
	var (
		out    string
		delay  time.Duration
		protos []string
		rate   string
		dwell  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the experiment (as root, on an ILNP kernel)",
		Example: `  ilnpdemo run --out build/demo
  ilnpdemo run --out build/demo --delay 20ms --proto udp`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, p := range protos {
				if err := runOne(cmd.Context(), out, p, rate, delay, dwell); err != nil {
					return fmt.Errorf("%s: %w", p, err)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "out", "o", "build/demo", "directory for the captures and summaries")
	f.DurationVar(&delay, "delay", 0, "round-trip delay added at CN (the paper: 0, 20ms, 200ms)")
	f.StringSliceVar(&protos, "proto", []string{"udp", "tcp"}, "iperf2 protocols, one run each")
	f.StringVar(&rate, "rate", "10M", "iperf2 rate of each direction")
	f.DurationVar(&dwell, "dwell", 3*time.Second, "time on each set of networks before the next step")
	return cmd
}

func runOne(ctx context.Context, out, proto, rate string, delay, dwell time.Duration) error {
	dir, err := filepath.Abs(filepath.Join(out, proto))
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	began := time.Now()
	progress := func(format string, args ...any) {
		fmt.Printf("demo [%s] %5.1f s  %s\n", proto, time.Since(began).Seconds(), fmt.Sprintf(format, args...))
	}
	res, err := scenario.Run(ctx, scenario.Config{
		Dir: dir, Delay: delay, Proto: proto, Rate: rate, Length: 1400,
		Steps: testbed.DualitySteps, Dwell: dwell, Lead: dwell, Progress: progress,
	})
	if err != nil {
		return err
	}
	var steps []string
	for _, s := range testbed.DualitySteps {
		steps = append(steps, s.String())
	}
	sum := summary{
		Proto: proto, Rate: rate, DelayMS: delay.Milliseconds(), ProcedureS: res.Procedure.Seconds(),
		Steps: steps, Up: res.Up, Down: res.Down,
		MNStats:   res.MNStats,
		MNCapture: res.MNCapture, CNCapture: res.CNCapture, MNAddr: res.MNAddr.String(),
		MNDropped: res.MNDropped, CNDropped: res.CNDropped,
		FinishedUTC: time.Now().UTC(),
	}
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	progress("done: %d LUs sent, %d acked; captures in %s", sum.MNStats[ilnpnl.StatLUSent], sum.MNStats[ilnpnl.StatLUAcked], dir)
	return os.WriteFile(filepath.Join(dir, "summary.json"), append(b, '\n'), 0o644)
}

func newReportCmd() *cobra.Command {
	var out, ilnpcheck string
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Print the metrics next to the paper's and write the plots",
		Long: `report reads the summaries and captures of "ilnpdemo run" under --out,
computes the paper's metrics (section 5.4) as "ilnpcheck metrics" does,
prints them next to the figures the paper reports, and writes the plots
of "ilnpcheck plot --flows 2" (PNG and SVG) under --out/PROTO/plots.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return report(cmd.OutOrStdout(), out)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "out", "o", "build/demo", "directory that ilnpdemo run wrote")
	// The metrics and plots are ilnpcheck's packages, not its binary; the
	// flag stays for the command lines that still pass it.
	f.StringVar(&ilnpcheck, "ilnpcheck", "", "ignored (ilnpdemo computes the metrics itself)")
	_ = f.MarkHidden("ilnpcheck")
	return cmd
}

// report prints the table of the runs under out to stdout and writes
// their plots.
func report(stdout io.Writer, out string) error {
	sums, err := filepath.Glob(filepath.Join(out, "*", "summary.json"))
	if err != nil {
		return err
	}
	if len(sums) == 0 {
		return fmt.Errorf("no summary.json under %s: run \"ilnpdemo run\" first", out)
	}
	sort.Strings(sums)
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	head := []string{"run", "direction", "Mbit/s", "vs target"}
	for _, an := range testbed.AccessNets {
		head = append(head, an.Name)
	}
	fmt.Fprintln(w, strings.Join(append(head, "loss", "misordered", "duplicates", "paper (0/20/200 ms)"), "\t"))
	var plots, notes []string
	for _, path := range sums {
		var s summary
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		// One pass over the captures serves the table and the plots
		// (Series keeps what the sequence plots draw).
		m, err := metrics.Analyze([]string{s.MNCapture, s.CNCapture}, metrics.Options{Interval: time.Second, Series: true}, nil)
		if err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		rows, err := s.rows(m)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for _, r := range rows {
			fmt.Fprintln(w, strings.Join(r, "\t"))
		}
		files, err := plot.Write(m, plot.Options{Dir: filepath.Join(filepath.Dir(path), "plots"), MaxFlows: 2, MinPackets: 10})
		if err != nil {
			return err
		}
		for _, f := range files {
			if strings.HasSuffix(f, ".png") {
				plots = append(plots, f)
			}
		}
		notes = append(notes, fmt.Sprintf("%s %d ms: procedure of %d steps in %.0f s; MN sent %d Locator Updates, %d acknowledged, %d retransmitted",
			s.Proto, s.DelayMS, len(s.Steps), s.ProcedureS, s.MNStats[ilnpnl.StatLUSent], s.MNStats[ilnpnl.StatLUAcked], s.MNStats[ilnpnl.StatLURetransmitted]))
		if s.MNDropped+s.CNDropped > 0 {
			notes = append(notes, fmt.Sprintf("%s %d ms: the captures missed %d packets at MN and %d at CN (tcpdump fell behind); the shares and ratios cover what they kept",
				s.Proto, s.DelayMS, s.MNDropped, s.CNDropped))
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\nThroughput and loss are iperf2's (at the receiver); shares, misordering and")
	fmt.Fprintln(stdout, "duplicates come from the receiver's capture (ilnpcheck metrics).")
	for _, n := range notes {
		fmt.Fprintln(stdout, n)
	}
	fmt.Fprintf(stdout, "\n%d plots (PNG, with SVG beside them):\n", len(plots))
	for _, p := range plots {
		fmt.Fprintln(stdout, "  "+p)
	}
	return nil
}

// rows are the table's lines of one run: each direction measured at its
// receiver (MN->CN at CN, capture 1; CN->MN at MN, capture 0).
func (s summary) rows(m *metrics.Result) ([][]string, error) {
	if len(m.Captures) != 2 {
		return nil, errors.New("metrics: a capture is missing from the report")
	}
	cnNID := ilnp.ILVFrom16(testbed.CNAddr.As16()).NID
	paper := map[string]string{
		"udp": "loss, misordering < 1%; throughput within 0.4% of 10 Mbit/s",
		"tcp": "misordering, duplicates negligible",
	}[s.Proto]
	var rows [][]string
	for _, d := range []struct {
		name    string
		capture int
		toCN    bool
		rep     scenario.Report
	}{{"MN->CN", 1, true, s.Up}, {"CN->MN", 0, false, s.Down}} {
		var best int = -1
		flows := m.Captures[d.capture].Flows
		for i, f := range flows {
			if f.Proto == s.Proto && (f.DstNID == cnNID) == d.toCN && (f.SrcNID == cnNID) != d.toCN &&
				(best < 0 || f.Bytes > flows[best].Bytes) {
				best = i
			}
		}
		if best < 0 {
			return nil, fmt.Errorf("no %s flow %s in the captures", s.Proto, d.name)
		}
		f := flows[best]
		shares := map[ilnp.L64]int64{}
		for _, p := range f.Paths {
			l := p.Dst
			if d.toCN {
				l = p.Src
			}
			shares[l] += p.Bytes
		}
		var loss, mis, dup string
		switch {
		case f.UDP != nil:
			loss = fmt.Sprintf("%.3f%% (%d/%d)", 100*float64(d.rep.Lost)/float64(max(d.rep.Total, 1)), d.rep.Lost, d.rep.Total)
			mis = fmt.Sprintf("%.3f%%", 100*f.UDP.MisorderingRatio)
			dup = fmt.Sprintf("%.3f%%", 100*f.UDP.DuplicateRatio)
		case f.TCP != nil:
			loss = "-"
			mis = fmt.Sprintf("%.3f%%", 100*f.TCP.SeqMisorderingRatio)
			dup = fmt.Sprintf("%.3f%%", 100*f.TCP.DuplicateRatio)
		}
		mbps := 0.0
		if d.rep.Duration > 0 {
			mbps = float64(d.rep.Bytes) * 8 / d.rep.Duration.Seconds() / 1e6
		}
		vs := "-"
		// iperf2's M is 2^20 bit/s.
		if target, err := strconv.ParseFloat(strings.TrimSuffix(s.Rate, "M"), 64); err == nil && target > 0 {
			vs = fmt.Sprintf("%+.1f%%", 100*(mbps/(target*1.048576)-1))
		}
		row := []string{fmt.Sprintf("%s %d ms", s.Proto, s.DelayMS), d.name, fmt.Sprintf("%.2f", mbps), vs}
		for _, an := range testbed.AccessNets {
			l := ilnp.ILVFrom16(an.Prefix.Addr().As16()).L64
			row = append(row, fmt.Sprintf("%.1f%%", 100*float64(shares[l])/float64(f.Bytes)))
		}
		rows = append(rows, append(row, loss, mis, dup, paper))
	}
	return rows, nil
}
