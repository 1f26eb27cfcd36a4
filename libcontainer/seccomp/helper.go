package seccomp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-oci/berth/internal/memfd"
)

// berth's side of the compiler helper (./compiler): the pure-Go build's
// Compile runs it with the embedded program (compile_nocgo.go); the cgo
// build's tests run it with one they build, against the in-process
// Compile.

// compileWith compiles a validated profile by running program, the
// compiler helper, in `compile` mode.
func compileWith(program []byte, s *specs.LinuxSeccomp) (*Program, []string, error) {
	profile, err := json.Marshal(s)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", field, err)
	}
	out, err := runHelper(program, "compile", profile)
	if err != nil {
		return nil, nil, err
	}
	var c compiled
	if err := json.Unmarshal(out, &c); err != nil {
		return nil, nil, fmt.Errorf("%s: the seccomp compiler's output: %w", field, err)
	}
	p, warnings, err := c.program()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: the seccomp compiler's program: %w", field, err)
	}
	return p, warnings, nil
}

// runHelper runs program from a sealed memfd with mode as its argument
// and in on its stdin, and returns its stdout. It gets an empty
// environment, / as its working directory and fds 0-2 only (os/exec hands over no other, and berth
// marks every fd it inherited close-on-exec at start). The compiler's own
// error, one line naming the profile's field, is returned as it is.
func runHelper(program []byte, mode string, in []byte) ([]byte, error) {
	f, err := memfd.Sealed("berth-seccomp", program)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	defer f.Close()
	var stdout, stderr bytes.Buffer
	cmd := &exec.Cmd{
		Path:   memfd.ExecPath(f),
		Args:   []string{"berth-seccomp", mode},
		Env:    []string{},
		Dir:    "/",
		Stdin:  bytes.NewReader(in),
		Stdout: &stdout,
		Stderr: &stderr,
	}
	err = cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	msg := strings.TrimSpace(stderr.String())
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 && msg != "" && !strings.Contains(msg, "\n") {
		return nil, errors.New(msg)
	}
	if msg != "" {
		err = fmt.Errorf("%w: %s", err, strings.Join(strings.Fields(msg), " "))
	}
	return nil, fmt.Errorf("%s: the seccomp compiler (berth-seccomp %s): %w", field, mode, err)
}
