package specconv

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// wholes are the fields Convert copies, refuses or checks as a whole
// (maps keyed by name, sections for another platform, what another
// package validates).
var wholes = map[string]bool{
	"annotations": true, "hooks": true, "solaris": true, "windows": true, "vm": true, "zos": true, "freebsd": true,
	"linux.resources": true, "linux.seccomp": true, "linux.intelRdt": true, "linux.netDevices": true,
	"linux.sysctl": true, "linux.timeOffsets": true, "linux.personality": true, "linux.memoryPolicy": true,
	"process.scheduler": true, "process.ioPriority": true, "process.execCPUAffinity": true,
	"process.capabilities": true, "process.rlimits": true, "process.consoleSize": true,
	"process.user": true, "linux.uidMappings": true, "linux.gidMappings": true, "linux.devices": true,
	"linux.namespaces": true, "mounts.uidMappings": true, "mounts.gidMappings": true,
}

// handled are the other fields of runtime-spec 1.3.0, each resolved or
// refused by Convert (see the valid and invalid tables).
var handled = []string{
	"domainname", "hostname", "linux", "linux.cgroupsPath", "linux.maskedPaths", "linux.mountLabel",
	"linux.readonlyPaths", "linux.rootfsPropagation", "mounts", "mounts.destination", "mounts.options",
	"mounts.source", "mounts.type", "ociVersion", "process", "process.apparmorProfile", "process.args",
	"process.commandLine", "process.cwd", "process.env", "process.noNewPrivileges", "process.oomScoreAdj",
	"process.selinuxLabel", "process.terminal", "root", "root.path", "root.readonly",
}

// specFields lists the JSON paths of t's fields, not going into wholes.
func specFields(prefix string, t reflect.Type, out *[]string) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		path := field(prefix, name)
		if wholes[path] {
			continue
		}
		*out = append(*out, path)
		specFields(path, t.Field(i).Type, out)
	}
}

// TestEveryFieldHandled fails when the spec grows a field that no part of
// Convert knows: a new runtime-spec must be read before it is accepted.
func TestEveryFieldHandled(t *testing.T) {
	var got []string
	specFields("", reflect.TypeOf(specs.Spec{}), &got)
	sort.Strings(got)
	eq(t, "fields", got, handled)
}
