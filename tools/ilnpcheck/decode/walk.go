package decode

import (
	"fmt"
	"io"
	"slices"

	"github.com/ilnp-linux/ilnp/tools/ilnpcheck/capture"
)

// Info describes a capture that Walk read.
type Info struct {
	Format    capture.Format
	LinkTypes []capture.LinkType // in order of first appearance
	Frames    int
}

// Progress is told how many octets of how many have been read; total is
// 0 when the size is unknown.
type Progress func(done, total int64)

// progressEvery is how many frames pass between calls to a Progress.
const progressEvery = 1 << 14

// Walk reads the capture at path, decodes every frame and hands it to fn.
// The Packet passed to fn is reused for the next frame. Walk stops at the
// first error (unreadable file, truncated record, unsupported link type)
// and returns it with what it learned until then.
func Walk(path string, progress Progress, fn func(*Packet)) (Info, error) {
	r, err := capture.Open(path)
	if err != nil {
		return Info{}, err
	}
	defer r.Close()
	info := Info{Format: r.Format()}
	var (
		dec = New()
		f   capture.Frame
		p   Packet
	)
	for {
		err := r.Next(&f)
		if err == io.EOF {
			break
		}
		if err != nil {
			return info, err
		}
		info.Frames = f.Number
		if !slices.Contains(info.LinkTypes, f.LinkType) {
			info.LinkTypes = append(info.LinkTypes, f.LinkType)
		}
		if err := dec.Decode(&f, &p); err != nil {
			return info, fmt.Errorf("frame %d: %w", f.Number, err)
		}
		fn(&p)
		if progress != nil && f.Number%progressEvery == 0 {
			progress(r.Offset(), r.Size())
		}
	}
	if progress != nil {
		progress(r.Size(), r.Size())
	}
	return info, nil
}
