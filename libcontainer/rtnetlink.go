package libcontainer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// A small rtnetlink client, for what linux.netDevices needs: find a link,
// list its addresses, move it to another network namespace, add
// addresses, bring it up. A socket works in the network namespace it was
// opened in.

// rtnl is a NETLINK_ROUTE socket.
type rtnl struct {
	fd  int
	seq uint32
}

// nlLink is what berth reads of a link.
type nlLink struct {
	index int32
	name  string
	mac   []byte
}

// nlAddr is an address of a link, as the kernel dumps it.
type nlAddr struct {
	family, prefixLen, scope uint8
	flags                    uint32
	attrs                    map[uint16][]byte // IFA_LOCAL, IFA_ADDRESS, IFA_BROADCAST, IFA_LABEL
}

func openRtnl() (*rtnl, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("open a netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind a netlink socket: %w", err)
	}
	return &rtnl{fd: fd}, nil
}

// openRtnlIn opens a socket in the network namespace ns, from a thread
// that joins it and is thrown away.
func openRtnlIn(ns *os.File) (*rtnl, error) {
	type result struct {
		r   *rtnl
		err error
	}
	ch := make(chan result, 1)
	go func() {
		// never unlocked: the thread exits with the goroutine
		runtime.LockOSThread()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, fmt.Errorf("join the container's network namespace: %w", err)}
			return
		}
		r, err := openRtnl()
		ch <- result{r, err}
	}()
	res := <-ch
	return res.r, res.err
}

func (r *rtnl) close() { unix.Close(r.fd) }

// request sends one message and returns the payloads of the replies:
// until the ack (NLM_F_ACK) or, for a dump, NLMSG_DONE. interrupted says
// a dump changed while the kernel made it.
func (r *rtnl) request(typ, flags uint16, body []byte) (replies [][]byte, interrupted bool, err error) {
	r.seq++
	msg := make([]byte, unix.NLMSG_HDRLEN, unix.NLMSG_HDRLEN+len(body))
	ne := binary.NativeEndian
	ne.PutUint32(msg[0:], uint32(unix.NLMSG_HDRLEN+len(body)))
	ne.PutUint16(msg[4:], typ)
	ne.PutUint16(msg[6:], flags|unix.NLM_F_REQUEST)
	ne.PutUint32(msg[8:], r.seq)
	msg = append(msg, body...)
	if err := unix.Sendto(r.fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, false, fmt.Errorf("netlink send: %w", err)
	}
	buf := make([]byte, 1<<16)
	for {
		n, _, err := unix.Recvfrom(r.fd, buf, 0)
		if err != nil {
			return nil, false, fmt.Errorf("netlink receive: %w", err)
		}
		done, err := r.parse(buf[:n], &replies, &interrupted)
		if done || err != nil {
			return replies, interrupted, err
		}
	}
}

// parse reads one datagram of replies; done at the ack, an error or the
// end of a dump.
func (r *rtnl) parse(b []byte, replies *[][]byte, interrupted *bool) (bool, error) {
	ne := binary.NativeEndian
	for len(b) >= unix.NLMSG_HDRLEN {
		l := int(ne.Uint32(b[0:]))
		if l < unix.NLMSG_HDRLEN || l > len(b) {
			return true, errors.New("netlink: a truncated reply")
		}
		typ, flags, seq, payload := ne.Uint16(b[4:]), ne.Uint16(b[6:]), ne.Uint32(b[8:]), b[unix.NLMSG_HDRLEN:l]
		b = b[min(nlAlign(l), len(b)):]
		if seq != r.seq {
			continue
		}
		if flags&unix.NLM_F_DUMP_INTR != 0 {
			*interrupted = true
		}
		switch typ {
		case unix.NLMSG_DONE:
			return true, nil
		case unix.NLMSG_ERROR:
			if len(payload) < 4 {
				return true, errors.New("netlink: a truncated error")
			}
			if errno := -int32(ne.Uint32(payload)); errno != 0 {
				return true, unix.Errno(errno)
			}
			return true, nil
		}
		*replies = append(*replies, append([]byte(nil), payload...))
	}
	return false, nil
}

func nlAlign(n int) int { return (n + 3) &^ 3 }

// dump runs a dump request, again when the kernel says it was
// interrupted (the links or addresses changed meanwhile).
func (r *rtnl) dump(typ uint16, body []byte) ([][]byte, error) {
	for range 5 {
		replies, interrupted, err := r.request(typ, unix.NLM_F_DUMP, body)
		if err != nil || !interrupted {
			return replies, err
		}
	}
	return nil, errors.New("netlink: the dump kept changing")
}

// attr appends a netlink attribute to b.
func attr(b []byte, typ uint16, data []byte) []byte {
	var h [unix.SizeofRtAttr]byte
	binary.NativeEndian.PutUint16(h[0:], uint16(unix.SizeofRtAttr+len(data)))
	binary.NativeEndian.PutUint16(h[2:], typ)
	b = append(append(b, h[:]...), data...)
	return append(b, make([]byte, nlAlign(len(data))-len(data))...)
}

func attrU32(b []byte, typ uint16, v uint32) []byte {
	return attr(b, typ, binary.NativeEndian.AppendUint32(nil, v))
}

func attrString(b []byte, typ uint16, s string) []byte {
	return attr(b, typ, append([]byte(s), 0))
}

// attrs parses the attributes in b.
func attrs(b []byte) map[uint16][]byte {
	m := map[uint16][]byte{}
	for len(b) >= unix.SizeofRtAttr {
		l := int(binary.NativeEndian.Uint16(b[0:]))
		if l < unix.SizeofRtAttr || l > len(b) {
			break
		}
		m[binary.NativeEndian.Uint16(b[2:])&^unix.NLA_F_NESTED] = b[unix.SizeofRtAttr:l]
		b = b[min(nlAlign(l), len(b)):]
	}
	return m
}

func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// ifInfo is a struct ifinfomsg.
func ifInfo(index int32, flags, change uint32) []byte {
	b := make([]byte, unix.SizeofIfInfomsg)
	binary.NativeEndian.PutUint32(b[4:], uint32(index))
	binary.NativeEndian.PutUint32(b[8:], flags)
	binary.NativeEndian.PutUint32(b[12:], change)
	return b
}

// parseLink reads an RTM_NEWLINK payload.
func parseLink(p []byte) (nlLink, error) {
	if len(p) < unix.SizeofIfInfomsg {
		return nlLink{}, errors.New("netlink: a truncated link")
	}
	a := attrs(p[unix.SizeofIfInfomsg:])
	return nlLink{index: int32(binary.NativeEndian.Uint32(p[4:])), name: cString(a[unix.IFLA_IFNAME]), mac: a[unix.IFLA_ADDRESS]}, nil
}

// linkByName finds the link called name (ENODEV when there is none).
func (r *rtnl) linkByName(name string) (nlLink, error) {
	replies, _, err := r.request(unix.RTM_GETLINK, unix.NLM_F_ACK, attrString(ifInfo(0, 0, 0), unix.IFLA_IFNAME, name))
	if err != nil {
		return nlLink{}, err
	}
	if len(replies) != 1 {
		return nlLink{}, fmt.Errorf("netlink: %d answers for the link %q", len(replies), name)
	}
	return parseLink(replies[0])
}

// links lists every link.
func (r *rtnl) links() ([]nlLink, error) {
	replies, err := r.dump(unix.RTM_GETLINK, ifInfo(0, 0, 0))
	var out []nlLink
	for _, p := range replies {
		l, err := parseLink(p)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, err
}

// addrs lists the addresses of the link index.
func (r *rtnl) addrs(index int32) ([]nlAddr, error) {
	replies, err := r.dump(unix.RTM_GETADDR, make([]byte, unix.SizeofIfAddrmsg))
	if err != nil {
		return nil, err
	}
	var out []nlAddr
	for _, p := range replies {
		if len(p) < unix.SizeofIfAddrmsg || int32(binary.NativeEndian.Uint32(p[4:])) != index {
			continue
		}
		a := nlAddr{family: p[0], prefixLen: p[1], flags: uint32(p[2]), scope: p[3], attrs: attrs(p[unix.SizeofIfAddrmsg:])}
		if f := a.attrs[unix.IFA_FLAGS]; len(f) == 4 {
			a.flags = binary.NativeEndian.Uint32(f)
		}
		out = append(out, a)
	}
	return out, nil
}

// moveLink moves the link index into the network namespace ns, named
// name there (a "%d" in it is filled in by the kernel).
func (r *rtnl) moveLink(index int32, name string, ns *os.File) error {
	b := attrString(ifInfo(index, 0, 0), unix.IFLA_IFNAME, name)
	b = attrU32(b, unix.IFLA_NET_NS_FD, uint32(ns.Fd()))
	_, _, err := r.request(unix.RTM_NEWLINK, unix.NLM_F_ACK, b)
	return err
}

// addAddr adds a to the link index.
func (r *rtnl) addAddr(index int32, a nlAddr) error {
	b := make([]byte, unix.SizeofIfAddrmsg)
	b[0], b[1], b[2], b[3] = a.family, a.prefixLen, uint8(a.flags), a.scope
	binary.NativeEndian.PutUint32(b[4:], uint32(index))
	for _, t := range []uint16{unix.IFA_LOCAL, unix.IFA_ADDRESS, unix.IFA_BROADCAST, unix.IFA_LABEL} {
		if v, ok := a.attrs[t]; ok {
			b = attr(b, t, v)
		}
	}
	b = attrU32(b, unix.IFA_FLAGS, a.flags)
	_, _, err := r.request(unix.RTM_NEWADDR, unix.NLM_F_ACK|unix.NLM_F_CREATE|unix.NLM_F_EXCL, b)
	return err
}

// setUp brings the link index up.
func (r *rtnl) setUp(index int32) error {
	_, _, err := r.request(unix.RTM_NEWLINK, unix.NLM_F_ACK, ifInfo(index, unix.IFF_UP, unix.IFF_UP))
	return err
}
