package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
)

// luHeaderLen is the fixed part of the message body after the ICMPv6
// header: Num of Locs, Operation, Reserved.
const luHeaderLen = 4

// luChallengeLen is the Challenge field that follows the fixed part in a
// probe or a probe reply, before the records.
const luChallengeLen = 8

// LUFormat tells which locator record layout a Locator Update uses.
type LUFormat uint8

// Record layouts. The formats are told apart by the message length:
// 8 + 16n octets for LUFormatExtended and 8 + 12n for LUFormatRFC6743 (n
// is Num of Locs; where both fit, Num of Locs decides). Probes and probe
// replies carry extended records only, after their challenge: 16 + 16n.
const (
	// LUFormatExtended is the paper's record: Locator(64),
	// Preference(16), Reserved(16), Lifetime(32). It is the default.
	LUFormatExtended LUFormat = 16
	// LUFormatRFC6743 is the original record: Locator(64),
	// Preference(16), Lifetime(16).
	LUFormatRFC6743 LUFormat = 12
)

func (f LUFormat) String() string {
	switch f {
	case LUFormatExtended:
		return "extended"
	case LUFormatRFC6743:
		return "rfc6743"
	}
	return fmt.Sprintf("format(%d)", uint8(f))
}

// MarshalText implements encoding.TextMarshaler.
func (f LUFormat) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// Errors of the Locator Update. Decoding errors wrap ErrTruncated or
// ErrLULength; the checks of LocatorUpdate.Validate wrap ErrLUField.
var (
	ErrLULength = errors.New("locator update length does not match Num of Locs")
	ErrLUField  = errors.New("locator update field out of range")
)

// LocatorRecord is one locator of a Locator Update.
type LocatorRecord struct {
	Locator    ilnp.L64 `json:"locator"`
	Preference uint16   `json:"preference"`
	// Lifetime is in seconds; the RFC 6743 record holds only 16 bits.
	Lifetime uint32 `json:"lifetime"`
	// Reserved is the extended record's reserved field (zero when sent).
	Reserved uint16 `json:"-"`
}

// LayerTypeLocatorUpdate is the gopacket layer type of LocatorUpdate.
var LayerTypeLocatorUpdate = gopacket.RegisterLayerType(6156, gopacket.LayerTypeMetadata{
	Name:    "ILNPLocatorUpdate",
	Decoder: gopacket.DecodeFunc(decodeLocatorUpdate),
})

// LocatorUpdate is the body of an ICMPv6 Locator Update message, the part
// after the 4-octet ICMPv6 header (Type 156, Code, Checksum) that
// layers.ICMPv6 decodes. It is a gopacket.DecodingLayer; Locators is
// reused across decodes, so keep a copy of what must outlive the next one.
//
// An advertisement or ack (Operation 1, 2) is Num of Locs, Operation,
// Reserved and the records. A probe or probe reply (Operation 3, 4) has
// the 64-bit Challenge between Reserved and the records, and lists 0 to
// ilnp.LUMaxLocators extended records (the set the probe asks to
// confirm; a reply echoes the probe's challenge and records); an
// advertisement or ack lists 1 to ilnp.LUMaxLocators.
type LocatorUpdate struct {
	layers.BaseLayer
	NumLocs   uint8
	Operation ilnp.LUOp
	Reserved  uint16
	// Challenge is the probe's challenge; only probes and probe replies
	// carry it (Operation.IsProbe).
	Challenge ilnp.Challenge
	Format    LUFormat
	Locators  []LocatorRecord
}

// LayerType returns LayerTypeLocatorUpdate.
func (lu *LocatorUpdate) LayerType() gopacket.LayerType { return LayerTypeLocatorUpdate }

// CanDecode returns LayerTypeLocatorUpdate.
func (lu *LocatorUpdate) CanDecode() gopacket.LayerClass { return LayerTypeLocatorUpdate }

// NextLayerType returns gopacket.LayerTypeZero: nothing follows.
func (lu *LocatorUpdate) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

// DecodeFromBytes decodes the message body. It fails when the body is
// shorter than 4 octets (12 for a probe or probe reply, which must hold
// the challenge), or the length does not fit Num of Locs: an
// advertisement or ack needs at least one record, of either layout; a
// probe or reply 0 or more extended records. Out-of-range field values
// (Operation, reserved fields, a probe's challenge 0, more than
// ilnp.LUMaxLocators records) are left for Validate.
func (lu *LocatorUpdate) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	recs := lu.Locators[:0]
	*lu = LocatorUpdate{}
	if len(data) < luHeaderLen {
		df.SetTruncated()
		return fmt.Errorf("locator update: %w: body of %d octets, need at least %d", ErrTruncated, len(data), luHeaderLen)
	}
	lu.NumLocs = data[0]
	lu.Operation = ilnp.LUOp(data[1])
	lu.Reserved = binary.BigEndian.Uint16(data[2:4])
	n := int(lu.NumLocs)
	off := luHeaderLen
	if lu.Operation.IsProbe() {
		if len(data) < luHeaderLen+luChallengeLen {
			df.SetTruncated()
			return fmt.Errorf("locator update %v: %w: body of %d octets, need at least %d for the challenge",
				lu.Operation, ErrTruncated, len(data), luHeaderLen+luChallengeLen)
		}
		lu.Challenge = ilnp.Challenge(binary.BigEndian.Uint64(data[luHeaderLen:]))
		off += luChallengeLen
		if body := len(data) - off; body != n*int(LUFormatExtended) {
			return fmt.Errorf("locator update %v: %w: %d locators need %d octets of records after the challenge, have %d",
				lu.Operation, ErrLULength, n, n*int(LUFormatExtended), body)
		}
		lu.Format = LUFormatExtended
	} else {
		body := len(data) - off
		switch {
		case n == 0:
			return fmt.Errorf("locator update: %w: Num of Locs is 0", ErrLULength)
		case body == n*int(LUFormatExtended):
			lu.Format = LUFormatExtended
		case body == n*int(LUFormatRFC6743):
			lu.Format = LUFormatRFC6743
		default:
			return fmt.Errorf("locator update: %w: %d locators need %d (extended) or %d (RFC 6743) octets of records, have %d",
				ErrLULength, n, n*int(LUFormatExtended), n*int(LUFormatRFC6743), body)
		}
	}
	recs = slices.Grow(recs, n)[:n]
	for i := range recs {
		recs[i] = decodeRecord(data[off+i*int(lu.Format):], lu.Format)
	}
	lu.Locators = recs
	lu.Contents = data
	lu.Payload = nil
	return nil
}

// decodeRecord reads one record of format f from the start of r.
func decodeRecord(r []byte, f LUFormat) LocatorRecord {
	rec := LocatorRecord{
		Locator:    ilnp.L64(binary.BigEndian.Uint64(r[0:8])),
		Preference: binary.BigEndian.Uint16(r[8:10]),
	}
	if f == LUFormatExtended {
		rec.Reserved = binary.BigEndian.Uint16(r[10:12])
		rec.Lifetime = binary.BigEndian.Uint32(r[12:16])
	} else {
		rec.Lifetime = uint32(binary.BigEndian.Uint16(r[10:12]))
	}
	return rec
}

// Validate checks the fields a sender must get right: Operation is
// advertisement, ack, probe or probe reply, the reserved fields are zero,
// and Num of Locs matches the records (1 to ilnp.LUMaxLocators for an
// advertisement or ack, 0 to ilnp.LUMaxLocators for a probe or reply,
// whose challenge is not 0): the kernel drops an LU that lists more whole,
// as malformed. Code (in the ICMPv6 header) is checked by ValidateCode.
func (lu *LocatorUpdate) Validate() error {
	var errs []error
	switch lu.Operation {
	case ilnp.LUAdvertisement, ilnp.LUAck:
		errs = append(errs, lu.numLocsErr(1))
	case ilnp.LUProbe, ilnp.LUProbeReply:
		errs = append(errs, lu.numLocsErr(0))
		if lu.Challenge == 0 {
			errs = append(errs, fmt.Errorf("%w: %v: Challenge 0, which a probe never carries", ErrLUField, lu.Operation))
		}
	default:
		errs = append(errs, fmt.Errorf("%w: Operation %d, want 1 (advertisement), 2 (ack), 3 (probe) or 4 (probe reply)", ErrLUField, uint8(lu.Operation)))
	}
	if lu.Reserved != 0 {
		errs = append(errs, fmt.Errorf("%w: Reserved %#04x, want 0", ErrLUField, lu.Reserved))
	}
	for i, r := range lu.Locators {
		if r.Reserved != 0 {
			errs = append(errs, fmt.Errorf("%w: locator %d Reserved %#04x, want 0", ErrLUField, i+1, r.Reserved))
		}
	}
	return errors.Join(errs...)
}

// numLocsErr reports a Num of Locs that does not match the records or
// lies outside least to ilnp.LUMaxLocators; nil when it is right.
func (lu *LocatorUpdate) numLocsErr(least int) error {
	n := int(lu.NumLocs)
	if n == len(lu.Locators) && n >= least && n <= ilnp.LUMaxLocators {
		return nil
	}
	return fmt.Errorf("%w: %v: Num of Locs %d for %d records, want %d to %d",
		ErrLUField, lu.Operation, n, len(lu.Locators), least, ilnp.LUMaxLocators)
}

// ValidateCode checks the Code of the ICMPv6 header that carried lu: 0
// for a probe or probe reply, 0 or ilnp.LUCodeReplaceSoft otherwise.
func (lu *LocatorUpdate) ValidateCode(code uint8) error {
	if lu.Operation.IsProbe() {
		if code != ilnp.LUCodeNone {
			return fmt.Errorf("%w: %v: Code %d, want 0", ErrLUField, lu.Operation, code)
		}
		return nil
	}
	if !ValidLUCode(code) {
		return fmt.Errorf("%w: Code %d, want 0 or %d (soft replace)", ErrLUField, code, ilnp.LUCodeReplaceSoft)
	}
	return nil
}

// ValidLUCode reports whether code is a defined code of an advertisement
// or ack (a probe's is 0: see ValidateCode).
func ValidLUCode(code uint8) bool { return code == ilnp.LUCodeNone || code == ilnp.LUCodeReplaceSoft }

// SerializeTo writes the message body in lu.Format (LUFormatExtended when
// unset); a probe or probe reply gets its Challenge after the fixed part
// and extended records only. With opts.FixLengths, NumLocs is set from
// len(Locators). Field values are written as they are, out of range or
// not (see Validate).
func (lu *LocatorUpdate) SerializeTo(b gopacket.SerializeBuffer, opts gopacket.SerializeOptions) error {
	format := lu.Format
	if format == 0 {
		format = LUFormatExtended
	}
	if format != LUFormatExtended && format != LUFormatRFC6743 {
		return fmt.Errorf("locator update: unknown format %d", uint8(format))
	}
	probe := lu.Operation.IsProbe()
	if probe && format != LUFormatExtended {
		return fmt.Errorf("locator update %v: %v records, a probe carries extended ones only", lu.Operation, format)
	}
	if len(lu.Locators) > math.MaxUint8 {
		return fmt.Errorf("locator update: %d locators, at most %d fit", len(lu.Locators), math.MaxUint8)
	}
	if opts.FixLengths {
		lu.NumLocs = uint8(len(lu.Locators))
	}
	off := luHeaderLen
	if probe {
		off += luChallengeLen
	}
	buf, err := b.PrependBytes(off + len(lu.Locators)*int(format))
	if err != nil {
		return fmt.Errorf("locator update: %w", err)
	}
	buf[0] = lu.NumLocs
	buf[1] = byte(lu.Operation)
	binary.BigEndian.PutUint16(buf[2:4], lu.Reserved)
	if probe {
		binary.BigEndian.PutUint64(buf[luHeaderLen:], uint64(lu.Challenge))
	}
	for i, rec := range lu.Locators {
		r := buf[off+i*int(format):]
		binary.BigEndian.PutUint64(r[0:8], uint64(rec.Locator))
		binary.BigEndian.PutUint16(r[8:10], rec.Preference)
		if format == LUFormatExtended {
			binary.BigEndian.PutUint16(r[10:12], rec.Reserved)
			binary.BigEndian.PutUint32(r[12:16], rec.Lifetime)
			continue
		}
		if rec.Lifetime > math.MaxUint16 {
			return fmt.Errorf("locator update: locator %d lifetime %d s does not fit the 16-bit RFC 6743 field", i+1, rec.Lifetime)
		}
		binary.BigEndian.PutUint16(r[10:12], uint16(rec.Lifetime))
	}
	return nil
}

// SameLocators reports whether a and b list the same set of locators,
// ignoring order, preference and lifetime (how an LU-ack is matched to
// its LU, and a probe reply's echoed set to its probe's).
func SameLocators(a, b []LocatorRecord) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.ContainsFunc(b, func(y LocatorRecord) bool { return y.Locator == x.Locator }) {
			return false
		}
	}
	for _, y := range b {
		if !slices.ContainsFunc(a, func(x LocatorRecord) bool { return x.Locator == y.Locator }) {
			return false
		}
	}
	return true
}

func decodeLocatorUpdate(data []byte, p gopacket.PacketBuilder) error {
	lu := &LocatorUpdate{}
	if err := lu.DecodeFromBytes(data, p); err != nil {
		return err
	}
	p.AddLayer(lu)
	return nil
}
