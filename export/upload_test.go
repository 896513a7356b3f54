package export

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth"
)

// A read error of the upload (a network timeout names addresses) is
// refused with a message that does not carry it.
func TestSpoolUploadReadError(t *testing.T) {
	cause := errors.New("read tcp 192.0.2.7:443->198.51.100.9:5000: i/o timeout")
	_, err := spoolUpload(io.MultiReader(strings.NewReader("PK"), errReader{cause}), 1<<20, t.TempDir())
	if hearth.ErrorCode(err) != hearth.EINVALID || !errors.Is(err, cause) {
		t.Fatalf("spoolUpload with a failing reader: %v, want EINVALID wrapping the cause", err)
	}
	if msg := hearth.ErrorMessage(err); strings.Contains(msg, "192.0.2.7") || strings.Contains(msg, "198.51.100.9") {
		t.Errorf("message %q names a network address", msg)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
