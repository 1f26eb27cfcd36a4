package libcontainer

import (
	"github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/berth-oci/berth/libcontainer/seccomp"
	"github.com/berth-oci/berth/specconv"
)

// Features is berth's runtime-spec features structure (features.md,
// features-linux.md), built from the tables the conversion and the
// seccomp compiler use, so that it says what berth does:
//
//   - cgroup v1, v2 (and hybrid hosts) and the rdma controller; the
//     systemd cgroup driver (--systemd-cgroup) for root, not the user's
//     systemd instance (systemdUser);
//   - AppArmor and SELinux as the host has them: berth applies a profile
//     or label only there (elsewhere it refuses an AppArmor profile and
//     drops an SELinux label), so on a host without them it says false;
//   - idmapped bind mounts; no Intel RDT, no net devices (both refused).
//
// The caller adds its annotations (version, commit).
func Features() *features.Features {
	yes, no := true, false
	apparmor := specconv.RealHost().AppArmorEnabled()
	selinux := specconv.RealHost().SELinuxEnabled()
	sc := &features.Seccomp{Enabled: boolPtr(seccomp.Enabled)}
	if seccomp.Enabled {
		sc.Actions = seccomp.ActionNames()
		sc.Operators = seccomp.OperatorNames()
		sc.Archs = seccomp.ArchNames()
		sc.KnownFlags = seccomp.FlagNames()
		sc.SupportedFlags = seccomp.SupportedFlagNames()
	}
	return &features.Features{
		OCIVersionMin: specconv.OCIVersionMin,
		OCIVersionMax: specconv.OCIVersionMax,
		Hooks:         specconv.HookNames(),
		MountOptions:  specconv.MountOptionNames(),
		Linux: &features.Linux{
			Namespaces:   specconv.NamespaceTypes(),
			Capabilities: specconv.CapabilityNames(),
			Cgroup:       &features.Cgroup{V1: &yes, V2: &yes, Systemd: &yes, SystemdUser: &no, Rdma: &yes},
			Seccomp:      sc,
			Apparmor:     &features.Apparmor{Enabled: &apparmor},
			Selinux:      &features.Selinux{Enabled: &selinux},
			IntelRdt:     &features.IntelRdt{Enabled: &no},
			MemoryPolicy: &features.MemoryPolicy{
				Modes: specconv.MemoryPolicyModes(),
				Flags: specconv.MemoryPolicyFlags(),
			},
			MountExtensions: &features.MountExtensions{IDMap: &features.IDMap{Enabled: &yes}},
			NetDevices:      &features.NetDevices{Enabled: &yes},
		},
		Annotations: map[string]string{},
		// the systemd driver makes unit properties of these (prefix form)
		PotentiallyUnsafeConfigAnnotations: []string{"org.systemd.property."},
	}
}

func boolPtr(b bool) *bool { return &b }
