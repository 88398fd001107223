package sql

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"testing"
)

func dumpNode(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		inner := dumpNode(v.Elem())
		if m, ok := inner.(map[string]any); ok && v.Kind() == reflect.Interface {
			m["_t"] = v.Elem().Type().String()
		}
		return inner
	case reflect.Struct:
		m := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if f.Name == "Pos" {
				continue
			}
			fv := dumpNode(v.Field(i))
			if fv == nil || fv == false || fv == "" || fv == 0 {
				continue
			}
			if s, ok := fv.([]any); ok && len(s) == 0 {
				continue
			}
			m[f.Name] = fv
		}
		return m
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		out := []any{}
		for i := 0; i < v.Len(); i++ {
			out = append(out, dumpNode(v.Index(i)))
		}
		return out
	default:
		return v.Interface()
	}
}

func TestZZDump(t *testing.T) {
	src := os.Getenv("SQL")
	if src == "" {
		t.Skip()
	}
	for _, r := range ParseScript(src) {
		if r.Err != nil {
			fmt.Println("ERR", r.Err)
			continue
		}
		b, _ := json.MarshalIndent(dumpNode(reflect.ValueOf(&r.Stmt).Elem()), "", " ")
		fmt.Println(string(b))
	}
}
