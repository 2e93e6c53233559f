// Command testupstream serves internal/testupstream: the upstream the test cluster
// puts behind the gate (image turnpike.local/testupstream, `make images`).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/turnpike-x402/turnpike/internal/testupstream"
)

func main() {
	listen := flag.String("listen", ":8080", "address to serve on")
	payer := flag.String("payer-header", "X-Turnpike-Payer", "header the gate puts the verified payer in (its payerHeader setting)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	srv := &http.Server{Addr: *listen, Handler: testupstream.New(*payer), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	fmt.Fprintf(os.Stderr, "testupstream: serving on %s\n", *listen)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "testupstream:", err)
		os.Exit(1)
	}
}
