package specconv

import (
	"strconv"
	"strings"
)

// Supported is the newest runtime-spec minor version berth implements
// (1.3); configs from 1.0.0 up to 1.3.x are accepted.
const Supported = "1.3"

// semver is a parsed SemVer 2.0.0 version; build metadata is dropped.
type semver struct {
	major, minor, patch uint64
	pre                 string
}

// parseSemver parses "MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]" strictly:
// no leading zeros, no "v" prefix, identifiers of [0-9A-Za-z-].
func parseSemver(s string) (semver, bool) {
	var v semver
	if i := strings.IndexByte(s, '+'); i >= 0 {
		if !validIdents(s[i+1:], false) {
			return v, false
		}
		s = s[:i]
	}
	if i := strings.IndexByte(s, '-'); i >= 0 {
		if !validIdents(s[i+1:], true) {
			return v, false
		}
		s, v.pre = s[:i], s[i+1:]
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return v, false
	}
	nums := []*uint64{&v.major, &v.minor, &v.patch}
	for i, p := range parts {
		n, ok := parseNumeric(p)
		if !ok {
			return v, false
		}
		*nums[i] = n
	}
	return v, true
}

// parseNumeric parses a SemVer numeric identifier (no leading zero).
func parseNumeric(p string) (uint64, bool) {
	if p == "" || (len(p) > 1 && p[0] == '0') {
		return 0, false
	}
	for _, r := range p {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(p, 10, 64)
	return n, err == nil
}

// validIdents checks dot-separated pre-release (numeric ones without
// leading zeros) or build identifiers.
func validIdents(s string, pre bool) bool {
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		numeric := true
		for _, r := range id {
			switch {
			case r >= '0' && r <= '9':
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '-':
				numeric = false
			default:
				return false
			}
		}
		if pre && numeric && len(id) > 1 && id[0] == '0' {
			return false
		}
	}
	return true
}

// checkVersion accepts ociVersion 1.0.0 to 1.3.x, pre-releases included
// (engines write "1.0.2-dev"; "1.0.0-rc5" counts as 1.0). A newer minor
// version is refused: the spec says a 1.4 config is not compatible with a
// runtime that supports 1.3 and not 1.4, and berth would not honour the
// fields 1.4 adds (crun refuses too).
func (c *checker) checkVersion(s string) error {
	if s == "" {
		return c.errorf("ociVersion", "required")
	}
	v, ok := parseSemver(s)
	if !ok {
		return c.errorf("ociVersion", "%q is not a SemVer 2.0.0 version", s)
	}
	if v.major != 1 {
		return c.errorf("ociVersion", "%q: berth implements runtime-spec 1.x (up to %s), not %d.x", s, Supported, v.major)
	}
	if v.minor > 3 {
		return c.errorf("ociVersion", "%q is newer than the runtime-spec %s berth implements", s, Supported)
	}
	return nil
}
