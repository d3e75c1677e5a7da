package unix

import (
	"bytes"
	"encoding/binary"

	"golang.org/x/sys/unix"
)

const (
	// familyLen is offsetof(struct sockaddr_un, sun_path).
	familyLen = 2
	// sizeofSockaddrUn is sizeof(struct sockaddr_un).
	sizeofSockaddrUn = 110
)

// Address is the name of a unix socket (unix(7)).
type Address struct {
	// Abstract names live in the sandbox's abstract namespace; the
	// others are filesystem paths.
	Abstract bool
	// Name is the bytes after the leading NUL for an abstract name (NULs
	// included), or the path up to its first NUL.
	Name string
}

// parseResult says what a sockaddr_un asked for.
type parseResult int

const (
	parsedName     parseResult = iota
	parsedAutobind             // only sun_family: bind picks a name
)

// parseAddress checks a sockaddr_un as unix_validate_addr does. An
// address of exactly sun_family (AF_UNIX) asks for an autobind, which
// only bind accepts; the others reject it as EINVAL.
func parseAddress(b []byte) (*Address, parseResult, error) {
	if len(b) < familyLen || len(b) > sizeofSockaddrUn {
		return nil, 0, unix.EINVAL
	}
	if binary.LittleEndian.Uint16(b) != unix.AF_UNIX {
		return nil, 0, unix.EINVAL
	}
	if len(b) == familyLen {
		return nil, parsedAutobind, nil
	}
	p := b[familyLen:]
	if p[0] == 0 {
		return &Address{Abstract: true, Name: string(p[1:])}, parsedName, nil
	}
	if i := bytes.IndexByte(p, 0); i >= 0 {
		p = p[:i]
	}
	return &Address{Name: string(p)}, parsedName, nil
}

// Marshal encodes a as getsockname reports it: sun_family, then the
// abstract name after its NUL, or the path and its terminating NUL.
func (a *Address) Marshal() []byte {
	if a == nil {
		return unnamed()
	}
	b := make([]byte, familyLen, familyLen+len(a.Name)+1)
	binary.LittleEndian.PutUint16(b, unix.AF_UNIX)
	if a.Abstract {
		b = append(b, 0)
		return append(b, a.Name...)
	}
	b = append(b, a.Name...)
	return append(b, 0)
}

// unnamed is the address of an unbound socket: only sun_family.
func unnamed() []byte {
	b := make([]byte, familyLen)
	binary.LittleEndian.PutUint16(b, unix.AF_UNIX)
	return b
}
