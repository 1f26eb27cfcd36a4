package libcontainer

import (
	"fmt"
	"reflect"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Update applies r to the cgroup of a created, running or paused
// container and records the result in its state (Config.Linux.Resources),
// so that later commands see the new limits. Parts of r left nil are not
// changed. The cgroups package checks everything before the first write
// and rolls back on a refusal, so an error leaves the cgroup and the
// record as they were. It returns the warnings of what the kernel could
// not honour.
func (c *Container) Update(r *specs.LinuxResources) ([]string, error) {
	d, err := c.lock()
	if err != nil {
		return nil, err
	}
	defer d.unlock()
	if st := c.Status(); st == Stopped || st == Creating {
		return nil, statusError(c.state.ID, "update", st)
	}
	cg, err := c.cgroup()
	if err != nil {
		return nil, fmt.Errorf("update container %s: %w", c.state.ID, err)
	}
	if cg == nil {
		return nil, fmt.Errorf("cannot update container %s: it has no cgroup", c.state.ID)
	}
	if err := c.fullConfig(); err != nil {
		return nil, err
	}
	cur := c.resources()
	completeSwap(r, cur)
	if err := cg.Set(r); err != nil {
		return nil, fmt.Errorf("update container %s: %w", c.state.ID, err)
	}
	mergeResources(cur, r)
	if err := d.save(&c.state); err != nil {
		return cg.Warnings(), fmt.Errorf("update container %s: the cgroup has the new limits but %w", c.state.ID, err)
	}
	return cg.Warnings(), nil
}

// resources returns the recorded linux.resources, made if missing.
func (c *Container) resources() *specs.LinuxResources {
	cfg := c.state.Config
	if cfg.Linux == nil {
		cfg.Linux = &specs.Linux{}
	}
	if cfg.Linux.Resources == nil {
		cfg.Linux.Resources = &specs.LinuxResources{}
	}
	return cfg.Linux.Resources
}

// completeSwap gives a memory+swap update without a memory limit the
// recorded limit: the cgroups package checks swap against it (v1) and
// derives the swap-only v2 value from it.
func completeSwap(r, cur *specs.LinuxResources) {
	m := r.Memory
	if m == nil || m.Swap == nil || *m.Swap == 0 || *m.Swap == -1 || (m.Limit != nil && *m.Limit != 0) {
		return
	}
	if cur.Memory != nil && cur.Memory.Limit != nil && *cur.Memory.Limit != 0 {
		l := *cur.Memory.Limit
		m.Limit = &l
	}
}

// mergeResources writes what r sets into dst: pointers and non-empty
// strings replace, maps are merged key by key (unified, rdma), lists
// whose entries the kernel keeps apart are merged entry by entry (huge
// page sizes, block devices), and a device list replaces the old one (Set
// replaces the rules).
func mergeResources(dst, r *specs.LinuxResources) {
	mergeValue(reflect.ValueOf(dst).Elem(), reflect.ValueOf(r).Elem())
}

func mergeValue(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Struct:
		for i := 0; i < src.NumField(); i++ {
			mergeValue(dst.Field(i), src.Field(i))
		}
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		if src.Elem().Kind() != reflect.Struct || dst.IsNil() {
			dst.Set(src)
			return
		}
		mergeValue(dst.Elem(), src.Elem())
	case reflect.Map:
		if src.Len() == 0 {
			return
		}
		if dst.IsNil() {
			dst.Set(reflect.MakeMap(src.Type()))
		}
		for _, k := range src.MapKeys() {
			dst.SetMapIndex(k, src.MapIndex(k))
		}
	case reflect.Slice:
		if !src.IsNil() {
			dst.Set(mergeList(dst, src))
		}
	default:
		if !src.IsZero() {
			dst.Set(src)
		}
	}
}

// mergeList merges src into dst by each entry's key (a huge page size, a
// block device's major:minor); lists without keys are replaced.
func mergeList(dst, src reflect.Value) reflect.Value {
	if src.Len() == 0 || listKey(src.Index(0)) == "" {
		return src
	}
	out := reflect.MakeSlice(src.Type(), 0, dst.Len()+src.Len())
	at := make(map[string]int)
	for _, l := range []reflect.Value{dst, src} {
		for i := 0; i < l.Len(); i++ {
			k := listKey(l.Index(i))
			if j, ok := at[k]; ok {
				out.Index(j).Set(l.Index(i))
				continue
			}
			at[k] = out.Len()
			out = reflect.Append(out, l.Index(i))
		}
	}
	return out
}

// listKey is the key of a huge page limit or a block device entry, ""
// for other entries.
func listKey(v reflect.Value) string {
	if v.Kind() != reflect.Struct {
		return ""
	}
	if f := v.FieldByName("Pagesize"); f.IsValid() {
		return f.String()
	}
	if f := v.FieldByName("LinuxBlockIODevice"); f.IsValid() {
		d := f.Interface().(specs.LinuxBlockIODevice)
		return fmt.Sprintf("%d:%d", d.Major, d.Minor)
	}
	return ""
}
