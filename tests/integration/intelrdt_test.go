package integration

import (
	"os"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// linux.intelRdt is refused with the reason: the host has no resctrl, or
// berth does not manage resctrl groups; nothing is left behind.
func TestIntelRdtRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("true")
	b.spec.Linux.IntelRdt = &specs.LinuxIntelRdt{ClosID: "berth-test"}
	b.save(t)
	want := "this host has no resctrl filesystem"
	if fi, err := os.Stat("/sys/fs/resctrl"); err == nil && fi.IsDir() {
		want = "not supported by berth: it does not manage resctrl groups"
	}
	id := e.id()
	failsOneLine(t, e.berth("create", "--bundle", b.dir, id), "config.json: linux.intelRdt: ", want)
	e.assertNothingLeft(id, b)
}
