// Package pgtest gives tests a real PostgreSQL server: a throwaway cluster
// in a temporary directory on a loopback port, started on first use and
// stopped when the test binary ends (on Linux, also killed with it if it
// dies), or the
// server named by $HEARTH_TEST_POSTGRES. Each test gets databases of its
// own.
//
// A package that uses it runs its tests through Main:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// The cluster is for tests only: it runs with fsync off, so a crash of the
// machine (not of a Hearth process) loses its commits.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable that points the tests at an
// existing server instead (a URL of a role that may create databases).
const EnvURL = "HEARTH_TEST_POSTGRES"

var (
	once    sync.Once
	shared  *Cluster
	initErr error
	seq     atomic.Int64
)

// Main runs the tests and then stops the cluster if one was started. Use it
// from TestMain.
func Main(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		shared.Stop()
	}
	return code
}

// Cluster is a running PostgreSQL server.
type Cluster struct {
	// URL is a connection URL for the superuser's "postgres" database.
	URL string
	dir string
	cmd *exec.Cmd
}

// Shared returns the cluster every test of this binary shares, starting it
// on first use. It fails t if there is no server and none can be started.
func Shared(t testing.TB) *Cluster {
	t.Helper()
	once.Do(func() {
		if u := os.Getenv(EnvURL); u != "" {
			shared = &Cluster{URL: u}
			return
		}
		shared, initErr = Start()
	})
	if initErr != nil {
		t.Fatalf("PostgreSQL for tests: %v", initErr)
	}
	return shared
}

// Database creates a fresh, empty database on the shared cluster and
// returns its URL.
func Database(t testing.TB) string {
	t.Helper()
	return Shared(t).Database(t)
}

// Store returns the URLs of two fresh databases, for a Hearth store's data
// and keys.
func Store(t testing.TB) (dataURL, keysURL string) {
	t.Helper()
	c := Shared(t)
	return c.Database(t), c.Database(t)
}

// Database creates a fresh, empty database on c and returns its URL.
func (c *Cluster) Database(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d_%d", os.Getpid(), seq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL)
	if err != nil {
		t.Fatalf("connect to test server: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		t.Fatalf("test server URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Start starts a new cluster in a temporary directory, listening on a free
// loopback port only. As root, the server runs as the "postgres" user (the
// Debian package creates it), since PostgreSQL refuses to run as root.
func Start() (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "hearth-pgtest-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir}
	cred, err := runAs(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "hearth", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C")
	initdb.SysProcAttr = cred
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		err = c.startServer(bin, data, port, cred)
		if err == nil {
			return c, nil
		}
		if attempt == 3 {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

// startServer runs postgres on port as a child that dies with this
// process, and waits until it accepts connections.
func (c *Cluster) startServer(bin, data string, port int, cred *sysProcAttr) error {
	logf, err := os.Create(filepath.Join(c.dir, "postgres.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data,
		"-c", "listen_addresses=127.0.0.1", "-c", "port="+strconv.Itoa(port),
		"-c", "unix_socket_directories=", "-c", "fsync=off", "-c", "full_page_writes=off",
		"-c", "max_connections=500", "-c", "shared_buffers=64MB")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = dieWithParent(cred)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	c.cmd = cmd
	c.URL = fmt.Sprintf("postgres://hearth@127.0.0.1:%d/postgres?sslmode=disable", port)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(c.dir, "postgres.log"))
			return fmt.Errorf("postgres exited: %v\n%s", err, log)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, c.URL)
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	return errors.New("postgres did not accept connections within 60 s")
}

// Stop stops a cluster that Start started, and removes its directory. It
// does nothing for a server named by $HEARTH_TEST_POSTGRES.
func (c *Cluster) Stop() {
	if c.cmd == nil {
		return
	}
	c.cmd.Process.Signal(os.Interrupt) // fast shutdown
	done := make(chan struct{})
	go func() { c.cmd.Process.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
	}
	os.RemoveAll(c.dir)
}

// binDir finds the directory of PostgreSQL's server programs: initdb on
// $PATH, or Debian's /usr/lib/postgresql/<version>/bin, newest first.
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("PostgreSQL's server programs (initdb, postgres) were not found: ./test.sh installs Debian's postgresql package; or set " + EnvURL + " to a server's URL")
}

// version reads the major version from /usr/lib/postgresql/<v>/bin.
func version(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// runAs returns the process attributes to run the server with: nil for a
// user other than root; as root, the "postgres" user's, after giving it dir.
func runAs(dir string) (*sysProcAttr, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("running as root, and PostgreSQL refuses to run as root: a \"postgres\" user is needed (Debian's postgresql package creates it)")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return credential(uid, gid), nil
}
