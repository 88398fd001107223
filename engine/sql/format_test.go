package sql

import (
	"fmt"
	"os"
	"reflect"
	"testing"
)

// firstDiff compares two trees ignoring positions and returns the path of
// the first difference ("" when equal). Unlike cmp.Diff it stays linear on
// very deep trees.
func firstDiff(a, b reflect.Value, path string) string {
	if a.Kind() != b.Kind() {
		return path + ": kind"
	}
	switch a.Kind() {
	case reflect.Interface, reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": nil vs non-nil"
			}
			return ""
		}
		if a.Elem().Type() != b.Elem().Type() {
			return fmt.Sprintf("%s: %s vs %s", path, a.Elem().Type(), b.Elem().Type())
		}
		return firstDiff(a.Elem(), b.Elem(), path)
	case reflect.Slice:
		if a.IsNil() != b.IsNil() {
			return path + ": nil vs empty slice"
		}
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: len %d vs %d", path, a.Len(), b.Len())
		}
		for i := 0; i < a.Len(); i++ {
			if d := firstDiff(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Struct:
		if a.Type() == posType {
			return ""
		}
		for i := 0; i < a.NumField(); i++ {
			if d := firstDiff(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); d != "" {
				return d
			}
		}
		return ""
	}
	if a.Interface() != b.Interface() {
		return fmt.Sprintf("%s: %v vs %v", path, a.Interface(), b.Interface())
	}
	return ""
}

// roundTrip formats st and parses the result again; the trees must match.
func roundTrip(t *testing.T, st Stmt) {
	t.Helper()
	text := Format(st)
	res := ParseScript(text)
	if len(res) != 1 {
		t.Fatalf("formatted statement gives %d statements:\n%s", len(res), text)
	}
	if res[0].Err != nil {
		t.Fatalf("formatted statement does not parse: %v\n%s", res[0].Err, text)
	}
	if d := firstDiff(reflect.ValueOf(&st).Elem(), reflect.ValueOf(&res[0].Stmt).Elem(), "stmt"); d != "" {
		t.Fatalf("round trip changes the tree at %s\nformatted: %s", d, text)
	}
}

func TestFormatRoundTripCorpus(t *testing.T) {
	files := corpusFiles(t,
		"testdata/snowflake-syntax/*.sql",
		"testdata/snowflake-syntax/features/*.sql",
		"testdata/snowflake-syntax/bench/*.sql",
		"testdata/lineage-sql/*.sql")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(f, func(t *testing.T) {
			for _, r := range ParseScript(string(b)) {
				if r.Err != nil {
					t.Fatal(r.Err)
				}
				roundTrip(t, r.Stmt)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		{"select a+b*c, -x::int, v:a.b[0]:\"C\", 'it''s' from t", `SELECT a + (b * c), -x::INT, v:a.b[0]:"C", 'it''s' FROM t`},
		{"select * exclude (a) from t1 join t2 using (id) where x not in (1,2) qualify row_number() over (partition by a order by b desc) = 1",
			"SELECT * EXCLUDE (a) FROM t1 INNER JOIN t2 USING (id) WHERE x NOT IN (1, 2) QUALIFY row_number() OVER (PARTITION BY a ORDER BY b DESC) = 1"},
		{"select transform(arr, x -> x + 1), f(input => v)", "SELECT transform(arr, (x) -> x + 1), f(input => v)"},
		{`select extract('day hour' from d), extract("Q" from d) from t at("Off" => 1) changes(information => "x") match_recognize (after match skip to "A b" pattern (a) define a as true)`,
			`SELECT EXTRACT('day hour' FROM d), EXTRACT("Q" FROM d) FROM t AT("Off" => 1) CHANGES(INFORMATION => "x") MATCH_RECOGNIZE (AFTER MATCH SKIP TO "A b" PATTERN (a) DEFINE a AS true)`},
		{`select * from t pivot (sum(a) total for m in ('x', 'y' as "Y")) pivot (min(b) as "Lo" for n in (1))`,
			`SELECT * FROM t PIVOT (sum(a) AS total FOR m IN ('x', 'y' AS "Y")) PIVOT (min(b) AS "Lo" FOR n IN (1))`},
		{`select d + interval '1' day, interval '1-6' year to month, x::interval day to second, interval '2 days' from t`,
			`SELECT d + INTERVAL '1' DAY, INTERVAL '1-6' YEAR TO MONTH, x::INTERVAL DAY TO SECOND, INTERVAL '2 days' FROM t`},
		{`create dynamic iceberg table d target_lag = downstream cluster by (a) initialize = on_create comment = 'it''s' as select 1 a`,
			`CREATE DYNAMIC ICEBERG TABLE d TARGET_LAG = 'DOWNSTREAM' INITIALIZE = 'ON_CREATE' COMMENT = 'it''s' AS SELECT 1 AS a`},
	}
	for _, tt := range tests {
		st := mustStmt(t, tt.src)
		if got := Format(st); got != tt.want {
			t.Errorf("Format(%q)\n got  %s\n want %s", tt.src, got, tt.want)
		}
		roundTrip(t, st)
	}
}
