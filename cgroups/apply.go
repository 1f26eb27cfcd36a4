package cgroups

import (
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// boundWrite is a fileWrite checked against a cgroup: its directory is
// known and its file exists.
type boundWrite struct {
	fileWrite
	dir string
}

func (w boundWrite) path() string { return filepath.Join(w.dir, w.file) }

// explainFunc says why a file a write needs is missing from dir.
type explainFunc func(w fileWrite, dir string) error

// bind checks every write against the cgroup before anything is written:
// its hierarchy must be there and its file (or an alternative) must
// exist. Missing optional files are dropped, with a warning when the
// setting is lost. Nothing is written, so a refusal leaves the cgroup as
// it was.
func bind(ws []fileWrite, paths map[string]string, explain explainFunc) ([]boundWrite, []string, error) {
	var out []boundWrite
	var warnings []string
	// the device rules write one file many times: look each up once
	exists := map[string]bool{}
	has := func(dir, file string) bool {
		p := dir + "/" + file
		e, seen := exists[p]
		if !seen {
			e = fileExists(dir, file)
			exists[p] = e
		}
		return e
	}
	for _, w := range ws {
		dir, ok := paths[w.ctrl]
		if !ok {
			return nil, nil, fieldErr(w.field, "the %s controller is not mounted on this host", w.ctrl)
		}
		c := &w
		for c != nil && !has(dir, c.file) {
			c = c.alt
		}
		if c == nil {
			switch {
			case w.flags&ifExists != 0:
			case w.flags&warnMissing != 0:
				warnings = append(warnings, fmt.Sprintf("%s: not applied: %s", w.field, w.why))
			default:
				return nil, nil, explain(w, dir)
			}
			if n := len(out); n > 0 {
				out[n-1].flags &^= pairNext // its partner is gone
			}
			continue
		}
		b := boundWrite{fileWrite: *c, dir: dir}
		b.flags, b.why = w.flags, w.why
		out = append(out, b)
	}
	return out, warnings, nil
}

// undo restores the files a run of writes changed, newest first.
type undo []boundWrite

func (u undo) run() {
	for i := len(u) - 1; i >= 0; i-- {
		_ = writeFile(u[i].dir, u[i].file, u[i].value)
	}
}

// applyWrites writes in order. With keepUndo, each file's single-line
// content is read first so that a failure restores what was written
// before it (Set); Create removes the cgroup instead. It returns the undo
// list of what it wrote, for a later step's failure.
func applyWrites(ws []boundWrite, keepUndo bool) (undo, []string, error) {
	var u undo
	var warnings []string
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		old := snapshot(w, keepUndo)
		err := writeOne(w)
		if err != nil && w.flags&pairNext != 0 && i+1 < len(ws) && isErrno(err, unix.EINVAL, unix.EBUSY) {
			next := ws[i+1]
			oldNext := snapshot(next, keepUndo)
			if writeOne(next) == nil {
				u = appendUndo(u, oldNext)
				i++
				err = writeOne(w)
			}
		}
		if err != nil && w.flags&warnRefused != 0 && isErrno(err, unix.EINVAL, unix.EOPNOTSUPP, unix.ENOTSUP) {
			warnings = append(warnings, fmt.Sprintf("%s: not applied: %s", w.field, w.why))
			continue
		}
		if err != nil {
			u.run()
			return nil, warnings, writeError(w, err)
		}
		u = appendUndo(u, old)
		if w.flags&warnIgnored != 0 && stillUnlimited(w) {
			warnings = append(warnings, fmt.Sprintf("%s: not enforced: %s", w.field, w.why))
		}
	}
	return u, warnings, nil
}

// snapshot reads the current content of w's file as an undo entry; only
// single-line contents can be written back as they read.
func snapshot(w boundWrite, keep bool) *boundWrite {
	if !keep || strings.HasPrefix(w.file, "devices.") {
		return nil
	}
	s, err := readFile(w.dir, w.file)
	if err != nil || s == "" || strings.Contains(s, "\n") {
		return nil
	}
	old := w
	old.value = s
	return &old
}

func appendUndo(u undo, old *boundWrite) undo {
	if old == nil {
		return u
	}
	return append(u, *old)
}

// writeOne writes one value; keepQuota puts the current quota in front.
func writeOne(w boundWrite) error {
	v := w.value
	if w.flags&keepQuota != 0 {
		cur, err := readFile(w.dir, w.file)
		if err != nil {
			return err
		}
		quota, _, _ := strings.Cut(cur, " ")
		v = quota + " " + v
	}
	return writeFile(w.dir, w.file, v)
}

// stillUnlimited tells whether the file still reads as unlimited.
func stillUnlimited(w boundWrite) bool {
	s, err := readFile(w.dir, w.file)
	return err == nil && (s == "max" || s == "-1" || s == "9223372036854771712")
}

// writeError names the field, the file and the kernel's answer, with a
// hint for the refusals people meet.
func writeError(w boundWrite, err error) error {
	errno := err
	if u, ok := err.(interface{ Unwrap() error }); ok && u.Unwrap() != nil {
		errno = u.Unwrap()
	}
	return fieldErr(w.field, "write %q to %s: %v%s", w.value, w.path(), errno, writeHint(w.file, err))
}

func writeHint(file string, err error) string {
	switch {
	case isErrno(err, unix.EBUSY) && (file == "memory.limit_in_bytes" || file == "memory.memsw.limit_in_bytes"):
		return " (the cgroup already uses more memory than that)"
	case strings.HasPrefix(file, "cpu.rt_"):
		return " (the parent cgroups must grant real-time runtime first: cpu.rt_runtime_us)"
	case strings.HasPrefix(file, "cpuset.") && isErrno(err, unix.EINVAL, unix.ENOSPC):
		return " (not within the parent cgroup's cpuset)"
	case isErrno(err, unix.ENODEV) || (isErrno(err, unix.ENOENT) && strings.Contains(file, "_device")):
		return " (no such block device)"
	case file == "cpu.shares" || file == "cpu.weight":
		if isErrno(err, unix.EINVAL) {
			return " (a cgroup with cpu.idle=1 takes no weight)"
		}
	}
	return ""
}
