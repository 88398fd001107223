package querylog

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tributary-lineage/tributary/engine/lineage"
)

const historyJSONL = `{"QUERY_ID":"01a","QUERY_TEXT":"insert into mart.daily select d, sum(x) from raw.ev where d = '2024-01-01' group by d","QUERY_TYPE":"INSERT","DATABASE_NAME":"ANALYTICS","SCHEMA_NAME":"PUBLIC","EXECUTION_STATUS":"SUCCESS","START_TIME":"2024-01-02T03:00:00.000Z","END_TIME":"2024-01-02T03:00:05.000Z","ROLE_NAME":"ETL","USER_NAME":"TASKS","WAREHOUSE_NAME":"ETL_WH"}
{"QUERY_ID":"01b","QUERY_TEXT":"INSERT  INTO mart.daily\n  SELECT d, SUM(x) FROM raw.ev WHERE d = '2024-01-02' GROUP BY d","QUERY_TYPE":"INSERT","DATABASE_NAME":"ANALYTICS","SCHEMA_NAME":"PUBLIC","EXECUTION_STATUS":"SUCCESS","START_TIME":"2024-01-03T03:00:00.000Z"}

{"QUERY_ID":"01c","QUERY_TEXT":"select * from raw.ev","QUERY_TYPE":"SELECT","DATABASE_NAME":"ANALYTICS","SCHEMA_NAME":"PUBLIC","EXECUTION_STATUS":"SUCCESS","START_TIME":"2024-01-03T04:00:00.000Z"}
{"QUERY_ID":"01d","QUERY_TEXT":"merge into t using s on t.id = s.id when matched then update set v = s.v","QUERY_TYPE":"UNKNOWN","DATABASE_NAME":"ANALYTICS","SCHEMA_NAME":"PUBLIC","EXECUTION_STATUS":"FAIL","START_TIME":"2024-01-04T04:00:00.000Z"}
{"QUERY_ID":"01e","QUERY_TEXT":"create or replace table mart.t as select a from raw.s","QUERY_TYPE":"CREATE_TABLE_AS_SELECT","DATABASE_NAME":"ANALYTICS","SCHEMA_NAME":"PUBLIC","EXECUTION_STATUS":"SUCCESS","START_TIME":"2024-01-03T05:00:00.000Z"}
{"QUERY_ID":"01f","QUERY_TEXT":"create or replace dynamic table mart.dt target_lag = '1 hour' warehouse = wh as select a from raw.s","QUERY_TYPE":"CREATE_TABLE","DATABASE_NAME":"ANALYTICS","SCHEMA_NAME":"PUBLIC","EXECUTION_STATUS":"SUCCESS","START_TIME":"2024-01-03T06:00:00.000Z"}
{"QUERY_ID":"020","QUERY_TEXT":"create table mart.empty (a int)","QUERY_TYPE":"CREATE_TABLE","DATABASE_NAME":"ANALYTICS","SCHEMA_NAME":"PUBLIC","EXECUTION_STATUS":"SUCCESS","START_TIME":"2024-01-03T06:30:00.000Z"}
{"QUERY_ID":"021","QUERY_TEXT":"copy into @unload/ev from raw.ev","QUERY_TYPE":"UNLOAD","DATABASE_NAME":"ANALYTICS","SCHEMA_NAME":"PUBLIC","EXECUTION_STATUS":"SUCCESS","START_TIME":"2024-01-03T07:00:00.000Z"}
{"QUERY_ID":"022","QUERY_TEXT":"copy into raw.ev from (select $1, $2 from @stage/ev)","QUERY_TYPE":"COPY","DATABASE_NAME":"ANALYTICS","SCHEMA_NAME":"PUBLIC","EXECUTION_STATUS":"SUCCESS","START_TIME":"2024-01-03T08:00:00.000Z"}
{"QUERY_ID":"023","QUERY_TEXT":"insert into mart.daily select d, sum(x) from raw.ev where d = '2024-01-05' group by d","QUERY_TYPE":"INSERT","DATABASE_NAME":"OTHER","SCHEMA_NAME":"PUBLIC","EXECUTION_STATUS":"SUCCESS","START_TIME":"2024-01-03T09:00:00.000Z"}
{"QUERY_ID":"01a","QUERY_TEXT":"insert into mart.daily select d, sum(x) from raw.ev where d = '2024-01-01' group by d","QUERY_TYPE":"INSERT","DATABASE_NAME":"ANALYTICS","SCHEMA_NAME":"PUBLIC","EXECUTION_STATUS":"SUCCESS","START_TIME":"2024-01-02T03:00:00.000Z"}
`

func TestParseJSONLines(t *testing.T) {
	l := NewLog()
	if err := ParseJSONLines([]byte(historyJSONL), l); err != nil {
		t.Fatal(err)
	}
	if l.Records != 11 {
		t.Errorf("Records = %d, want 11", l.Records)
	}
	wantDropped := map[string]int{DropSelect: 1, DropFailed: 1, DropNoLineage: 2, DropDuplicate: 1}
	if d := cmp.Diff(wantDropped, l.Dropped); d != "" {
		t.Errorf("Dropped (-want +got):\n%s", d)
	}
	if want := time.Date(2024, 1, 4, 4, 0, 0, 0, time.UTC); !l.Watermark.Equal(want) {
		t.Errorf("Watermark = %v, want %v (the failed query's START_TIME counts)", l.Watermark, want)
	}
	type got struct {
		QueryID, Database string
		Runs              int
	}
	var sts []got
	for _, s := range l.Statements {
		sts = append(sts, got{s.QueryID, s.DatabaseName, s.Runs})
	}
	want := []got{
		{"01b", "ANALYTICS", 2}, // 01a and 01b differ only in a literal, case and layout
		{"01e", "ANALYTICS", 1},
		{"01f", "ANALYTICS", 1},
		{"022", "ANALYTICS", 1},
		{"023", "OTHER", 1}, // same text, another session database: another statement
	}
	if d := cmp.Diff(want, sts); d != "" {
		t.Errorf("statements (-want +got):\n%s", d)
	}
	first := l.Statements[0]
	if !first.FirstSeen.Equal(time.Date(2024, 1, 2, 3, 0, 0, 0, time.UTC)) || !first.LastSeen.Equal(time.Date(2024, 1, 3, 3, 0, 0, 0, time.UTC)) {
		t.Errorf("first statement seen %v..%v", first.FirstSeen, first.LastSeen)
	}
	if !strings.Contains(first.Text, "2024-01-02") {
		t.Errorf("Text is not the latest run's: %q", first.Text)
	}
	if l.Statements[0].Hash == l.Statements[4].Hash {
		t.Error("statements with different session databases share a hash")
	}
}

func TestParseCSV(t *testing.T) {
	data := "QUERY_ID,QUERY_TEXT,QUERY_TYPE,DATABASE_NAME,SCHEMA_NAME,EXECUTION_STATUS,START_TIME,END_TIME,USER_NAME\n" +
		"q1,\"insert into t\n select a, 'x,y' from s\",INSERT,DB,SCH,SUCCESS,2024-01-02 03:04:05.123 -0800,2024-01-02 03:04:06.000 -0800,U\n" +
		"q2,select 1,SELECT,DB,SCH,SUCCESS,2024-01-02 03:05:00.000 -0800,,U\n" +
		"q3,\"merge into t using s on t.a = s.a when matched then update set b = s.b\",MERGE,DB,SCH,success,1704193600.5,,U\n"
	l := NewLog()
	if err := ParseCSV([]byte(data), l); err != nil {
		t.Fatal(err)
	}
	if len(l.Statements) != 2 || l.Dropped[DropSelect] != 1 {
		t.Fatalf("statements %d, dropped %v", len(l.Statements), l.Dropped)
	}
	s := l.Statements[0]
	if s.Text != "insert into t\n select a, 'x,y' from s" || s.DatabaseName != "DB" || s.SchemaName != "SCH" {
		t.Errorf("statement %+v", s)
	}
	if want := time.Date(2024, 1, 2, 11, 4, 5, 123e6, time.UTC); !s.FirstSeen.Equal(want) {
		t.Errorf("START_TIME = %v, want %v", s.FirstSeen, want)
	}
	if want := time.Unix(1704193600, 5e8); !l.Watermark.Equal(want) { // q3 is the latest
		t.Errorf("Watermark = %v, want %v", l.Watermark, want)
	}
	if want := time.Unix(1704193600, 5e8).UTC(); !l.Statements[1].FirstSeen.Equal(want) {
		t.Errorf("epoch START_TIME = %v, want %v", l.Statements[1].FirstSeen, want)
	}
}

func TestParseErrorsNameTheRecord(t *testing.T) {
	cases := []struct {
		name, data string
		csv        bool
		want       string
	}{
		{"bad json", `{"QUERY_ID":"a","QUERY_TEXT":"x","QUERY_TYPE":"INSERT","EXECUTION_STATUS":"SUCCESS","START_TIME":"2024-01-01T00:00:00Z"}` + "\n\n{oops\n", false, "line 3"},
		{"missing column", `{"QUERY_ID":"a","QUERY_TEXT":"x","QUERY_TYPE":"INSERT","EXECUTION_STATUS":"SUCCESS"}`, false, "line 1: no START_TIME"},
		{"bad time", `{"QUERY_ID":"a","QUERY_TEXT":"x","QUERY_TYPE":"INSERT","EXECUTION_STATUS":"SUCCESS","START_TIME":"yesterday"}`, false, `line 1: START_TIME: "yesterday" is not a timestamp`},
		{"object value", `{"QUERY_ID":{"a":1},"QUERY_TEXT":"x"}`, false, "line 1: QUERY_ID: want a string"},
		{"csv header", "QUERY_ID,QUERY_TEXT\nq,x\n", true, "no QUERY_TYPE column"},
		{"csv time", "QUERY_ID,QUERY_TEXT,QUERY_TYPE,EXECUTION_STATUS,START_TIME\nq,x,INSERT,SUCCESS,2024-01-01 00:00:00\nq2,\"a\nb\",INSERT,SUCCESS,soon\n", true, "record 2 (line 3): START_TIME"},
		{"csv width", "QUERY_ID,QUERY_TEXT,QUERY_TYPE,EXECUTION_STATUS,START_TIME\nq,x\n", true, "record 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.csv {
				err = ParseCSV([]byte(c.data), NewLog())
			} else {
				err = ParseJSONLines([]byte(c.data), NewLog())
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestDropTruncated(t *testing.T) {
	l := NewLog()
	text := "insert into t select " + strings.Repeat("a, ", MaxQueryText/3) + "b from s"
	l.Add(Record{QueryID: "q", QueryText: text, QueryType: "INSERT", ExecutionStatus: "SUCCESS"})
	if l.Dropped[DropTruncated] != 1 || len(l.Statements) != 0 {
		t.Fatalf("dropped %v, statements %d", l.Dropped, len(l.Statements))
	}
}

func TestNormalize(t *testing.T) {
	cases := []struct{ a, b string }{
		{"select a , b from t where x = 1", "SELECT a,b\n FROM  t WHERE x=42"},
		{"insert into t select 'a''b' from s -- run 1", "/* dbt */ INSERT INTO t SELECT 'other' FROM s -- run 2"},
		{"select $$x$$, 1.5e3", "select $$ y $$, .25"},
		{`select "Mixed Case" from t`, `SELECT "Mixed Case" FROM T`},
	}
	for _, c := range cases {
		if na, nb := Normalize(c.a), Normalize(c.b); na != nb {
			t.Errorf("Normalize(%q) = %q, Normalize(%q) = %q: want equal", c.a, na, c.b, nb)
		}
	}
	differ := []struct{ a, b string }{
		{`select "a" from t`, `select "A " from t`},
		{"select $1 from @s", "select $2 from @s"},
		{"select a from t1", "select a from t2"},
		{`select "x y" from t`, `select "x  y" from t`},
	}
	for _, c := range differ {
		if na, nb := Normalize(c.a), Normalize(c.b); na == nb {
			t.Errorf("Normalize(%q) = Normalize(%q) = %q: want different", c.a, c.b, na)
		}
	}
	if got, want := Normalize("select a, 'x' from t where n > 10 -- c"), "SELECT A , ? FROM T WHERE N > ?"; got != want {
		t.Errorf("Normalize = %q, want %q", got, want)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"select a, 'x''y' from t where n = 1.5e3 -- c",
		`insert into "T x" select $1, $$body$$ from @s /* c */`,
		"merge into t using s on t.id=s.id when matched then update set v=s.v",
		"'unterminated", `"unterminated`, "/* open", "$$ open", "é1 .5 1abc",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if again := Normalize(n); again != n {
			t.Fatalf("not idempotent: Normalize(%q) = %q, then %q", s, n, again)
		}
		if !strings.Contains(s, `"`) {
			// Whitespace between tokens never matters outside quoted
			// identifiers (inside a literal or comment it is dropped).
			if spaced := Normalize(strings.ReplaceAll(s, " ", "  ")); spaced != n {
				t.Fatalf("whitespace matters: %q -> %q, doubled spaces -> %q", s, n, spaced)
			}
		}
	})
}

// The kept statements are ones the lineage engine analyses, with the
// session's database and schema as defaults.
func TestKeptStatementsAnalyse(t *testing.T) {
	l := NewLog()
	if err := ParseJSONLines([]byte(historyJSONL), l); err != nil {
		t.Fatal(err)
	}
	targets := map[string]string{}
	for _, s := range l.Statements {
		res := lineage.AnalyzeSQL(s.Text, lineage.Options{DefaultDatabase: s.DatabaseName, DefaultSchema: s.SchemaName})
		if s.QueryType == "COPY" {
			// Kept for when the engine reads COPY INTO ... FROM (SELECT
			// ... FROM @stage); today it skips it, and says so.
			if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Message, "COPY") {
				t.Errorf("%s: COPY not reported as skipped: %+v", s.QueryID, res)
			}
			continue
		}
		if len(res.Errors) != 0 || len(res.Statements) != 1 || res.Statements[0].Target == nil {
			t.Errorf("%s: %+v %+v", s.QueryID, res.Errors, res.Statements)
			continue
		}
		targets[s.QueryID] = *res.Statements[0].Target
	}
	want := map[string]string{
		"01b": "ANALYTICS.MART.DAILY", "01e": "ANALYTICS.MART.T", "01f": "ANALYTICS.MART.DT",
		"023": "OTHER.MART.DAILY",
	}
	if d := cmp.Diff(want, targets); d != "" {
		t.Errorf("targets (-want +got):\n%s", d)
	}
}

// The hash is a stored identity (edges from query history will carry it):
// it must not change between releases. A change to Normalize or Hash that
// moves it orphans every stored query edge. The value is the first 16 bytes
// of SHA-256 over the normalised text, NUL, database, NUL, schema (checked
// with sha256sum).
func TestHashIsStable(t *testing.T) {
	n := Normalize("insert into mart.daily select d, sum(x) from raw.ev where d = '2024-01-01' group by d")
	if n != "INSERT INTO MART . DAILY SELECT D , SUM ( X ) FROM RAW . EV WHERE D = ? GROUP BY D" {
		t.Fatalf("Normalize = %q", n)
	}
	if got := Hash(n, "ANALYTICS", "PUBLIC"); got != "fae0b4a00cd7519069c2eb2eb67962fd" {
		t.Errorf("Hash = %s", got)
	}
}

// Whatever the input, every record read is either in a statement's runs or
// counted as dropped: nothing disappears silently.
func FuzzParse(f *testing.F) {
	f.Add([]byte(historyJSONL), false)
	f.Add([]byte("QUERY_ID,QUERY_TEXT,QUERY_TYPE,EXECUTION_STATUS,START_TIME\nq,\"insert into t select 1\",INSERT,SUCCESS,2024-01-01 00:00:00\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, csv bool) {
		// Bad input may fail part way; the accounting must hold for what
		// was read before the error.
		l := NewLog()
		var err error
		if csv {
			err = ParseCSV(data, l)
		} else {
			err = ParseJSONLines(data, l)
			lines := 0
			for _, line := range strings.Split(string(data), "\n") {
				if strings.TrimSpace(line) != "" {
					lines++
				}
			}
			if err == nil && l.Records != lines {
				t.Fatalf("%d records from %d non-blank lines without an error", l.Records, lines)
			}
		}
		if err != nil && !strings.Contains(err.Error(), "query history") {
			t.Fatalf("error without context: %v", err)
		}
		n := 0
		for _, c := range l.Dropped {
			n += c
		}
		for _, s := range l.Statements {
			n += s.Runs
		}
		if n != l.Records {
			t.Fatalf("%d records read, %d accounted for", l.Records, n)
		}
	})
}
