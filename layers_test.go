package hearth_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/hearth-iot/hearth"

// adapters are the packages only cmd/hearth may wire together.
var adapters = []string{
	module + "/sqlite",
	module + "/postgres",
	module + "/mqtt",
	module + "/http",
	module + "/webhook",
	"net/http",
	"github.com/mochi-mqtt/server/v2",
	"modernc.org/sqlite",
	"github.com/jackc/pgx/v5",
	"github.com/mattn/go-sqlite3",
}

// TestLayers keeps the layers honest: the root package imports only the
// standard library, and services never import an adapter, net/http or the
// broker (see ARCHITECTURE.md, "Layers").
func TestLayers(t *testing.T) {
	services := map[string]bool{
		"policy": true, "ledger": true, "seal": true, "auth": true, "manifest": true,
		"household": true, "consent": true, "ingest": true, "rights": true, "notify": true, "subject": true,
		"retention": true, "firmware": true, "analytics": true, "sealstore": true, "erasure": true, "export": true,
		"events": true, "lifecycle": true, "disclosure": true,
	}
	for file, imports := range importsByFile(t) {
		dir := filepath.Dir(file)
		for _, imp := range imports {
			switch {
			case dir == ".":
				if strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") && !strings.HasSuffix(file, "_test.go") {
					t.Errorf("%s imports %s: the root package imports only the standard library", file, imp)
				}
			case services[strings.SplitN(dir, string(filepath.Separator), 2)[0]]:
				for _, a := range adapters {
					if imp == a || strings.HasPrefix(imp, a+"/") {
						t.Errorf("%s imports %s: a service must not import an adapter", file, imp)
					}
				}
			}
		}
	}
}

// importsByFile parses the imports of every non-test Go file in the module.
func importsByFile(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			out[path] = append(out[path], p)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk module: %v", err)
	}
	if len(out) == 0 {
		t.Fatal("found no Go files")
	}
	if _, err := os.Stat("go.mod"); err != nil {
		t.Fatalf("run from the module root: %v", err)
	}
	return out
}
