package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/ilnp-linux/ilnp/internal/cli"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/decode"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/metrics"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/plot"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/progress"
)

const metricsLong = `ilnpcheck metrics computes the measurements of the paper's evaluation
(Yanagida & Bhatti 2024, section 5.4) from captures taken at the hosts,
typically one at the mobile node and one at the correspondent node.

A flow is one direction of a TCP or UDP conversation identified by NIDs
and ports (protocol, source NID, source port, destination NID,
destination port), so it stays one flow whatever locators it travels on.
Its packets are also counted per path: the pair of wire locators
(source L64, destination L64). The fragments of a fragmented datagram
count with the flow of their first fragment (which holds the ports):
every fragment's octets towards the flow and its path, the datagram once
towards the UDP and TCP figures.

For each capture, flow and path:
  throughput   sum of IPv6 payload lengths (the Payload Length field)
               divided by the time from the first to the last packet,
               overall and in buckets of --interval (bucket i covers
               [capture start + i*interval, capture start + (i+1)*interval))
  share        a path's fraction of the flow's octets
For UDP, from iperf2's sequence number (the first 4 octets of the
payload, a big-endian signed 32-bit integer; the negative numbers of
iperf2's final datagrams are counted apart and take no part):
  misordering  new numbers below the previous new number / datagrams
  duplicate    datagrams whose number was seen before / datagrams
  gap loss     holes in [lowest, highest] / (highest - lowest + 1)
  loss         with more than one capture of a flow: numbers the sender's
               capture has and the receiver's lacks / numbers the
               sender's capture has. The sender's capture is the one with
               the highest mean hop limit for the flow
For TCP, from sequence and acknowledgement numbers (32-bit wrap handled):
  misordering  new data segments below the previous new one / data
               segments
  duplicate    data segments wholly seen before / data segments
  ack-misorder acknowledgement number below the previous / ACK segments
  dup-ack      RFC 5681 duplicate ACKs / ACK segments
The Locator Updates of each capture are listed on its timeline.
docs/ilnpcheck.md defines every figure exactly.

EXIT STATUS
  0  all files measured
  2  a file could not be read to its end (its figures cover what was
     read), or the command line is wrong`

type metricsFlags struct {
	json     bool
	interval time.Duration
}

func newMetricsCmd(stdout, stderr io.Writer) *cobra.Command {
	var fl metricsFlags
	cmd := &cobra.Command{
		Use:   "metrics [flags] FILE...",
		Short: "Compute throughput, loss, misordering and duplicates per flow and path",
		Long:  metricsLong,
		Example: `  ilnpcheck metrics mn.pcap cn.pcap
  ilnpcheck metrics --json --interval 500ms cn.pcapng`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if fl.interval <= 0 {
				return cli.Exit(exitUnreadable, errors.New("--interval must be positive"))
			}
			res, err := analyze(stderr, args, metrics.Options{Interval: fl.interval})
			if fl.json {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				if werr := enc.Encode(res); werr != nil {
					return cli.Exitf(exitUnreadable, "write JSON: %w", werr)
				}
			} else if werr := res.WriteText(stdout); werr != nil {
				return cli.Exitf(exitUnreadable, "write table: %w", werr)
			}
			if err != nil {
				return cli.Exit(exitUnreadable, err)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&fl.json, "json", false, "write the measurements as JSON on stdout")
	cmd.Flags().DurationVar(&fl.interval, "interval", time.Second, "throughput bucket `width`")
	return cmd
}

// analyze runs metrics.Analyze with a progress meter per file.
func analyze(stderr io.Writer, files []string, opts metrics.Options) (*metrics.Result, error) {
	var cur *progress.Meter
	res, err := metrics.Analyze(files, opts, func(file string) decode.Progress {
		cur.Done() // the previous file's
		cur = meter(stderr, file)
		return cur.Update
	})
	cur.Done()
	return res, err
}

const plotLong = `ilnpcheck plot draws, for the largest flows of each capture, the figures
of the paper's Figures 11-14:

  PREFIX<capture>-flow<N>-<proto>-throughput.{png,svg}
      throughput over time in buckets of --interval, one facet per path
      (wire locator pair) from top to bottom in order of first use, and
      the aggregate at the bottom
  PREFIX<capture>-flow<N>-<proto>-seq.{png,svg}
      the sequence number progression (TCP: relative sequence number of
      data segments; UDP: iperf2 sequence number), coloured by path

Locator Update advertisements between the flow's two NIDs are drawn as
dashed vertical lines. Flows are numbered by size within their capture.

EXIT STATUS
  0  figures written
  2  a file could not be read or a figure not written, or the command
     line is wrong`

type plotFlags struct {
	dir        string
	prefix     string
	flows      int
	minPackets int
	interval   time.Duration
}

func newPlotCmd(stdout, stderr io.Writer) *cobra.Command {
	var fl plotFlags
	cmd := &cobra.Command{
		Use:   "plot [flags] FILE...",
		Short: "Draw per-path throughput and sequence number figures (PNG and SVG)",
		Long:  plotLong,
		Example: `  ilnpcheck plot -o build/plots --prefix udp-0ms- mn.pcap cn.pcap
  ilnpcheck plot --flows 0 --min-packets 1000 cn.pcapng`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if fl.interval <= 0 {
				return cli.Exit(exitUnreadable, errors.New("--interval must be positive"))
			}
			res, err := analyze(stderr, args, metrics.Options{Interval: fl.interval, Series: true})
			files, perr := plot.Write(res, plot.Options{Dir: fl.dir, Prefix: fl.prefix, MaxFlows: fl.flows, MinPackets: fl.minPackets})
			for _, f := range files {
				fmt.Fprintln(stdout, f)
			}
			if err = errors.Join(err, perr); err != nil {
				return cli.Exit(exitUnreadable, err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&fl.dir, "output", "o", ".", "write the figures into `DIR` (created if missing)")
	f.StringVar(&fl.prefix, "prefix", "", "prepend `TEXT` to every file name")
	f.IntVar(&fl.flows, "flows", 4, "draw the `N` largest flows of each capture (0: all)")
	f.IntVar(&fl.minPackets, "min-packets", 10, "skip flows with fewer than `N` packets")
	f.DurationVar(&fl.interval, "interval", time.Second, "throughput bucket `width`")
	return cmd
}
