package libcontainer

import (
	"strconv"
	"strings"
	"unicode"
)

// OneLine makes a message one line, as berth reports every error: the
// line breaks of a multi-line text (a hook's output) become "; ", other
// control characters are escaped. A text may quote config.json (args[0],
// a path): a container's config cannot forge lines, or terminal escapes,
// in berth's output.
func OneLine(s string) string {
	s = strings.TrimSpace(s)
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	var b strings.Builder
	for i, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if i > 0 {
			b.WriteString("; ")
		}
		for _, r := range line {
			if unicode.IsControl(r) {
				q := strconv.QuoteRune(r)
				b.WriteString(q[1 : len(q)-1])
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}
