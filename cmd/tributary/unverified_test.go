package main

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/xuri/excelize/v2"

	"github.com/tributary-lineage/tributary/cypher/browser"
	"github.com/tributary-lineage/tributary/export"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// The issue's example: a hand-written lower-case catalog that lacks O_ORDERKEY and spells
// TOTALPRICE in another case. ORDERKEY keeps an unverified edge, TP matches by case; both say
// so in warnings, in JSON and in text.
const issueCatalog = `{"shop.tpch.orders": ["orderkey", "totalprice"]}`

const issueSQL = `SELECT o.o_orderkey::NUMBER(20,0) AS orderkey,
       o."totalprice" AS tp
FROM shop.tpch.orders o;
`

func TestAnalyzeKeepsUnverifiedAndCaseMatchedEdges(t *testing.T) {
	dir := t.TempDir()
	cat := filepath.Join(dir, "catalog.json")
	if err := os.WriteFile(cat, []byte(issueCatalog), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runAnalyzeTest(t, issueSQL, "--catalog", cat)
	if code != exitOK {
		t.Fatalf("analyze: exit %d\n%s", code, stderr)
	}
	var res struct {
		Statements []struct {
			Columns []struct {
				Name    string
				Sources []struct {
					Column      string
					Verified    *bool
					Expressions []struct{ Relation, Expression string }
				}
			}
			Warnings []struct{ Message string }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || len(res.Statements) != 1 {
		t.Fatalf("json: %v\n%s", err, stdout)
	}
	st := res.Statements[0]
	if len(st.Columns) != 2 || len(st.Columns[0].Sources) != 1 || len(st.Columns[1].Sources) != 1 {
		t.Fatalf("columns %+v", st.Columns)
	}
	ok, tp := st.Columns[0].Sources[0], st.Columns[1].Sources[0]
	if st.Columns[0].Name != "ORDERKEY" || ok.Column != "SHOP.TPCH.ORDERS.O_ORDERKEY" || ok.Verified == nil || *ok.Verified {
		t.Errorf("ORDERKEY <- %+v, want SHOP.TPCH.ORDERS.O_ORDERKEY with verified false", ok)
	}
	if len(ok.Expressions) != 1 || ok.Expressions[0].Expression != "o.o_orderkey::NUMBER(20, 0)" {
		t.Errorf("ORDERKEY's expressions %+v", ok.Expressions)
	}
	if st.Columns[1].Name != "TP" || tp.Column != "SHOP.TPCH.ORDERS.TOTALPRICE" || tp.Verified != nil {
		t.Errorf("TP <- %+v, want SHOP.TPCH.ORDERS.TOTALPRICE, verified", tp)
	}
	var msgs []string
	for _, w := range st.Warnings {
		msgs = append(msgs, w.Message)
	}
	wantWarnings := []string{
		"column O_ORDERKEY is not in the catalog's list for table SHOP.TPCH.ORDERS; edge kept, unverified",
		`"totalprice" matched catalog column TOTALPRICE by case`,
	}
	if !slices.Equal(msgs, wantWarnings) {
		t.Errorf("warnings %q, want %q", msgs, wantWarnings)
	}

	code, text, stderr := runAnalyzeTest(t, issueSQL, "--catalog", cat, "--format", "text")
	if code != exitOK {
		t.Fatalf("analyze --format text: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"ORDERKEY  <-  SHOP.TPCH.ORDERS.O_ORDERKEY  DIRECT/TRANSFORMATION (unverified)",
		"TP        <-  SHOP.TPCH.ORDERS.TOTALPRICE  DIRECT/IDENTITY",
		"via o.o_orderkey::NUMBER(20, 0)",
		"warning 1:8: " + wantWarnings[0],
		"warning 2:8: " + wantWarnings[1],
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text output lacks %q:\n%s", want, text)
		}
	}
}

// An ingested view whose catalog lacks a column: the edge is stored unverified and every
// reader shows it (the API, Neo4j Browser's caption, the xlsx, CSV, OpenLineage and JSON
// exports, and the JSON document imports it back unverified).
func TestIngestedUnverifiedEdgeShowsEverywhere(t *testing.T) {
	db := uniqueDB(t)
	dir := t.TempDir()
	catalog := `{"` + db + `.TPCH.ORDERS": ["ORDERKEY", "TOTALPRICE"]}`
	view := "CREATE VIEW " + db + ".MART.ORDER_KEYS AS\nSELECT o.o_orderkey::NUMBER(20,0) AS orderkey, o.totalprice AS tp\nFROM " + db + ".TPCH.ORDERS o;\n"
	if err := os.WriteFile(filepath.Join(dir, "catalog.json"), []byte(catalog), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "order_keys.sql"), []byte(view), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, testEnv(nil), "ingest", "--source", "dir:"+dir, "--inline")
	if code != exitOK {
		t.Fatalf("ingest: exit %d\n%s\n%s", code, stdout, stderr)
	}
	derived := db + ".MART.ORDER_KEYS.ORDERKEY"
	source := db + ".TPCH.ORDERS.O_ORDERKEY"

	// The API.
	s := apiServe(t)
	code, raw := getBody(t, s.base+"/api/v1/lineage/columns?"+url.Values{"column": {derived}, "direction": {"upstream"}}.Encode())
	if code != 200 {
		t.Fatalf("lineage: %d %s", code, raw)
	}
	var lin struct {
		Edges []struct {
			From, To    string
			Verified    *bool
			Expressions []struct{ Relation, Expression string }
		}
	}
	if err := json.Unmarshal(raw, &lin); err != nil {
		t.Fatal(err)
	}
	if len(lin.Edges) != 1 || lin.Edges[0].To != source || lin.Edges[0].Verified == nil || *lin.Edges[0].Verified ||
		len(lin.Edges[0].Expressions) != 1 || lin.Edges[0].Expressions[0].Expression != "o.o_orderkey::NUMBER(20, 0)" {
		t.Errorf("lineage edges %s, want one unverified edge to %s with its expression", raw, source)
	}
	code, raw = getBody(t, s.base+"/api/v1/lineage/columns?"+url.Values{"column": {db + ".MART.ORDER_KEYS.TP"}, "direction": {"upstream"}}.Encode())
	if code != 200 || strings.Contains(string(raw), `"verified"`) {
		t.Errorf("TP's verified edge: %d %s", code, raw)
	}

	// POST /api/v1/lineage/analyze returns each source's chain of expressions and marks a column
	// the graph's column list lacks unverified.
	body, _ := json.Marshal(map[string]string{"sql": "WITH c AS (SELECT COALESCE(o.totalprice, o.discount) AS p FROM " + db +
		".TPCH.ORDERS o) SELECT ROUND(p, 2) AS rp FROM c"})
	code, raw = postJSON(t, s.base+"/api/v1/lineage/analyze", string(body))
	var an struct {
		Statements []struct {
			Columns []struct {
				Sources []struct {
					Column      string
					Verified    *bool
					Expressions []struct{ Relation, Expression string }
				}
			}
		}
	}
	if err := json.Unmarshal(raw, &an); code != 200 || err != nil || len(an.Statements) != 1 || len(an.Statements[0].Columns) != 1 {
		t.Fatalf("analyze: %d %v %s", code, err, raw)
	}
	chains := map[string]string{}
	for _, src := range an.Statements[0].Columns[0].Sources {
		var steps []string
		for _, st := range src.Expressions {
			steps = append(steps, st.Relation+": "+st.Expression)
		}
		chains[src.Column] = fmt.Sprintf("verified=%v %s", src.Verified == nil, strings.Join(steps, " -> "))
	}
	wantChain := ": ROUND(p, 2)"
	if c := "CTE C: COALESCE(o.totalprice, o.discount) -> " + wantChain; chains[db+".TPCH.ORDERS.DISCOUNT"] != "verified=false "+c ||
		chains[db+".TPCH.ORDERS.TOTALPRICE"] != "verified=true "+c {
		t.Errorf("analyze sources %q, want TOTALPRICE verified and DISCOUNT unverified, both through the CTE and ROUND", chains)
	}

	// A column a stored view lacks is no unverified source: persisting a view that reads it
	// stores no edge to it, and the stored view gains no such column.
	body, _ = json.Marshal(map[string]any{"persist": true, "sql": "CREATE VIEW " + db + ".MART.K2 AS SELECT k.nope, k.tp FROM " + db + ".MART.ORDER_KEYS k"})
	if code, raw = postJSON(t, s.base+"/api/v1/lineage/analyze", string(body)); code != 200 || !strings.Contains(string(raw), `"persisted":true`) {
		t.Fatalf("persist K2: %d %s", code, raw)
	}
	// The view's message says why (as ingestion's does); its columns and edges hold no NOPE.
	code, raw = getBody(t, s.base+"/api/v1/lineage/views/"+db+".MART.K2")
	var k2 map[string]any
	if err := json.Unmarshal(raw, &k2); err != nil {
		t.Fatal(err)
	}
	msg, _ := k2["message"].(string)
	delete(k2, "message")
	rest, _ := json.Marshal(k2)
	if code != 200 || strings.Contains(string(rest), "ORDER_KEYS.NOPE") || !strings.Contains(string(rest), db+".MART.ORDER_KEYS.TP") ||
		!strings.Contains(msg, "ORDER_KEYS has no such column, not stored") {
		t.Errorf("K2: %d %s; want an edge to ORDER_KEYS.TP, none to ORDER_KEYS.NOPE, and a message saying so", code, raw)
	}
	code, raw = getBody(t, s.base+"/api/v1/lineage/views/"+db+".MART.ORDER_KEYS")
	if code != 200 || strings.Contains(string(raw), "NOPE") {
		t.Errorf("ORDER_KEYS after K2: %d %s; want no column NOPE", code, raw)
	}

	// Neo4j Browser: the style sheet captions DERIVES_FROM with the verification property,
	// which the unverified edge has and the verified one lacks.
	if !strings.Contains(browser.Style, "caption: '{subtype} {origin} {verification}'") {
		t.Errorf("the Browser style does not caption the verification:\n%s", browser.Style)
	}
	driver := graphtest.Driver(t)
	res, err := neo4j.ExecuteQuery(context.Background(), driver,
		"MATCH (:Column {id: $from})-[e:DERIVES_FROM]->(src:Column) RETURN src.id AS to, e.verification AS v ORDER BY to",
		map[string]any{"from": derived}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(graphtest.Neo4jDatabase()))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 1 || res.Records[0].Values[0] != source || res.Records[0].Values[1] != graph.Unverified {
		t.Errorf("stored edge: %+v", res.Records)
	}

	// Exports.
	out := t.TempDir()
	for _, f := range []string{"xlsx", "csv", "openlineage", "json"} {
		code, stdout, stderr := runCmd(t, testEnv(nil), "export", "--scope", "database:"+db, "--format", f, "--out", filepath.Join(out, "lineage."+f))
		if code != exitOK {
			t.Fatalf("export %s: %d\n%s\n%s", f, code, stdout, stderr)
		}
	}
	wantRow := []string{derived, source, "DIRECT", "TRANSFORMATION", db + ".MART.ORDER_KEYS", "o.o_orderkey::NUMBER(20,0)", "false", "false", "o.o_orderkey::NUMBER(20, 0)", "view", db + ".MART.ORDER_KEYS"}

	x, err := excelize.OpenFile(filepath.Join(out, "lineage.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(export.SheetEdges)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 1 || !slices.Contains(rows[0], "Verified") || !hasRow(rows[1:], wantRow, true) {
		t.Errorf("xlsx edges sheet %q lacks %q", rows, wantRow)
	}

	zr, err := zip.OpenReader(filepath.Join(out, "lineage.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	f, err := zr.Open(export.CSVEdges)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !hasRow(recs[1:], wantRow, false) {
		t.Errorf("edges.csv %q lacks %q", recs, wantRow)
	}

	ol, err := os.ReadFile(filepath.Join(out, "lineage.openlineage"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ol), `"field":"O_ORDERKEY"`) || !strings.Contains(string(ol), "o.o_orderkey::NUMBER(20,0) [unverified: the catalog the analysis used does not list this source column]") {
		t.Errorf("OpenLineage events do not keep the unverified edge with its note:\n%s", ol)
	}

	doc, err := os.ReadFile(filepath.Join(out, "lineage.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct{ Datasets []export.DatasetRecord }
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range d.Datasets {
		ds, problems := r.Dataset()
		if len(problems) > 0 {
			t.Errorf("%s: %q", r.ID, problems)
		}
		for _, e := range ds.Edges {
			if e.To.String() == source {
				found = e.Unverified && len(e.Steps) == 1
			}
		}
	}
	if !found {
		t.Errorf("the JSON document does not read back an unverified edge to %s:\n%s", source, doc)
	}
}

// hasRow reports whether rows holds want; xlsx drops trailing empty cells and writes booleans
// upper case.
func hasRow(rows [][]string, want []string, xlsx bool) bool {
	return slices.ContainsFunc(rows, func(r []string) bool {
		if len(r) < len(want) {
			return false
		}
		for i := range r {
			if i >= len(want) {
				if r[i] != "" { // the columns after want's (an edge's run and last seen) are empty
					return false
				}
				continue
			}
			if r[i] != want[i] && !(xlsx && strings.EqualFold(r[i], want[i])) {
				return false
			}
		}
		return true
	})
}
