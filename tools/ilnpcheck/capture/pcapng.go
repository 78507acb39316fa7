package capture

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/google/gopacket/layers"
)

// pcapng block types the scanner looks into.
const (
	ngBlockSectionHeader        = 0x0a0d0d0a
	ngBlockInterfaceDescription = 0x00000001
	ngBlockPacket               = 0x00000002 // obsolete
	ngBlockSimplePacket         = 0x00000003
	ngBlockEnhancedPacket       = 0x00000006
	ngByteOrderMagic            = 0x1a2b3c4d
)

// teeReader passes the pcapng stream to pcapgo and shows every octet to
// an ngScanner on the way. When the scanner finds a length pcapgo would
// trust with an allocation, the stream is cut before the field is
// complete, so pcapgo fails to read the block instead of allocating.
type teeReader struct {
	r    io.Reader
	scan *ngScanner
}

func (t *teeReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if cut, serr := t.scan.feed(p[:n]); serr != nil {
		return cut, serr
	}
	return n, err
}

// ngScanner follows the pcapng block structure, records the 32-bit link
// type of each Interface Description Block, section by section, and
// rejects implausible snap and capture lengths. pcapgo reads ahead, so
// the scanner may be a block or more ahead of the frame pcapgo returns;
// linkType resolves that.
type ngScanner struct {
	prefix   [24]byte
	have     int   // octets of prefix collected
	need     int   // octets of prefix wanted for the current block
	total    int64 // the current block's total length
	skip     int64 // octets of the current block still to pass
	order    binary.ByteOrder
	err      error
	sections [][]LinkType
}

// feed scans p. On an error it returns how many octets of p may still be
// passed on.
func (s *ngScanner) feed(p []byte) (int, error) {
	for i := 0; i < len(p); {
		if s.err != nil {
			return i, s.err
		}
		if s.skip > 0 {
			n := int(min(s.skip, int64(len(p)-i)))
			i, s.skip = i+n, s.skip-int64(n)
			continue
		}
		if s.need == 0 {
			s.need = 12 // type, total length, first body word
		}
		n := copy(s.prefix[s.have:s.need], p[i:])
		s.have += n
		i += n
		if s.have < s.need {
			continue
		}
		if s.prefixDone(); s.err != nil {
			return i - 1, s.err // withhold the last octet of the field
		}
	}
	return len(p), s.err
}

// prefixDone handles a complete prefix: it may ask for more of it, or
// set the block to be skipped.
func (s *ngScanner) prefixDone() {
	if s.have == 12 {
		if binary.BigEndian.Uint32(s.prefix[0:4]) == ngBlockSectionHeader {
			switch {
			case binary.LittleEndian.Uint32(s.prefix[8:12]) == ngByteOrderMagic:
				s.order = binary.LittleEndian
			case binary.BigEndian.Uint32(s.prefix[8:12]) == ngByteOrderMagic:
				s.order = binary.BigEndian
			default:
				s.err = fmt.Errorf("%w: pcapng section header without byte-order magic", ErrCorrupt)
				return
			}
			s.sections = append(s.sections, nil)
		}
		if s.order == nil {
			s.err = fmt.Errorf("%w: pcapng block before the section header", ErrCorrupt)
			return
		}
		s.total = int64(s.order.Uint32(s.prefix[4:8]))
		if s.total < 12 {
			s.err = fmt.Errorf("%w: pcapng block of %d octets", ErrCorrupt, s.total)
			return
		}
		switch s.order.Uint32(s.prefix[0:4]) {
		case ngBlockInterfaceDescription:
			s.need = 16 // link type, reserved, snap length
		case ngBlockEnhancedPacket, ngBlockPacket:
			s.need = 24 // ..., captured length
		case ngBlockSimplePacket:
			s.check("original packet length", s.order.Uint32(s.prefix[8:12]))
		}
		if s.need > 12 && int64(s.need) <= s.total {
			return // collect the rest of the prefix
		}
		s.need = 12
	}
	switch s.order.Uint32(s.prefix[0:4]) {
	case ngBlockInterfaceDescription:
		if s.need == 16 {
			cur := len(s.sections) - 1
			s.sections[cur] = append(s.sections[cur], LinkType(s.order.Uint16(s.prefix[8:10])))
			s.check("snap length", s.order.Uint32(s.prefix[12:16]))
		}
	case ngBlockEnhancedPacket, ngBlockPacket:
		if s.need == 24 {
			s.check("captured length", s.order.Uint32(s.prefix[20:24]))
		}
	}
	s.skip = s.total - int64(s.have)
	s.have, s.need = 0, 0
}

func (s *ngScanner) check(what string, v uint32) {
	if v > maxFrameLength {
		s.err = fmt.Errorf("%w: pcapng %s %d is implausible (more than %d)", ErrCorrupt, what, v, maxFrameLength)
	}
}

// midBlock reports whether the stream ended inside a block.
func (s *ngScanner) midBlock() bool { return s.err == nil && (s.have > 0 || s.skip > 0) }

// linkType returns the true link type of a frame that pcapgo read from
// interface iface; anc[0] is pcapgo's truncated (uint8) link type. The
// scanner may already be in a later section, so it takes the latest
// section whose interface iface agrees with pcapgo.
func (s *ngScanner) linkType(iface int, anc []interface{}) LinkType {
	var short layers.LinkType
	if len(anc) > 0 {
		short, _ = anc[0].(layers.LinkType)
	}
	for i := len(s.sections) - 1; i >= 0; i-- {
		sec := s.sections[i]
		if iface < len(sec) && uint8(sec[iface]) == uint8(short) {
			return sec[iface]
		}
	}
	return LinkType(short)
}
