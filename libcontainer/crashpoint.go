//go:build !berth_crashtest

package libcontainer

// crashPoint does nothing outside the crash-test build (see
// crashpoint_crashtest.go).
func crashPoint(string) {}
