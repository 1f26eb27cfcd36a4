package seccomp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// cacheVersion names what Compile emits. Bump it with any change to the
// programs, flags or warnings Compile returns for a given profile, so that
// entries of an older berth are not used.
const cacheVersion = "berth-seccomp-cache/1"

// cacheMagic starts every cache file; the SHA-256 of the rest follows it.
const cacheMagic = "BERTHSCMP1\n"

// maxCacheFile bounds what is read of a cache file: 4096 instructions make
// 32 KiB of filter, about 44 KiB of base64 JSON.
const maxCacheFile = 1 << 20

// cacheEntry is the JSON payload of a cache file.
type cacheEntry struct {
	Key string `json:"key"`
	compiled
}

// CompileCached is Compile with a cache of compiled programs in dir (made
// 0700 if missing). An entry is keyed by the SHA-256 of the profile's JSON
// with the libseccomp version, the native architecture and cacheVersion;
// it is written atomically (a temporary file renamed into place) and
// carries a checksum: an entry that is corrupt, truncated or of another key
// is ignored and rewritten. A cache that cannot be written costs a warning,
// not the compilation.
func CompileCached(s *specs.LinuxSeccomp, dir string) (*Program, []string, error) {
	if s == nil {
		return nil, nil, nil
	}
	if err := Validate(s); err != nil {
		return nil, nil, err
	}
	key, err := cacheKey(s)
	if err != nil {
		return nil, nil, err
	}
	path := filepath.Join(dir, key+".bpf")
	if p, w, err := readCache(path, key); err == nil {
		return p, w, nil
	}
	p, w, err := Compile(s)
	if err != nil {
		return nil, nil, err
	}
	if err := writeCache(dir, path, key, p, w); err != nil {
		w = append(w, fmt.Sprintf("%s: seccomp cache not written: %v", field, err))
	}
	return p, w, nil
}

// cacheKey hashes the profile with everything else its program depends on.
func cacheKey(s *specs.LinuxSeccomp) (string, error) {
	j, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("%s: %w", field, err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", cacheVersion, LibseccompVersion(), runtime.GOARCH)
	h.Write(j)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readCache returns the entry at path if it is whole and is the one for key.
func readCache(path, key string) (*Program, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCacheFile+1))
	if err != nil {
		return nil, nil, err
	}
	payload, err := checkCacheFile(b)
	if err != nil {
		return nil, nil, err
	}
	var e cacheEntry
	if err := json.Unmarshal(payload, &e); err != nil {
		return nil, nil, err
	}
	if e.Key != key {
		return nil, nil, errors.New("entry of another key")
	}
	return e.program()
}

// checkCacheFile checks the magic and checksum and returns the payload.
func checkCacheFile(b []byte) ([]byte, error) {
	head := len(cacheMagic) + sha256.Size
	if len(b) > maxCacheFile || len(b) < head || string(b[:len(cacheMagic)]) != cacheMagic {
		return nil, errors.New("not a cache entry")
	}
	payload := b[head:]
	sum := sha256.Sum256(payload)
	if !bytes.Equal(sum[:], b[len(cacheMagic):head]) {
		return nil, errors.New("checksum mismatch")
	}
	return payload, nil
}

// writeCache writes the entry for key to path atomically.
func writeCache(dir, path, key string, p *Program, w []string) error {
	payload, err := json.Marshal(cacheEntry{Key: key, compiled: newCompiled(p, w)})
	if err != nil {
		return err
	}
	sum := sha256.Sum256(payload)
	data := append(append([]byte(cacheMagic), sum[:]...), payload...)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return writeAtomic(dir, path, data)
}

// writeAtomic writes data to a temporary file in dir, syncs it and renames
// it to path, so that a reader sees the old file or the whole new one.
func writeAtomic(dir, path string, data []byte) error {
	f, err := os.CreateTemp(dir, ".tmp-*.bpf")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
