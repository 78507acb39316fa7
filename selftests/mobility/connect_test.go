//go:build vmtest

package mobility

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/internal/lab/labtest"
	"github.com/ilnp-linux/ilnp/internal/lab/testbed"
	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

// Ports of the echo services of TestConnectAnyTime: on the unspecified
// address and on one address of the host.
const (
	anyPort  = 5101
	onePort  = 5102
	rounds   = 20
	echoWait = 5 * time.Second // a hang bound: an echo takes milliseconds
)

func hostPort(a netip.Addr, port int) string {
	return net.JoinHostPort(a.String(), strconv.Itoa(port))
}

// listenEcho starts TCP echo services on [::]:anyPort and, if one is
// valid, on one:onePort, and a UDP one on [::]:anyPort.
func listenEcho(t *testing.T, h *testbed.Host, one netip.Addr) {
	t.Helper()
	ln, err := h.ListenTCP(hostPort(netip.IPv6Unspecified(), anyPort))
	if err != nil {
		t.Fatal(err)
	}
	labtest.ServeEcho(t, ln)
	if one.IsValid() {
		if ln, err = h.ListenTCP(hostPort(one, onePort)); err != nil {
			t.Fatal(err)
		}
		labtest.ServeEcho(t, ln)
	}
	pc, err := h.ListenUDP(hostPort(netip.IPv6Unspecified(), anyPort))
	if err != nil {
		t.Fatal(err)
	}
	labtest.ServeEchoUDP(t, pc)
}

// held is a connection opened at one stage of the move and kept open;
// c is nil if it could not be opened.
type held struct {
	what string
	c    net.Conn
}

func (m *mobile) hold(what string, h *testbed.Host, network, to string) held {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), echoWait)
	defer cancel()
	c, err := h.Dial(ctx, network, "", to)
	if err != nil {
		m.t.Errorf("%s: %v", what, err)
		return held{what: what}
	}
	m.t.Cleanup(func() { c.Close() })
	if err := labtest.Echo(c, []byte(what), echoWait); err != nil {
		m.t.Errorf("%s, when opened: %v", what, err)
	}
	return held{what: what, c: c}
}

// TestConnectAnyTime: connections opened before, during and after a soft
// handover from aa to bb, in both directions, TCP and UDP, to services
// bound to :: and to one address, from the source the kernel chooses and
// from a given one; each exchanges data when opened and again after the
// move, and the new ones after the move all complete.
func TestConnectAnyTime(t *testing.T) {
	m := newMobile(t, 0)
	cn := testbed.CNAddr
	listenEcho(t, m.MN, netip.Addr{})
	listenEcho(t, m.CN, cn)
	m.pingRTT() // a proven session both ways

	var kept []held
	keep := func(stage string) {
		kept = append(kept,
			m.hold(stage+": TCP MN->CN", m.MN, "tcp", hostPort(cn, anyPort)),
			m.hold(stage+": TCP CN->MN", m.CN, "tcp", hostPort(m.MNAddr, anyPort)),
			m.hold(stage+": UDP MN->CN", m.MN, "udp", hostPort(cn, anyPort)),
			m.hold(stage+": UDP CN->MN", m.CN, "udp", hostPort(m.MNAddr, anyPort)))
	}
	keep("before")
	time.Sleep(2 * time.Second)
	bb := m.attach("bb")
	// A service on MN's new address, and connections while MN has both.
	ln, err := m.MN.ListenTCP(hostPort(bb, onePort))
	if err != nil {
		t.Fatal(err)
	}
	labtest.ServeEcho(t, ln)
	keep("during")
	time.Sleep(2 * time.Second)
	m.lose("aa")
	keep("after")

	for _, k := range kept {
		if k.c == nil {
			continue
		}
		if err := labtest.Echo(k.c, []byte(k.what+", after the move"), echoWait); err != nil {
			t.Errorf("%s, after the move: %v", k.what, err)
		}
	}
	before := labtest.ReadStats(t, m.MN)
	for _, c := range []struct {
		what           string
		from           *testbed.Host
		network, local string
		to             string
	}{
		{"TCP MN->CN [::]", m.MN, "tcp", "", hostPort(cn, anyPort)},
		{"TCP MN->CN bound to its address", m.MN, "tcp", "", hostPort(cn, onePort)},
		{"TCP MN (from bb) ->CN", m.MN, "tcp", bb.String(), hostPort(cn, anyPort)},
		{"TCP CN->MN's first address, [::]", m.CN, "tcp", "", hostPort(m.MNAddr, anyPort)},
		{"TCP CN->MN's bb address, [::]", m.CN, "tcp", "", hostPort(bb, anyPort)},
		{"TCP CN->MN's bb address, bound to it", m.CN, "tcp", "", hostPort(bb, onePort)},
		{"UDP MN->CN", m.MN, "udp", "", hostPort(cn, anyPort)},
		{"UDP CN->MN's first address", m.CN, "udp", "", hostPort(m.MNAddr, anyPort)},
	} {
		done, err := labtest.EchoRounds(c.from, c.network, c.local, c.to, rounds, echoWait)
		t.Logf("%s: %d of %d connections completed", c.what, done, rounds)
		if done != rounds {
			t.Errorf("%s: %d of %d connections completed; first failure: %v", c.what, done, rounds, err)
		}
	}
	after := labtest.ReadStats(t, m.MN)
	if d := after[ilnpnl.StatFlowsUntracked] - before[ilnpnl.StatFlowsUntracked]; d != 0 {
		t.Errorf("MN left %d flows untracked", d)
	}
}
