// Package progress shows how far a long read has come on one line of a
// terminal, and stays silent when the output is not a terminal.
package progress

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// interval is the least time between two redraws.
const interval = 200 * time.Millisecond

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// Meter draws "label: 42% (1.2 GB of 2.9 GB)" in place.
type Meter struct {
	w     io.Writer
	label string
	last  time.Time
	drawn bool
}

// New returns a Meter writing to w.
func New(w io.Writer, label string) *Meter { return &Meter{w: w, label: label} }

// ForTerminal returns a Meter on f when f is a terminal, else nil (on
// which Update and Done do nothing).
func ForTerminal(f *os.File, label string) *Meter {
	if !IsTerminal(f) {
		return nil
	}
	return New(f, label)
}

// Update redraws the line if enough time has passed; total 0 means
// unknown.
func (m *Meter) Update(done, total int64) {
	if m == nil {
		return
	}
	now := time.Now()
	if now.Sub(m.last) < interval {
		return
	}
	m.last = now
	if total > 0 {
		fmt.Fprintf(m.w, "\r\033[K%s: %3.0f%% (%s of %s)", m.label, 100*float64(done)/float64(total), size(done), size(total))
	} else {
		fmt.Fprintf(m.w, "\r\033[K%s: %s", m.label, size(done))
	}
	m.drawn = true
}

// Done clears the line.
func (m *Meter) Done() {
	if m == nil || !m.drawn {
		return
	}
	fmt.Fprint(m.w, "\r\033[K")
	m.drawn = false
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
