package libcontainer

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// A kept filter reads back as written; a damaged or foreign one is not
// used (the exec compiles again).
func TestExecFilterFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), execFilterFile)
	want := &initFilter{insns: bytes.Repeat([]byte{6, 0, 0, 0, 0, 0, 0xff, 0x7f}, 3), flags: 4}
	if err := writeExecFilter(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := readExecFilter(path)
	if err != nil || !bytes.Equal(got.insns, want.insns) || got.flags != want.flags {
		t.Fatalf("read back %+v, %v; wrote %+v", got, err, want)
	}
	data, _ := os.ReadFile(path)
	for name, bad := range map[string][]byte{
		"flipped bit":    append(append([]byte{}, data[:len(data)-1]...), data[len(data)-1]^1),
		"truncated":      data[:len(data)-3],
		"other berth":    bytes.Replace(data, []byte("berth-exec-filter/1"), []byte("berth-exec-filter/0"), 1),
		"other compiler": bytes.Replace(data, []byte("libseccomp/"), []byte("libseccomp/9"), 1),
		"empty":          nil,
	} {
		os.WriteFile(path, bad, 0o600)
		if _, err := readExecFilter(path); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
