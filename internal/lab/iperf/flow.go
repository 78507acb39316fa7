package iperf

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
)

// Port is iperf2's port, the one a Flow uses unless it says otherwise.
const Port = 5001

// A Flow is one iperf2 test between two hosts, reported a second at a
// time by its receiver.
type Flow struct {
	Client, Server *testbed.Host
	Dst            netip.Addr // the server's address
	// Bind is the client's source address (-B); invalid means the
	// kernel's choice.
	Bind     netip.Addr
	Duration time.Duration // -t
	// Reverse makes the server send and the client receive (-R), over a
	// connection the client opens.
	Reverse bool
	// UDPRate, if not 0, makes the flow UDP at that rate in bit/s (-b),
	// of Length-octet datagrams (-l, iperf2's default if 0).
	UDPRate uint64
	Length  int
	// Wrap is put before iperf2's command on both hosts, e.g.
	// mptcp.Wrap's mptcpize run.
	Wrap []string
	Port int // 0 means Port
}

// hangAfter is how long a client may outlive its Duration before it is
// killed, and how long a server has for its final report: bounds of a
// hang, not expectations.
const hangAfter = 30 * time.Second

// A Run is a flow under way.
type Run struct {
	flow   Flow
	server *testbed.Proc
	client *testbed.Proc
}

func (f Flow) port() int {
	if f.Port == 0 {
		return Port
	}
	return f.Port
}

func (f Flow) proto() string {
	if f.UDPRate > 0 {
		return "udp"
	}
	return "tcp"
}

// command is the wrapped iperf2 command line, its output line-buffered
// (stdbuf) so that the interval reports are read as they come.
func (f Flow) command(args ...string) []string {
	cmd := append([]string(nil), f.Wrap...)
	cmd = append(cmd, "stdbuf", "-oL", "iperf", "-V", "-y", "C", "-i", "1", "-p", strconv.Itoa(f.port()))
	return append(cmd, args...)
}

func (f Flow) serverArgs() []string {
	args := []string{"-s"}
	if f.UDPRate > 0 {
		// A receive buffer large enough that a busy guest does not
		// drop datagrams the network delivered.
		args = append(args, "-u", "-w", "4M")
	}
	return f.command(args...)
}

func (f Flow) clientArgs() []string {
	args := []string{"-c", f.Dst.String(), "-t", strconv.FormatFloat(f.Duration.Seconds(), 'f', -1, 64)}
	if f.Bind.IsValid() {
		args = append(args, "-B", f.Bind.String())
	}
	if f.Reverse {
		args = append(args, "-R")
	}
	if f.UDPRate > 0 {
		args = append(args, "-u", "-b", strconv.FormatUint(f.UDPRate, 10))
		if f.Length > 0 {
			args = append(args, "-l", strconv.Itoa(f.Length))
		}
	}
	return f.command(args...)
}

// Start starts the server, waits until it listens, and starts the
// client.
func Start(ctx context.Context, f Flow) (*Run, error) {
	if f.Duration <= 0 {
		return nil, errors.New("iperf: a flow needs a duration")
	}
	r := &Run{flow: f}
	args := f.serverArgs()
	srv, err := f.Server.Start(args[0], args[1:]...)
	if err != nil {
		return nil, fmt.Errorf("iperf: %w", err)
	}
	r.server = srv
	if err := f.Server.WaitListening(ctx, f.proto(), f.port(), 10*time.Second); err != nil {
		srv.Kill()
		return nil, fmt.Errorf("iperf: %w\n%s", err, srv.Output())
	}
	args = f.clientArgs()
	if r.client, err = f.Client.Start(args[0], args[1:]...); err != nil {
		srv.Kill()
		return nil, fmt.Errorf("iperf: %w", err)
	}
	return r, nil
}

// receiver is the end that reports what arrived.
func (r *Run) receiver() *testbed.Proc {
	if r.flow.Reverse {
		return r.client
	}
	return r.server
}

// Origin waits until the receiver has reported the flow's first interval
// and returns when, by this host's clock, the flow began on the
// receiver's: the time against which the receiver's intervals are
// measured, to within the delay of reading its report.
func (r *Run) Origin(timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		rep, err := Parse(r.receiver().Output())
		if err == nil && len(rep.Intervals) > 0 {
			return time.Now().Add(-rep.Intervals[0].End), nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("iperf: no interval report within %s; receiver:\n%s\nsender:\n%s",
				timeout, r.receiver().Output(), r.sender().Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *Run) sender() *testbed.Proc {
	if r.flow.Reverse {
		return r.server
	}
	return r.client
}

// Result is what a flow left.
type Result struct {
	Report
	// ClientErr is how the client ended if it failed or was killed
	// after hanging; the report still says what arrived.
	ClientErr error
	// Receiver and Sender are the two ends' output.
	Receiver, Sender string
}

// Wait waits for the client to end (killing it if it hangs), then for
// the server's final report if the server received, stops the server
// and reads the receiver's report. It fails only if there is none.
func (r *Run) Wait() (Result, error) {
	var res Result
	res.ClientErr = r.client.Wait(r.flow.Duration + hangAfter)
	if !r.flow.Reverse {
		deadline := time.Now().Add(hangAfter)
		for time.Now().Before(deadline) {
			if rep, err := Parse(r.server.Output()); err == nil && rep.Final != nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	_ = r.server.Interrupt(5 * time.Second) // the report is what counts
	res.Receiver, res.Sender = r.receiver().Output(), r.sender().Output()
	rep, err := Parse(res.Receiver)
	if err != nil {
		return res, fmt.Errorf("iperf %s -> %s: %w; client: %v; sender:\n%s", r.sender(), r.flow.Dst, err, res.ClientErr, res.Sender)
	}
	res.Report = rep
	return res, nil
}

// Kill ends both ends if they still run, for a test that gives up.
func (r *Run) Kill() {
	r.client.Kill()
	r.server.Kill()
}

// Do runs the flow to its end: Start, then Wait.
func Do(ctx context.Context, f Flow) (Result, error) {
	r, err := Start(ctx, f)
	if err != nil {
		return Result{}, err
	}
	return r.Wait()
}
