package web

import (
	"strings"
	"testing"
)

// TestQRSVG draws a code whose size grows with its text and whose label is
// escaped.
func TestQRSVG(t *testing.T) {
	short, err := QRSVG("https://h.example/privacy", `notice "link"`)
	if err != nil {
		t.Fatal(err)
	}
	long, err := QRSVG("https://h.example/privacy?"+strings.Repeat("x", 200), "notice")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(short), `aria-label="notice &#34;link&#34;"`) {
		t.Errorf("label not escaped: %.200s", short)
	}
	if strings.Count(string(long), "h1v1") <= strings.Count(string(short), "h1v1") {
		t.Error("a longer text did not draw more modules")
	}
}
