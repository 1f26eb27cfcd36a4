package libcontainer

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-oci/berth/libcontainer/seccomp"
)

// execFilterFile keeps, in the container's state directory, the filter
// its exec'd processes load. A container's config never changes after
// create, nor the kernel while it runs: the first exec compiles (or finds
// in the seccomp cache) and checks the program, later ones read it back
// without decoding the profile (a default profile is 20 KB of JSON),
// hashing it or asking the kernel again. Profiles with SCMP_ACT_NOTIFY
// take the full path: their agent needs the listener details.
const execFilterFile = "exec-seccomp.bpf"

// execFilterMagic starts the file; the compiler id follows on its line.
const execFilterMagic = "berth-exec-filter/1\n"

// seccomp is the filter for the exec'd process (nil for none) and, when
// it notifies an agent, its program.
func (x *execution) seccomp() (*initFilter, *seccomp.Program, error) {
	profile, err := x.seccompProfile()
	if err != nil || profile == nil {
		return nil, nil, err
	}
	path := filepath.Join(x.c.root, x.c.state.ID, execFilterFile)
	if f, err := readExecFilter(path); err == nil {
		return f, nil, nil
	}
	f, prog, err := compileSeccomp(x.c.root, profile)
	if err == nil && f != nil && !f.notify {
		if werr := writeExecFilter(path, f); werr != nil {
			trace("exec: filter not kept: " + werr.Error())
		}
	}
	return f, prog, err
}

// seccompProfile is the container's linux.seccomp, decoded now.
func (x *execution) seccompProfile() (*specs.LinuxSeccomp, error) {
	raw := x.cfg.seccomp
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var s specs.LinuxSeccomp
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("state of %s: linux.seccomp: %w", x.c.state.ID, err)
	}
	return &s, nil
}

// writeExecFilter writes f atomically: the magic, the compiler id, u32
// flags, the SHA-256 of the instructions, the instructions.
func writeExecFilter(path string, f *initFilter) error {
	sum := sha256.Sum256(f.insns)
	b := append([]byte(execFilterMagic+seccomp.CompilerID()+"\n"), binary.LittleEndian.AppendUint32(nil, f.flags)...)
	b = append(append(b, sum[:]...), f.insns...)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+execFilterFile)
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// readExecFilter reads a filter writeExecFilter kept, if it is whole and
// of this compiler.
func readExecFilter(path string) (*initFilter, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	head := execFilterMagic + seccomp.CompilerID() + "\n"
	rest, ok := bytes.CutPrefix(b, []byte(head))
	if !ok || len(rest) < 4+sha256.Size || (len(rest)-4-sha256.Size)%8 != 0 {
		return nil, errors.New("not a filter of this berth")
	}
	insns := rest[4+sha256.Size:]
	if sum := sha256.Sum256(insns); !bytes.Equal(sum[:], rest[4:4+sha256.Size]) || len(insns) == 0 {
		return nil, errors.New("checksum mismatch")
	}
	return &initFilter{insns: insns, flags: binary.LittleEndian.Uint32(rest)}, nil
}
