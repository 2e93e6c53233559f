// Command smokeapp is the one binary of the cluster smoke test's images:
//
//	smokeapp pause            the pod sandbox: waits for SIGTERM
//	smokeapp serve :8080      answers every request with "hello from <hostname>"
//	smokeapp get URL WANT     GETs URL until the body contains WANT (30 s), exits 0;
//	                          otherwise exits 1; either way the outcome goes to the
//	                          pod's termination message, so the test reads it from
//	                          the pod status.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: smokeapp pause | serve ADDR | get URL WANT")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "pause":
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
		<-ch
	case "serve":
		host, _ := os.Hostname()
		srv := &http.Server{Addr: os.Args[2], ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "hello from %s\n", host)
		})}
		go func() {
			ch := make(chan os.Signal, 1)
			signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
			<-ch
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
		}()
		if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case "get":
		os.Exit(get(os.Args[2], os.Args[3]))
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", os.Args[1])
		os.Exit(2)
	}
}

func get(url, want string) int {
	deadline := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: 3 * time.Second}
	var last string
	for time.Now().Before(deadline) {
		resp, err := client.Get(url)
		if err != nil {
			last = err.Error()
		} else {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			last = fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(body)))
			if resp.StatusCode == 200 && strings.Contains(string(body), want) {
				report("ok: " + last)
				return 0
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	report("failed: " + last)
	return 1
}

func report(msg string) {
	fmt.Println(msg)
	_ = os.WriteFile("/dev/termination-log", []byte(msg), 0o644)
}
