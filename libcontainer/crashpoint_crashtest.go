//go:build berth_crashtest

package libcontainer

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// The crash-test build (tag berth_crashtest, built only by `make
// test-stress`) kills berth with SIGKILL at the step BERTH_CRASH_AT names:
// one of the steps --debug logs ("create: cgroup", "delete: locked" ...).
// The stress tests then check that `state` tells the truth and that
// `delete --force` removes everything, whatever step berth died at.
var crashAt = os.Getenv("BERTH_CRASH_AT")

func crashPoint(step string) {
	if crashAt != "" && step == crashAt {
		unix.Kill(os.Getpid(), unix.SIGKILL)
		for {
			time.Sleep(time.Second) // until the signal lands
		}
	}
}
