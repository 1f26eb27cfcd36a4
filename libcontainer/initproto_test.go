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
		"MSG_READY": int(msgReady), "MSG_ERROR": int(msgError),
		"MSG_SECCOMP_FD": int(msgSeccompFD), "MSG_SECCOMP_DONE": int(msgSeccompDone),
		"MSG_HOOK_ERROR": int(msgHookError), "MSG_CLONE_SOURCE": int(msgCloneSource),
		"MSG_SOURCE_TREE": int(msgSourceTree),
		"MODE_CREATE":     modeCreate, "MODE_EXEC": modeExec,
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
	body = regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(body, "")
	var names []string
	for _, f := range strings.Split(body, ",") {
		f = strings.TrimSpace(strings.SplitN(f, "=", 2)[0])
		if f != "" {
			names = append(names, f)
		}
	}
	return names
}

// tag pairs a name of protocol.h with the Go constant of the same tag.
type tag struct {
	name string
	val  uint16
}

func TestProtocolTags(t *testing.T) {
	h := readHeader(t)
	enums := [][]tag{
		{{"T_MODE", tMode}, {"T_NS_JOIN", tNSJoin}, {"T_UNSHARE", tUnshare}, {"T_NEW_USERNS", tNewUserns},
			{"T_TIMENS_OFFSETS", tTimensOffsets}, {"T_FORK", tFork}, {"T_ROOTFS", tRootfs},
			{"T_ROOT_READONLY", tRootReadonly}, {"T_ROOT_PROPAGATION", tRootPropagation}, {"T_NO_PIVOT", tNoPivot},
			{"T_MOUNT", tMount}, {"T_SETUP_DEV", tSetupDev}, {"T_DEVICE", tDevice}, {"T_DEV_SYMLINK", tDevSymlink},
			{"T_MASKED", tMasked}, {"T_READONLY", tReadonly}, {"T_HOSTNAME", tHostname}, {"T_DOMAINNAME", tDomainname},
			{"T_SYSCTL", tSysctl}, {"T_PERSONALITY", tPersonality}, {"T_ARG", tArg}, {"T_ENV", tEnv}, {"T_CWD", tCwd},
			{"T_UID", tUID}, {"T_GID", tGID}, {"T_ADDITIONAL_GID", tAdditionalGID}, {"T_SETGROUPS", tSetgroups},
			{"T_UMASK", tUmask}, {"T_CAPS", tCaps}, {"T_RLIMIT", tRlimit}, {"T_NO_NEW_PRIVS", tNoNewPrivs},
			{"T_OOM_SCORE_ADJ", tOOMScoreAdj}, {"T_TERMINAL", tTerminal}, {"T_CONSOLE_FD", tConsoleFD},
			{"T_CONSOLE_SIZE", tConsoleSize}, {"T_FIFO_FD", tFifoFD}, {"T_PRESERVE_FDS", tPreserveFDs},
			{"T_HOOK", tHook}, {"T_SCHEDULER", tScheduler}, {"T_IOPRIO", tIOPrio}, {"T_SECCOMP", tSeccomp},
			{"T_SECCOMP_FLAGS", tSeccompFlags}, {"T_SECCOMP_NOTIFY", tSeccompNotify}, {"T_EXEC_LABEL", tExecLabel},
			{"T_APPARMOR", tAppArmor}, {"T_CPU_AFFINITY", tCPUAffinity}, {"T_NS_PIDFD", tNSPidfd},
			{"T_NS_PIDFD_FLAGS", tNSPidfdFlags}, {"T_TREE_FD", tTreeFD}, {"T_MEMPOLICY", tMemPolicy},
			{"T_NO_MOUNTNS", tNoMountns}, {"T_CGROUP_TASKS", tCgroupTasks},
			{"T_PATH_WALK", tPathWalk}, {"T_SESSION_KEYRING", tSessionKeyring},
			{"T_CPU_AFFINITY_RESET", tCPUAffinityReset}, {"T_CONSOLE_NO_ONLCR", tConsoleNoONLCR}},
		{{"T_NS_FLAG", tNSFlag}, {"T_NS_FD", tNSFD}},
		{{"T_M_KIND", tMKind}, {"T_M_SOURCE", tMSource}, {"T_M_DEST", tMDest}, {"T_M_FSTYPE", tMFstype},
			{"T_M_FLAGS", tMFlags}, {"T_M_CLR_FLAGS", tMClrFlags}, {"T_M_DATA", tMData},
			{"T_M_PROPAGATION", tMPropagation}, {"T_M_ATTR_SET", tMAttrSet}, {"T_M_ATTR_CLR", tMAttrClr},
			{"T_M_FILE", tMFile}, {"T_M_TREE", tMTree}, {"T_M_ORIGIN", tMOrigin}, {"T_M_REMOUNT", tMRemount}, {"T_M_COPYUP", tMCopyUp},
			{"T_M_CLONED", tMCloned}},
		{{"T_D_PATH", tDPath}, {"T_D_TYPE", tDType}, {"T_D_MAJOR", tDMajor}, {"T_D_MINOR", tDMinor},
			{"T_D_MODE", tDMode}, {"T_D_UID", tDUID}, {"T_D_GID", tDGID}, {"T_D_BIND", tDBind}},
		{{"T_L_TARGET", tLTarget}, {"T_L_PATH", tLPath}},
		{{"T_S_PATH", tSPath}, {"T_S_VALUE", tSValue}},
		{{"T_C_BOUNDING", tCBounding}, {"T_C_EFFECTIVE", tCEffective}, {"T_C_INHERITABLE", tCInheritable},
			{"T_C_PERMITTED", tCPermitted}, {"T_C_AMBIENT", tCAmbient}},
		{{"T_R_TYPE", tRType}, {"T_R_SOFT", tRSoft}, {"T_R_HARD", tRHard}},
		{{"T_H_KIND", tHKind}, {"T_H_PATH", tHPath}, {"T_H_ARG", tHArg}, {"T_H_ENV", tHEnv}, {"T_H_TIMEOUT", tHTimeout}},
		{{"T_SCHED_POLICY", tSchedPolicy}, {"T_SCHED_FLAGS", tSchedFlags}, {"T_SCHED_NICE", tSchedNice},
			{"T_SCHED_PRIORITY", tSchedPriority}, {"T_SCHED_RUNTIME", tSchedRuntime},
			{"T_SCHED_DEADLINE", tSchedDeadline}, {"T_SCHED_PERIOD", tSchedPeriod},
			{"T_SCHED_WITH_CPUS", tSchedWithCPUs}},
		{{"T_MP_MODE", tMPMode}, {"T_MP_NODES", tMPNodes}},
	}
	for _, tags := range enums {
		names := enumNames(t, h, tags[0].name)
		if names[len(names)-1] == "T_TAG_MAX" {
			names = names[:len(names)-1]
		}
		if len(names) != len(tags) {
			t.Errorf("enum %s: protocol.h has %d tags %v, Go has %d", tags[0].name, len(names), names, len(tags))
			continue
		}
		for i, tg := range tags {
			if names[i] != tg.name || int(tg.val) != i+1 {
				t.Errorf("enum %s: tag %d is %s in protocol.h; Go gives %s the value %d", tags[0].name, i+1, names[i], tg.name, tg.val)
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
