package libcontainer

import (
	"slices"
	"strconv"

	"github.com/berth-oci/berth/cgroups"
	"github.com/berth-oci/berth/internal/jsontok"
	"github.com/berth-oci/berth/specconv"
)

// MarshalJSON writes the state byte for byte as encoding/json writes
// OCIState's fields (its tags, annotations omitted when empty, their
// names sorted), without building an encoder by reflection: `berth
// state` and `list --format json` print it. TestOCIStateJSON compares
// the two.
func (s OCIState) MarshalJSON() ([]byte, error) {
	created, err := s.Created.MarshalJSON()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 256)
	b = jsontok.AppendString(append(b, `{"ociVersion":`...), s.OCIVersion)
	b = jsontok.AppendString(append(b, `,"id":`...), s.ID)
	b = strconv.AppendInt(append(b, `,"pid":`...), int64(s.Pid), 10)
	b = jsontok.AppendString(append(b, `,"status":`...), string(s.Status))
	b = jsontok.AppendString(append(b, `,"bundle":`...), s.Bundle)
	b = jsontok.AppendString(append(b, `,"rootfs":`...), s.Rootfs)
	b = append(append(b, `,"created":`...), created...)
	b = jsontok.AppendString(append(b, `,"owner":`...), s.Owner)
	if len(s.Annotations) > 0 {
		b = appendStringMap(append(b, `,"annotations":`...), s.Annotations)
	}
	return append(b, '}'), nil
}

// appendStringMap appends m as encoding/json writes a map[string]string:
// null for nil, the names sorted.
func appendStringMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	b = append(b, '{')
	for i, k := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsontok.AppendString(b, k)
		b = jsontok.AppendString(append(b, ':'), m[k])
	}
	return append(b, '}')
}

// appendCgroupState appends the record's cgroup part as json.Marshal
// writes a cgroups.State (TestEncodeState): by reflection, encoding/json
// would build its encoders for it at every create and update.
func appendCgroupState(b []byte, s *cgroups.State) []byte {
	b = jsontok.AppendString(append(b, `{"mode":`...), s.Mode.String())
	b = appendStringMap(append(b, `,"paths":`...), s.Paths)
	if len(s.Created) > 0 {
		b = append(b, `,"created":[`...)
		for i, p := range s.Created {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsontok.AppendString(b, p)
		}
		b = append(b, ']')
	}
	if s.Rootless {
		b = append(b, `,"rootless":true`...)
	}
	if u := s.Systemd; u != nil {
		b = jsontok.AppendString(append(b, `,"systemd":{"name":`...), u.Name)
		b = append(jsontok.AppendString(append(b, `,"slice":`...), u.Slice), '}')
	}
	if len(s.DefaultDevices) > 0 {
		b = append(b, `,"defaultDevices":[`...)
		for i := range s.DefaultDevices {
			if i > 0 {
				b = append(b, ',')
			}
			b = specconv.AppendDeviceCgroup(b, &s.DefaultDevices[i])
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// encodeState writes s byte for byte as json.Marshal(s) does
// (TestEncodeState), by hand and its config through specconv.AppendSpec:
// encoding/json would build its encoders for State's field types, the
// runtime-spec's among them, by reflection: about 3 M instructions per
// create (docs/performance.md, cut 2).
func encodeState(s *State) ([]byte, error) {
	created, err := s.Created.MarshalJSON()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 4096)
	b = jsontok.AppendString(append(b, `{"id":`...), s.ID)
	b = jsontok.AppendString(append(b, `,"bundle":`...), s.Bundle)
	b = jsontok.AppendString(append(b, `,"rootfs":`...), s.Rootfs)
	b = jsontok.AppendString(append(b, `,"status":`...), string(s.Status))
	b = append(append(b, `,"created":`...), created...)
	b = jsontok.AppendString(append(b, `,"owner":`...), s.Owner)
	b = strconv.AppendInt(append(b, `,"init_pid":`...), int64(s.InitPid), 10)
	b = strconv.AppendUint(append(b, `,"init_start_time":`...), s.InitStartTime, 10)
	if s.Cgroup != nil {
		b = appendCgroupState(append(b, `,"cgroup":`...), s.Cgroup)
	}
	if s.Rootless {
		b = append(b, `,"rootless":true`...)
	}
	if s.RootfsMountBefore != 0 {
		b = strconv.AppendUint(append(b, `,"rootfs_mount_before":`...), s.RootfsMountBefore, 10)
	}
	b, err = specconv.AppendSpec(append(b, `,"config":`...), s.Config)
	return append(b, '}'), err
}
