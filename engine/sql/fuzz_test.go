package sql

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var posType = reflect.TypeOf(Pos{})

// checkPositions walks every Pos in the tree (by reflection, so no node kind
// is missed) and reports one that lies outside src or whose Line/Col do not
// match its Offset.
func checkPositions(t *testing.T, src string, lines []int, v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if !v.IsNil() {
			checkPositions(t, src, lines, v.Elem(), path)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			checkPositions(t, src, lines, v.Index(i), path)
		}
	case reflect.Struct:
		if v.Type() == posType {
			p := v.Interface().(Pos)
			if p == (Pos{}) {
				return // an absent value-typed field (e.g. PathStep.Field of an index step)
			}
			if p.Offset < 0 || p.Offset > len(src) {
				t.Fatalf("%s: offset %d outside input of %d bytes", path, p.Offset, len(src))
			}
			if line, col := lineColFrom(lines, p.Offset); line != p.Line || col != p.Col {
				t.Fatalf("%s: position %d:%d does not match offset %d (%d:%d)", path, p.Line, p.Col, p.Offset, line, col)
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			checkPositions(t, src, lines, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	}
}

// lineStarts returns the offsets at which lines start.
func lineStarts(src string) []int {
	starts := []int{0}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

func lineColFrom(starts []int, off int) (int, int) {
	lo, hi := 0, len(starts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if starts[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1, off - starts[lo] + 1
}

func fuzzSeeds(f *testing.F) {
	for _, pat := range []string{
		"testdata/snowflake-syntax/*.sql",
		"testdata/snowflake-syntax/features/*.sql",
		"testdata/lineage-sql/*.sql",
	} {
		files, err := filepath.Glob(pat)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(string(b))
		}
	}
	for _, s := range []string{
		"", ";", "SELECT", "SELECT 'unterminated", "SELECT $$x", "SELECT /*", `SELECT "a""b" FROM "`,
		"SELECT a::", "SELECT v:", "SELECT [", "SELECT {", "SELECT (", "SELECT $", "SELECT @", "SELECT X'",
		"SELECT 1e", "SELECT .5, a.$1, $1:x, t.*", "MERGE INTO t USING s ON 1=1 WHEN MATCHED THEN DELETE",
		"INSERT INTO t (a) VALUES (1)", "CREATE TABLE t AS SELECT 1", "SELECT * FROM t PIVOT (SUM(a) FOR b IN (ANY))",
	} {
		f.Add(s)
	}
}

// FuzzParse checks that no input makes the parser panic or hang, that every
// statement either parses or has an error, that all positions in parsed
// trees and in errors lie inside the input and agree with their offsets, and
// that Format of a parsed statement parses back to the same tree.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		lines := lineStarts(src)
		for _, r := range ParseScript(src) {
			if (r.Err == nil) == (r.Stmt == nil) {
				t.Fatalf("statement %d: Stmt %v and Err %v", r.Index, r.Stmt, r.Err)
			}
			if !strings.Contains(src, r.Text) {
				t.Fatalf("statement %d: text %q not in input", r.Index, r.Text)
			}
			if r.Err != nil {
				e := r.Err
				if e.Offset < 0 || e.Offset > len(src) {
					t.Fatalf("error offset %d outside input", e.Offset)
				}
				if line, col := lineColFrom(lines, e.Offset); line != e.Line || col != e.Col {
					t.Fatalf("error %v: position does not match offset %d (%d:%d)", e, e.Offset, line, col)
				}
				if e.Error() == "" {
					t.Fatal("empty error message")
				}
				continue
			}
			checkPositions(t, src, lines, reflect.ValueOf(&r.Stmt).Elem(), "stmt")
			roundTrip(t, r.Stmt)
		}
		if e, err := ParseExpr(src); err == nil {
			checkPositions(t, src, lines, reflect.ValueOf(&e).Elem(), "expr")
		}
	})
}
