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
	if len(hooks) == 0 {
		return nil
	}
	stdin, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("%s hooks: encode state: %w", kind, err)
	}
	for i, h := range hooks {
		if err := runHook(h, stdin); err != nil {
			return fmt.Errorf("%s hook #%d (%s): %w", kind, i, h.Path, err)
		}
	}
	return nil
}

// runHooksWarn runs every hook of one kind, logging a warning for each
// one that fails (poststop: the spec wants the rest to run).
func runHooksWarn(kind string, hooks []specs.Hook, state *specs.State, warn func(error)) {
	for i := range hooks {
		if err := runHooks(kind, hooks[i:i+1], state); err != nil {
			warn(err)
		}
	}
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
	cmd.Env = h.Env
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
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
