//go:build !unix

package mqtt

// waitReadable returns at once where the socket cannot be polled without
// reading: an idle reader then waits in Read, holding a read buffer.
func (c *conn) waitReadable() error { return nil }
