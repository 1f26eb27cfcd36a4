package main

import "testing"

func TestParseBytes(t *testing.T) {
	good := map[string]int64{
		"-1": -1, "0": 0, "1024": 1024, "10m": 10 << 20, "10MB": 10 << 20, "10MiB": 10 << 20,
		"1.5m": 3 << 19, "1g": 1 << 30, "2 GiB": 2 << 30, "512k": 512 << 10, "1b": 1, "1T": 1 << 40, "1p": 1 << 50,
	}
	for in, want := range good {
		got, err := parseBytes(in)
		if err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "-2", "1x", "1.2.3m", "m", "10 m b", "99999999999p"} {
		if v, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q) = %d, want an error", in, v)
		}
	}
}
