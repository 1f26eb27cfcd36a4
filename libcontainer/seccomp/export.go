//go:build cgo

package seccomp

import (
	"fmt"
	"os"

	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// exportBPF returns the filter's BPF program as seccomp_export_bpf writes
// it. It goes through a memfd: a pipe would need a reader running beside
// the export once the program outgrows the pipe's buffer.
func exportBPF(f *libseccomp.ScmpFilter) ([]byte, error) {
	fd, err := unix.MemfdCreate("berth-seccomp-bpf", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("export the BPF program: memfd_create: %w", err)
	}
	file := os.NewFile(uintptr(fd), "memfd:berth-seccomp-bpf")
	defer file.Close()
	if err := f.ExportBPF(file); err != nil {
		return nil, fmt.Errorf("export the BPF program: seccomp_export_bpf: %w", err)
	}
	st, err := file.Stat()
	if err != nil {
		return nil, fmt.Errorf("export the BPF program: %w", err)
	}
	b := make([]byte, st.Size())
	if _, err := file.ReadAt(b, 0); err != nil {
		return nil, fmt.Errorf("export the BPF program: read back: %w", err)
	}
	return b, nil
}
