package source

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// recorder is a sink that remembers what it was given.
type recorder struct {
	sink    *Sink
	applied []int64
	refused []string
	refuse  error // Apply's answer
}

func newRecorder() *recorder {
	r := &recorder{}
	r.sink = &Sink{
		Name: "test",
		Apply: func(doc *routes.Document) error {
			if r.refuse != nil {
				return r.refuse
			}
			r.applied = append(r.applied, doc.Generation)
			return nil
		},
		Refused: func(err error) { r.refused = append(r.refused, err.Error()) },
	}
	return r
}

func doc(gen string) []byte {
	return []byte(`{"schema":"` + routes.Schema + `","generation":` + gen + `,"offers":[]}`)
}

func TestDeliver(t *testing.T) {
	tests := []struct {
		desc        string
		inputs      [][]byte
		applyErr    error
		wantApplied string
		wantRefused int
	}{
		{desc: "a document is applied", inputs: [][]byte{doc("1")}, wantApplied: "1"},
		{desc: "the same bytes again are skipped", inputs: [][]byte{doc("1"), doc("1")}, wantApplied: "1"},
		{desc: "a new document is applied", inputs: [][]byte{doc("1"), doc("2")}, wantApplied: "1,2"},
		{desc: "an unparsable document is refused", inputs: [][]byte{[]byte("not json")}, wantRefused: 1},
		{desc: "an unknown schema is refused", inputs: [][]byte{[]byte(`{"schema":"v99","generation":1,"offers":[]}`)}, wantRefused: 1},
		{desc: "a document Apply refuses is reported", inputs: [][]byte{doc("1")}, applyErr: errors.New("no"), wantRefused: 1},
		{desc: "a refused document is not retried until it changes", inputs: [][]byte{[]byte("x"), []byte("x"), []byte("y")}, wantRefused: 2},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			r := newRecorder()
			r.refuse = tc.applyErr
			for _, in := range tc.inputs {
				Deliver(r.sink, in)
			}
			var got []string
			for _, g := range r.applied {
				got = append(got, strconv.FormatInt(g, 10))
			}
			if strings.Join(got, ",") != tc.wantApplied || len(r.refused) != tc.wantRefused {
				t.Fatalf("applied %v refused %v", got, r.refused)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		desc        string
		content     []byte // nil: no file
		wantApplied int
		wantRefused int
		wantMissing bool
	}{
		{desc: "no file yet", wantMissing: true},
		{desc: "a document", content: doc("3"), wantApplied: 1},
		{desc: "a file over the size limit is refused unread", content: make([]byte, routes.MaxDocumentBytes+1), wantRefused: 1},
	}
	for i, tc := range tests {
		tc := tc
		path := filepath.Join(dir, string(rune('a'+i)))
		t.Run(tc.desc, func(t *testing.T) {
			if tc.content != nil {
				if err := os.WriteFile(path, tc.content, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := newRecorder()
			ReadFile(r.sink, path)
			if len(r.applied) != tc.wantApplied || len(r.refused) != tc.wantRefused || r.sink.missing != tc.wantMissing {
				t.Fatalf("applied %v refused %v missing %v", r.applied, r.refused, r.sink.missing)
			}
		})
	}
}

func TestPollFileStops(t *testing.T) {
	path := filepath.Join(t.TempDir(), "routes.json")
	if err := os.WriteFile(path, doc("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newRecorder()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		PollFile(r.sink, path, 5*time.Millisecond, stop)
		close(done)
	}()
	time.Sleep(30 * time.Millisecond)
	close(stop)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("PollFile did not stop")
	}
	if len(r.applied) != 1 {
		t.Fatalf("applied %v, want the document once", r.applied)
	}
}
