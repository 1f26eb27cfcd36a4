package specconv

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestCopyUpPlanned: "tmpcopyup" on a tmpfs is carried in the Plan (the
// refusal while the init cannot copy is copyUpWired's, tested with the
// invalid configs).
func TestCopyUpPlanned(t *testing.T) {
	c := newChecker(Options{Host: &fakeHost{}})
	m := &specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "tmpcopyup", "mode=1777"}}
	o := parseMountOptions(m.Options)
	out := Mount{Kind: MountFS}
	err := c.copyUp("mounts[0]", m.Type, &o, &out)
	if !out.CopyUp {
		t.Errorf("CopyUp not planned")
	}
	if copyUpCarried != (err == nil) {
		t.Errorf("copyUp: %v with copyUpCarried %v", err, copyUpCarried)
	}
	if len(o.other) != 1 || o.other[0].s != "mode=1777" {
		t.Errorf("tmpcopyup reaches the filesystem's data: %v", o.other)
	}
}
