// Package capture reads packet captures, pcap and pcapng as tcpdump,
// dumpcap and tshark write them (gzip-compressed too), with
// gopacket/pcapgo, and tells each frame's true link type.
//
// pcapgo keeps link types in a uint8, so LINKTYPE_LINUX_SLL2 (276, what
// `tcpdump -i any` writes) would read as 20. Reader takes the link type
// from the pcap file header itself and, for pcapng, from the Interface
// Description Blocks it sees pass on their way to pcapgo.
package capture

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/pcapgo"
)

// Errors that make a capture unreadable.
var (
	// ErrNotCapture: the data is neither pcap nor pcapng.
	ErrNotCapture = errors.New("not a pcap or pcapng capture")
	// ErrTruncated: the file ends inside a header or record.
	ErrTruncated = errors.New("capture file is truncated")
	// ErrCorrupt: a record cannot be read as the format says.
	ErrCorrupt = errors.New("capture file is corrupt")
)

// Format is a capture file format.
type Format uint8

// Formats.
const (
	FormatPcap Format = iota + 1
	FormatPcapNG
)

func (f Format) String() string {
	switch f {
	case FormatPcap:
		return "pcap"
	case FormatPcapNG:
		return "pcapng"
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (f Format) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// LinkType is a LINKTYPE_ value of the pcap and pcapng formats.
type LinkType uint32

// Link types this project meets.
const (
	LinkTypeEthernet  LinkType = 1
	LinkTypeRaw       LinkType = 101
	LinkTypeLinuxSLL  LinkType = 113
	LinkTypeIPv4      LinkType = 228
	LinkTypeIPv6      LinkType = 229
	LinkTypeLinuxSLL2 LinkType = 276
)

func (l LinkType) String() string {
	switch l {
	case LinkTypeEthernet:
		return "Ethernet"
	case LinkTypeRaw:
		return "raw IP"
	case LinkTypeLinuxSLL:
		return "Linux cooked (SLL)"
	case LinkTypeIPv4:
		return "raw IPv4"
	case LinkTypeIPv6:
		return "raw IPv6"
	case LinkTypeLinuxSLL2:
		return "Linux cooked v2 (SLL2)"
	}
	return fmt.Sprintf("link type %d", uint32(l))
}

// MarshalText implements encoding.TextMarshaler.
func (l LinkType) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// Frame is one captured packet. Data is owned by the Reader and valid
// until the next call to Next.
type Frame struct {
	Number        int // 1-based, as Wireshark counts
	Timestamp     time.Time
	CaptureLength int // octets captured, len(Data)
	Length        int // octets on the wire
	LinkType      LinkType
	Data          []byte
}

// Truncated reports whether the capture holds less than the packet had
// (snap length).
func (f *Frame) Truncated() bool { return f.CaptureLength < f.Length }

// Reader reads frames from a capture.
type Reader struct {
	closer io.Closer
	count  *countingReader
	size   int64
	format Format

	pcap     *pcapgo.Reader
	pcapLink LinkType
	ng       *pcapgo.NgReader
	ngScan   *ngScanner

	n int
}

// maxFrameLength bounds the snap and capture lengths a file may declare:
// pcapgo allocates buffers of those sizes, so a corrupt header must not
// reach it. Real captures stay far below (libpcap and Wireshark use
// 262144).
const maxFrameLength = 16 << 20

// readBufferSize is large enough that reading a capture costs few system
// calls.
const readBufferSize = 256 << 10

// defaultSnaplen replaces a pcap snap length of 0 or over maxFrameLength:
// libpcap's and Wireshark's largest.
const defaultSnaplen = 262144

// Open opens a capture file.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	r, err := NewReader(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer, r.size = f, st.Size()
	return r, nil
}

// NewReader reads a capture from r, which may be gzip-compressed.
func NewReader(r io.Reader) (*Reader, error) {
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, readBufferSize)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, headerError(err)
	}
	if magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		br = bufio.NewReaderSize(zr, readBufferSize)
		if magic, err = br.Peek(4); err != nil {
			return nil, headerError(err)
		}
	}
	rd := &Reader{count: cr}
	switch binary.LittleEndian.Uint32(magic) {
	case 0xa1b2c3d4, 0xa1b23c4d: // microsecond and nanosecond, little-endian
		return rd.openPcap(br, binary.LittleEndian)
	case 0xd4c3b2a1, 0x4d3cb2a1: // the same, big-endian
		return rd.openPcap(br, binary.BigEndian)
	case 0x0a0d0d0a:
		return rd.openPcapNG(br)
	}
	return nil, fmt.Errorf("%w: magic %#08x", ErrNotCapture, binary.BigEndian.Uint32(magic))
}

func (r *Reader) openPcap(br *bufio.Reader, order binary.ByteOrder) (*Reader, error) {
	hdr, err := br.Peek(24)
	if err != nil {
		return nil, headerError(err)
	}
	// The upper 6 bits of the link type field carry FCS information.
	r.pcapLink = LinkType(order.Uint32(hdr[20:24]) & 0x03ffffff)
	if r.pcap, err = pcapgo.NewReader(br); err != nil {
		return nil, fmt.Errorf("%w: pcap header: %v", ErrCorrupt, err)
	}
	// pcapgo sizes its buffer by the snap length and rejects longer
	// records, which are then reported as corrupt.
	if snap := order.Uint32(hdr[16:20]); snap == 0 || snap > maxFrameLength {
		r.pcap.SetSnaplen(defaultSnaplen)
	}
	r.format = FormatPcap
	return r, nil
}

func (r *Reader) openPcapNG(br *bufio.Reader) (*Reader, error) {
	r.ngScan = &ngScanner{}
	ng, err := pcapgo.NewNgReader(&teeReader{r: br, scan: r.ngScan}, pcapgo.NgReaderOptions{WantMixedLinkType: true})
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: in the pcapng section header", ErrTruncated)
		}
		return nil, fmt.Errorf("%w: pcapng section header: %v", ErrCorrupt, err)
	}
	r.ng, r.format = ng, FormatPcapNG
	return r, nil
}

func headerError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: file too short for a capture header", ErrNotCapture)
	}
	return err
}

// Format returns the file format.
func (r *Reader) Format() Format { return r.format }

// Size returns the file size in octets (0 when not reading a file).
func (r *Reader) Size() int64 { return r.size }

// Offset returns how many octets of the file have been read so far
// (read-ahead included), for progress reports.
func (r *Reader) Offset() int64 { return r.count.n }

// Close closes the file opened by Open.
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	return r.closer.Close()
}

// Next reads the next frame into f. It returns io.EOF after the last
// frame, and an error wrapping ErrTruncated or ErrCorrupt when the file
// breaks off or cannot be read.
func (r *Reader) Next(f *Frame) error {
	var (
		data []byte
		ci   gopacket.CaptureInfo
		err  error
		link LinkType
	)
	if r.pcap != nil {
		data, ci, err = r.pcap.ZeroCopyReadPacketData()
		link = r.pcapLink
		if err == io.EOF && ci.CaptureLength > 0 {
			err = io.ErrUnexpectedEOF // the record header was there, its data was not
		}
	} else {
		data, ci, err = r.ng.ZeroCopyReadPacketData()
		if err == nil {
			link = r.ngScan.linkType(ci.InterfaceIndex, ci.AncillaryData)
		} else if err == io.EOF && r.ngScan.midBlock() {
			err = io.ErrUnexpectedEOF // pcapgo reports a cut block as a clean end
		}
	}
	switch {
	case err == io.EOF:
		return io.EOF
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fmt.Errorf("%w: frame %d breaks off at the end of the file", ErrTruncated, r.n+1)
	case err != nil:
		return fmt.Errorf("%w: frame %d: %v", ErrCorrupt, r.n+1, err)
	}
	r.n++
	*f = Frame{
		Number:        r.n,
		Timestamp:     ci.Timestamp,
		CaptureLength: ci.CaptureLength,
		Length:        ci.Length,
		LinkType:      link,
		Data:          data,
	}
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
