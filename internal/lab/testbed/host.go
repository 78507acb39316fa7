// Package testbed builds the paper's testbed (Yanagida & Bhatti 2024,
// section 5) out of network namespaces in one machine: a mobile node MN with
// three interfaces to routers R1, R2 and R3, the routers joined to R4, and
// a correspondent node CN behind R4. The routers run radvd with the paper's
// Table 6 timers and MN uses the Table 3 sysctls.
//
// It runs in the selftest guest (as root, in a kernel of its own), never on
// a development host: New changes the machine's network namespaces.
package testbed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// A Host is one network namespace standing for a node of the testbed.
type Host struct {
	Name string
	ns   *os.File        // /run/netns/Name, keeps the namespace open
	rtnl *rtnetlink.Conn // route netlink socket inside the namespace
}

// NewHost creates the named network namespace, the way `ip netns add`
// does, so that `ip netns exec` and `ip -n` reach it too.
func NewHost(name string) (*Host, error) {
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ip netns add %s: %v: %s", name, err, bytes.TrimSpace(out))
	}
	h, err := OpenHost(name)
	if err != nil {
		_ = exec.Command("ip", "netns", "del", name).Run()
		return nil, err
	}
	if err := h.SetLinkUp("lo"); err != nil {
		h.Close()
		return nil, err
	}
	return h, nil
}

// OpenHost opens an existing named network namespace.
func OpenHost(name string) (*Host, error) {
	ns, err := os.Open(filepath.Join("/run/netns", name))
	if err != nil {
		return nil, fmt.Errorf("host %s: %w", name, err)
	}
	conn, err := rtnetlink.Dial(&netlink.Config{NetNS: int(ns.Fd())})
	if err != nil {
		ns.Close()
		return nil, fmt.Errorf("host %s: rtnetlink: %w", name, err)
	}
	return &Host{Name: name, ns: ns, rtnl: conn}, nil
}

// Close releases the handles; the namespace itself goes with Delete.
func (h *Host) Close() error {
	return errors.Join(h.rtnl.Close(), h.ns.Close())
}

// Delete closes the host and removes its namespace.
func (h *Host) Delete() error {
	err := h.Close()
	if out, e := exec.Command("ip", "netns", "del", h.Name).CombinedOutput(); e != nil {
		err = errors.Join(err, fmt.Errorf("ip netns del %s: %v: %s", h.Name, e, bytes.TrimSpace(out)))
	}
	return err
}

// RTNL is the host's route netlink connection.
func (h *Host) RTNL() *rtnetlink.Conn { return h.rtnl }

// NSFd is the namespace's file descriptor, e.g. for netlink.Config.NetNS.
func (h *Host) NSFd() int { return int(h.ns.Fd()) }

// Do runs f on an OS thread that has entered the host's namespace, for
// work that depends on the caller's namespace (/proc/sys/net, sockets).
func (h *Host) Do(f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			errc <- fmt.Errorf("host %s: %w", h.Name, err)
			return
		}
		defer orig.Close()
		if err := unix.Setns(h.NSFd(), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("host %s: setns: %w", h.Name, err)
			return
		}
		ferr := f()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// The thread is stuck in the namespace: leave it locked so
			// that the runtime ends it with this goroutine.
			errc <- errors.Join(ferr, fmt.Errorf("host %s: setns back: %w", h.Name, err))
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// SysctlPath is the /proc/sys file of a dotted sysctl name.
func SysctlPath(key string) string {
	return filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
}

// WriteSysctl writes value to the sysctl key inside the host's namespace
// and returns the kernel's error as is (e.g. EINVAL), wrapped with the key.
func (h *Host) WriteSysctl(key, value string) error {
	return h.Do(func() error {
		f, err := os.OpenFile(SysctlPath(key), os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("host %s: sysctl %s: %w", h.Name, key, err)
		}
		_, werr := f.Write([]byte(value))
		cerr := f.Close()
		if err := errors.Join(werr, cerr); err != nil {
			return fmt.Errorf("host %s: sysctl %s=%q: %w", h.Name, key, value, err)
		}
		return nil
	})
}

// ReadSysctl reads the sysctl key inside the host's namespace, without the
// trailing newline.
func (h *Host) ReadSysctl(key string) (string, error) {
	var v string
	err := h.Do(func() error {
		b, err := os.ReadFile(SysctlPath(key))
		if err != nil {
			return fmt.Errorf("host %s: sysctl %s: %w", h.Name, key, err)
		}
		v = strings.TrimSuffix(string(b), "\n")
		return nil
	})
	return v, err
}

// Command prepares name with args to run inside the host's namespace.
func (h *Host) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", h.Name, name}, args...)...)
}

// Run runs a command inside the host's namespace and returns its combined
// output; a failure carries the output in the error.
func (h *Host) Run(ctx context.Context, name string, args ...string) (string, error) {
	out, err := h.Command(ctx, name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s: %s %s: %w\n%s", h.Name, name, strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// A Capture is a tcpdump writing a pcap file inside a host.
type Capture struct {
	Path string
	// Dropped is, once stopped, how many packets tcpdump could not keep
	// up with ("dropped by kernel"): a capture of a fast flow in a guest
	// whose CPUs are emulated may miss some.
	Dropped int
	cmd     *exec.Cmd
	out     lockedBuffer
}

// lockedBuffer collects a process's output while others read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// StartCapture runs tcpdump on ifname (all IPv6, full packets) into path
// and waits until it is listening.
func (h *Host) StartCapture(ifname, path string) (*Capture, error) {
	return h.StartCaptureWith(ifname, path, CaptureOptions{})
}

// CaptureOptions narrow a capture.
type CaptureOptions struct {
	Filter  string // a pcap filter; empty means "ip6"
	Snaplen int    // octets kept of each packet; 0 means all
}

// StartCaptureWith runs tcpdump on ifname ("any" for every interface,
// including those that come up later) into path and waits until it is
// listening.
func (h *Host) StartCaptureWith(ifname, path string, o CaptureOptions) (*Capture, error) {
	if o.Filter == "" {
		o.Filter = "ip6"
	}
	// A 64 MiB buffer rides out the moments tcpdump waits for a CPU, and
	// buffered writes (no -U) spare it a system call per packet; Stop
	// flushes them.
	args := []string{"netns", "exec", h.Name, "tcpdump", "-i", ifname, "-n", "-B", "65536",
		"-s", strconv.Itoa(o.Snaplen), "-w", path}
	if ifname == "any" {
		// Cooked headers of the first version: pcapgo keeps link
		// types in a byte, which SLL2's 276 does not fit.
		args = append(args, "-y", "LINUX_SLL")
	}
	c := &Capture{Path: path}
	c.cmd = exec.Command("ip", append(args, o.Filter)...)
	c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("host %s: tcpdump: %w", h.Name, err)
	}
	// tcpdump says "listening on" once the socket is bound; a debug
	// kernel under TCG takes its time.
	for i := 0; i < 600; i++ {
		if strings.Contains(c.output(), "listening on") {
			return c, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = c.cmd.Process.Kill()
	_ = c.cmd.Wait()
	return nil, fmt.Errorf("host %s: tcpdump did not start: %s", h.Name, c.output())
}

func (c *Capture) output() string {
	return c.out.String()
}

var droppedRE = regexp.MustCompile(`(\d+) packets? dropped by kernel`)

// Stop ends the capture and waits until the file is complete.
func (c *Capture) Stop() error {
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	if err := c.cmd.Wait(); err != nil {
		return fmt.Errorf("tcpdump: %v: %s", err, c.output())
	}
	if m := droppedRE.FindStringSubmatch(c.output()); m != nil {
		c.Dropped, _ = strconv.Atoi(m[1])
	}
	return nil
}

// WaitListening waits until a socket of proto ("tcp" or "udp") listens
// on port in the host's namespace: a server started in the background is
// ready only then, and a guest whose CPUs are emulated can take a while.
func (h *Host) WaitListening(ctx context.Context, proto string, port int, timeout time.Duration) error {
	flag := map[string]string{"tcp": "-t", "udp": "-u"}[proto]
	if flag == "" {
		return fmt.Errorf("host %s: protocol %q, want tcp or udp", h.Name, proto)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		out, err := h.Run(ctx, "ss", "-H", "-l", "-n", flag, "sport", "=", ":"+strconv.Itoa(port))
		if err == nil && strings.TrimSpace(out) != "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("host %s: nothing listens on %s port %d after %s", h.Name, proto, port, timeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// A Proc is a command running in the background in a host's namespace,
// its output kept.
type Proc struct {
	cmd  *exec.Cmd
	out  lockedBuffer
	done chan error // the exit status, put back after each read
}

// Start runs a command in the background in the host's namespace.
func (h *Host) Start(name string, args ...string) (*Proc, error) {
	p := &Proc{cmd: h.Command(context.Background(), name, args...), done: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("host %s: %s: %w", h.Name, name, err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	return p, nil
}

// String names the command.
func (p *Proc) String() string { return p.cmd.String() }

// Output is what the command has printed so far.
func (p *Proc) Output() string { return p.out.String() }

// Wait waits for the command to exit by itself; after limit it kills it
// and says so.
func (p *Proc) Wait(limit time.Duration) error {
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(limit):
		p.Kill()
		return fmt.Errorf("%s still running after %s", p, limit)
	}
}

// Interrupt sends SIGINT, the way to end iperf2 and tcpdump cleanly,
// and waits up to limit for the command to exit.
func (p *Proc) Interrupt(limit time.Duration) error {
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	return p.Wait(limit)
}

// Kill ends the command if it still runs.
func (p *Proc) Kill() {
	select {
	case err := <-p.done:
		p.done <- err
	default:
		_ = p.cmd.Process.Kill()
		p.done <- <-p.done
	}
}
