package specconv

import (
	"fmt"
	"strconv"
	"strings"
)

// parseList parses a kernel-style list such as "0-3,7" into the set bits
// of a little-endian mask of at least minBits bits (a whole number of
// 64-bit words), no number above limit. An empty list gives nil.
func parseList(s string, limit, minBits int) ([]byte, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var bits []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, err := parseRange(strings.TrimSpace(part), limit)
		if err != nil {
			return nil, err
		}
		for n := lo; n <= hi; n++ {
			bits = append(bits, n)
		}
	}
	top := minBits - 1
	for _, b := range bits {
		top = max(top, b)
	}
	mask := make([]byte, (top/64+1)*8)
	for _, b := range bits {
		mask[b/8] |= 1 << uint(b%8)
	}
	return mask, nil
}

// parseRange parses "N" or "N-M".
func parseRange(part string, limit int) (int, int, error) {
	a, b, isRange := strings.Cut(part, "-")
	lo, err := parseID(a, limit)
	if err != nil {
		return 0, 0, err
	}
	if !isRange {
		return lo, lo, nil
	}
	hi, err := parseID(b, limit)
	if err != nil {
		return 0, 0, err
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("range %q is backwards", part)
	}
	return lo, hi, nil
}

func parseID(s string, limit int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || s == "" || s[0] == '+' {
		return 0, fmt.Errorf("%q is not a number or range", s)
	}
	if n > limit {
		return 0, fmt.Errorf("%d is above %d", n, limit)
	}
	return n, nil
}
