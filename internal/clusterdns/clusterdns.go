// Package clusterdns is the cluster DNS of the test cluster (internal/cluster): it
// answers A queries for <service>.<namespace>.svc.<domain> from the Services (and,
// for headless Services, the EndpointSlices) it is told about, and NXDOMAIN for every
// other name. That is all the product's manifests need (Services addressed by name),
// at the cost of one small server instead of building and running CoreDNS.
//
// The wire format is the RFC 1035 subset a stub resolver uses: one question, no
// compression in queries beyond what we echo, answers pointing at the question name.
package clusterdns

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
)

// Records maps fully qualified names (lower case, no trailing dot) to IPv4 addresses.
type Records struct {
	mu    sync.RWMutex
	names map[string][]net.IP
}

// NewRecords returns an empty table.
func NewRecords() *Records { return &Records{names: map[string][]net.IP{}} }

// Set replaces the addresses of name; no addresses removes it.
func (r *Records) Set(name string, ips []net.IP) {
	name = canonical(name)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(ips) == 0 {
		delete(r.names, name)
		return
	}
	r.names[name] = ips
}

// Lookup returns the addresses of name and whether it exists.
func (r *Records) Lookup(name string) ([]net.IP, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ips, ok := r.names[canonical(name)]
	return ips, ok
}

func canonical(name string) string { return strings.TrimSuffix(strings.ToLower(name), ".") }

const (
	typeA     = 1
	classIN   = 1
	rcodeOK   = 0
	rcodeFmt  = 1
	rcodeNX   = 3
	rcodeNImp = 4
	ttl       = 5 // seconds: Services come and go during tests
)

var errShort = errors.New("dns: message too short")

// Answer builds the response to one query message.
func (r *Records) Answer(query []byte) ([]byte, error) {
	if len(query) < 12 {
		return nil, errShort
	}
	id := binary.BigEndian.Uint16(query[0:2])
	flags := binary.BigEndian.Uint16(query[2:4])
	qd := binary.BigEndian.Uint16(query[4:6])
	if flags&0x8000 != 0 {
		return nil, errors.New("dns: not a query")
	}
	opcode := (flags >> 11) & 0xF
	respFlags := uint16(0x8000) | (flags & 0x7800) | 0x0400 | (flags & 0x0100) // QR, opcode, AA, RD
	if opcode != 0 || qd != 1 {
		return header(id, respFlags|rcodeNImp, 0, 0), nil
	}
	name, end, err := readName(query, 12)
	if err != nil || end+4 > len(query) {
		return header(id, respFlags|rcodeFmt, 0, 0), nil
	}
	qtype := binary.BigEndian.Uint16(query[end : end+2])
	qclass := binary.BigEndian.Uint16(query[end+2 : end+4])
	question := query[12 : end+4]
	ips, found := r.Lookup(name)
	if !found {
		return append(header(id, respFlags|rcodeNX, 1, 0), question...), nil
	}
	if qtype != typeA || qclass != classIN {
		// The name exists but has no record of that type (AAAA, say): NODATA.
		return append(header(id, respFlags|rcodeOK, 1, 0), question...), nil
	}
	msg := append(header(id, respFlags|rcodeOK, 1, uint16(len(ips))), question...)
	for _, ip := range ips {
		v4 := ip.To4()
		if v4 == nil {
			continue
		}
		msg = append(msg, 0xC0, 12) // pointer to the question's name
		msg = binary.BigEndian.AppendUint16(msg, typeA)
		msg = binary.BigEndian.AppendUint16(msg, classIN)
		msg = binary.BigEndian.AppendUint32(msg, ttl)
		msg = binary.BigEndian.AppendUint16(msg, 4)
		msg = append(msg, v4...)
	}
	return msg, nil
}

func header(id, flags, qd, an uint16) []byte {
	h := make([]byte, 12)
	binary.BigEndian.PutUint16(h[0:2], id)
	binary.BigEndian.PutUint16(h[2:4], flags)
	binary.BigEndian.PutUint16(h[4:6], qd)
	binary.BigEndian.PutUint16(h[6:8], an)
	return h
}

// readName reads an uncompressed name (queries carry none) starting at off.
func readName(msg []byte, off int) (string, int, error) {
	var labels []string
	for {
		if off >= len(msg) {
			return "", 0, errShort
		}
		n := int(msg[off])
		off++
		if n == 0 {
			break
		}
		if n&0xC0 != 0 {
			return "", 0, fmt.Errorf("dns: compressed or extended label in a question")
		}
		if off+n > len(msg) {
			return "", 0, errShort
		}
		labels = append(labels, string(msg[off:off+n]))
		off += n
		if len(labels) > 127 {
			return "", 0, errors.New("dns: name too long")
		}
	}
	return strings.Join(labels, "."), off, nil
}
