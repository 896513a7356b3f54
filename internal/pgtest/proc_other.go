//go:build !linux

package pgtest

import "syscall"

type sysProcAttr = syscall.SysProcAttr

func credential(uid, gid int) *sysProcAttr { return nil }

func dieWithParent(a *sysProcAttr) *sysProcAttr { return a }
