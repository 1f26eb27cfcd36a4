package seccomp

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// Program is a compiled profile: what the init loads with seccomp(2).
type Program struct {
	// Filter is the classic BPF program, -ENOSYS stub included, ready for
	// seccomp(SECCOMP_SET_MODE_FILTER). Nil when the profile is nil.
	Filter []unix.SockFilter
	// Flags are the SECCOMP_FILTER_FLAG_* bits to pass to seccomp(2) as
	// they are: the profile's flags but TSYNC (the init is
	// single-threaded: nothing to sync, as runc ignores it), and
	// FlagNewListener when a rule uses SCMP_ACT_NOTIFY.
	Flags uint
	// ListenerPath is the agent's socket (linux.seccomp.listenerPath);
	// set only when NeedsNotify.
	ListenerPath string
	// ListenerMetadata is sent to the agent as the state's metadata.
	ListenerMetadata string
	// NeedsNotify says that seccomp(2) returns a listener fd that must go to
	// the agent at ListenerPath (see SendListener).
	NeedsNotify bool
}

// sizeofSockFilter is sizeof(struct sock_filter).
const sizeofSockFilter = 8

// Bytes returns the filter as an array of struct sock_filter in the host's
// byte order, as the kernel reads it: what the init copies into its
// struct sock_fprog (len = len(Bytes())/8).
func (p *Program) Bytes() []byte {
	b := make([]byte, 0, len(p.Filter)*sizeofSockFilter)
	for _, in := range p.Filter {
		b = binary.NativeEndian.AppendUint16(b, in.Code)
		b = append(b, in.Jt, in.Jf)
		b = binary.NativeEndian.AppendUint32(b, in.K)
	}
	return b
}

// parseFilter reads an array of struct sock_filter in the host's byte
// order, as seccomp_export_bpf writes it.
func parseFilter(b []byte) ([]unix.SockFilter, error) {
	if len(b)%sizeofSockFilter != 0 {
		return nil, fmt.Errorf("BPF program of %d bytes is not a whole number of instructions", len(b))
	}
	f := make([]unix.SockFilter, len(b)/sizeofSockFilter)
	for i := range f {
		in := b[i*sizeofSockFilter:]
		f[i] = unix.SockFilter{
			Code: binary.NativeEndian.Uint16(in),
			Jt:   in[2],
			Jf:   in[3],
			K:    binary.NativeEndian.Uint32(in[4:]),
		}
	}
	return f, nil
}
