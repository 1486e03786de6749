package procs

import "syscall"

// childAttr puts a function instance in its own process group (so a kill reaches anything it
// started) and has the kernel kill it if devstack dies.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
