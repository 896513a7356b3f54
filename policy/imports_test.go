package policy_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPure keeps policy pure (ARCHITECTURE.md: "the only place privacy rules
// live", no I/O): its code imports only the standard library's pure
// packages, the root package and manifest, and never reads the clock.
func TestPure(t *testing.T) {
	allowed := map[string]bool{
		"fmt": true, "math": true, "math/bits": true, "strconv": true, "time": true,
		"github.com/hearth-iot/hearth": true, "github.com/hearth-iot/hearth/manifest": true,
	}
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("list Go files: %v (%d files)", err, len(files))
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); !allowed[p] {
				t.Errorf("%s imports %s: policy imports only pure packages, hearth and manifest", name, p)
			}
		}
		if strings.Contains(string(src), "time.Now") {
			t.Errorf("%s reads the clock: the time is an argument", name)
		}
	}
}
