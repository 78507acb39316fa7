// Command ilnpctl shows and configures the ILNP state of the Linux
// kernel (the ILNP Communication Cache of a network namespace) over the
// "ilnp" generic netlink family. See docs/ilnpctl.md and
// `ilnpctl --help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ilnp-linux/ilnp/internal/cli"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // the command line is wrong
)

// usagef reports a mistake on the command line.
func usagef(format string, args ...any) error { return cli.Exitf(exitUsage, format, args...) }

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, system{dial: dialKernel, links: linkNames}))
}

// run executes the command line and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, sys system) int {
	a := &app{stdout: stdout, stderr: stderr, sys: sys}
	root := a.rootCmd()
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	// cobra's own errors (unknown commands, flags, argument counts) are
	// usage errors.
	code := cli.Status(err, exitUsage)
	fmt.Fprintf(stderr, "ilnpctl: %v\n", err)
	if code == exitUsage {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return code
}

// app holds one invocation's options and outputs.
type app struct {
	stdout, stderr io.Writer
	sys            system

	json   bool
	pretty bool
	netns  string
}

// action adapts a command's function to cobra: errors it returns are
// failures (exit status 1) unless they carry a status (usagef).
func action(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := fn(cmd, args)
		var ee *cli.ExitError
		if err != nil && !errors.As(err, &ee) {
			err = cli.Exit(exitError, err)
		}
		return err
	}
}

// group returns a command that only holds subcommands; run without one,
// or with an unknown one, it is a usage error.
func group(use, short, long string, children ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{
		Use:   use + " COMMAND",
		Short: short,
		Long:  long,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var names []string
			for _, c := range cmd.Commands() {
				if c.IsAvailableCommand() {
					names = append(names, c.Name())
				}
			}
			if len(args) == 0 {
				return usagef("%s: missing command: one of %s", cmdName(cmd), strings.Join(names, ", "))
			}
			return usagef("%s: unknown command %q: one of %s", cmdName(cmd), args[0], strings.Join(names, ", "))
		},
	}
	c.AddCommand(children...)
	return c
}

// cmdName is a command's path without the program's name, for
// messages: "peer add".
func cmdName(cmd *cobra.Command) string {
	if !cmd.HasParent() {
		return cmd.Name()
	}
	return strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
}

// nargs checks that a command has between lo and hi (-1: any number of)
// arguments; the errors name the missing argument as Use does.
func nargs(lo, hi int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < lo:
			_, want, _ := strings.Cut(cmd.Use, " ")
			return usagef("%s: missing %s", cmdName(cmd), want)
		case hi >= 0 && len(args) > hi:
			return usagef("%s: unexpected argument %q", cmdName(cmd), args[hi])
		}
		return nil
	}
}

const rootLong = `ilnpctl shows and configures ILNP, the Identifier-Locator Network Protocol
(RFC 6740-6744), in the Linux kernel: the ILNP Communication Cache (ILCC) of
a network namespace, with the local Node Identifier (NID), the local
Locators (L64s) and one entry per correspondent peer. It talks to the
kernel over the "ilnp" generic netlink family (CONFIG_IPV6_ILNP); hosts speak
ILNP when the sysctl net.ipv6.handoff_mode is 1.

ADDRESSES
  An IL-V (Identifier-Locator Vector) is written as an IPv6 address: the L64
  in the upper 64 bits, the NID in the lower 64 bits, e.g.
  2001:2:dd:dd:d250:99ff:fed1:5a0c or 2001:2:dd:dd::c. The paper's hosts-file
  syntax n-n-n-n.l+l+l+l is accepted too: d250-99ff-fed1-5a0c.2001+2+dd+dd
  is NID d250:99ff:fed1:5a0c at L64 2001:2:dd:dd; so is the locator-first
  order l+l+l+l.n-n-n-n of the St Andrews glibc and FreeBSD parsers.
  A NAME (peer add, resolve) is a domain name with a dot, cn.example.,
  looked up in the DNS for its RFC 6742 NID, L64 and LP records.
  A NID alone is four hexadecimal groups (d250:99ff:fed1:5a0c, or
  d250-99ff-fed1-5a0c), or an IPv6 address whose upper 64 bits are zero
  (::c).

OUTPUT
  Tables are aligned in columns like ip(8). With -j the output is JSON, as
  with ip -j: an array or an object with stable lower-case keys; -p indents
  it. NIDs and L64s are strings of four hexadecimal groups, lifetimes are
  seconds (4294967295 is forever), counters are numbers.

PRIVILEGES
  Reading needs no privilege. Commands that change the ILCC (peer add, peer
  del, peer refresh, nid set, config set, hosts load) need CAP_NET_ADMIN in
  the network namespace; dns publish needs its TSIG key.
  The kernel reports the peers' nonces only to CAP_NET_ADMIN callers. -n
  needs CAP_SYS_ADMIN to enter the namespace.

EXIT STATUS
  0 on success, 1 when a command fails (the kernel refused, a file cannot
  be read or parsed), 2 for a usage error (unknown command or flag, wrong
  number of arguments, an address that does not parse).

See also docs/ilnpctl.md, ip(8), ip-netns(8).`

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "ilnpctl",
		Short: "show and configure ILNP (RFC 6740) in the Linux kernel",
		Long:  rootLong,
		Example: `  ilnpctl show ilcc
  ilnpctl -j -p show locators
  ilnpctl show paths
  ilnpctl config set nonce-len 12
  ilnpctl peer add 2001:2:dd:dd::c
  ilnpctl -n mn peer add d250-99ff-fed1-5a0c.2001+2+aa+aa d250-99ff-fed1-5a0c.2001+2+bb+bb
  ilnpctl hosts load /etc/ilnp-hosts
  ilnpctl peer add cn.example.
  ilnpctl dns publish --zone example. --name cn.example. --key cn.key
  ilnpctl monitor -t`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("missing command")
			}
			return usagef("unknown command %q", args[0])
		},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usagef("%s: %v", cmdName(c), err)
	})
	pf := root.PersistentFlags()
	pf.BoolVarP(&a.json, "json", "j", false, "print JSON, like ip -j")
	pf.BoolVarP(&a.pretty, "pretty", "p", false, "indent the JSON output (with -j)")
	pf.StringVarP(&a.netns, "netns", "n", "", "work in the network namespace `NETNS` (/run/netns/NETNS, or a path such as /proc/PID/ns/net)")

	root.AddCommand(
		group("show", "show the ILCC, the local locators or the peers' paths",
			"Show the ILNP Communication Cache, the local locators or the path ends of the peers' sessions.",
			a.showILCCCmd(), a.showLocatorsCmd(), a.showPathsCmd()),
		group("peer", "register or remove correspondent peers",
			"Register correspondent peers in the ILCC, or remove them.",
			a.peerAddCmd(), a.peerDelCmd(), a.peerRefreshCmd()),
		a.resolveCmd(),
		group("dns", "keep this host's records in the DNS current",
			"Keep this host's ILNP records (RFC 6742) in the DNS current by dynamic update.",
			a.dnsPublishCmd()),
		group("nid", "show or set the local Node Identifier",
			"Show or set the namespace's local Node Identifier.",
			a.nidShowCmd(), a.nidSetCmd()),
		group("config", "show or set the nonce length and the peer limit",
			"Show or set the namespace's ILNP settings: the length of the nonces it sends and the entries its ILCC keeps at most.",
			a.configShowCmd(), a.configSetCmd()),
		a.statsCmd(),
		a.monitorCmd(),
		group("hosts", "register the peers of a hosts file",
			"Register the peers listed in a hosts file in the paper's IL-V syntax.",
			a.hostsLoadCmd()),
	)
	return root
}

// output writes v as JSON with -j, else calls human.
func (a *app) output(v any, human func(io.Writer) error) error {
	if a.json {
		return writeJSON(a.stdout, v, a.pretty)
	}
	return human(a.stdout)
}

// query is the shape of the commands that read from the kernel and
// print: open the session (in -n's namespace), get what to show, close,
// and print it as JSON (the view) with -j, else as text.
func query[T any](a *app, get func(*session) (T, error), view func(T) any, text func(io.Writer, T) error) func(*cobra.Command, []string) error {
	return action(func(*cobra.Command, []string) error {
		var v T
		err := a.withSession(func(s *session) error {
			var err error
			v, err = get(s)
			return err
		})
		if err != nil {
			return err
		}
		return a.output(view(v), func(w io.Writer) error { return text(w, v) })
	})
}
