//go:build unix

package mqtt

import "syscall"

// waitReadable blocks until the connection has something to read (or has
// ended), its read deadline passes or it is closed, without reading
// anything. An idle reader waits here rather than in Read, so that it holds
// no buffer, and its stack, shallower than a TLS Read's, can shrink to the
// smallest size while it waits.
func (c *conn) waitReadable() error {
	rc, err := c.tcp.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Read(func(fd uintptr) bool {
		for {
			_, _, err := syscall.Recvfrom(int(fd), c.peek[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			if err == syscall.EINTR {
				continue
			}
			// EWOULDBLOCK is EAGAIN on most systems, not all.
			if err == syscall.EAGAIN || err == syscall.EWOULDBLOCK {
				return false // wait for the socket to become readable
			}
			return true // data, the end of the stream, or an error for Read to report
		}
	})
}
