// Command pause is the pod sandbox ("pause") container of the test cluster: it holds
// the pod's namespaces open, reaps the zombies it inherits when it is PID 1 of a pod
// that shares its process namespace, and exits 0 on SIGTERM or SIGINT. The test
// machine cannot pull registry.k8s.io/pause, so `make images` builds this one (static,
// no base layer) for containerd's sandbox image setting.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	os.Exit(run(sigs, reapAll))
}

// run waits for signals: SIGCHLD reaps, a stop signal ends with exit code 0. Kept
// apart from main so a test can drive it with its own channel.
func run(sigs <-chan os.Signal, reap func() []int) int {
	for s := range sigs {
		if s == syscall.SIGCHLD {
			reap()
			continue
		}
		fmt.Fprintf(os.Stderr, "pause: %s, exiting\n", s)
		return 0
	}
	return 0
}

// reapAll collects every exited child without blocking and returns their pids.
// SIGCHLD is not queued per child, so one signal may stand for several exits.
func reapAll() []int {
	var pids []int
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			return pids
		}
		pids = append(pids, pid)
	}
}
