package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ilnp-linux/ilnp/internal/cli"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/validate"
	"github.com/ilnp-linux/ilnp/tools/wire"
)

const validateLong = `ilnpcheck reads packet captures (pcap or pcapng, as tcpdump, dumpcap
and tshark write them, gzip-compressed or not) and checks that every ILNP
packet in them is well formed. An ILNP packet is an IPv6 packet whose
Destination Options header carries the Nonce option (type 139, RFC 6744),
or a fragment of a datagram whose first fragment carries it. Other
traffic is counted in the summary, not judged.

Link types: Ethernet (with 802.1Q tags), Linux cooked capture v1 and v2
(SLL, SLL2: tcpdump -i any), raw IP and raw IPv6.

CHECKS
  nonce-option       the Nonce option has data length 4 or 12, appears
                     once, and the header is padded with Pad1/PadN (zero
                     content, runs of at most 7 octets)
  nonce-placement    the header with the nonce is the last extension
                     header before the upper layer; in a fragmented
                     datagram it follows the fragment header (first
                     fragment only), or, as older senders put it, it
                     precedes the fragment header in every fragment and
                     then holds the nonce alone
  nonce-changed      one nonce per direction of a session; a session is
                     the pair of NIDs (the low 64 bits of the addresses),
                     a direction is (source NID, destination NID)
  checksum-tcp,      TCP and UDP checksums are valid under the checksum
  checksum-udp       rule of --checksum-rule (see CHECKSUM RULES). A
                     checksum valid only under the other rule is a
                     violation that names both; a UDP checksum of zero
                     is one too. A value that is the offload seed Linux
                     leaves with checksum offload (the folded
                     pseudo-header sum of the rule) is counted as "left
                     to offload", not verified; --strict-offload makes
                     it a violation. The other rule's seed is always a
                     violation: offload would complete it wrongly
  checksum-icmpv6    ICMPv6 checksums over the addresses on the wire,
                     under either rule
  malformed          headers of an ILNP packet decode, lengths agree;
                     the fragments of a datagram fit together (no
                     overlap, RFC 5722)
  lu-malformed       Locator Updates (ICMPv6 type 156): Code 0 or 1,
                     Operation 1 (advertisement) or 2 (ack), reserved
                     fields zero, Num of Locs 1 to 8 and matching the
                     length (16-octet records, or RFC 6743's 12-octet);
                     probes (Operation 3) and probe replies (4): Code 0,
                     a 64-bit challenge other than 0 at offset 8, 0 to 8
                     16-octet records from offset 16
  lu-without-nonce   every LU, probe and probe reply carries a nonce
  lu-unanswered,     every LU advertisement is answered by an LU-ack in
  lu-ack-mismatch,   the other direction listing the same locators; the
  lu-ack-unsolicited round-trip time is reported (from the last
                     transmission of the LU to its ack)
  probe-reply-mismatch,
  probe-reply-unsolicited
                     every probe reply answers a probe of the other
                     direction with its challenge, echoes that probe's
                     locators, and comes from the address the probe went
                     to. Probes and replies are counted apart from the
                     LUs; an unanswered probe is counted, not a violation

CHECKSUM RULES
  The pseudo-header of an ILNP host's TCP and UDP checksums follows one
  of two rules; --checksum-rule says which the capture is checked under.
  ICMPv6 checksums are over the addresses on the wire under both.
  ipv6   (the default) the addresses on the wire, locators included,
         exactly as for IPv6 (RFC 8200 section 8.1): ILNP's TCP and UDP
         checksums are IPv6's, so conntrack, firewalls and NICs verify
         them. The rule of draft-bhatti-ilnp-tcp-udp-checksums (which
         updates RFC 6740, 6741 and 6748), and the ILNP kernel's by
         default (sysctl net.ipv6.ilnp_nid_checksum=0)
  nid    the NIDs only: the upper 64 bits (the locator) of both
         addresses zero, so that a checksum does not change with the
         locators; the original rule of RFC 6740 and RFC 6741. The
         kernel's rule in a network namespace with
         net.ipv6.ilnp_nid_checksum=1

Fragmented datagrams are reassembled (at most 4096 at once, each for
at most 60 s of capture time) and the checksum of the whole datagram is
verified; the fragments after the first count with the session of their
first fragment, or as unattributed when it is not in the capture.
Frames cut by the snap length are counted and their checksums left
unverified. Each file is checked on its own; frame numbers count from 1
as in Wireshark, times are seconds since the file's first frame.

EXIT STATUS
  0  every ILNP packet in every file is well formed
  1  at least one violation
  2  a file could not be read to its end (missing, not a capture,
     truncated, unsupported link type), or the command line is wrong;
     the other files are still checked and reported`

const validateExample = `  ilnpcheck mn.pcap cn.pcapng
  ilnpcheck --checksum-rule nid rfc6740-host.pcap
  ilnpcheck --json capture.pcap | jq '.files[].violation_counts'
  ilnpcheck --packets --max-report 0 capture.pcap`

type validateFlags struct {
	json          bool
	packets       bool
	maxReport     int
	strictOffload bool
	checksumRule  wire.ChecksumRule
}

func newValidateCmd(stdout, stderr io.Writer) *cobra.Command {
	var fl validateFlags
	cmd := &cobra.Command{
		Use:     "ilnpcheck [flags] FILE...",
		Short:   "Validate ILNP packets in captures; compute and plot the paper's metrics",
		Long:    validateLong,
		Example: validateExample,
		Args:    cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cli.Exit(exitUnreadable, errors.New("no capture file given\nRun 'ilnpcheck --help' for usage"))
			}
			return runValidate(stdout, stderr, args, fl)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&fl.json, "json", false, "write the report as JSON on stdout")
	f.BoolVar(&fl.packets, "packets", false, "list every ILNP packet: addresses, nonce, checksum verdict, LU locators")
	f.IntVar(&fl.maxReport, "max-report", 20, "list at most `N` violations of each kind in the text report (0: all)")
	f.BoolVar(&fl.strictOffload, "strict-offload", false, "count TCP/UDP checksums left for offload as violations")
	f.Var(&fl.checksumRule, "checksum-rule", "check TCP/UDP checksums under `RULE`: ipv6 (wire addresses, draft-bhatti-ilnp-tcp-udp-checksums) or nid (NIDs only, RFC 6740)")
	return cmd
}

// validateOutput is the JSON document of the validator.
type validateOutput struct {
	Valid      bool               `json:"valid"`
	Violations int                `json:"violations"`
	Files      []*validate.Report `json:"files"`
}

func runValidate(stdout, stderr io.Writer, files []string, fl validateFlags) error {
	out := validateOutput{Valid: true}
	unreadable := 0
	for _, file := range files {
		m := meter(stderr, file)
		r, err := validate.CheckFile(file, validate.Options{Packets: fl.packets, StrictOffload: fl.strictOffload, ChecksumRule: fl.checksumRule}, m.Update)
		m.Done()
		if err != nil {
			unreadable++
			fmt.Fprintf(stderr, "ilnpcheck: %v\n", err)
		}
		out.Files = append(out.Files, r)
		out.Valid = out.Valid && r.Valid()
		out.Violations += len(r.Violations)
	}
	if fl.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return cli.Exitf(exitUnreadable, "write JSON: %w", err)
		}
	} else {
		for i, r := range out.Files {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			if err := r.WriteText(stdout, validate.TextOptions{MaxPerKind: fl.maxReport, Packets: fl.packets}); err != nil {
				return cli.Exitf(exitUnreadable, "write report: %w", err)
			}
		}
	}
	switch {
	case unreadable > 0:
		return cli.Exit(exitUnreadable, nil)
	case !out.Valid:
		return cli.Exit(exitViolations, nil)
	}
	return nil
}
