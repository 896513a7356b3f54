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
// the generator itself and by the server (-1 when --server-pid is not given
// or could not be read).
type cpuUse struct {
	generator, server float64
}

// sampleCPU reads the CPU time of this process and of serverPID (when not
// 0) at from and at to, and returns the differences. It returns early, with
// what it has, when ctx is done.
func sampleCPU(ctx context.Context, serverPID int, from, to time.Time) cpuUse {
	read := func() (gen, srv float64) {
		gen, _ = cpuSeconds("self")
		srv = -1
		if serverPID > 0 {
			if v, err := cpuSeconds(strconv.Itoa(serverPID)); err == nil {
				srv = v
			}
		}
		return gen, srv
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
		return cpuUse{server: -1}
	}
	g0, s0 := read()
	if !sleepUntil(to) {
		return cpuUse{server: -1}
	}
	g1, s1 := read()
	u := cpuUse{generator: g1 - g0, server: -1}
	if s0 >= 0 && s1 >= 0 {
		u.server = s1 - s0
	}
	return u
}
