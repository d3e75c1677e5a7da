package inet

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
)

const (
	afUnspec = unix.AF_UNSPEC
	afInet   = unix.AF_INET
	afInet6  = unix.AF_INET6

	// sizeofSockaddrIn and sizeofSockaddrIn6 are the sizes of struct
	// sockaddr_in and sockaddr_in6; sin6LenRFC2133 is the shortest
	// sockaddr_in6 Linux accepts (without sin6_scope_id).
	sizeofSockaddrIn  = 16
	sizeofSockaddrIn6 = 28
	sin6LenRFC2133    = 24
)

// addrFamily returns the family of a socket address, or -1 if it is too
// short to have one.
func addrFamily(b []byte) int {
	if len(b) < 2 {
		return -1
	}
	return int(binary.LittleEndian.Uint16(b))
}

// sockaddr is a parsed socket address.
type sockaddr struct {
	family int
	addr   tcpip.Address
	port   uint16
	scope  uint32
}

// full returns the tcpip form of a.
func (a sockaddr) full() tcpip.FullAddress {
	fa := tcpip.FullAddress{Addr: a.addr, Port: a.port}
	if a.addr.Unspecified() {
		// tcpip spells the wildcard address (INADDR_ANY, in6addr_any)
		// as the empty address.
		fa.Addr = tcpip.Address{}
	}
	if a.family == afInet6 && a.scope != 0 && header.IsV6LinkLocalUnicastAddress(a.addr) {
		fa.NIC = tcpip.NICID(a.scope)
	}
	return fa
}

// parseIn parses a sockaddr_in whose family the caller has checked.
func parseIn(b []byte) sockaddr {
	return sockaddr{
		family: afInet,
		port:   binary.BigEndian.Uint16(b[2:]),
		addr:   tcpip.AddrFrom4Slice(b[4:8]),
	}
}

// parseIn6 parses a sockaddr_in6 (at least sin6LenRFC2133 bytes) whose
// family the caller has checked. A v4-mapped address stays 16 bytes:
// tcpip's dual-stack endpoints take it in that form.
func parseIn6(b []byte) sockaddr {
	a := sockaddr{
		family: afInet6,
		port:   binary.BigEndian.Uint16(b[2:]),
		addr:   tcpip.AddrFrom16Slice(b[8:24]),
	}
	if len(b) >= sizeofSockaddrIn6 {
		a.scope = binary.LittleEndian.Uint32(b[24:])
	}
	return a
}

// isV4Mapped reports whether a is an IPv4-mapped IPv6 address.
func isV4Mapped(a tcpip.Address) bool {
	if a.Len() != 16 {
		return false
	}
	b := a.As16()
	for _, x := range b[:10] {
		if x != 0 {
			return false
		}
	}
	return b[10] == 0xff && b[11] == 0xff
}

// marshalAddr encodes fa as the socket address a socket of family
// reports: sockaddr_in for AF_INET; sockaddr_in6 for AF_INET6, with IPv4
// addresses v4-mapped.
func marshalAddr(family int, fa tcpip.FullAddress) []byte {
	if family == afInet {
		b := make([]byte, sizeofSockaddrIn)
		binary.LittleEndian.PutUint16(b, afInet)
		binary.BigEndian.PutUint16(b[2:], fa.Port)
		if fa.Addr.Len() == 4 {
			a := fa.Addr.As4()
			copy(b[4:], a[:])
		} else if isV4Mapped(fa.Addr) {
			a := fa.Addr.As16()
			copy(b[4:], a[12:])
		}
		return b
	}
	b := make([]byte, sizeofSockaddrIn6)
	binary.LittleEndian.PutUint16(b, afInet6)
	binary.BigEndian.PutUint16(b[2:], fa.Port)
	switch fa.Addr.Len() {
	case 4:
		a := fa.Addr.As4()
		b[18], b[19] = 0xff, 0xff
		copy(b[20:], a[:])
	case 16:
		a := fa.Addr.As16()
		copy(b[8:], a[:])
		if header.IsV6LinkLocalUnicastAddress(fa.Addr) {
			binary.LittleEndian.PutUint32(b[24:], uint32(fa.NIC))
		}
	}
	return b
}
