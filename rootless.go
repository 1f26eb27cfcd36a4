package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli"

	"github.com/berth-oci/berth/libcontainer"
)

// systemRoot is --root for root on the host.
const systemRoot = "/run/berth"

// defaultRoot is --root's default: /run/berth for root on the host, and
// $XDG_RUNTIME_DIR/berth for a user without it, as runc does (it keeps
// /run/runc when XDG_RUNTIME_DIR is unset, where a user then fails).
func defaultRoot() string {
	if xdg := os.Getenv("XDG_RUNTIME_DIR"); xdg != "" && userRuntimeDir() {
		return filepath.Join(xdg, "berth")
	}
	return systemRoot
}

// userRuntimeDir tells whether XDG_RUNTIME_DIR is a user's rather than
// root's: it is when berth is not root, or is the root of a user
// namespace someone else made (podman unshare) for a USER other than
// root; root on the host keeps /run/berth (its XDG_RUNTIME_DIR is
// /run/user/0).
func userRuntimeDir() bool {
	if os.Geteuid() != 0 {
		return true
	}
	if !libcontainer.RunningInUserNS() {
		return false
	}
	u, ok := os.LookupEnv("USER")
	return !ok || u != "root"
}

// makeUserRoot makes the default state directory in XDG_RUNTIME_DIR
// before any command, as runc does: mode 0700 with the sticky bit, which
// keeps a cleaner of XDG_RUNTIME_DIR away from it.
func makeUserRoot(ctx *cli.Context) error {
	root := ctx.GlobalString("root")
	if root == systemRoot || root != defaultRoot() {
		return nil
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return fmt.Errorf("--root %s: %w", root, err)
	}
	if err := os.Chmod(root, 0o700|os.ModeSticky); err != nil {
		return fmt.Errorf("--root %s: %w", root, err)
	}
	return nil
}

// rootless decides --rootless: auto means "when not root on the host",
// that is when berth's euid is not 0 or it runs in a user namespace
// someone else made (podman's, where it is uid 0 without the host's
// powers over cgroups).
func rootless(ctx *cli.Context) bool {
	switch ctx.GlobalString("rootless") {
	case "true":
		return true
	case "false":
		return false
	}
	return os.Geteuid() != 0 || libcontainer.RunningInUserNS()
}
