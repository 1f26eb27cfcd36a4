package libcontainer

import (
	"time"

	"github.com/sirupsen/logrus"
)

// processStart is when this berth process started (close enough: when
// the package was initialised).
var processStart = time.Now()

// trace logs a step with the time since berth started, at debug level
// (--debug): where a command's time goes. The crash-test build can stop
// berth there (crashPoint).
func trace(step string) {
	crashPoint(step)
	if logrus.IsLevelEnabled(logrus.DebugLevel) {
		logrus.Debugf("%7.3f ms  %s", float64(time.Since(processStart).Microseconds())/1000, step)
	}
}
