package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat:
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// cpuSeconds returns the user plus system CPU time process pid has used
// ("self" for this process), from /proc/PID/stat.
func cpuSeconds(pid string) (float64, error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14, stime 15.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%s/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%s/stat: unexpected format", pid)
	}
	var ticks float64
	for _, s := range f[11:13] {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%s/stat: %w", pid, err)
		}
		ticks += float64(v)
	}
	return ticks / clockTicks, nil
}

// cpuUse is the CPU time used within the measured window, in seconds: by
// the generator itself, by the servers (-1 when --server-pid is not given
// or could not be read) and by the database server with its children (-1
// when --store-pid is not given or could not be read).
type cpuUse struct {
	generator, server, store float64
}

// serversCPU returns the summed CPU time of pids, or -1 if there are none
// or one could not be read.
func serversCPU(pids []int) float64 {
	if len(pids) == 0 {
		return -1
	}
	var sum float64
	for _, pid := range pids {
		v, err := cpuSeconds(strconv.Itoa(pid))
		if err != nil {
			return -1
		}
		sum += v
	}
	return sum
}

// treeCPU returns the CPU time of pid and of its live child processes (a
// PostgreSQL postmaster's backends and background workers), or -1 if pid
// could not be read. A child that exits within the window takes its time
// with it, so this is a floor; a connection pool keeps its backends.
func treeCPU(pid int) float64 {
	if pid <= 0 {
		return -1
	}
	sum, err := cpuSeconds(strconv.Itoa(pid))
	if err != nil {
		return -1
	}
	ents, _ := os.ReadDir("/proc")
	parent := strconv.Itoa(pid)
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		i := strings.LastIndexByte(string(b), ')')
		f := strings.Fields(string(b[i+1:]))
		if i < 0 || len(f) < 13 || f[1] != parent {
			continue
		}
		if v, err := cpuSeconds(e.Name()); err == nil {
			sum += v
		}
	}
	return sum
}

// sampleCPU reads the CPU time of this process, of serverPIDs and of the
// storePID tree at from and at to, and returns the differences. It returns
// early, with what it has, when ctx is done.
func sampleCPU(ctx context.Context, serverPIDs []int, storePID int, from, to time.Time) cpuUse {
	read := func() cpuUse {
		gen, _ := cpuSeconds("self")
		return cpuUse{generator: gen, server: serversCPU(serverPIDs), store: treeCPU(storePID)}
	}
	sleepUntil := func(t time.Time) bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(time.Until(t)):
			return true
		}
	}
	if !sleepUntil(from) {
		return cpuUse{server: -1, store: -1}
	}
	a := read()
	if !sleepUntil(to) {
		return cpuUse{server: -1, store: -1}
	}
	b := read()
	u := cpuUse{generator: b.generator - a.generator, server: -1, store: -1}
	if a.server >= 0 && b.server >= 0 {
		u.server = b.server - a.server
	}
	if a.store >= 0 && b.store >= 0 {
		u.store = b.store - a.store
	}
	return u
}
