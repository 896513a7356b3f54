package pgtest

import "syscall"

type sysProcAttr = syscall.SysProcAttr

// credential runs a child as uid:gid.
func credential(uid, gid int) *sysProcAttr {
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
}

// dieWithParent makes the server get SIGQUIT (immediate shutdown) when the
// test binary dies, so no server outlives its tests.
func dieWithParent(a *sysProcAttr) *sysProcAttr {
	if a == nil {
		a = &syscall.SysProcAttr{}
	}
	a.Pdeathsig = syscall.SIGQUIT
	return a
}
