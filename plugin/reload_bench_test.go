package plugin

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/plugin/routes/routestest"
)

// reloadSizes are the shard sizes that matter: 10,000 offers over 16 shards (625 each,
// the largest 643), a shard at the controller's 80 % warning, and a full shard.
var reloadSizes = []int{643, 1990, 2484}

// BenchmarkReloadShard is what a gate does when its shard changes: parse the document
// and install its table (source.Deliver through the loader, as the watch delivers it;
// offers compile on their first request, BenchmarkCompileOffer). It also reports the
// heap per offer, as loaded and with every offer compiled.
func BenchmarkReloadShard(b *testing.B) {
	for _, n := range reloadSizes {
		n := n
		b.Run(fmt.Sprintf("offers=%d", n), func(b *testing.B) {
			docs := [][]byte{routestest.Simple(n, 1, 0), routestest.Simple(n, 2, 0)}
			if len(docs[0]) > routes.MaxDocumentBytes {
				b.Fatalf("%d offers take %d bytes, more than a ConfigMap", n, len(docs[0]))
			}
			// install logs every load on stdout (Traefik's debug log).
			stdout := os.Stdout
			if null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
				os.Stdout = null
				defer func() { os.Stdout = stdout; null.Close() }()
			}
			l := newLoader("bench", metrics.NewRegistry())
			b.ReportAllocs()
			b.SetBytes(int64(len(docs[0])))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				l.apply(docs[i%2])
				if t := l.table(); t == nil || len(t.offers) != n {
					b.Fatalf("reload %d: table not installed", i)
				}
			}
			b.StopTimer()
			loaded, compiled := heapPerOffer(b, docs[0], n)
			b.ReportMetric(float64(loaded), "heap-bytes/offer")
			b.ReportMetric(float64(compiled), "compiled-heap-bytes/offer")
		})
	}
}

// heapPerOffer is the live heap a loaded document of n offers keeps, per offer: as
// loaded, and once every offer served a request (compiled, with prepared challenges).
func heapPerOffer(b *testing.B, doc []byte, n int) (loaded, compiled uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	l := newLoader("heap", metrics.NewRegistry())
	l.apply(doc)
	runtime.GC()
	runtime.ReadMemStats(&after)
	t := l.table()
	if t == nil || len(t.offers) != n {
		b.Fatal("table not installed")
	}
	loaded = perOffer(before, after, n)
	before = after
	for key := range t.offers {
		if offerOf(t, key) == nil {
			b.Fatalf("offer %s does not compile", key)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	// t stays reachable through l until here.
	if l.table() != t {
		b.Fatal("table replaced")
	}
	return loaded, loaded + perOffer(before, after, n)
}

func perOffer(before, after runtime.MemStats, n int) uint64 {
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return (after.HeapAlloc - before.HeapAlloc) / uint64(n)
}

// BenchmarkCompileOffer is the first request's extra cost after a reload: compiling
// its offer's table entry.
func BenchmarkCompileOffer(b *testing.B) {
	doc, err := routes.Parse(routestest.Simple(1, 1, 0))
	if err != nil {
		b.Fatal(err)
	}
	m := metrics.NewRegistry()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := compileOffer(&doc.Offers[0], m); err != nil {
			b.Fatal(err)
		}
	}
}
