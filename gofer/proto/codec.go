package proto

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Limits on the sizes of messages and of their parts. A decoder rejects
// anything larger, so a peer can never make the other side allocate more
// than MaxMessageSize bytes for one message.
const (
	// MaxMessageSize is the largest packet either side sends or accepts.
	MaxMessageSize = 64 << 10
	// MaxStringLen is the longest string (a path component or a symlink
	// target) in a message: PATH_MAX.
	MaxStringLen = 4096
	// MaxNameLen is the longest single path component: NAME_MAX.
	MaxNameLen = 255
	// MaxWalkNames is the most components one Walk request may name.
	MaxWalkNames = 256
	// MaxFDs is the most host FDs one message may carry.
	MaxFDs = 1
)

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("malformed gofer message")

// Encoder appends little-endian values to a buffer.
type Encoder struct {
	buf []byte
}

// Bytes returns the encoded message.
func (e *Encoder) Bytes() []byte { return e.buf }

// Uint8 appends v.
func (e *Encoder) Uint8(v uint8) { e.buf = append(e.buf, v) }

// Uint16 appends v.
func (e *Encoder) Uint16(v uint16) { e.buf = binary.LittleEndian.AppendUint16(e.buf, v) }

// Uint32 appends v.
func (e *Encoder) Uint32(v uint32) { e.buf = binary.LittleEndian.AppendUint32(e.buf, v) }

// Uint64 appends v.
func (e *Encoder) Uint64(v uint64) { e.buf = binary.LittleEndian.AppendUint64(e.buf, v) }

// Int64 appends v.
func (e *Encoder) Int64(v int64) { e.Uint64(uint64(v)) }

// Bool appends v as one byte.
func (e *Encoder) Bool(v bool) {
	if v {
		e.Uint8(1)
	} else {
		e.Uint8(0)
	}
}

// String appends a uint32 length followed by the bytes of s.
func (e *Encoder) String(s string) {
	e.Uint32(uint32(len(s)))
	e.buf = append(e.buf, s...)
}

// Decoder reads little-endian values from a buffer. The first failure is
// sticky: after it every read returns a zero value and Err reports it.
type Decoder struct {
	buf []byte
	off int
	err error
}

// NewDecoder returns a decoder reading buf.
func NewDecoder(buf []byte) *Decoder { return &Decoder{buf: buf} }

// Err returns the first decoding error, if any.
func (d *Decoder) Err() error { return d.err }

// Remaining returns the number of undecoded bytes.
func (d *Decoder) Remaining() int { return len(d.buf) - d.off }

// Fail records a decoding error unless one is already recorded.
func (d *Decoder) Fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s (at offset %d of %d)", ErrMalformed, fmt.Sprintf(format, args...), d.off, len(d.buf))
	}
}

// Finish records an error if bytes are left over, and returns Err.
func (d *Decoder) Finish() error {
	if d.err == nil && d.Remaining() != 0 {
		d.Fail("%d trailing bytes", d.Remaining())
	}
	return d.err
}

func (d *Decoder) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > d.Remaining() {
		d.Fail("truncated %s: need %d bytes, have %d", what, n, d.Remaining())
		return nil
	}
	b := d.buf[d.off : d.off+n]
	d.off += n
	return b
}

// Uint8 reads a byte.
func (d *Decoder) Uint8() uint8 {
	b := d.take(1, "uint8")
	if b == nil {
		return 0
	}
	return b[0]
}

// Uint16 reads a uint16.
func (d *Decoder) Uint16() uint16 {
	b := d.take(2, "uint16")
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint16(b)
}

// Uint32 reads a uint32.
func (d *Decoder) Uint32() uint32 {
	b := d.take(4, "uint32")
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

// Uint64 reads a uint64.
func (d *Decoder) Uint64() uint64 {
	b := d.take(8, "uint64")
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

// Int64 reads an int64.
func (d *Decoder) Int64() int64 { return int64(d.Uint64()) }

// Bool reads a byte that must be 0 or 1.
func (d *Decoder) Bool() bool {
	v := d.Uint8()
	if v > 1 {
		d.Fail("bad bool %d", v)
		return false
	}
	return v == 1
}

// String reads a length-prefixed string of at most max bytes.
func (d *Decoder) String(max int) string {
	n := d.Uint32()
	if d.err != nil {
		return ""
	}
	if uint64(n) > uint64(max) {
		d.Fail("string of %d bytes exceeds limit %d", n, max)
		return ""
	}
	b := d.take(int(n), "string")
	if b == nil {
		return ""
	}
	return string(b)
}

// Count reads a uint32 element count and checks it against max and
// against the bytes left, given that each element takes at least minSize
// bytes. It returns 0 after any failure, so callers can allocate safely.
func (d *Decoder) Count(max, minSize int, what string) int {
	n := d.Uint32()
	if d.err != nil {
		return 0
	}
	if uint64(n) > uint64(max) {
		d.Fail("%d %s exceed limit %d", n, what, max)
		return 0
	}
	if minSize > 0 && uint64(n)*uint64(minSize) > uint64(d.Remaining()) {
		d.Fail("%d %s cannot fit in %d bytes", n, what, d.Remaining())
		return 0
	}
	return int(n)
}
