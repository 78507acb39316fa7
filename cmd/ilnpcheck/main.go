// Command ilnpcheck validates the ILNP packets in packet captures and
// computes the measurements of the paper's evaluation. See
// docs/ilnpcheck.md and `ilnpcheck --help`.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/ilnp-linux/ilnp/internal/cli"
	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/progress"
)

// Exit statuses.
const (
	exitValid      = 0 // every ILNP packet is well formed
	exitViolations = 1 // at least one violation
	exitUnreadable = 2 // unreadable input, or a usage error
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	var ee *cli.ExitError
	switch {
	case err == nil:
		return exitValid
	case errors.As(err, &ee):
		if msg := cli.Message(err); msg != "" {
			fmt.Fprintf(stderr, "ilnpcheck: %s\n", msg)
		}
		return ee.Code
	default: // cobra's own errors: bad flags, unknown commands
		fmt.Fprintf(stderr, "ilnpcheck: %v\nRun 'ilnpcheck --help' for usage.\n", err)
		return exitUnreadable
	}
}

// meter returns a progress meter on stderr when stderr is a terminal.
func meter(stderr io.Writer, file string) *progress.Meter {
	f, ok := stderr.(*os.File)
	if !ok {
		return nil
	}
	return progress.ForTerminal(f, file)
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := newValidateCmd(stdout, stderr)
	root.AddCommand(newMetricsCmd(stdout, stderr), newPlotCmd(stdout, stderr))
	root.CompletionOptions.DisableDefaultCmd = true
	root.SilenceUsage = true
	root.SilenceErrors = true
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return cli.Exitf(exitUnreadable, "%w\nRun '%s --help' for usage", err, c.CommandPath())
	})
	return root
}
