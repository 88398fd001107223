package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func runAnalyzeTest(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := env{getenv: func(string) string { return "" }, stdout: &out, stderr: &errb}
	code = analyze(e, args, strings.NewReader(stdin))
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const analyzeSQL = `CREATE OR REPLACE VIEW mart.v_orders (id, total_masked) AS
SELECT o.id, SHA2(SUM(o.amount)) FROM orders o JOIN customers c ON c.id = o.customer_id
WHERE c.active GROUP BY o.id;
DROP TABLE old_stuff;
SELECT id, total_masked FROM mart.v_orders ORDER BY id`

const analyzeCatalog = `{"SALES.RAW.ORDERS": ["id", "customer_id", "amount"], "SALES.RAW.CUSTOMERS": ["id", "active"]}`

// The golden JSON of analyzeSQL with analyzeCatalog, defaults SALES.RAW and
// --expand-views: the final SELECT reads the view and is followed through it,
// inheriting the view's own statement-level inputs and its expressions.
const analyzeGoldenJSON = `{"statements":[` +
	`{"index":0,"kind":"CREATE_VIEW","target":"SALES.MART.V_ORDERS","columns":[` +
	`{"name":"ID","sources":[{"column":"SALES.RAW.ORDERS.ID","type":"DIRECT","subtype":"IDENTITY","masking":false}]},` +
	`{"name":"TOTAL_MASKED","sources":[{"column":"SALES.RAW.ORDERS.AMOUNT","type":"DIRECT","subtype":"AGGREGATION","masking":true,` +
	`"expressions":[{"expression":"SHA2(SUM(o.amount))"}]}]}],` +
	`"indirect":[{"column":"SALES.RAW.CUSTOMERS.ACTIVE","subtype":"FILTER"},{"column":"SALES.RAW.CUSTOMERS.ID","subtype":"JOIN"},` +
	`{"column":"SALES.RAW.ORDERS.CUSTOMER_ID","subtype":"JOIN"},{"column":"SALES.RAW.ORDERS.ID","subtype":"GROUP_BY"}],"warnings":[]},` +
	`{"index":2,"kind":"SELECT","target":null,"columns":[` +
	`{"name":"ID","sources":[{"column":"SALES.RAW.ORDERS.ID","type":"DIRECT","subtype":"IDENTITY","masking":false}]},` +
	`{"name":"TOTAL_MASKED","sources":[{"column":"SALES.RAW.ORDERS.AMOUNT","type":"DIRECT","subtype":"AGGREGATION","masking":true,` +
	`"expressions":[{"relation":"view SALES.MART.V_ORDERS","expression":"SHA2(SUM(o.amount))"}]}]}],` +
	`"indirect":[{"column":"SALES.RAW.CUSTOMERS.ACTIVE","subtype":"FILTER"},{"column":"SALES.RAW.CUSTOMERS.ID","subtype":"JOIN"},` +
	`{"column":"SALES.RAW.ORDERS.CUSTOMER_ID","subtype":"JOIN"},{"column":"SALES.RAW.ORDERS.ID","subtype":"GROUP_BY"},` +
	`{"column":"SALES.RAW.ORDERS.ID","subtype":"SORT"}],"warnings":[]}],` +
	`"errors":[]}` + "\n"

const analyzeGoldenText = `statement 0: CREATE_VIEW SALES.MART.V_ORDERS
  COLUMN            SOURCE                        TYPE
  ID            <-  SALES.RAW.ORDERS.ID           DIRECT/IDENTITY
  TOTAL_MASKED  <-  SALES.RAW.ORDERS.AMOUNT       DIRECT/AGGREGATION masked  via SHA2(SUM(o.amount))
  (statement)   <-  SALES.RAW.CUSTOMERS.ACTIVE    INDIRECT/FILTER
  (statement)   <-  SALES.RAW.CUSTOMERS.ID        INDIRECT/JOIN
  (statement)   <-  SALES.RAW.ORDERS.CUSTOMER_ID  INDIRECT/JOIN
  (statement)   <-  SALES.RAW.ORDERS.ID           INDIRECT/GROUP_BY
`

func TestAnalyzeJSONGolden(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.sql", analyzeSQL)
	cat := writeFile(t, dir, "cat.json", analyzeCatalog)
	// Flags after FILE are accepted too.
	code, out, errOut := runAnalyzeTest(t, "", "--catalog", cat, "--default-database", "sales", in,
		"--default-schema", "raw", "--expand-views", "--dialect", "snowflake")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if diff := cmp.Diff(analyzeGoldenJSON, out); diff != "" {
		t.Errorf("json output (-want +got):\n%s", diff)
	}
	if !strings.Contains(errOut, "statement 1 (line 4): DROP TABLE") {
		t.Errorf("stderr should note the skipped DROP TABLE, got %q", errOut)
	}
}

func TestAnalyzeWithoutExpandViews(t *testing.T) {
	dir := t.TempDir()
	cat := writeFile(t, dir, "cat.json", analyzeCatalog)
	code, out, errOut := runAnalyzeTest(t, analyzeSQL, "--catalog", cat, "--default-database", "SALES", "--default-schema", "RAW", "-")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	var res struct {
		Statements []struct {
			Columns []struct {
				Name    string
				Sources []struct{ Column, Subtype string }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	last := res.Statements[len(res.Statements)-1]
	got := last.Columns[1].Sources
	if len(got) != 1 || got[0].Column != "SALES.MART.V_ORDERS.TOTAL_MASKED" || got[0].Subtype != "IDENTITY" {
		t.Errorf("without --expand-views the view is a catalog entry; got %+v", got)
	}
}

func TestAnalyzeTextGolden(t *testing.T) {
	dir := t.TempDir()
	cat := writeFile(t, dir, "cat.json", analyzeCatalog)
	src := strings.SplitN(analyzeSQL, ";", 2)[0]
	code, out, errOut := runAnalyzeTest(t, src, "--format", "text", "--catalog", cat,
		"--default-database", "SALES", "--default-schema", "RAW")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if diff := cmp.Diff(analyzeGoldenText, out); diff != "" {
		t.Errorf("text output (-want +got):\n%s", diff)
	}
}

func TestAnalyzeParseErrorKeepsOtherStatements(t *testing.T) {
	src := "SELECT a FROM t;\nSELECT FROM WHERE;\nSELECT b FROM u"
	code, out, _ := runAnalyzeTest(t, src)
	if code != exitFail {
		t.Fatalf("exit %d, want %d", code, exitFail)
	}
	var res struct {
		Statements []struct{ Index int }
		Errors     []struct {
			Statement, Line, Col int
			Message              string
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Statements) != 2 || res.Statements[0].Index != 0 || res.Statements[1].Index != 2 {
		t.Errorf("statements %+v, want indexes 0 and 2", res.Statements)
	}
	if len(res.Errors) != 1 || res.Errors[0].Statement != 1 || res.Errors[0].Line != 2 || res.Errors[0].Col != 8 ||
		!strings.Contains(res.Errors[0].Message, `unexpected "FROM"`) {
		t.Errorf("errors %+v, want statement 1 at 2:8, unexpected \"FROM\"", res.Errors)
	}
	code, out, _ = runAnalyzeTest(t, src, "--format", "text")
	if code != exitFail || !strings.Contains(out, `error: statement 1 at 2:8: unexpected "FROM"`) {
		t.Errorf("text output (exit %d) does not show the error with its position:\n%s", code, out)
	}
}

func TestAnalyzeTextWarnings(t *testing.T) {
	code, out, _ := runAnalyzeTest(t, "SELECT a FROM t JOIN u ON t.k = u.k", "--format", "text")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	want := "statement 0: SELECT (no target)\n" +
		"  COLUMN           SOURCE  TYPE\n" +
		"  A            <-  T.A     DIRECT/IDENTITY\n" +
		"               <-  U.A     DIRECT/IDENTITY\n" +
		"  (statement)  <-  T.K     INDIRECT/JOIN\n" +
		"  (statement)  <-  U.K     INDIRECT/JOIN\n" +
		"  warning 1:8: column A could come from table T, table U (columns unknown, no catalog); attributed to all of them\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("text output (-want +got):\n%s", diff)
	}
}

func TestAnalyzeUsage(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.sql", "SELECT 1")
	badCat := writeFile(t, dir, "bad.json", `{"t": "not a list"}`)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"--bogus", in}, "bogus"},
		{"other dialect", []string{"--dialect", "postgres", in}, "unsupported dialect"},
		{"unknown format", []string{"--format", "xml", in}, "unknown format"},
		{"missing file", []string{filepath.Join(dir, "nope.sql")}, "read input"},
		{"missing catalog", []string{"--catalog", filepath.Join(dir, "nope.json"), in}, "read catalog"},
		{"bad catalog", []string{"--catalog", badCat, in}, "catalog"},
		{"two files", []string{in, in}, "one input file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runAnalyzeTest(t, "", tc.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr %q, want it to mention %q", errOut, tc.want)
			}
		})
	}
}

func TestAnalyzeRegistered(t *testing.T) {
	var found bool
	for _, c := range commands() {
		found = found || c.name == "analyze"
	}
	if !found {
		t.Fatal("analyze is not in the command table")
	}
}
