package sqlite

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzCheckHeader: any file is accepted or refused by the header check
// without a panic, and an accepted one is a whole number of pages.
func FuzzCheckHeader(f *testing.F) {
	hdr := make([]byte, 100)
	copy(hdr, sqliteMagic)
	hdr[16], hdr[17] = 0x02, 0x00 // 512-byte pages
	f.Add(append(hdr, make([]byte, 412)...))
	f.Add(hdr)
	f.Add([]byte(sqliteMagic))
	f.Add([]byte("not a database"))
	f.Add([]byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "backup.db")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := checkHeader(p); err == nil {
			size := int64(b[16])<<8 | int64(b[17])
			if size == 1 {
				size = 65536
			}
			if int64(len(b))%size != 0 {
				t.Errorf("accepted %d bytes with %d-byte pages", len(b), size)
			}
		}
	})
}
