package libcontainer

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestFitsPattern(t *testing.T) {
	for _, tc := range []struct {
		name, pattern string
		want          bool
	}{
		{"net0", "net%d", true}, {"net12", "net%d", true}, {"a7b", "a%db", true},
		{"net", "net%d", false}, {"netx", "net%d", false}, {"eth0", "net%d", false},
		{"a7", "a%db", false}, {"net-1", "net%d", false},
	} {
		if got := fitsPattern(tc.name, tc.pattern); got != tc.want {
			t.Errorf("fitsPattern(%q, %q) = %v", tc.name, tc.pattern, got)
		}
	}
}

func TestRelabel(t *testing.T) {
	for _, tc := range []struct{ label, want string }{
		{"veth1", "ctr0"}, {"veth1:web", "ctr0:web"}, {"veth10", ""}, {"other", ""},
		{"veth1:averylongone", ""},
	} {
		a := nlAddr{attrs: map[uint16][]byte{unix.IFA_LABEL: append([]byte(tc.label), 0)}}
		relabel(&a, "veth1", "ctr0")
		got := ""
		if l, ok := a.attrs[unix.IFA_LABEL]; ok {
			got = cString(l)
		}
		if got != tc.want {
			t.Errorf("label %q relabelled %q, want %q", tc.label, got, tc.want)
		}
	}
}

// attrs reads back what attr writes, padding included.
func TestNetlinkAttrs(t *testing.T) {
	b := attrString(nil, unix.IFLA_IFNAME, "ab")
	b = attrU32(b, unix.IFLA_NET_NS_FD, 7)
	a := attrs(b)
	if cString(a[unix.IFLA_IFNAME]) != "ab" || len(a[unix.IFLA_NET_NS_FD]) != 4 || a[unix.IFLA_NET_NS_FD][0] != 7 {
		t.Errorf("attributes read back as %v", a)
	}
}
