package libcontainer

import (
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParseMaps(t *testing.T) {
	got, err := parseMaps([]byte("         0     100000      65536\n     65536 4294967294          1\n"))
	want := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}, {ContainerID: 65536, HostID: 4294967294, Size: 1}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("parseMaps: %v, %v; want %v", got, err, want)
	}
	if formatMapsLine(want) != "0 100000 65536, 65536 4294967294 1" {
		t.Errorf("formatMapsLine: %q", formatMapsLine(want))
	}
	for _, bad := range []string{"0 1", "0 1 2 3", "0 x 1", "0 1 4294967296"} {
		if _, err := parseMaps([]byte(bad)); err == nil {
			t.Errorf("parseMaps(%q) took it", bad)
		}
	}
}
