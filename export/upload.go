package export

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"os"

	"github.com/hearth-iot/hearth"
)

// upload is an uploaded archive kept in a temporary file, encrypted with
// AES-CTR under a key only this process holds (the archive is personal
// data in the clear), readable at any offset, as archive/zip needs.
type upload struct {
	f     *os.File
	block cipher.Block
	iv    [aes.BlockSize]byte
	size  int64
}

// spoolUpload copies at most limit bytes of r into an encrypted temporary
// file in dir. ETOOLARGE if r holds more.
func spoolUpload(r io.Reader, limit int64, dir string) (*upload, error) {
	f, err := os.CreateTemp(dir, "hearth-import-*")
	if err != nil {
		return nil, fmt.Errorf("create import spool: %w", err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	u := &upload{f: f}
	rand.Read(u.iv[:])
	if u.block, err = aes.NewCipher(key); err != nil {
		u.Close()
		return nil, fmt.Errorf("import spool cipher: %w", err)
	}
	w := cipher.StreamWriter{S: cipher.NewCTR(u.block, u.iv[:]), W: f}
	if u.size, err = io.Copy(w, io.LimitReader(r, limit+1)); err != nil {
		u.Close()
		// The cause (such as "read tcp ADDR->ADDR: i/o timeout") names
		// network addresses: it stays out of the message people see.
		return nil, &hearth.Error{Code: hearth.EINVALID, Message: "the upload could not be read to its end: it stopped or took too long; send it again", Err: err}
	}
	if u.size > limit {
		u.Close()
		return nil, &hearth.Error{Code: hearth.ETOOLARGE, Message: fmt.Sprintf("an import may be at most %d bytes", limit)}
	}
	return u, nil
}

// ReadAt implements io.ReaderAt: CTR mode can start at any block.
func (u *upload) ReadAt(p []byte, off int64) (int, error) {
	n, err := u.f.ReadAt(p, off)
	iv := u.iv
	ctr := binary.BigEndian.Uint64(iv[8:]) + uint64(off/aes.BlockSize)
	if ctr < binary.BigEndian.Uint64(iv[8:]) { // the low half wrapped: carry
		binary.BigEndian.PutUint64(iv[:8], binary.BigEndian.Uint64(iv[:8])+1)
	}
	binary.BigEndian.PutUint64(iv[8:], ctr)
	stream := cipher.NewCTR(u.block, iv[:])
	var skip [aes.BlockSize]byte
	stream.XORKeyStream(skip[:off%aes.BlockSize], skip[:off%aes.BlockSize])
	stream.XORKeyStream(p[:n], p[:n])
	return n, err
}

// Close removes the temporary file.
func (u *upload) Close() error {
	u.f.Close()
	return os.Remove(u.f.Name())
}

// ImportFrom authorises t, reads an archive of at most limit bytes from r
// into an encrypted temporary file, verifies it (Open) and imports it
// (Import). It authorises before reading, so a caller who may not import
// uploads nothing. Errors: those of Import and Open, and ETOOLARGE for an
// archive over limit.
func (s *Service) ImportFrom(ctx context.Context, r io.Reader, limit int64, t Target) (*ImportResult, error) {
	if err := s.mayImport(ctx, t); err != nil {
		return nil, err
	}
	u, err := spoolUpload(r, limit, s.cfg.TempDir)
	if err != nil {
		return nil, err
	}
	defer u.Close()
	a, err := Open(u, u.size)
	if err != nil {
		return nil, err
	}
	return s.Import(ctx, a, t)
}
