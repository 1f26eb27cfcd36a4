package seccomp

import "encoding/json"

// compiled is what Compile returns, as JSON: the payload of a cache entry,
// and what the compiler helper (./compiler) writes to berth.
type compiled struct {
	Filter           []byte   `json:"filter"` // Program.Bytes()
	Flags            uint     `json:"flags"`
	ListenerPath     string   `json:"listenerPath,omitempty"`
	ListenerMetadata string   `json:"listenerMetadata,omitempty"`
	NeedsNotify      bool     `json:"needsNotify,omitempty"`
	Warnings         []string `json:"warnings,omitempty"`
}

func newCompiled(p *Program, w []string) compiled {
	return compiled{
		Filter:           p.Bytes(),
		Flags:            p.Flags,
		ListenerPath:     p.ListenerPath,
		ListenerMetadata: p.ListenerMetadata,
		NeedsNotify:      p.NeedsNotify,
		Warnings:         w,
	}
}

// program checks the filter and returns the Program and its warnings.
func (c *compiled) program() (*Program, []string, error) {
	filter, err := parseFilter(c.Filter)
	if err != nil {
		return nil, nil, err
	}
	p := &Program{
		Filter:           filter,
		Flags:            c.Flags,
		ListenerPath:     c.ListenerPath,
		ListenerMetadata: c.ListenerMetadata,
		NeedsNotify:      c.NeedsNotify,
	}
	return p, c.Warnings, nil
}

// MarshalCompiled is Compile's result as the compiler helper writes it.
func MarshalCompiled(p *Program, warnings []string) ([]byte, error) {
	return json.Marshal(newCompiled(p, warnings))
}
