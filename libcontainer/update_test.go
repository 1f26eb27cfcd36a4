package libcontainer

import (
	"encoding/json"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestMergeResources(t *testing.T) {
	tests := []struct {
		name           string
		cur, upd, want string
	}{
		{"pointers replace, others kept",
			`{"memory":{"limit":100,"swap":200},"pids":{"limit":5}}`,
			`{"memory":{"limit":50}}`,
			`{"memory":{"limit":50,"swap":200},"pids":{"limit":5}}`},
		{"new parts are added",
			`{}`,
			`{"cpu":{"quota":1000,"cpus":"0"},"pids":{"limit":0}}`,
			`{"cpu":{"quota":1000,"cpus":"0"},"pids":{"limit":0}}`},
		{"empty strings do not clear",
			`{"cpu":{"cpus":"0-1","mems":"0"}}`,
			`{"cpu":{"cpus":"1"}}`,
			`{"cpu":{"cpus":"1","mems":"0"}}`},
		{"unified and rdma merge by key",
			`{"unified":{"a.b":"1","c.d":"2"},"rdma":{"mlx":{"hcaHandles":1}}}`,
			`{"unified":{"c.d":"3"},"rdma":{"x":{"hcaObjects":2}}}`,
			`{"unified":{"a.b":"1","c.d":"3"},"rdma":{"mlx":{"hcaHandles":1},"x":{"hcaObjects":2}}}`},
		{"huge pages merge by size",
			`{"hugepageLimits":[{"pageSize":"2MB","limit":1},{"pageSize":"1GB","limit":2}]}`,
			`{"hugepageLimits":[{"pageSize":"1GB","limit":3}]}`,
			`{"hugepageLimits":[{"pageSize":"2MB","limit":1},{"pageSize":"1GB","limit":3}]}`},
		{"block devices merge by major:minor",
			`{"blockIO":{"weight":100,"throttleReadBpsDevice":[{"major":8,"minor":0,"rate":1},{"major":8,"minor":16,"rate":2}]}}`,
			`{"blockIO":{"throttleReadBpsDevice":[{"major":8,"minor":16,"rate":5},{"major":254,"minor":0,"rate":6}]}}`,
			`{"blockIO":{"weight":100,"throttleReadBpsDevice":[{"major":8,"minor":0,"rate":1},{"major":8,"minor":16,"rate":5},{"major":254,"minor":0,"rate":6}]}}`},
		{"a device list replaces the rules",
			`{"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":3,"access":"rw"}]}`,
			`{"devices":[{"allow":false,"access":"rwm"}]}`,
			`{"devices":[{"allow":false,"access":"rwm"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cur, upd specs.LinuxResources
			if err := json.Unmarshal([]byte(tt.cur), &cur); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tt.upd), &upd); err != nil {
				t.Fatal(err)
			}
			mergeResources(&cur, &upd)
			got, _ := json.Marshal(&cur)
			var a, b any
			json.Unmarshal(got, &a)
			json.Unmarshal([]byte(tt.want), &b)
			ga, _ := json.Marshal(a)
			gb, _ := json.Marshal(b)
			if string(ga) != string(gb) {
				t.Errorf("got  %s\nwant %s", ga, gb)
			}
		})
	}
}

func TestCompleteSwap(t *testing.T) {
	i := func(v int64) *int64 { return &v }
	recorded := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i(100)}}
	r := &specs.LinuxResources{Memory: &specs.LinuxMemory{Swap: i(300)}}
	completeSwap(r, recorded)
	if r.Memory.Limit == nil || *r.Memory.Limit != 100 {
		t.Errorf("swap alone: limit %v, want the recorded 100", r.Memory.Limit)
	}
	r = &specs.LinuxResources{Memory: &specs.LinuxMemory{Swap: i(300), Limit: i(200)}}
	completeSwap(r, recorded)
	if *r.Memory.Limit != 200 {
		t.Errorf("swap and limit: limit %d, want 200", *r.Memory.Limit)
	}
	r = &specs.LinuxResources{Memory: &specs.LinuxMemory{Swap: i(-1)}}
	completeSwap(r, recorded)
	if r.Memory.Limit != nil {
		t.Errorf("unlimited swap: limit set to %d", *r.Memory.Limit)
	}
}
