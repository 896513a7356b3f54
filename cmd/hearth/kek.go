package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/seal"
)

// kekFlagUsage documents --kek for every command that opens the store.
const kekFlagUsage = "key-encryption key file, outside the data directory (a key file inside it is refused); " +
	"created with mode 0600 only for a store without keys; required with --store, the same file on every node " +
	"(default with --data: hearth/NAME-HASH.kek in the user's config directory, ${XDG_CONFIG_HOME:-$HOME/.config} on Linux, named after the data directory)"

// legacyKEKName is where Hearth kept the key file before it moved out of
// the data directory: DATA/hearth.kek.
const legacyKEKName = "hearth.kek"

// kekFile returns the key-encryption key file for the data directory data:
// kek if given, else the default in the user's config directory. It refuses
// (usage error) a key file inside the data directory: every copy of the
// directory would then carry the key, and crypto-shredding would no longer
// protect backups (SEC-ENCRYPT, RIGHT-ERASE).
func kekFile(data, kek string) (string, error) {
	if kek == "" {
		def, err := defaultKEKFile(data)
		if err != nil {
			return "", err
		}
		kek = def
	}
	inside, err := within(kek, data)
	if err != nil {
		return "", err
	}
	if inside {
		hint := "for example to " + defaultKEKHint(data)
		return "", usagef("--kek %s: the key file is inside the data directory %s, so every copy of the directory would carry the key "+
			"and erased people's data would stay readable in backups; move it out of the data directory (%s) and give --kek the new path", kek, data, hint)
	}
	return kek, nil
}

// defaultKEKFile returns hearth/NAME-HASH.kek in the user's config
// directory, where NAME is the data directory's base name and HASH the
// start of the SHA-256 of its absolute path with symbolic links resolved,
// so that each data directory has its own key file.
func defaultKEKFile(data string) (string, error) {
	cfgDir, err := os.UserConfigDir()
	if err != nil {
		return "", usagef("--kek: no default place for the key file (%v); give --kek FILE or set HEARTH_KEK, outside the data directory", err)
	}
	return kekFileIn(cfgDir, data)
}

// kekFileIn returns the default key file of data in the config directory
// cfgDir.
func kekFileIn(cfgDir, data string) (string, error) {
	abs, err := resolve(data)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(cfgDir, "hearth", safeName(filepath.Base(abs))+"-"+hex.EncodeToString(sum[:6])+".kek"), nil
}

// defaultKEKHint returns the default key file for data, or a placeholder
// when there is none.
func defaultKEKHint(data string) string {
	if p, err := defaultKEKFile(data); err == nil {
		return p
	}
	return "/etc/hearth/hearth.kek"
}

// safeName keeps letters, digits, '.', '-' and '_' of name, at most 40.
func safeName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_", r)) {
			return r
		}
		return '_'
	}, name)
	return name[:min(len(name), 40)]
}

// resolve returns p made absolute with the symbolic links of its longest
// existing prefix resolved, so a path names the same place before and after
// the directories it names are created.
func resolve(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", p, err)
	}
	rest := ""
	for dir := abs; ; dir = filepath.Dir(dir) {
		if r, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(r, rest), nil
		}
		if filepath.Dir(dir) == dir {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(dir), rest)
	}
}

// within reports whether path is dir or inside it, after resolving both.
func within(path, dir string) (bool, error) {
	p, err := resolve(path)
	if err != nil {
		return false, err
	}
	d, err := resolve(dir)
	if err != nil {
		return false, err
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)), nil
}

// openKEK loads the key-encryption key for store from path. It creates a
// new key only when the key store (keys.db, or the key database) holds no
// data key (a fresh install); a missing key file or another key than the
// one wrapping the stored keys is refused with what to do, and nothing is
// created (SEC-ENCRYPT).
func openKEK(ctx context.Context, store hearth.KEKInventory, cfg serveConfig, path string) (*seal.KEK, error) {
	ids, err := store.KEKIDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("list key-encryption keys in %s: %w", cfg.keysName(), err)
	}
	data, what := cfg.Data, "data directory"
	if cfg.postgresStore() {
		data, what = "", "store"
	}
	kek, err := seal.OpenKEK(path, ids)
	switch {
	case errors.Is(err, seal.ErrKEKMissing):
		return nil, fmt.Errorf("%w.\nHearth creates a new key only for a %s without keys, since a new key could not read any stored data.\n"+
			"Give --kek (or HEARTH_KEK) the key file this %s was used with.%s", err, what, what, legacyHint(data, path))
	case errors.Is(err, seal.ErrKEKMismatch):
		return nil, fmt.Errorf("%w.\nGive --kek (or HEARTH_KEK) the key file whose key has ID %s: the one this %s's %s was made with",
			err, strings.Join(ids, ", "), what, cfg.keysName())
	case err != nil:
		return nil, fmt.Errorf("load key-encryption key: %w", err)
	}
	return kek, nil
}

// legacyHint tells how to move a key file left in the data directory by an
// older Hearth to path, if there is one ("" when data is "").
func legacyHint(data, path string) string {
	if data == "" {
		return ""
	}
	old := filepath.Join(data, legacyKEKName)
	if _, err := os.Stat(old); errors.Is(err, fs.ErrNotExist) || err != nil {
		return ""
	}
	return fmt.Sprintf("\n%s is the key file an older Hearth kept inside the data directory: move it out, for example with\n"+
		"  mkdir -p -m 700 %s && mv %s %s\nand remove it from the data directory's backups.",
		old, filepath.Dir(path), old, path)
}
