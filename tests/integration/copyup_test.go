package integration

import (
	"os"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// copyUpTree fills dir (a directory of the rootfs) with what tmpcopyup
// must copy: files with content, owners and modes, a subdirectory, a
// symlink pointing out of the tree (copied as a link, never followed) and
// a fifo.
func copyUpTree(t *testing.T, dir string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "f"), []byte("below\n"), 0o604))
	must(os.WriteFile(filepath.Join(dir, "sub", "g"), []byte("deep\n"), 0o644))
	must(os.Chown(filepath.Join(dir, "f"), 5, 7))
	must(os.Chown(filepath.Join(dir, "sub", "g"), 9, 9))
	must(unix.Chmod(filepath.Join(dir, "sub"), 0o2755)) // os.Chmod drops a raw 0o2000
	must(os.Chown(filepath.Join(dir, "sub"), 3, 4))
	must(os.Symlink("/etc/passwd", filepath.Join(dir, "link")))
	must(os.Lchown(filepath.Join(dir, "link"), 6, 8))
	must(unix.Mkfifo(filepath.Join(dir, "fifo"), 0o620))
	must(os.Chmod(filepath.Join(dir, "fifo"), 0o620))
}

// copyUpCheck prints the copied tree inside the container.
const copyUpCheck = `for p in /tmp/f /tmp/sub /tmp/sub/g /tmp/link /tmp/fifo; do stat -c '%n %F %a %u %g' $p; done
cat /tmp/f /tmp/sub/g; readlink /tmp/link
echo new > /tmp/new && echo writable`

var copyUpWant = []string{
	"rw tmpfs",
	"/tmp/f regular file 604 5 7",
	"/tmp/sub directory 2755 3 4",
	"/tmp/sub/g regular file 644 9 9",
	"/tmp/link symbolic link 777 6 8",
	"/tmp/fifo fifo 620 0 0",
	"below", "deep", "/etc/passwd", "writable",
}

// TestTmpfsCopyUp: a tmpfs with "tmpcopyup" holds a copy of what lay
// below its mount point, with owners and modes, on a read-write and on a
// read-only rootfs (podman's --read-only puts one on /tmp); what lay
// below is left as it was.
func TestTmpfsCopyUp(t *testing.T) {
	t.Parallel()
	for _, readonly := range []bool{false, true} {
		name := map[bool]string{false: "rw-root", true: "ro-root"}[readonly]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b := e.newBundle().shell(mountOpts + `mo /tmp | cut -d' ' -f1,2 | sed 's/,[^ ]*//'
` + copyUpCheck)
			copyUpTree(t, filepath.Join(b.rootfs(), "tmp"))
			b.spec.Root.Readonly = readonly
			b.addMount(specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs",
				Options: []string{"nosuid", "nodev", "tmpcopyup", "size=1m"}})
			expectLines(t, e.runOK(b), copyUpWant...)
			if _, err := os.Stat(filepath.Join(b.rootfs(), "tmp", "new")); !os.IsNotExist(err) {
				t.Errorf("a write in the copy reached the rootfs: %v", err)
			}
		})
	}
}

// TestTmpfsCopyUpReadonlyTmpfs: a read-only tmpfs is filled before it is
// made read-only.
func TestTmpfsCopyUpReadonlyTmpfs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(`cat /tmp/f; touch /tmp/x 2>/dev/null && echo wrote || echo refused`)
	copyUpTree(t, filepath.Join(b.rootfs(), "tmp"))
	b.addMount(specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"ro", "tmpcopyup"}})
	expectLines(t, e.runOK(b), "below", "refused")
}
