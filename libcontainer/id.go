package libcontainer

// idChars reports whether id is made only of the characters runc allows
// in a container id: ASCII letters, digits, '_', '+', '-' and '.'. A loop
// rather than a regexp: a package-level regexp is compiled at every start
// of berth, whatever the command (docs/performance.md).
func idChars(id string) bool {
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '_', c == '+', c == '-', c == '.':
		default:
			return false
		}
	}
	return id != ""
}
