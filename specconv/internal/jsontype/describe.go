// Package jsontype names Go types in JSON's words, for the messages of
// config.json's type errors ("expected array of strings, got string").
// Both the generated config decoder (at generation time) and the
// reference decoder of the tests use it, so their messages agree.
package jsontype

import (
	"reflect"
	"strings"
)

// Describe names a Go type in JSON's words: "array of strings".
func Describe(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int:
		return "integer"
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return t.Kind().String()
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array of " + plural(Describe(t.Elem()))
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return "any value"
}

func plural(s string) string {
	switch {
	case strings.HasPrefix(s, "array"):
		return "arrays"
	case s == "string", s == "object", s == "boolean", s == "integer", s == "number":
		return s + "s"
	}
	return s
}
