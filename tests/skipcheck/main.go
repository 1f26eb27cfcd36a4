// Command skipcheck guards a test lane against passing by accident. It
// reads `go test -json` events (test2json's format) from its standard
// input, or from the command given after `--`, prints them as `go test -v`
// would, and exits 1 when
//   - a test or a package failed (or the command exited non-zero);
//   - a test skipped for a reason that no line of the allow-list names
//     (tests/skips.allow: each line a named host limitation and the
//     pattern its skip reasons match; a skip without a reason matches none);
//   - a package with tests ran none of them (unless -empty-ok: a lane
//     whose tests may not exist yet; it is said then);
//   - fewer tests ran (passed or failed, subtests included) than -min.
//
// It closes with one line of counts and lists every skip with its reason
// and the host limitation that allowed it.
//
//	skipcheck [-allow FILE] [-min N] [-empty-ok] [-name LANE] [-- COMMAND ARGS...]
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
)

func main() {
	allowPath := flag.String("allow", "tests/skips.allow", "the allow-list of host limitations")
	min := flag.Int("min", 0, "fail when fewer tests ran")
	emptyOK := flag.Bool("empty-ok", false, "a package that ran no test is said, not failed")
	name := flag.String("name", "", "the lane's name, for the closing line")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: skipcheck [-allow FILE] [-min N] [-empty-ok] [-name LANE] [-- COMMAND ARGS...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	allow, err := loadAllow(*allowPath)
	if err != nil {
		fail(err)
	}
	l := &lane{allow: allow, min: *min, emptyOK: *emptyOK, name: *name, out: os.Stdout}
	var runErr error
	if flag.NArg() > 0 {
		runErr = l.run(flag.Args())
	} else {
		runErr = l.read(os.Stdin)
	}
	problems := l.verdict(runErr)
	l.report(problems)
	if len(problems) > 0 {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "skipcheck:", err)
	os.Exit(2)
}

// limit is one line of the allow-list: a named host limitation and the
// pattern of the skip reasons it explains.
type limit struct {
	name    string
	pattern *regexp.Regexp
}

// loadAllow reads the allow-list: "NAME PATTERN" per line (the name has
// no blanks; the pattern is a Go regexp, the rest of the line); blank
// lines and lines starting with # are ignored.
func loadAllow(path string) ([]limit, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []limit
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, pat, ok := strings.Cut(line, " ")
		pat = strings.TrimSpace(pat)
		if !ok || pat == "" {
			return nil, fmt.Errorf("%s:%d: want a limitation's name and a pattern", path, i+1)
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, i+1, err)
		}
		out = append(out, limit{name, re})
	}
	return out, nil
}

// event is one test2json event.
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// skip is a skipped test, its reason and the limitation that allows it
// ("" if none).
type skip struct {
	test, reason, limit string
}

// lane accumulates the events of one lane.
type lane struct {
	allow   []limit
	min     int
	emptyOK bool // a package that ran no test is no failure
	name    string
	out     io.Writer

	passed, failed int
	failures       []string
	skips          []skip
	messages       map[string]*message // the last message each test logged
	ran            map[string]bool     // packages that ran a test
	empty          []string            // packages with tests that ran none
}

// run starts the command, reads its standard output as events (its
// standard error goes to ours) and returns how it exited.
func (l *lane) run(args []string) error {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stderr = os.Stdin, os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	readErr := l.read(stdout)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("%s: %w", strings.Join(args, " "), err)
	}
	return readErr
}

// read takes the events line by line; a line that is no event is printed
// as it is.
func (l *lane) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || ev.Action == "" {
			fmt.Fprintln(l.out, sc.Text())
			continue
		}
		l.take(ev)
	}
	return sc.Err()
}

// take prints an event's output and records its result.
func (l *lane) take(ev event) {
	fmt.Fprint(l.out, ev.Output)
	if l.messages == nil {
		l.messages, l.ran = map[string]*message{}, map[string]bool{}
	}
	key := ev.Package + " " + ev.Test
	if ev.Test == "" {
		l.takePackage(ev)
		return
	}
	switch ev.Action {
	case "output":
		l.note(key, ev.Output)
	case "pass":
		l.passed++
		l.ran[ev.Package] = true
	case "fail":
		l.failed++
		l.ran[ev.Package] = true
		l.failures = append(l.failures, ev.Test+" ("+ev.Package+")")
	case "skip":
		l.skips = append(l.skips, l.judge(ev.Test+" ("+ev.Package+")", l.messages[key].text()))
	}
}

// takePackage records a package's result: a failure (its build included),
// or a pass without a single test run. "skip" is a package without test
// files.
func (l *lane) takePackage(ev event) {
	switch ev.Action {
	case "fail":
		l.failures = append(l.failures, "package "+ev.Package)
	case "pass":
		if !l.ran[ev.Package] {
			l.empty = append(l.empty, ev.Package)
		}
	}
}

// message is what a test logged last: t.Log, t.Error and t.Skip print
// "file.go:LINE: text" indented, continuation lines indented further.
type message struct {
	lines  []string
	indent int
}

var logLine = regexp.MustCompile(`^(\s+)[\w.-]+\.go:\d+: (.*)$`)

// note adds one output line of a test to its last message.
func (l *lane) note(key, line string) {
	line = strings.TrimRight(line, "\n")
	trimmed := strings.TrimSpace(line)
	if strings.HasPrefix(trimmed, "=== ") || strings.HasPrefix(trimmed, "--- ") {
		return
	}
	if m := logLine.FindStringSubmatch(line); m != nil {
		l.messages[key] = &message{lines: []string{m[2]}, indent: len(m[1])}
		return
	}
	if msg := l.messages[key]; msg != nil && len(line)-len(strings.TrimLeft(line, " \t")) > msg.indent {
		msg.lines = append(msg.lines, trimmed)
	}
}

func (m *message) text() string {
	if m == nil {
		return ""
	}
	return strings.Join(m.lines, " ")
}

// judge finds the limitation that allows a skip with this reason.
func (l *lane) judge(test, reason string) skip {
	s := skip{test: test, reason: reason}
	if reason == "" {
		return s
	}
	for _, lim := range l.allow {
		if lim.pattern.MatchString(reason) {
			s.limit = lim.name
			break
		}
	}
	return s
}

// verdict lists what makes the lane fail.
func (l *lane) verdict(runErr error) []string {
	var out []string
	for _, f := range l.failures {
		out = append(out, "FAIL "+f)
	}
	for _, s := range l.skips {
		if s.limit == "" {
			out = append(out, fmt.Sprintf("UNEXPECTED SKIP %s: %q names no host limitation of the allow-list", s.test, s.reason))
		}
	}
	if !l.emptyOK {
		for _, p := range l.empty {
			out = append(out, "package "+p+" ran no test")
		}
	}
	if ran := l.passed + l.failed; ran < l.min {
		out = append(out, fmt.Sprintf("%d tests ran, fewer than the %d expected", ran, l.min))
	}
	var ee *exec.ExitError
	if runErr != nil && (len(l.failures) == 0 || !errors.As(runErr, &ee)) {
		out = append(out, runErr.Error())
	}
	return out
}

// report prints the skips, the problems and the closing line.
func (l *lane) report(problems []string) {
	name := "skipcheck"
	if l.name != "" {
		name += ": " + l.name
	}
	for _, s := range l.skips {
		if s.limit != "" {
			fmt.Fprintf(l.out, "%s: skipped %s: %s [host limitation: %s]\n", name, s.test, s.reason, s.limit)
		}
	}
	if l.emptyOK {
		for _, p := range l.empty {
			fmt.Fprintf(l.out, "%s: package %s ran no test (none matched, or all skipped): allowed here (-empty-ok)\n", name, p)
		}
	}
	for _, p := range problems {
		fmt.Fprintf(l.out, "%s: %s\n", name, p)
	}
	verdict := "ok"
	if len(problems) > 0 {
		verdict = "FAILED"
	}
	fmt.Fprintf(l.out, "%s: %s: %d ran (%d passed, %d failed), %d skipped\n",
		name, verdict, l.passed+l.failed, l.passed, l.failed, len(l.skips))
}
