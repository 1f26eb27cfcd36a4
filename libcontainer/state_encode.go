package libcontainer

import (
	"slices"
	"strconv"

	"github.com/berth-oci/berth/internal/jsontok"
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
		names := make([]string, 0, len(s.Annotations))
		for k := range s.Annotations {
			names = append(names, k)
		}
		slices.Sort(names)
		b = append(b, `,"annotations":{`...)
		for i, k := range names {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsontok.AppendString(b, k)
			b = jsontok.AppendString(append(b, ':'), s.Annotations[k])
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}
