package libcontainer

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/specconv"
)

// TestResolveOutside resolves host paths with symlinks, absolute and
// relative, and refuses those whose resolution passes through the root.
func TestResolveOutside(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "rootfs")
	for _, d := range []string{"rootfs/etc", "host/data/sub", "other"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"abs":            filepath.Join(dir, "host/data"),
		"rel":            "host/data/sub",
		"other/up":       "../host",
		"rootfs/planted": filepath.Join(dir, "host"),
		"into":           filepath.Join(root, "planted"),
		"loop":           "loop",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ path, want string }{
		{"abs/sub", "host/data/sub"},
		{"rel", "host/data/sub"},
		{"other/up/data/../data/sub", "host/data/sub"},
		{"host/./data", "host/data"},
	} {
		got, err := resolveOutside(filepath.Join(dir, c.path), root)
		if want := filepath.Join(dir, c.want); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", c.path, got, err, want)
		}
	}
	for _, c := range []struct {
		path string
		want error
	}{
		{"into/data", errThroughRootfs},
		{"rootfs/etc", errThroughRootfs},
		{"other/../rootfs", errThroughRootfs},
		{"loop", unix.ELOOP},
		{"missing/x", unix.ENOENT},
	} {
		if got, err := resolveOutside(filepath.Join(dir, c.path), root); !errors.Is(err, c.want) {
			t.Errorf("%s: %q, %v; want %v", c.path, got, err, c.want)
		}
	}
}

// TestClonedSources: in a user namespace with a mount namespace, the binds
// of host paths are cloned by the parent; not those in the rootfs, not
// without a user namespace, not rootless, not without a mount namespace.
// Idmapped binds are cloned wherever the container has a mount namespace
// of its own and berth is not rootless.
func TestClonedSources(t *testing.T) {
	userns := specconv.Namespace{Type: specs.UserNamespace, Flag: unix.CLONE_NEWUSER}
	joined := specconv.Namespace{Type: specs.UserNamespace, Flag: unix.CLONE_NEWUSER, Path: "/proc/1/ns/user"}
	mntns := specconv.Namespace{Type: specs.MountNamespace, Flag: unix.CLONE_NEWNS}
	plan := func(ns ...specconv.Namespace) *specconv.Plan {
		return &specconv.Plan{Rootfs: "/b/rootfs", Namespaces: ns, Mounts: []specconv.Mount{
			{Kind: specconv.MountBind, Source: "/srv/a", Destination: "/a", Flags: unix.MS_BIND},
			{Kind: specconv.MountBind, Source: "/b/rootfs/x", Destination: "/x", Flags: unix.MS_BIND},
			{Kind: specconv.MountBind, Source: "/b/rootfsx", Destination: "/y", Flags: unix.MS_BIND | unix.MS_REC},
			{Kind: specconv.MountFS, Source: "tmpfs", Destination: "/t", Type: "tmpfs"},
			{Kind: specconv.MountTree, Source: "/srv/idmapped", Destination: "/i"},
			{Kind: specconv.MountBind, Source: "/b/rootfs/i", Destination: "/j", Idmap: &specconv.Idmap{Recursive: true}},
		}}
	}
	cloned := func(p *specconv.Plan, rootless bool) (out []bool) {
		for _, m := range finishRootfs(p, createFacts{rootless: rootless}, noFDs()).mounts {
			out = append(out, m.cloned)
		}
		return out
	}
	all := []bool{true, false, true, false, false, true}
	idmapped := []bool{false, false, false, false, false, true}
	none := []bool{false, false, false, false, false, false}
	noMountNS := plan(userns)
	noMountNS.NoMountNS = true
	for _, c := range []struct {
		name     string
		p        *specconv.Plan
		rootless bool
		want     []bool
	}{
		{"new user namespace", plan(userns, mntns), false, all},
		{"joined user namespace", plan(joined, mntns), false, all},
		{"no user namespace", plan(mntns), false, idmapped},
		{"rootless", plan(userns, mntns), true, none},
		{"no mount namespace", noMountNS, false, none},
	} {
		if got := cloned(c.p, c.rootless); !slices.Equal(got, c.want) {
			t.Errorf("%s: cloned %v, want %v", c.name, got, c.want)
		}
	}
}

// TestOpenSource: an idmapped source inside the rootfs is resolved inside
// it (an absolute symlink there stays in the root); one outside is the
// host's path, refused where it leads through the rootfs.
func TestOpenSource(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "rootfs")
	for _, d := range []string{"rootfs/data", "data", "host"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.Symlink("/data", filepath.Join(root, "x"))
	os.Symlink(filepath.Join(root, "data"), filepath.Join(dir, "into"))
	for _, c := range []struct{ source, want string }{
		{filepath.Join(root, "x"), filepath.Join(root, "data")},
		{filepath.Join(dir, "host"), filepath.Join(dir, "host")},
	} {
		fd, err := openSource(c.source, root)
		if err != nil {
			t.Fatalf("%s: %v", c.source, err)
		}
		var got, want unix.Stat_t
		unix.Fstat(fd, &got)
		unix.Close(fd)
		if err := unix.Stat(c.want, &want); err != nil || got.Ino != want.Ino {
			t.Errorf("%s opened inode %d, want %s (%d)", c.source, got.Ino, c.want, want.Ino)
		}
	}
	if fd, err := openSource(filepath.Join(dir, "into"), root); !errors.Is(err, errThroughRootfs) {
		unix.Close(fd)
		t.Errorf("a host path through the rootfs: %v, want %v", err, errThroughRootfs)
	}
}

// TestSourceRequestRefused: the parent answers a request for the source
// of a mount it does not clone, or one without the init's mount
// namespace, with an error, not a tree.
func TestSourceRequestRefused(t *testing.T) {
	ns, err := os.Open("/proc/self/ns/mnt")
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	s := &initSession{pid: 1, prefix: "create container box: ", rootfs: &initRootfs{path: "/b/rootfs", mounts: []initMount{
		{kind: initMountBind, source: "/srv/a", dest: "/a", tree: -1},
		{kind: initMountBind, source: "/srv/b", dest: "/b", tree: -1, cloned: true},
	}}}
	index := func(i uint32) []byte { return binary.LittleEndian.AppendUint32(nil, i) }
	for _, c := range []struct {
		fr   frame
		want string
	}{
		{frame{typ: msgCloneSource, payload: index(0), fd: ns}, "asked for the source of mount 0, which is not cloned"},
		{frame{typ: msgCloneSource, payload: index(7), fd: ns}, "asked for the source of mount 7, which is not cloned"},
		{frame{typ: msgCloneSource, payload: index(1)}, "bad mount source request"},
		{frame{typ: msgCloneSource, payload: []byte{1}, fd: ns}, "bad mount source request"},
	} {
		err := s.handle(c.fr)
		if err == nil || !strings.HasPrefix(err.Error(), s.prefix) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.fr.payload, err, c.want)
		}
	}
}
