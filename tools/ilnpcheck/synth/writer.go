package synth

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/capture"
)

// Writer writes a pcap or pcapng capture of one link type. It is written
// here rather than with pcapgo because pcapgo cannot write link types
// above 255 (Linux SLL2 is 276).
type Writer struct {
	w       *bufio.Writer
	format  capture.Format
	link    capture.LinkType
	Snaplen int // frames longer than this are cut; 0 means 262144
}

// NewWriter writes the file header and returns a Writer.
func NewWriter(w io.Writer, format capture.Format, link capture.LinkType) (*Writer, error) {
	wr := &Writer{w: bufio.NewWriterSize(w, 1<<20), format: format, link: link}
	var hdr []byte
	le := binary.LittleEndian
	switch format {
	case capture.FormatPcap:
		hdr = make([]byte, 24)
		le.PutUint32(hdr[0:], 0xa1b2c3d4)
		le.PutUint16(hdr[4:], 2)
		le.PutUint16(hdr[6:], 4)
		le.PutUint32(hdr[16:], 262144)
		le.PutUint32(hdr[20:], uint32(link))
	case capture.FormatPcapNG:
		shb := make([]byte, 28)
		le.PutUint32(shb[0:], 0x0a0d0d0a)
		le.PutUint32(shb[4:], 28)
		le.PutUint32(shb[8:], 0x1a2b3c4d)
		le.PutUint16(shb[12:], 1)
		le.PutUint64(shb[16:], ^uint64(0)) // section length unknown
		le.PutUint32(shb[24:], 28)
		idb := make([]byte, 20)
		le.PutUint32(idb[0:], 1)
		le.PutUint32(idb[4:], 20)
		le.PutUint16(idb[8:], uint16(link))
		le.PutUint32(idb[12:], 262144)
		le.PutUint32(idb[16:], 20)
		hdr = append(shb, idb...)
	default:
		return nil, fmt.Errorf("synth: unknown format %v", format)
	}
	if _, err := wr.w.Write(hdr); err != nil {
		return nil, err
	}
	return wr, nil
}

// WritePacket frames an IPv6 packet for the link type and writes it.
// Outgoing marks the cooked-capture packet type "sent by us".
func (w *Writer) WritePacket(t time.Time, ip6 []byte, outgoing bool) error {
	return w.WriteFrame(t, Frame(w.link, ip6, outgoing))
}

// WriteFrame writes a link-layer frame as it is.
func (w *Writer) WriteFrame(t time.Time, frame []byte) error {
	orig := len(frame)
	snap := w.Snaplen
	if snap == 0 {
		snap = 262144
	}
	if len(frame) > snap {
		frame = frame[:snap]
	}
	le := binary.LittleEndian
	us := t.UnixMicro()
	switch w.format {
	case capture.FormatPcap:
		var rec [16]byte
		le.PutUint32(rec[0:], uint32(us/1e6))
		le.PutUint32(rec[4:], uint32(us%1e6))
		le.PutUint32(rec[8:], uint32(len(frame)))
		le.PutUint32(rec[12:], uint32(orig))
		if _, err := w.w.Write(rec[:]); err != nil {
			return err
		}
		_, err := w.w.Write(frame)
		return err
	default:
		pad := (4 - len(frame)%4) % 4
		total := 32 + len(frame) + pad
		var rec [28]byte
		le.PutUint32(rec[0:], 6) // Enhanced Packet Block
		le.PutUint32(rec[4:], uint32(total))
		le.PutUint32(rec[8:], 0) // interface 0
		le.PutUint32(rec[12:], uint32(uint64(us)>>32))
		le.PutUint32(rec[16:], uint32(us))
		le.PutUint32(rec[20:], uint32(len(frame)))
		le.PutUint32(rec[24:], uint32(orig))
		if _, err := w.w.Write(rec[:]); err != nil {
			return err
		}
		if _, err := w.w.Write(frame); err != nil {
			return err
		}
		var tail [8]byte
		le.PutUint32(tail[pad:], uint32(total))
		_, err := w.w.Write(tail[:pad+4])
		return err
	}
}

// Flush writes out what is buffered.
func (w *Writer) Flush() error { return w.w.Flush() }

// Frame wraps an IPv6 packet in the link-layer header of link.
func Frame(link capture.LinkType, ip6 []byte, outgoing bool) []byte {
	mac := []byte{0x02, 0, 0, 0, 0, 1}
	peer := []byte{0x02, 0, 0, 0, 0, 2}
	var pktType byte // LINUX_SLL_HOST
	if outgoing {
		pktType = 4 // LINUX_SLL_OUTGOING
	}
	var hdr []byte
	switch link {
	case capture.LinkTypeEthernet:
		hdr = append(append(append(hdr, peer...), mac...), 0x86, 0xdd)
	case capture.LinkTypeLinuxSLL:
		hdr = []byte{0, pktType, 0, 1, 0, 6}
		hdr = append(append(hdr, mac...), 0, 0, 0x86, 0xdd)
	case capture.LinkTypeLinuxSLL2:
		hdr = []byte{0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0, 1, pktType, 6}
		hdr = append(append(hdr, mac...), 0, 0)
	}
	return append(hdr, ip6...)
}

// WriteFile writes packets to path as one capture.
func WriteFile(path string, format capture.Format, link capture.LinkType, pkts []Packet) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w, err := NewWriter(f, format, link)
	if err != nil {
		f.Close()
		return err
	}
	for i := range pkts {
		b, err := pkts[i].Bytes()
		if err != nil {
			f.Close()
			return fmt.Errorf("packet %d: %w", i+1, err)
		}
		if err := w.WritePacket(pkts[i].Time, b, false); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
