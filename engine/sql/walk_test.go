package sql

import (
	"os"
	"reflect"
	"testing"
)

var nodeType = reflect.TypeOf((*Node)(nil)).Elem()

// reachableNodes collects, by reflection, every pointer to a node struct in
// the tree.
func reachableNodes(v reflect.Value, out map[any]bool) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			reachableNodes(v.Elem(), out)
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		// Identifiers and object names are values inside their nodes, not
		// visited (see Inspect), even when held by pointer (aliases).
		if v.Type().Implements(nodeType) && v.Elem().Kind() == reflect.Struct &&
			v.Type() != reflect.TypeOf(&Ident{}) && v.Type() != reflect.TypeOf(&ObjectName{}) {
			out[v.Interface()] = true
		}
		reachableNodes(v.Elem(), out)
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			reachableNodes(v.Index(i), out)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			reachableNodes(v.Field(i), out)
		}
	}
}

// TestInspectReachesEveryNode checks that Inspect visits every node pointer
// that exists in the trees of the whole syntax corpus, so walkers built on
// Inspect miss nothing.
func TestInspectReachesEveryNode(t *testing.T) {
	files := corpusFiles(t,
		"testdata/snowflake-syntax/*.sql",
		"testdata/snowflake-syntax/features/*.sql",
		"testdata/lineage-sql/*.sql")
	extra := `MERGE INTO t a USING s ON a.id = s.id WHEN MATCHED AND s.x > 1 THEN UPDATE SET a.v = s.v
		WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, DEFAULT);
		CREATE TABLE c (a INT, b NUMBER(3)) AS SELECT 1, 2;
		SELECT NTH_VALUE(a, 2) FROM LAST OVER (ORDER BY b ROWS 2 PRECEDING), COUNT(*) FILTER (WHERE c),
			x:a.b[0], {'k': 1}, [1], (a, b), ? , :n, $v, EXTRACT(day FROM d), DATEADD(day, 1, d)
		FROM t CHANGES(INFORMATION => APPEND_ONLY) AT(OFFSET => -1) END(OFFSET => 0) SAMPLE (5)
		UNPIVOT (v FOR n IN (a AS 'x', b)) u, @st (PATTERN => 'p') s
		WHERE a IN (SELECT 1) AND b LIKE 'x' ESCAPE '!' AND c BETWEEN 1 AND 2 AND d IS DISTINCT FROM e`
	srcs := []string{extra}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, string(b))
	}
	for i, src := range srcs {
		s, err := Parse(src)
		if err != nil {
			t.Fatalf("source %d: %v", i, err)
		}
		want := map[any]bool{}
		reachableNodes(reflect.ValueOf(s), want)
		got := map[any]bool{}
		Inspect(s, func(n Node) bool {
			got[n] = true
			return true
		})
		for n := range want {
			if !got[n] {
				t.Errorf("source %d: Inspect does not reach %T at %v", i, n, n.(Node).Position())
			}
		}
	}
}
