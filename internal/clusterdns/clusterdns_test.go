package clusterdns

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"sort"
	"testing"
	"time"
)

// resolver is Go's own stub resolver pointed at s, over UDP or TCP.
func resolver(s *Server, network string) *net.Resolver {
	addr := s.udp.LocalAddr().String()
	if network == "tcp" {
		addr = s.tcp.Addr().String()
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
}

func TestResolverAgainstServer(t *testing.T) {
	records := NewRecords()
	records.Set("web.smoke.svc.cluster.local", []net.IP{net.ParseIP("10.96.0.20")})
	records.Set("Headless.Smoke.svc.cluster.local.", []net.IP{net.ParseIP("10.244.0.7"), net.ParseIP("10.244.0.8")})
	s, err := Listen("127.0.0.1:0", records)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	s.Serve()
	t.Cleanup(s.Close)
	cases := []struct {
		desc, network, name string
		want                []string
		notFound            bool
	}{
		{desc: "service over UDP", network: "udp", name: "web.smoke.svc.cluster.local", want: []string{"10.96.0.20"}},
		{desc: "service over TCP", network: "tcp", name: "web.smoke.svc.cluster.local.", want: []string{"10.96.0.20"}},
		{desc: "case-insensitive, several addresses", network: "udp", name: "HEADLESS.smoke.svc.cluster.local", want: []string{"10.244.0.7", "10.244.0.8"}},
		{desc: "unknown service", network: "udp", name: "nope.smoke.svc.cluster.local", notFound: true},
		{desc: "outside the cluster", network: "udp", name: "example.com", notFound: true},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			got, err := resolver(s, tc.network).LookupHost(ctx, tc.name)
			if tc.notFound {
				var dnsErr *net.DNSError
				if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
					t.Fatalf("LookupHost(%q) = %v, %v; want a not-found error", tc.name, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("LookupHost(%q): %v", tc.name, err)
			}
			sort.Strings(got)
			if len(got) != len(tc.want) {
				t.Fatalf("LookupHost(%q) = %v, want %v", tc.name, got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("LookupHost(%q) = %v, want %v", tc.name, got, tc.want)
				}
			}
		})
	}
}

func query(name string, qtype uint16) []byte {
	q := header(0x1234, 0x0100, 1, 0)
	for _, l := range splitLabels(name) {
		q = append(q, byte(len(l)))
		q = append(q, l...)
	}
	q = append(q, 0)
	q = binary.BigEndian.AppendUint16(q, qtype)
	return binary.BigEndian.AppendUint16(q, classIN)
}

func splitLabels(name string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(name); i++ {
		if i == len(name) || name[i] == '.' {
			out = append(out, name[start:i])
			start = i + 1
		}
	}
	return out
}

func TestAnswerCodes(t *testing.T) {
	records := NewRecords()
	records.Set("web.smoke.svc.cluster.local", []net.IP{net.ParseIP("10.96.0.20")})
	const typeAAAA = 28
	cases := []struct {
		desc      string
		query     []byte
		wantRcode uint16
		wantAn    uint16
		wantErr   bool
	}{
		{desc: "A of a service", query: query("web.smoke.svc.cluster.local", typeA), wantRcode: rcodeOK, wantAn: 1},
		{desc: "AAAA of a service is NODATA, not NXDOMAIN", query: query("web.smoke.svc.cluster.local", typeAAAA), wantRcode: rcodeOK, wantAn: 0},
		{desc: "unknown name", query: query("x.smoke.svc.cluster.local", typeA), wantRcode: rcodeNX},
		{desc: "truncated question", query: query("web.smoke.svc.cluster.local", typeA)[:20], wantRcode: rcodeFmt},
		{desc: "shorter than a header", query: []byte{1, 2, 3}, wantErr: true},
		{desc: "a response is not answered", query: header(1, 0x8000, 0, 0), wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			resp, err := records.Answer(tc.query)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Answer = %x, want an error", resp)
				}
				return
			}
			if err != nil {
				t.Fatalf("Answer: %v", err)
			}
			if id := binary.BigEndian.Uint16(resp[0:2]); id != 0x1234 {
				t.Errorf("id = %#x, want the query's 0x1234", id)
			}
			flags := binary.BigEndian.Uint16(resp[2:4])
			if flags&0x8000 == 0 {
				t.Errorf("QR bit not set in %#x", flags)
			}
			if rc := flags & 0xF; rc != tc.wantRcode {
				t.Errorf("rcode = %d, want %d", rc, tc.wantRcode)
			}
			if an := binary.BigEndian.Uint16(resp[6:8]); an != tc.wantAn {
				t.Errorf("answers = %d, want %d", an, tc.wantAn)
			}
		})
	}
}
