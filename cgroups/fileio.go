package cgroups

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/internal/fdio"
)

// writeFile writes value to dir/file in one write(2), as cgroupfs wants.
// The file is never created: a missing file is an error wrapping ENOENT.
// (Cgroup files are opened by fd: see package fdio.)
func writeFile(dir, file, value string) error {
	return fdio.WriteExisting(filepath.Join(dir, file), value)
}

// readFile returns the content of dir/file without the trailing newline.
func readFile(dir, file string) (string, error) {
	b, err := fdio.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\n"), nil
}

// fileExists tells whether dir/file exists.
func fileExists(dir, file string) bool {
	_, err := os.Lstat(filepath.Join(dir, file))
	return err == nil
}

// dirExists tells whether dir is there.
func dirExists(dir string) bool {
	_, err := os.Lstat(dir)
	return err == nil
}

// parseUint parses a cgroup number; "max" (v2) reads as math.MaxUint64.
// A negative number (v1 writes "-1" for unlimited) also reads as max.
func parseUint(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "max" {
		return math.MaxUint64, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		if i, ierr := strconv.ParseInt(s, 10, 64); ierr == nil && i < 0 {
			return math.MaxUint64, nil
		}
		return 0, fmt.Errorf("parse %q: %w", s, err)
	}
	return v, nil
}

// readUint reads a single-number cgroup file.
func readUint(dir, file string) (uint64, error) {
	s, err := readFile(dir, file)
	if err != nil {
		return 0, err
	}
	v, err := parseUint(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", filepath.Join(dir, file), err)
	}
	return v, nil
}

// parseKeyed parses "key value" lines (memory.stat, cpu.stat, memory.events).
// Lines whose value is not a number are skipped.
func parseKeyed(content string) map[string]uint64 {
	m := make(map[string]uint64)
	for _, line := range strings.Split(content, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		if n, err := parseUint(v); err == nil {
			m[k] = n
		}
	}
	return m
}

// readKeyed reads and parses a "key value" file.
func readKeyed(dir, file string) (map[string]uint64, error) {
	s, err := readFile(dir, file)
	if err != nil {
		return nil, err
	}
	return parseKeyed(s), nil
}

// isErrno tells whether err wraps one of the given errnos.
func isErrno(err error, errnos ...unix.Errno) bool {
	for _, e := range errnos {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
