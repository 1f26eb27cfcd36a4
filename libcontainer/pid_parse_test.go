package libcontainer

import (
	"bytes"
	"os"
	"strconv"
	"testing"
)

// parseProcStat must read what splitting the line into fields reads, for
// every process of this host and for odd command names.
func TestParseProcStat(t *testing.T) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	for _, e := range ents {
		if data, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil {
			lines = append(lines, data)
		}
	}
	tail := []byte(" S 1 2 3 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 5210282 1 2 3\n")
	for _, comm := range []string{"a b", "a) S 1 2 (", ")", "x\n y"} {
		lines = append(lines, append([]byte("7 ("+comm+")"), tail...))
	}
	if len(lines) < 5 {
		t.Fatalf("read only %d /proc/*/stat", len(lines))
	}
	for _, data := range lines {
		got, err := parseProcStat(1, data)
		if err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		f := bytes.Fields(data[bytes.LastIndexByte(data, ')')+2:])
		start, _ := strconv.ParseUint(string(f[19]), 10, 64)
		if want := (procStat{state: f[0][0], startTime: start}); got != want {
			t.Errorf("%q: got %+v, want %+v", data, got, want)
		}
	}
	for _, bad := range []string{"7 (x)", "7 (x) S 1 2", "7 x S", "7 (x) S 1 2 3 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 x 1"} {
		if _, err := parseProcStat(1, []byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
