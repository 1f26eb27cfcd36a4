package libcontainer

import (
	"bytes"
	"encoding/binary"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The Go side of the protocol must agree with nsexec/c/protocol.h, number
// for number.

func readHeader(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../nsexec/c/protocol.h")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestProtocolDefines(t *testing.T) {
	h := readHeader(t)
	want := map[string]int{
		"MSG_PLAN": int(msgPlan), "MSG_USERNS": int(msgUserns), "MSG_USERNS_DONE": int(msgUsernsDone),
		"MSG_PID": int(msgPID), "MSG_HOOKS": int(msgHooks), "MSG_HOOKS_DONE": int(msgHooksDone),
		"MSG_READY": int(msgReady), "MSG_ERROR": int(msgError), "MSG_CONSOLE": int(msgConsole),
		"MSG_SECCOMP_FD": int(msgSeccompFD), "MSG_SECCOMP_DONE": int(msgSeccompDone),
		"MSG_HOOK_ERROR": int(msgHookError),
		"MODE_CREATE":    modeCreate, "MODE_EXEC": modeExec,
		"MOUNT_FS": initMountFS, "MOUNT_BIND": initMountBind, "MOUNT_TREE": initMountTree,
		"MOUNT_SYMLINK": initMountSymlink, "MOUNT_REMOUNT": initMountRemount,
		"HOOK_CREATE_CONTAINER": hookCreateContainer, "HOOK_START_CONTAINER": hookStartContainer,
	}
	re := regexp.MustCompile(`(?m)^#define (\w+) (\d+)`)
	seen := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(h, -1) {
		w, ok := want[m[1]]
		if !ok {
			continue
		}
		seen[m[1]] = true
		if got, _ := strconv.Atoi(m[2]); got != w {
			t.Errorf("%s: protocol.h has %d, Go has %d", m[1], got, w)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("%s is not defined in protocol.h", name)
		}
	}
}

// enumNames lists the names of the enum whose first member is first, in order.
func enumNames(t *testing.T, h, first string) []string {
	t.Helper()
	i := strings.Index(h, first+" = 1")
	if i < 0 {
		t.Fatalf("no enum starting with %s in protocol.h", first)
	}
	body := h[i : strings.Index(h[i:], "}")+i]
	body = regexp.MustCompile(`/\*[^*]*\*/`).ReplaceAllString(body, "")
	var names []string
	for _, f := range strings.Split(body, ",") {
		f = strings.TrimSpace(strings.SplitN(f, "=", 2)[0])
		if f != "" {
			names = append(names, f)
		}
	}
	return names
}

func TestProtocolTags(t *testing.T) {
	h := readHeader(t)
	cases := []struct {
		first string
		goVal []uint16
	}{
		{"T_MODE", []uint16{tMode, tNSJoin, tUnshare, tNewUserns, tTimensOffsets, tFork, tRootfs,
			tRootReadonly, tRootPropagation, tNoPivot, tMount, tSetupDev, tDevice, tDevSymlink, tMasked,
			tReadonly, tHostname, tDomainname, tSysctl, tPersonality, tArg, tEnv, tCwd, tUID, tGID,
			tAdditionalGID, tSetgroups, tUmask, tCaps, tRlimit, tNoNewPrivs, tOOMScoreAdj, tTerminal,
			tConsoleFD, tConsoleSize, tFifoFD, tPreserveFDs, tHook, tScheduler, tIOPrio, tSeccomp,
			tSeccompFlags, tSeccompNotify, tExecLabel, tAppArmor, tCPUAffinity, tNSPidfd, tNSPidfdFlags,
			tTreeFD, tMemPolicy, tNoMountns}},
		{"T_NS_FLAG", []uint16{tNSFlag, tNSFD}},
		{"T_M_KIND", []uint16{tMKind, tMSource, tMDest, tMFstype, tMFlags, tMClrFlags, tMData,
			tMPropagation, tMAttrSet, tMAttrClr, tMFile, tMTree}},
		{"T_D_PATH", []uint16{tDPath, tDType, tDMajor, tDMinor, tDMode, tDUID, tDGID, tDBind}},
		{"T_L_TARGET", []uint16{tLTarget, tLPath}},
		{"T_S_PATH", []uint16{tSPath, tSValue}},
		{"T_C_BOUNDING", []uint16{tCBounding, tCEffective, tCInheritable, tCPermitted, tCAmbient}},
		{"T_R_TYPE", []uint16{tRType, tRSoft, tRHard}},
		{"T_H_KIND", []uint16{tHKind, tHPath, tHArg, tHEnv, tHTimeout}},
		{"T_SCHED_POLICY", []uint16{tSchedPolicy, tSchedFlags, tSchedNice, tSchedPriority,
			tSchedRuntime, tSchedDeadline, tSchedPeriod}},
		{"T_MP_MODE", []uint16{tMPMode, tMPNodes}},
	}
	for _, c := range cases {
		names := enumNames(t, h, c.first)
		if names[len(names)-1] == "T_TAG_MAX" {
			names = names[:len(names)-1]
		}
		if len(names) != len(c.goVal) {
			t.Errorf("enum %s: protocol.h has %d tags (%v), Go has %d", c.first, len(names), names, len(c.goVal))
			continue
		}
		for i, v := range c.goVal {
			if int(v) != i+1 {
				t.Errorf("enum %s: %s is %d in protocol.h, Go has %d", c.first, names[i], i+1, v)
			}
		}
	}
}

func TestTLVEncoding(t *testing.T) {
	var e tlv
	e.u32(tUID, 7)
	e.str(tCwd, "/x")
	e.nested(tCaps, func(n *tlv) { n.u64(tCBounding, 1) })
	want := []byte{}
	add := func(tag uint16, v []byte) {
		var h [8]byte
		binary.LittleEndian.PutUint16(h[0:], tag)
		binary.LittleEndian.PutUint32(h[4:], uint32(len(v)))
		want = append(append(want, h[:]...), v...)
	}
	add(tUID, []byte{7, 0, 0, 0})
	add(tCwd, []byte("/x\x00"))
	add(tCaps, []byte{byte(tCBounding), 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0})
	if !bytes.Equal(e.b, want) {
		t.Fatalf("encoding:\n got %v\nwant %v", e.b, want)
	}
}
