package clusterdns

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Server answers on one UDP socket and one TCP listener.
type Server struct {
	records *Records
	udp     net.PacketConn
	tcp     net.Listener
	wg      sync.WaitGroup
	// Errorf receives errors of single queries (they never stop the server).
	Errorf func(format string, args ...any)
}

// Listen binds addr (host:port) for UDP and TCP.
func Listen(addr string, records *Records) (*Server, error) {
	udp, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return nil, err
	}
	tcp, err := net.Listen("tcp4", addr)
	if err != nil {
		udp.Close()
		return nil, err
	}
	return &Server{records: records, udp: udp, tcp: tcp}, nil
}

// Serve answers until Close.
func (s *Server) Serve() {
	s.wg.Add(2)
	go s.serveUDP()
	go s.serveTCP()
}

// Close stops the server and waits for its goroutines.
func (s *Server) Close() {
	s.udp.Close()
	s.tcp.Close()
	s.wg.Wait()
}

func (s *Server) errorf(format string, args ...any) {
	if s.Errorf != nil {
		s.Errorf(format, args...)
	}
}

func (s *Server) serveUDP() {
	defer s.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, from, err := s.udp.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.errorf("clusterdns: udp read: %v", err)
			continue
		}
		resp, err := s.records.Answer(buf[:n])
		if err != nil {
			s.errorf("clusterdns: udp query from %v: %v", from, err)
			continue
		}
		if _, err := s.udp.WriteTo(resp, from); err != nil {
			s.errorf("clusterdns: udp answer to %v: %v", from, err)
		}
	}
}

func (s *Server) serveTCP() {
	defer s.wg.Done()
	for {
		conn, err := s.tcp.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.errorf("clusterdns: tcp accept: %v", err)
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			s.serveConn(conn)
		}()
	}
}

// serveConn answers length-prefixed queries (RFC 1035 4.2.2) until the client stops.
func (s *Server) serveConn(conn net.Conn) {
	for {
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		var l [2]byte
		if _, err := io.ReadFull(conn, l[:]); err != nil {
			return
		}
		q := make([]byte, binary.BigEndian.Uint16(l[:]))
		if _, err := io.ReadFull(conn, q); err != nil {
			return
		}
		resp, err := s.records.Answer(q)
		if err != nil {
			s.errorf("clusterdns: tcp query: %v", err)
			return
		}
		out := binary.BigEndian.AppendUint16(nil, uint16(len(resp)))
		if _, err := conn.Write(append(out, resp...)); err != nil {
			return
		}
	}
}
