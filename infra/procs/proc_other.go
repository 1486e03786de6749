//go:build !linux

package procs

import "syscall"

// childAttr puts a function instance in its own process group. Without Linux's parent-death
// signal, instances outlive a devstack that is killed with SIGKILL; Close still stops them.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
