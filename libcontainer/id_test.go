package libcontainer

import "testing"

func TestValidateID(t *testing.T) {
	for _, id := range []string{"a", "A-b_c+d.e", "0", "..x", strings1024()} {
		if err := ValidateID(id); err != nil {
			t.Errorf("ValidateID(%q) = %v, want nil", id, err)
		}
	}
	for _, id := range []string{"", ".", "..", "a/b", "a b", "é", "a\x00", "a:b", strings1024() + "x"} {
		if err := ValidateID(id); err == nil {
			t.Errorf("ValidateID(%q) = nil, want an error", id)
		}
	}
}

func strings1024() string {
	b := make([]byte, 1024)
	for i := range b {
		b[i] = 'x'
	}
	return string(b)
}
