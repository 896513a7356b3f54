package postgres_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/internal/pgtest"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/postgres"
	"github.com/hearth-iot/hearth/seal"
	"github.com/hearth-iot/hearth/sealstore"
	"github.com/hearth-iot/hearth/subject"
)

// settingsNodeEnv, when set, makes this test binary run as node B of
// TestSettingsTwoNodesLoseNoChange (see TestMain) instead of the tests.
const settingsNodeEnv = "HEARTH_TEST_SETTINGS_NODE"

// nodeConfig is what a node of TestSettingsTwoNodesLoseNoChange opens.
type nodeConfig struct {
	Data, Keys, Person string
	KEK                []byte
}

// openSettingsNode opens a store on cfg's databases, sealing with cfg's
// KEK, and a subject cache over it, as a Hearth node does; close closes
// the store.
func openSettingsNode(ctx context.Context, cfg nodeConfig) (c *subject.Cache, close func(), err error) {
	m, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	if err != nil {
		return nil, nil, fmt.Errorf("parse manifest: %w", err)
	}
	eng, err := policy.Compile(m)
	if err != nil {
		return nil, nil, fmt.Errorf("compile manifest: %w", err)
	}
	k, err := seal.NewKEK(cfg.KEK)
	if err != nil {
		return nil, nil, err
	}
	db, err := postgres.Open(ctx, cfg.Data, cfg.Keys)
	if err != nil {
		return nil, nil, err
	}
	c, err = subject.New(subject.Config{Store: sealstore.New(db, seal.NewKeyring(k, db)), Manifest: m, Policy: eng})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return c, func() { db.Close() }, nil
}

// settingsNode runs node B in a process of its own: for each line "on" or
// "off" read from standard input it stores that restriction of all the
// person's data (RestrictAll) through UpdateRights and writes "ok", or the
// error, as one line. It returns the process's exit code.
func settingsNode(conf string) int {
	var cfg nodeConfig
	if err := json.Unmarshal([]byte(conf), &cfg); err != nil {
		fmt.Fprintf(os.Stderr, "node B: %v\n", err)
		return 2
	}
	ctx := context.Background()
	c, closeNode, err := openSettingsNode(ctx, cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "node B: %v\n", err)
		return 2
	}
	defer closeNode()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		on := in.Text() == "on"
		_, err := c.UpdateRights(ctx, cfg.Person, func(st *hearth.PersonSettings) error {
			st.RestrictAll = on
			return nil
		})
		if err != nil {
			fmt.Printf("error: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Println("ok")
		}
	}
	return 0
}

// RIGHT-RESTRICT: two nodes, each a process with its own subject cache
// over a sealing store on the same databases, change one person's settings
// at the same moment, round after round: node A (this process) switches a
// feature, node B (a child process) restricts or lifts the restriction of
// all their data. After every round both changes are stored: a feature
// switched on one node never undoes a restriction stored on the other, nor
// the other way round.
func TestSettingsTwoNodesLoseNoChange(t *testing.T) {
	data, keys := pgtest.Store(t)
	cfg := nodeConfig{Data: data, Keys: keys, KEK: make([]byte, 32)}
	rand.Read(cfg.KEK)
	db, err := postgres.Open(t.Context(), data, keys)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	var hh string
	hh, cfg.Person = storeHome(t, db)
	nodeA, closeA, err := openSettingsNode(t.Context(), cfg)
	if err != nil {
		t.Fatalf("node A: %v", err)
	}
	t.Cleanup(closeA)
	send, replies := startSettingsNode(t, cfg)

	const feature, rounds = "energy-insights", 150
	for i := range rounds {
		on := i%2 == 0
		state := map[bool]string{true: "on", false: "off"}[on]
		var wg sync.WaitGroup
		var errA, errB error
		wg.Go(func() {
			if _, err := io.WriteString(send, state+"\n"); err != nil {
				errB = err
				return
			}
			if !replies.Scan() {
				errB = fmt.Errorf("node B ended: %v", replies.Err())
			} else if r := replies.Text(); r != "ok" {
				errB = fmt.Errorf("%s", r)
			}
		})
		_, errA = nodeA.SetFeature(t.Context(), cfg.Person, hh, cfg.Person, feature, on)
		wg.Wait()
		if errA != nil || errB != nil {
			t.Fatalf("round %d: SetFeature on node A: %v; UpdateRights on node B: %v", i, errA, errB)
		}
		st, err := nodeA.StoredSettings(t.Context(), cfg.Person)
		if err != nil {
			t.Fatalf("round %d: StoredSettings: %v", i, err)
		}
		if slices.Contains(st.Features, feature) != on || st.RestrictAll != on {
			t.Fatalf("round %d: stored feature on %v, restricted %v; want both %v (a change was lost)",
				i, slices.Contains(st.Features, feature), st.RestrictAll, on)
		}
	}
}

// startSettingsNode starts node B: this test binary again, with cfg in
// settingsNodeEnv. It returns node B's standard input and a scanner of
// its replies; node B ends when the test does.
func startSettingsNode(t *testing.T, cfg nodeConfig) (io.Writer, *bufio.Scanner) {
	t.Helper()
	conf, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cmd := osexec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), settingsNodeEnv+"="+string(conf))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node B: %v", err)
	}
	t.Cleanup(func() {
		in.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("node B: %v", err)
		}
	})
	return in, bufio.NewScanner(out)
}
