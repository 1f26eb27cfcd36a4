package libcontainer

import (
	"fmt"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"

	"github.com/berth-oci/berth/libcontainer/seccomp"
)

// seccompCacheDir is where compiled filters are kept, below the state root.
const seccompCacheDir = "seccomp-cache"

// compileSeccomp compiles a profile (from the cache when it can) and
// checks that the kernel can load it; nil for no profile.
// Its warnings (syscall names the host's libseccomp does not know, as in
// every recent default profile) are logged at debug level: they would
// repeat on every container.
func compileSeccomp(root string, s *specs.LinuxSeccomp) (*initFilter, *seccomp.Program, error) {
	if s == nil {
		return nil, nil, nil
	}
	prog, warnings, err := seccomp.CompileCached(s, filepath.Join(root, seccompCacheDir))
	for _, w := range warnings {
		logrus.Debug(w)
	}
	if err != nil {
		return nil, nil, err
	}
	if err := seccomp.CheckKernel(prog); err != nil {
		return nil, nil, err
	}
	if len(prog.Filter) == 0 {
		return nil, prog, nil
	}
	// the flags the filter is loaded with, in the words runc's --debug
	// uses (its tests read them)
	logrus.Debugf("seccomp filter flags: %d", prog.Flags)
	return &initFilter{insns: prog.Bytes(), flags: uint32(prog.Flags), notify: prog.NeedsNotify}, prog, nil
}

// sendListener hands the init's seccomp listener to the agent at the
// profile's listenerPath, with the container's state.
func sendListener(prog *seccomp.Program, fd int, st *specs.State) error {
	state := specs.ContainerProcessState{
		Version:  specs.Version,
		Pid:      st.Pid,
		Metadata: prog.ListenerMetadata,
		State:    *st,
	}
	if err := seccomp.SendListener(prog.ListenerPath, fd, state); err != nil {
		return fmt.Errorf("linux.seccomp.listenerPath %s: %w", prog.ListenerPath, err)
	}
	return nil
}
