package source

import (
	"fmt"
	"os"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// PollFile watches a file in a ConfigMap directory mount until stop closes. The
// kubelet swaps the `..data` symlink atomically and os.ReadFile follows it; the content
// hash decides whether anything changed (modification times are not reliable across
// the swap, and fsnotify needs syscall, which Yaegi refuses).
func PollFile(s *Sink, path string, interval time.Duration, stop chan struct{}) {
	ReadFile(s, path)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			ReadFile(s, path)
		}
	}
}

// ReadFile reads the file once and delivers it.
func ReadFile(s *Sink, path string) {
	f, err := os.Open(path)
	if err != nil {
		Missing(s, err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		Missing(s, err)
		return
	}
	if st.Size() > routes.MaxDocumentBytes {
		refuse(s, fmt.Errorf("routes file %s is %d bytes, limit %d", path, st.Size(), routes.MaxDocumentBytes))
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		Missing(s, err)
		return
	}
	Deliver(s, data)
}
