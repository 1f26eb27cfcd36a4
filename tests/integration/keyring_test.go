package integration

import (
	"strings"
	"testing"
)

// A container joins a session keyring of its own (_ses.<id>), as with
// runc, unless --no-new-keyring: then it keeps the one of berth's caller.
func TestSessionKeyring(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("cat", "/proc/keys")
	var masked []string
	for _, p := range b.spec.Linux.MaskedPaths {
		if p != "/proc/keys" {
			masked = append(masked, p)
		}
	}
	b.spec.Linux.MaskedPaths = masked
	b.save(t)

	id := e.id()
	r := e.berth("run", "--bundle", b.dir, id)
	if r.code != 0 {
		t.Fatalf("run: %s", r)
	}
	if !strings.Contains(r.stdout, "keyring   _ses."+id+":") {
		t.Errorf("no session keyring _ses.%s in the container's /proc/keys:\n%s", id, r.stdout)
	}

	id2 := e.id()
	r = e.berth("run", "--no-new-keyring", "--bundle", b.dir, id2)
	if r.code != 0 {
		t.Fatalf("run --no-new-keyring: %s", r)
	}
	if strings.Contains(r.stdout, "_ses."+id2) {
		t.Errorf("--no-new-keyring: the container joined _ses.%s anyway:\n%s", id2, r.stdout)
	}
}
