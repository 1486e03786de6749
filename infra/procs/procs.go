// Package procs starts child processes that die with this one. Linux ties a child's parent-death
// signal (Pdeathsig) to the thread that forked it, not to the process: a thread that ends (Go ends
// a thread whose locked goroutine returns) would kill the children it forked. So every child is
// started from one OS thread that is locked and never ends, and children die with us and only then.
package procs

import (
	"os/exec"
	"runtime"
	"sync"
)

type request struct {
	cmd *exec.Cmd
	err chan error
}

var starter = sync.OnceValue(func() chan request {
	reqs := make(chan request)
	go func() {
		runtime.LockOSThread() // never unlocked, and this goroutine never returns
		for req := range reqs {
			req.err <- req.cmd.Start()
		}
	}()
	return reqs
})

// Start starts cmd in its own process group, set to be killed when this process dies (on Linux).
func Start(cmd *exec.Cmd) error {
	cmd.SysProcAttr = childAttr()
	errc := make(chan error, 1)
	starter() <- request{cmd: cmd, err: errc}
	return <-errc
}
