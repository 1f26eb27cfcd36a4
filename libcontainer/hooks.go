package libcontainer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The hooks the runtime runs in its own namespaces: prestart and
// createRuntime (during create), poststart (during start), poststop
// (during delete). createContainer and startContainer hooks run in the
// container, from the init (nsexec/hooks.c).

// runHooks runs hooks of one kind in order with the state on stdin; the
// first failure stops them.
func runHooks(kind string, hooks []specs.Hook, state *specs.State) error {
	for i := range hooks {
		if err := runNthHook(kind, hooks, i, state); err != nil {
			return err
		}
	}
	return nil
}

// runHooksWarn runs every hook of one kind, logging a warning for each
// one that fails (poststop: the spec wants the rest to run).
func runHooksWarn(kind string, hooks []specs.Hook, state *specs.State, warn func(error)) {
	for i := range hooks {
		if err := runNthHook(kind, hooks, i, state); err != nil {
			warn(err)
		}
	}
}

// runNthHook runs hooks[i]; its error names the hook in runc's words:
// runc's hooks.bats and engines showing hook errors look for
// "error running <kind> hook #<n>: ".
func runNthHook(kind string, hooks []specs.Hook, i int, state *specs.State) error {
	stdin, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("%s hooks: encode state: %w", kind, err)
	}
	if err := runHook(hooks[i], stdin); err != nil {
		return fmt.Errorf("error running %s hook #%d: %s: %w", kind, i, hooks[i].Path, err)
	}
	return nil
}

func runHook(h specs.Hook, stdin []byte) error {
	ctx := context.Background()
	if h.Timeout != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(*h.Timeout)*time.Second)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, h.Path)
	if len(h.Args) > 0 {
		cmd.Args = h.Args
	}
	// a hook without env runs in berth's own environment, as runc's
	// host-side hooks run in runc's; "env": [] is an empty one
	cmd.Env = h.Env
	cmd.Stdin = bytes.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// a hook that exits without reading stdin must not fail the write
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("timed out after %ds", *h.Timeout)
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return fmt.Errorf("%s%s", exitErr.ProcessState, hookOutput(&out))
	}
	if err != nil && !errors.Is(err, exec.ErrWaitDelay) && !isBrokenPipe(err) {
		return err
	}
	return nil
}

func hookOutput(out *bytes.Buffer) string {
	s := strings.TrimSpace(out.String())
	if s == "" {
		return ""
	}
	if len(s) > 512 {
		s = s[:512] + "..."
	}
	return ", output: " + strings.ReplaceAll(s, "\n", " | ")
}

func isBrokenPipe(err error) bool {
	return err != nil && strings.Contains(err.Error(), "broken pipe")
}
