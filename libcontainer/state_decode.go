package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-oci/berth/cgroups"
	"github.com/berth-oci/berth/internal/jsontok"
)

// The state record's decoder. Every lifecycle command reads the record,
// and encoding/json's first decoding of a type builds its decoder by
// reflection: for State and the lifecycle part of the config that was
// most of `berth state`'s own work. recordDecoder reads the same fields
// by hand over jsontok's tokens, and the rest of the config is only
// checked and passed over.
//
// It gives exactly what json.Unmarshal gives, or gives up: on anything
// it does not read the way encoding/json would (a syntax or type error,
// a member given twice, a name matching a field only without regard to
// case, a value of an unexpected kind) the record is decoded again by
// encoding/json (decodeLifecycleJSON), whose result, error text
// included, is the answer. The records berth writes never take that
// way; a damaged one does, and is reported as before.

// errGiveUp makes decodeLifecycle fall back to encoding/json.
var errGiveUp = errors.New("left to encoding/json")

// decodeLifecycle decodes a state.json with the lifecycle part of its
// config, in one pass over the bytes (the config is most of them); the
// record itself is returned as the raw copy fullConfig decodes whole.
func decodeLifecycle(data []byte, id string) (*State, *LifecycleConfig, []byte, error) {
	if s, c, err := decodeRecord(data); err == nil {
		return s, c, data, nil
	}
	return decodeLifecycleJSON(data, id)
}

// decodeLifecycleJSON is decodeLifecycle by encoding/json.
func decodeLifecycleJSON(data []byte, id string) (*State, *LifecycleConfig, []byte, error) {
	s, c, err := recordByJSON(data, id, (*lifecycleJSON).config)
	if err != nil {
		return nil, nil, nil, err
	}
	return s, c, data, nil
}

// decodeRecord decodes a state.json without reflection; an error means
// "ask encoding/json".
func decodeRecord(data []byte) (*State, *LifecycleConfig, error) {
	return recordByHand(data, lifecycleFields, (*recordDecoder).lifecycleField, (*lifecycleJSON).config)
}

// recordByHand decodes a record whose config part one command reads into
// a J (the members names, each by field), without reflection; an error
// means "ask encoding/json" (recordByJSON). config makes what the command
// uses of the J.
func recordByHand[J, C any](data []byte, names []string, field func(*recordDecoder, *J, int) error,
	config func(*J) C) (*State, C, error) {
	var s State
	var j J
	d := recordDecoder{r: jsontok.NewReader(data)}
	err := d.record(&s, func() error {
		return d.object(names, nil, func(i int) error { return field(&d, &j, i) })
	})
	if err != nil {
		var none C
		return nil, none, err
	}
	return &s, config(&j), nil
}

// recordByJSON is recordByHand by encoding/json, whose error names the
// record corrupt.
func recordByJSON[J, C any](data []byte, id string, config func(*J) C) (*State, C, error) {
	var s struct {
		State
		Config J `json:"config"` // shadows State.Config
	}
	if err := json.Unmarshal(data, &s); err != nil {
		var none C
		return nil, none, fmt.Errorf("state of %s is corrupt: %w", id, err)
	}
	return &s.State, config(&s.Config), nil
}

type recordDecoder struct{ r *jsontok.Reader }

// record reads a whole record into s, its config by config.
func (d *recordDecoder) record(s *State, config func() error) error {
	err := d.object(stateFields, nil, func(i int) error {
		if i == configField {
			return config()
		}
		return d.stateField(s, i)
	})
	if err == nil && !d.r.End() {
		err = errGiveUp
	}
	return err
}

// configField is the index of "config" in stateFields.
const configField = 11

// The members of each object decoded, as encoding/json names them.
var (
	stateFields = []string{"id", "bundle", "rootfs", "status", "created", "owner",
		"init_pid", "init_start_time", "cgroup", "rootless", "rootfs_mount_before", "config"}
	cgroupFields    = []string{"mode", "paths", "created", "rootless", "systemd", "defaultDevices"}
	unitFields      = []string{"name", "slice"}
	deviceFields    = []string{"allow", "type", "major", "minor", "access"}
	lifecycleFields = []string{"process", "hooks", "annotations", "linux"}
	processFields   = []string{"terminal"}
	linuxFields     = []string{"namespaces"}
	hooksFields     = []string{"prestart", "createRuntime", "createContainer", "startContainer",
		"poststart", "poststop"}
	hookFields      = []string{"path", "args", "env", "timeout"}
	namespaceFields = []string{"type", "path"}
)

func (d *recordDecoder) stateField(s *State, i int) error {
	switch i {
	case 0:
		return d.string(&s.ID)
	case 1:
		return d.string(&s.Bundle)
	case 2:
		return d.string(&s.Rootfs)
	case 3:
		return d.string((*string)(&s.Status))
	case 4:
		return d.time(s)
	case 5:
		return d.string(&s.Owner)
	case 6:
		return d.int(&s.InitPid)
	case 7:
		return d.uint64(&s.InitStartTime)
	case 8:
		return d.cgroup(&s.Cgroup)
	case 9:
		return d.bool(&s.Rootless)
	}
	return d.uint64(&s.RootfsMountBefore)
}

// time decodes created as encoding/json does: time.Time's UnmarshalJSON
// given the value's bytes as they are.
func (d *recordDecoder) time(s *State) error {
	kind, tok, err := d.r.Next()
	if err != nil {
		return err
	}
	if kind == jsontok.ObjectStart || kind == jsontok.ArrayStart || s.Created.UnmarshalJSON(tok) != nil {
		return errGiveUp
	}
	return nil
}

func (d *recordDecoder) cgroup(dst **cgroups.State) error {
	return d.object(cgroupFields, func() { *dst = &cgroups.State{} }, func(i int) error {
		cg := *dst
		switch i {
		case 0:
			return d.mode(&cg.Mode)
		case 1:
			return d.stringMap(&cg.Paths)
		case 2:
			return d.strings(&cg.Created)
		case 3:
			return d.bool(&cg.Rootless)
		case 4:
			return d.object(unitFields, func() { cg.Systemd = &cgroups.SystemdUnit{} }, func(i int) error {
				if i == 0 {
					return d.string(&cg.Systemd.Name)
				}
				return d.string(&cg.Systemd.Slice)
			})
		}
		return objects(d, &cg.DefaultDevices, deviceFields, d.deviceField)
	})
}

// mode decodes a cgroups.Mode by its UnmarshalText, from a string only
// (encoding/json refuses any other value for it).
func (d *recordDecoder) mode(m *cgroups.Mode) error {
	kind, tok, err := d.r.Next()
	if err != nil {
		return err
	}
	if kind != jsontok.String || m.UnmarshalText([]byte(jsontok.Unquote(tok))) != nil {
		return errGiveUp
	}
	return nil
}

func (d *recordDecoder) deviceField(dev *specs.LinuxDeviceCgroup, i int) error {
	switch i {
	case 0:
		return d.bool(&dev.Allow)
	case 1:
		return d.string(&dev.Type)
	case 2:
		return d.int64Ptr(&dev.Major)
	case 3:
		return d.int64Ptr(&dev.Minor)
	}
	return d.string(&dev.Access)
}

func (d *recordDecoder) lifecycleField(c *lifecycleJSON, i int) error {
	switch i {
	case 0:
		return d.object(processFields, func() { c.Process = &processJSON{} },
			func(int) error { return d.bool(&c.Process.Terminal) })
	case 1:
		return d.object(hooksFields, func() { c.Hooks = &specs.Hooks{} }, func(i int) error {
			h := c.Hooks
			return d.hooks([]*[]specs.Hook{&h.Prestart, &h.CreateRuntime, &h.CreateContainer,
				&h.StartContainer, &h.Poststart, &h.Poststop}[i])
		})
	case 2:
		return d.stringMap(&c.Annotations)
	}
	return d.object(linuxFields, func() { c.Linux = &namespacesJSON{} },
		func(int) error { return d.namespaces(&c.Linux.Namespaces) })
}

func (d *recordDecoder) hooks(dst *[]specs.Hook) error {
	return objects(d, dst, hookFields, func(h *specs.Hook, i int) error {
		switch i {
		case 0:
			return d.string(&h.Path)
		case 1:
			return d.strings(&h.Args)
		case 2:
			return d.strings(&h.Env)
		}
		return d.intPtr(&h.Timeout)
	})
}

func (d *recordDecoder) namespaces(dst *[]specs.LinuxNamespace) error {
	return objects(d, dst, namespaceFields, func(ns *specs.LinuxNamespace, i int) error {
		if i == 0 {
			return d.string((*string)(&ns.Type))
		}
		return d.string(&ns.Path)
	})
}

// objects reads an array of objects of the given members (member(v, i)
// reads names[i] of the element v).
func objects[T any](d *recordDecoder, dst *[]T, names []string, member func(*T, int) error) error {
	return d.array(func() { *dst = []T{} }, func() error {
		var v T
		err := d.object(names, nil, func(i int) error { return member(&v, i) })
		*dst = append(*dst, v)
		return err
	})
}

// object reads an object of the given members: made calls made (when not
// nil) for an object, not for null; member(i) reads the value of
// names[i]. Another member is passed over. null leaves the value as it
// is (nil for a pointer decoded once). Null for a struct leaves it
// as it is in encoding/json too.
func (d *recordDecoder) object(names []string, made func(), member func(int) error) error {
	if ok, err := d.open(jsontok.ObjectStart); !ok {
		return err
	}
	if made != nil {
		made()
	}
	var seen uint64
	for {
		kind, tok, err := d.r.Next()
		if err != nil || kind == jsontok.ObjectEnd {
			return err
		}
		i := fieldIndex(tok, names)
		switch {
		case i == len(names): // not a field: passed over
			kind, _, err := d.r.Next()
			if err == nil {
				err = d.r.Skip(kind)
			}
			if err != nil {
				return err
			}
			continue
		case i < 0, seen&(1<<i) != 0:
			// a field named without regard to case, or twice: encoding/json
			// merges the values
			return errGiveUp
		}
		seen |= 1 << i
		if err := member(i); err != nil {
			return err
		}
	}
}

// fieldIndex finds a member name (a string token) among names:
// len(names) for none, -1 for one that matches a field only as
// encoding/json matches names without regard to case.
func fieldIndex(tok []byte, names []string) int {
	for i, n := range names {
		if string(tok[1:len(tok)-1]) == n {
			return i
		}
	}
	name := jsontok.Unquote(tok)
	for i, n := range names {
		if name == n {
			return i
		}
	}
	for _, n := range names {
		if strings.EqualFold(name, n) {
			return -1
		}
	}
	return len(names)
}

// array reads an array: made is called for an array (not for null:
// the slice stays nil; [] is an empty one, as encoding/json makes it),
// elem for each element.
func (d *recordDecoder) array(made func(), elem func() error) error {
	if ok, err := d.open(jsontok.ArrayStart); !ok {
		return err
	}
	made()
	for d.r.More() {
		if err := elem(); err != nil {
			return err
		}
	}
	_, _, err := d.r.Next() // ']'
	return err
}

// open reads the start of an array or object (want): false for null or
// an error.
func (d *recordDecoder) open(want jsontok.Kind) (bool, error) {
	kind, _, err := d.r.Next()
	switch {
	case err != nil || kind == jsontok.Null:
		return false, err
	case kind != want:
		return false, errGiveUp
	}
	return true, nil
}

// scalar reads a value that must be a scalar of kind want (or null:
// false for "leave it").
func (d *recordDecoder) scalar(want jsontok.Kind) ([]byte, bool, error) {
	kind, tok, err := d.r.Next()
	switch {
	case err != nil:
		return nil, false, err
	case kind == jsontok.Null:
		return nil, false, nil
	case kind == want || (want == jsontok.True && kind == jsontok.False):
		return tok, true, nil
	}
	return nil, false, errGiveUp
}

func (d *recordDecoder) string(dst *string) error {
	tok, ok, err := d.scalar(jsontok.String)
	if ok {
		*dst = jsontok.Unquote(tok)
	}
	return err
}

func (d *recordDecoder) bool(dst *bool) error {
	tok, ok, err := d.scalar(jsontok.True)
	if ok {
		*dst = tok[0] == 't'
	}
	return err
}

// number parses a number as encoding/json does for an integer of bits
// bits (strconv, base 10: a fraction, an exponent, or a number out of
// range is its type error); false for null.
func (d *recordDecoder) number(bits int) (int64, bool, error) {
	tok, ok, err := d.scalar(jsontok.Number)
	if !ok {
		return 0, false, err
	}
	n, err := strconv.ParseInt(string(tok), 10, bits)
	return n, err == nil, err
}

func (d *recordDecoder) int(dst *int) error {
	n, ok, err := d.number(strconv.IntSize)
	if ok {
		*dst = int(n)
	}
	return err
}

func (d *recordDecoder) intPtr(dst **int) error {
	n, ok, err := d.number(strconv.IntSize)
	if ok {
		v := int(n)
		*dst = &v
	}
	return err
}

func (d *recordDecoder) int64Ptr(dst **int64) error {
	n, ok, err := d.number(64)
	if ok {
		*dst = &n
	}
	return err
}

func (d *recordDecoder) uint64(dst *uint64) error {
	_, err := d.unsigned(64, func(n uint64) { *dst = n })
	return err
}

func (d *recordDecoder) strings(dst *[]string) error { return stringsOf(d, dst) }

// stringsOf reads an array of strings into a slice of a string type.
func stringsOf[S ~string](d *recordDecoder, dst *[]S) error {
	return d.array(func() { *dst = []S{} }, func() error {
		var v string
		err := d.string(&v)
		*dst = append(*dst, S(v))
		return err
	})
}

// stringMap reads an object of strings into a map (made for an object,
// left nil for null; a name given twice keeps its last value, as
// encoding/json does).
func (d *recordDecoder) stringMap(dst *map[string]string) error {
	if ok, err := d.open(jsontok.ObjectStart); !ok {
		return err
	}
	m := map[string]string{}
	*dst = m
	for {
		kind, tok, err := d.r.Next()
		if err != nil || kind == jsontok.ObjectEnd {
			return err
		}
		var v string
		if err := d.string(&v); err != nil {
			return err
		}
		m[jsontok.Unquote(tok)] = v
	}
}
