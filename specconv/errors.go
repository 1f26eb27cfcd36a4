package specconv

import (
	"fmt"
	"strconv"
)

// ConfigError is an invalid value in a configuration file. Its text is one
// line: the file, the line when known, the field and what is wrong, as in
// `config.json: process.rlimits[1].type: unknown rlimit "RLIMIT_FOO"`.
type ConfigError struct {
	// File is the file's name as the user knows it ("config.json").
	File string
	// Line is the 1-based line of the value, 0 when unknown.
	Line int
	// Field is the value's path ("mounts[3].options"); empty for the
	// whole file.
	Field string
	// Msg says what is wrong.
	Msg string
}

// Error gives the one-line text: "file: line N: field: message".
func (e *ConfigError) Error() string {
	s := e.File + ": "
	if e.Line > 0 {
		s += "line " + strconv.Itoa(e.Line) + ": "
	}
	if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Msg
}

// checker collects what Convert finds: the first error ends the work, the
// warnings are returned with the Plan.
type checker struct {
	file     string
	host     Host
	opts     Options
	warnings []string
}

func newChecker(opts Options) *checker {
	file := opts.File
	if file == "" {
		file = "config.json"
	}
	host := opts.Host
	if host == nil {
		host = RealHost()
	}
	return &checker{file: file, host: host, opts: opts}
}

// errorf returns a ConfigError on field.
func (c *checker) errorf(field, format string, args ...any) error {
	return &ConfigError{File: c.file, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// warnf records a warning on field, in the same form as the errors.
func (c *checker) warnf(field, format string, args ...any) {
	e := &ConfigError{File: c.file, Field: field, Msg: fmt.Sprintf(format, args...)}
	c.warnings = append(c.warnings, e.Error())
}

// index names element i of the list at path: "mounts[3]".
func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// key names the entry k of the object at path: `linux.sysctl["net.ipv4.ip_forward"]`.
func key(path, k string) string {
	return path + "[" + strconv.Quote(k) + "]"
}

// field names the member name of the object at path.
func field(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
