package export

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/tributary-lineage/tributary/graph"
)

var exportTime = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func runExport(t *testing.T, s *graph.Store, scope string, format Format) ([]byte, Summary) {
	t.Helper()
	sc, err := ParseScope(scope)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	// A page size of 2 makes even this small graph take several pages.
	sum, err := Run(context.Background(), s, sc, format, &buf, Options{Now: exportTime, PageSize: 2})
	if err != nil {
		t.Fatalf("export %s %s: %v", scope, format, err)
	}
	return buf.Bytes(), sum
}

// sheetXML returns the worksheet XML of sheet n (1-based) from the xlsx zip.
func sheetXML(t *testing.T, data []byte, n int) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	name := "xl/worksheets/sheet" + string(rune('0'+n)) + ".xml"
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("%s not in the xlsx", name)
	return ""
}

func checkSheet(t *testing.T, f *excelize.File, data []byte, index int, name string, header []string, wantRows int) [][]string {
	t.Helper()
	rows, err := f.GetRows(name)
	if err != nil {
		t.Fatalf("sheet %s: %v", name, err)
	}
	if len(rows) == 0 || !slices.Equal(rows[0], header) {
		t.Fatalf("sheet %s header = %q, want %q", name, rows[0], header)
	}
	if got := len(rows) - 1; got != wantRows {
		t.Errorf("sheet %s: %d data rows, want %d", name, got, wantRows)
	}
	style, err := f.GetCellStyle(name, "A1")
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(style)
	if err != nil {
		t.Fatal(err)
	}
	if st.Font == nil || !st.Font.Bold {
		t.Errorf("sheet %s: header cell A1 is not bold (style %+v)", name, st)
	}
	panes, err := f.GetPanes(name)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("sheet %s: panes %+v, want the header row frozen", name, panes)
	}
	xml := sheetXML(t, data, index)
	last, _ := excelize.CoordinatesToCellName(len(header), max(wantRows+1, 2))
	// excelize writes the range with absolute references ($A$1:$G$9).
	if !strings.Contains(strings.ReplaceAll(xml, "$", ""), `<autoFilter ref="A1:`+last+`"`) {
		t.Errorf("sheet %s: no autoFilter over A1:%s in %s", name, last, regexp.MustCompile(`<autoFilter[^>]*>`).FindString(xml))
	}
	if w, err := f.GetColWidth(name, "A"); err != nil || w < 20 {
		t.Errorf("sheet %s: column A width %v (%v), want a set width", name, w, err)
	}
	return rows
}

func TestXLSXDatabaseExport(t *testing.T) {
	s := newStore(t)
	db := testDB(t, s, "EXX_")
	buildShop(t, s, db)
	data, sum := runExport(t, s, "database:"+db, FormatXLSX)

	// 2 catalog tables + the OLD.CODES placeholder; 4 views; 3+2+1+0 view columns + 5 table
	// columns + 1 placeholder column; 3+4+1 edges.
	want := Summary{Scope: Scope{Kind: ScopeDatabase, Databases: []string{db}}, Format: FormatXLSX, ExportedAt: exportTime,
		Tables: 3, Views: 4, Columns: 12, Edges: 8}
	if diff := cmp.Diff(want, sum); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the xlsx does not open: %v", err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{SheetSummary, SheetViews, SheetColumns, SheetEdges}) {
		t.Fatalf("sheets %q", got)
	}
	summary := checkSheet(t, f, data, 1, SheetSummary, summaryHeader, 8)
	has := func(row ...string) bool {
		return slices.ContainsFunc(summary, func(r []string) bool { return slices.Equal(r, row) })
	}
	if !has("Scope", "database:"+db) || !has("Edges", "8") {
		t.Errorf("summary rows %q", summary)
	}
	views := checkSheet(t, f, data, 2, SheetViews, viewsHeader, 7)
	var ids []string
	for _, r := range views[1:] {
		ids = append(ids, r[0])
	}
	wantIDs := []string{db + ".MART.BROKEN", db + ".MART.LEGACY", db + ".MART.ORDER_TOTALS", db + ".MART.TOP_CUSTOMERS",
		db + ".OLD.CODES", db + ".RAW.CUSTOMERS", db + ".RAW.ORDERS"}
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("views sheet ids %q, want %q", ids, wantIDs)
	}
	if r := views[3]; r[4] != "view" || r[5] != "ok" || r[6] != "3" || r[7] != "3" || r[8] != "dir:/test/shop" || r[9] != "2026-11-01T08:30:00Z" {
		t.Errorf("ORDER_TOTALS row %q", r)
	}
	if r := views[5]; r[4] != "table (placeholder)" {
		t.Errorf("OLD.CODES row %q", r)
	}
	checkSheet(t, f, data, 3, SheetColumns, columnsHeader, 12)
	edges := checkSheet(t, f, data, 4, SheetEdges, edgesHeader, 8)
	// The edge is masked and unverified (Verified FALSE); it has no chain of expressions.
	wantEdge := []string{db + ".MART.LEGACY.CODE", db + ".OLD.CODES.CODE", "DIRECT", "TRANSFORMATION", db + ".MART.LEGACY", "SHA2(CODE)", "TRUE", "FALSE",
		"", "view", db + ".MART.LEGACY"} // no expressions; origin and statement: the view's definition
	if !slices.ContainsFunc(edges, func(r []string) bool { return slices.Equal(r, wantEdge) }) {
		t.Errorf("edges sheet lacks %q: %q", wantEdge, edges)
	}
}

func TestXLSXClosureHasImpactSheet(t *testing.T) {
	s := newStore(t)
	db := testDB(t, s, "EXI_")
	buildShop(t, s, db)
	data, sum := runExport(t, s, "downstream:"+db+".RAW.ORDERS.AMOUNT", FormatXLSX)
	// AMOUNT -> ORDER_TOTALS.TOTAL -> TOP_CUSTOMERS.TOTAL and TOP_CUSTOMERS.NAME (filter).
	if sum.Impacted != 4 || sum.Columns != 4 || sum.Edges != 4 || sum.Views != 2 || sum.Tables != 1 {
		t.Errorf("summary %+v", sum)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{SheetSummary, SheetViews, SheetColumns, SheetEdges, SheetImpact}) {
		t.Fatalf("sheets %q", got)
	}
	impact := checkSheet(t, f, data, 5, SheetImpact, impactHeader, 4)
	got := map[string]string{}
	for _, r := range impact[1:] {
		got[r[0]] = r[4] + " " + r[5]
	}
	want := map[string]string{
		db + ".RAW.ORDERS.AMOUNT":        "0 downstream",
		db + ".MART.ORDER_TOTALS.TOTAL":  "1 downstream",
		db + ".MART.TOP_CUSTOMERS.TOTAL": "2 downstream",
		db + ".MART.TOP_CUSTOMERS.NAME":  "2 downstream",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("impact (-want +got):\n%s", diff)
	}
}

func readZipCSV(t *testing.T, data []byte) map[string][][]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][][]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(rc).ReadAll()
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out[f.Name] = recs
	}
	return out
}

func TestCSVExport(t *testing.T) {
	s := newStore(t)
	db := testDB(t, s, "EXC_")
	buildShop(t, s, db)
	data, _ := runExport(t, s, "schema:"+db+".MART", FormatCSV)
	files := readZipCSV(t, data)
	var names []string
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{CSVColumns, CSVEdges, CSVSummary, CSVViews}) {
		t.Fatalf("files %q", names)
	}
	for name, want := range map[string]struct {
		header []string
		rows   int
	}{CSVViews: {viewsHeader, 4}, CSVColumns: {columnsHeader, 6}, CSVEdges: {edgesHeader, 8}, CSVSummary: {summaryHeader, 8}} {
		recs := files[name]
		if !slices.Equal(recs[0], want.header) || len(recs)-1 != want.rows {
			t.Errorf("%s: header %q, %d rows; want %q, %d rows", name, recs[0], len(recs)-1, want.header, want.rows)
		}
	}
	wantEdge := []string{db + ".MART.LEGACY.CODE", db + ".OLD.CODES.CODE", "DIRECT", "TRANSFORMATION", db + ".MART.LEGACY", "SHA2(CODE)", "true", "false", "",
		"view", db + ".MART.LEGACY", "", ""}
	if !slices.ContainsFunc(files[CSVEdges], func(r []string) bool { return slices.Equal(r, wantEdge) }) {
		t.Errorf("edges.csv lacks the unverified edge %q: %q", wantEdge, files[CSVEdges])
	}
	data, _ = runExport(t, s, "upstream:"+db+".MART.TOP_CUSTOMERS", FormatCSV)
	files = readZipCSV(t, data)
	// Both columns, ORDER_TOTALS.NAME/TOTAL, CUSTOMERS.NAME, ORDERS.AMOUNT.
	if got := len(files[CSVImpact]) - 1; got != 6 {
		t.Errorf("impact.csv: %d rows, want 6: %q", got, files[CSVImpact])
	}
}

func TestJSONRoundTrip(t *testing.T) {
	s := newStore(t)
	src := testDB(t, s, "EXJ_")
	dst := testDB(t, s, "EXK_")
	buildShop(t, s, src)
	data, sum := runExport(t, s, "database:"+src, FormatJSON)

	var doc struct {
		Format   string            `json:"format"`
		Version  int               `json:"version"`
		Datasets []json.RawMessage `json:"datasets"`
		Summary  Summary           `json:"summary"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the export is not JSON: %v\n%s", err, data)
	}
	if doc.Format != DocumentFormat || doc.Version != DocumentVersion || len(doc.Datasets) != 7 || doc.Summary.Edges != sum.Edges {
		t.Fatalf("document %s v%d, %d datasets, summary %+v", doc.Format, doc.Version, len(doc.Datasets), doc.Summary)
	}

	if d := dump(t, s, dst); len(d) != 0 {
		t.Fatalf("target database not empty: %q", d)
	}
	res, err := Import(context.Background(), s, opener(data), ImportOptions{RenameDatabases: map[string]string{src: dst}, BatchSize: 2})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if res.Format != ImportJSON || res.Tables != 3 || res.Views != 4 || res.Edges != 8 || res.Batches != 4 {
		t.Errorf("import result %+v", res)
	}
	before := dump(t, s, src)
	after := dump(t, s, dst)
	if len(before) < 20 {
		t.Fatalf("dump of the source is too small to mean anything: %q", before)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("imported graph differs (-exported +imported):\n%s", diff)
	}
	imported, err := s.ExportDatasetsByID(context.Background(), []graph.ObjectID{oid(t, dst+".MART.ORDER_TOTALS")})
	if err != nil || len(imported) != 1 || imported[0].Origin != OriginTributary || imported[0].Source != "dir:/test/shop" {
		t.Errorf("imported view %+v, %v: want origin %q and the source kept", imported, err, OriginTributary)
	}
	// Importing the same document again changes nothing.
	if _, err := Import(context.Background(), s, opener(data), ImportOptions{RenameDatabases: map[string]string{src: dst}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, dump(t, s, dst)); diff != "" {
		t.Errorf("second import changed the graph:\n%s", diff)
	}
}

func opener(data []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
}

func TestOpenLineageRoundTrip(t *testing.T) {
	s := newStore(t)
	src := testDB(t, s, "EXO_")
	dst := testDB(t, s, "EXP_")
	buildShop(t, s, src)
	data, _ := runExport(t, s, "database:"+src, FormatOpenLineage)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d events, want one per view (4)", len(lines))
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(lines[2]), &ev); err != nil {
		t.Fatal(err)
	}
	out := ev["outputs"].([]any)[0].(map[string]any)
	cl := out["facets"].(map[string]any)["columnLineage"].(map[string]any)
	total := cl["fields"].(map[string]any)["TOTAL"].(map[string]any)["inputFields"].([]any)[0].(map[string]any)
	tr := total["transformations"].([]any)[0].(map[string]any)
	if out["name"] != src+".MART.ORDER_TOTALS" || total["name"] != src+".RAW.ORDERS" || total["field"] != "AMOUNT" ||
		tr["type"] != "DIRECT" || tr["subtype"] != "AGGREGATION" || tr["masking"] != false || ev["eventType"] != "COMPLETE" {
		t.Errorf("ORDER_TOTALS event: %s", lines[2])
	}
	if _, err := Import(context.Background(), s, opener(data), ImportOptions{RenameDatabases: map[string]string{src: dst}}); err != nil {
		t.Fatalf("import: %v", err)
	}
	// Edges and INDIRECT inputs come back the same; view properties come from OpenLineage
	// (origin, no ingestion state), so compare the edge lines.
	edgesOf := func(lines []string) []string {
		var out []string
		for _, l := range lines {
			if strings.HasPrefix(l, "edge ") || strings.HasPrefix(l, "input ") {
				out = append(out, l)
			}
		}
		return out
	}
	if diff := cmp.Diff(edgesOf(dump(t, s, src)), edgesOf(dump(t, s, dst))); diff != "" {
		t.Errorf("edges after an OpenLineage round trip (-exported +imported):\n%s", diff)
	}
	v, err := s.ViewDetail(context.Background(), oid(t, dst+".MART.ORDER_TOTALS"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v.Definition, "CREATE VIEW MART.ORDER_TOTALS") || len(v.Columns) != 3 || v.Columns[2].DataType != "NUMBER(38,2)" {
		t.Errorf("imported view %+v", v)
	}
}

func TestMalformedImportsAreRejected(t *testing.T) {
	s := newStore(t)
	db := testDB(t, s, "EXM_")
	buildShop(t, s, db)
	before := dump(t, s, db)
	good, _ := runExport(t, s, "database:"+db, FormatJSON)
	goodText := string(good)
	ordersAt := strings.Index(goodText, `{"id":"`+db+`.RAW.ORDERS"`)

	for _, tc := range []struct {
		name   string
		doc    string
		format string
		want   []string // substrings of the error, positions included
	}{
		{"truncated JSON", goodText[:len(goodText)/2], "", []string{"malformed JSON", "unexpected end"}},
		{"not JSON", "hello", "", []string{"not JSON"}},
		{"garbage inside", strings.Replace(goodText, `"kind":"view"`, `"kind":view`, 1), "", []string{"byte ", "malformed JSON"}},
		{"unknown column in lineage", strings.Replace(goodText, `"column":"TOTAL","source":"`+db+`.RAW.ORDERS.AMOUNT"`, `"column":"GRAND_TOTAL","source":"`+db+`.RAW.ORDERS.AMOUNT"`, 1), "",
			[]string{"datasets[2] (byte ", `unknown column "GRAND_TOTAL"`}},
		{"source column missing from its table", strings.Replace(goodText, `"source":"`+db+`.RAW.ORDERS.AMOUNT"`, `"source":"`+db+`.RAW.ORDERS.AMOUNTS"`, 1), "",
			[]string{"datasets[2]", "unknown column " + db + ".RAW.ORDERS.AMOUNTS"}},
		{"unknown field and bad status", strings.Replace(strings.Replace(goodText, `"status":"failed"`, `"status":"broken"`, 1), `"placeholder":true`, `"placeholder":true,"colour":"red"`, 1), "",
			[]string{`datasets[0] (byte `, `status "broken"`, `datasets[4] (byte `, `unknown field "colour"`, "2 problems"}},
		{"table listed twice", goodText[:ordersAt] + goodText[ordersAt:strings.Index(goodText[ordersAt:], "\n")+ordersAt] + ",\n" + goodText[ordersAt:], "",
			[]string{"listed twice"}},
		{"wrong version", strings.Replace(goodText, `"version":1`, `"version":7`, 1), "", []string{"document version 7"}},
		{"OpenLineage with a bad transformation", `{"eventType":"COMPLETE","run":{"runId":"x"},"job":{"namespace":"n","name":"j"},"outputs":[{"namespace":"n","name":"` + db + `.MART.OL","facets":{"columnLineage":{"fields":{"A":{"inputFields":[{"namespace":"n","name":"` + db + `.RAW.ORDERS","field":"ID","transformations":[{"type":"SIDEWAYS","subtype":"IDENTITY"}]}]}}}}}]}`, "",
			[]string{"value 0 (byte 0) outputs[0]", `type "SIDEWAYS"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Import(context.Background(), s, opener([]byte(tc.doc)), ImportOptions{Format: tc.format})
			var verr *ValidationError
			if !errors.As(err, &verr) || !errors.Is(err, graph.ErrInvalid) {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if diff := cmp.Diff(before, dump(t, s, db)); diff != "" {
				t.Errorf("graph changed by a rejected import:\n%s", diff)
			}
		})
	}
}

func TestParseScope(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Scope
		err  bool
	}{
		{"all", Scope{Kind: ScopeAll}, false},
		{"database:analytics,RAW", Scope{Kind: ScopeDatabase, Databases: []string{"ANALYTICS", "RAW"}}, false},
		{`schema:a.b,"x,y".Z`, Scope{Kind: ScopeSchema, Schemas: []string{"A.B", `"x,y".Z`}}, false},
		{"views:a.b.c", Scope{Kind: ScopeViews, Views: []string{"A.B.C"}}, false},
		{"upstream:a.b.c.d@3", Scope{Kind: ScopeUpstream, Root: "A.B.C.D", Depth: 3}, false},
		{`downstream:a.b."v@1"`, Scope{Kind: ScopeDownstream, Root: `A.B."v@1"`}, false},
		{"upstream:a.b", Scope{}, true},
		{"upstream:a.b.c.d@99", Scope{}, true},
		{"schema:a", Scope{}, true},
		{"database:", Scope{}, true},
		{"everything", Scope{}, true},
	} {
		got, err := ParseScope(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParseScope(%q) error = %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" && !tc.err {
			t.Errorf("ParseScope(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

// A sheet that reaches the row limit continues on "<name> (2)" with its own header.
func TestXLSXSheetsContinuePastTheRowLimit(t *testing.T) {
	s := newStore(t)
	db := testDB(t, s, "EXR_")
	buildShop(t, s, db)
	defer func(n int) { maxSheetRows = n }(maxSheetRows)
	maxSheetRows = 4 // header + 3 rows
	data, _ := runExport(t, s, "database:"+db, FormatXLSX)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Continuation sheets are added as rows arrive (so they interleave); the summary, written
	// last, continues too at this tiny limit.
	want := []string{SheetSummary, SheetViews, SheetColumns, SheetEdges, "Columns (2)", "Edges (2)", "Views (2)", "Edges (3)",
		"Columns (3)", "Views (3)", "Columns (4)", "Summary (2)", "Summary (3)"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets %q, want %q", got, want)
	}
	total := 0
	for _, name := range []string{SheetEdges, "Edges (2)", "Edges (3)"} {
		rows, err := f.GetRows(name)
		if err != nil || !slices.Equal(rows[0], edgesHeader) {
			t.Fatalf("%s: header %q, %v", name, rows[0], err)
		}
		total += len(rows) - 1
	}
	if total != 8 {
		t.Errorf("%d edge rows over the Edges sheets, want 8", total)
	}
}

// OpenLineage input comes as an array, as JSON Lines or as bare datasets; a later event for the
// same view wins; the deprecated transformationType is understood.
func TestOpenLineageImportShapes(t *testing.T) {
	s := newStore(t)
	db := testDB(t, s, "EXL_")
	ev := func(view, col, src, field, typ, sub string) string {
		return `{"eventType":"COMPLETE","eventTime":"2026-11-25T10:00:00Z","run":{"runId":"r"},"job":{"namespace":"n","name":"` + view + `"},` +
			`"outputs":[{"namespace":"n","name":"` + db + `.` + view + `","facets":{"columnLineage":{"fields":{"` + col + `":{"inputFields":[` +
			`{"namespace":"n","name":"` + db + `.` + src + `","field":"` + field + `","transformations":[{"type":"` + typ + `","subtype":"` + sub + `","masking":false}]}]}}}}}]}`
	}
	array := "[" + ev("MART.A", "X", "RAW.T", "OLD", "DIRECT", "IDENTITY") + ",\n" + ev("MART.A", "X", "RAW.T", "NEW", "DIRECT", "AGGREGATION") + "]"
	res, err := Import(context.Background(), s, opener([]byte(array)), ImportOptions{})
	if err != nil || res.Format != ImportOpenLineage || res.Views != 1 || res.Edges != 1 {
		t.Fatalf("array: %+v, %v", res, err)
	}
	lines := ev("MART.B", "Y", "MART.A", "X", "INDIRECT", "FILTER") + "\n" +
		`{"namespace":"n","name":"` + db + `.MART.C","facets":{"columnLineage":{"fields":{"Z":{"inputFields":[{"namespace":"n","name":"` + db + `.RAW.T","field":"SSN"}],"transformationType":"MASKED","transformationDescription":"sha2(SSN)"}}}}}` + "\n"
	if res, err = Import(context.Background(), s, opener([]byte(lines)), ImportOptions{Format: ImportOpenLineage}); err != nil || res.Views != 2 {
		t.Fatalf("json lines: %+v, %v", res, err)
	}
	var edges []string
	for _, l := range dump(t, s, db) {
		if strings.HasPrefix(l, "edge ") {
			edges = append(edges, l)
		}
	}
	want := []string{
		`edge DB.MART.A.X -> DB.RAW.T.NEW {"expression":null,"masking":false,"stepRelations":null,"steps":null,"subtype":"AGGREGATION","type":"DIRECT","verification":null,"view":"DB.MART.A"}`,
		`edge DB.MART.B.Y -> DB.MART.A.X {"expression":null,"masking":false,"stepRelations":null,"steps":null,"subtype":"FILTER","type":"INDIRECT","verification":null,"view":"DB.MART.B"}`,
		`edge DB.MART.C.Z -> DB.RAW.T.SSN {"expression":"sha2(SSN)","masking":true,"stepRelations":null,"steps":null,"subtype":"TRANSFORMATION","type":"DIRECT","verification":null,"view":"DB.MART.C"}`,
	}
	if diff := cmp.Diff(want, edges); diff != "" {
		t.Errorf("edges (-want +got):\n%s", diff)
	}
}

// buildKinds adds to buildShop's database a dynamic table, a materialized view, a dbt model
// (a table), a table two query-history statements write (with their inputs), an OpenLineage
// run writing the same table, and a query-history statement writing the dbt model besides its
// definition.
func buildKinds(t testing.TB, s *graph.Store, db string) {
	t.Helper()
	ctx := context.Background()
	e := func(from, to string, sub graph.Subtype) graph.Edge {
		return graph.Edge{From: cid(t, from), To: cid(t, to), Type: graph.EdgeDirect, Subtype: sub}
	}
	col := func(name string, ord int) graph.Column { return graph.Column{Name: name, Ordinal: ord} }
	dt, mv, model := oid(t, db+".MART.REVENUE_DT"), oid(t, db+".MART.ORDERS_MV"), oid(t, db+".MART.FCT_ORDERS")
	views := []graph.View{
		{ID: dt, Kind: graph.KindDynamicTable, Origin: graph.OriginDynamicTable, Status: graph.StatusOK,
			Meta:       graph.Meta{TargetLag: "1 hour", Warehouse: "WH", RefreshMode: "INCREMENTAL", Initialize: "ON_SCHEDULE"},
			Definition: "CREATE DYNAMIC TABLE MART.REVENUE_DT TARGET_LAG = '1 hour' WAREHOUSE = WH AS SELECT SUM(AMOUNT) AS TOTAL FROM RAW.ORDERS",
			Columns:    []graph.Column{col("TOTAL", 1)},
			Edges:      []graph.Edge{e(db+".MART.REVENUE_DT.TOTAL", db+".RAW.ORDERS.AMOUNT", graph.SubtypeAggregation)}},
		{ID: mv, Kind: graph.KindMaterializedView, Status: graph.StatusOK,
			Definition: "CREATE MATERIALIZED VIEW MART.ORDERS_MV AS SELECT ID FROM RAW.ORDERS",
			Columns:    []graph.Column{col("ID", 1)},
			Edges:      []graph.Edge{e(db+".MART.ORDERS_MV.ID", db+".RAW.ORDERS.ID", graph.SubtypeIdentity)}},
		{ID: model, Kind: graph.KindTable, Origin: graph.OriginDBT, Status: graph.StatusOK,
			Meta: graph.Meta{UniqueID: "model.shop.fct_orders", Description: "orders", Tags: []string{"finance", "daily"},
				Owner: "ana", Materialization: "table", Path: "models/fct_orders.sql"},
			Definition: "create or replace table MART.FCT_ORDERS as select amount from STAGE.ORDERS_CLEAN",
			Columns:    []graph.Column{col("AMOUNT", 1)},
			Edges:      []graph.Edge{e(db+".MART.FCT_ORDERS.AMOUNT", db+".STAGE.ORDERS_CLEAN.AMOUNT", graph.SubtypeIdentity)}},
	}
	if err := s.ReplaceViewsLineage(ctx, views, nil); err != nil {
		t.Fatal(err)
	}
	clean := oid(t, db+".STAGE.ORDERS_CLEAN")
	seen := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	stmts := []graph.StatementLineage{
		{Origin: graph.OriginQueryHistory, Source: "querylog:test", Statement: "q1", Target: clean, Seen: seen,
			Columns: []graph.Column{col("ID", 1), col("AMOUNT", 2)},
			Edges: []graph.Edge{e(db+".STAGE.ORDERS_CLEAN.ID", db+".RAW.ORDERS.ID", graph.SubtypeIdentity),
				e(db+".STAGE.ORDERS_CLEAN.AMOUNT", db+".RAW.ORDERS.AMOUNT", graph.SubtypeIdentity)},
			Inputs: []graph.Input{{Column: cid(t, db+".RAW.ORDERS.CUSTOMER_ID"), Subtype: graph.SubtypeFilter}},
			Text:   "insert into stage.orders_clean select id, amount from raw.orders where customer_id > 0"},
		{Origin: graph.OriginQueryHistory, Source: "querylog:test", Statement: "q2", Target: clean, Seen: seen.Add(time.Hour),
			Edges: []graph.Edge{e(db+".STAGE.ORDERS_CLEAN.AMOUNT", db+".RAW.ORDERS.AMOUNT", graph.SubtypeTransformation)},
			Text:  "insert into stage.orders_clean (amount) select amount * 2 from raw.orders"},
		{Origin: graph.OriginOpenLineage, Source: "openlineage", Statement: "airflow/load_orders", Run: "0190f2a0-0000-7000-8000-000000000001",
			Target: clean, Seen: seen.Add(2 * time.Hour),
			Edges: []graph.Edge{e(db+".STAGE.ORDERS_CLEAN.ID", db+".RAW.CUSTOMERS.ID", graph.SubtypeIdentity)}},
		{Origin: graph.OriginQueryHistory, Source: "querylog:test", Statement: "q3", Target: model, Seen: seen,
			Edges: []graph.Edge{e(db+".MART.FCT_ORDERS.AMOUNT", db+".RAW.ORDERS.AMOUNT", graph.SubtypeIdentity)},
			Text:  "insert into mart.fct_orders select amount from raw.orders"},
	}
	if _, err := s.WriteStatements(ctx, stmts, nil); err != nil {
		t.Fatal(err)
	}
}

// TestJSONRoundTripKindsAndProvenance exports a database holding every dataset kind and edges
// of every origin as a Tributary document and imports it under another database name: the
// second export equals the first (kinds, definedBy, metadata, every edge's origin, statement,
// run and lastSeen, statement inputs), and Neo4j holds the same nodes with the same labels.
func TestJSONRoundTripKindsAndProvenance(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	src := testDB(t, s, "EXP_")
	dst := testDB(t, s, "EXQ_")
	buildShop(t, s, src)
	buildKinds(t, s, src)
	data, _ := runExport(t, s, "database:"+src, FormatJSON)
	for _, want := range []string{`"kind":"dynamic_table"`, `"definedBy":"dbt"`, `"targetLag":"1 hour"`, `"origin":"query_history"`,
		`"statement":"q2"`, `"run":"0190f2a0-0000-7000-8000-000000000001"`, `"lastSeen":"2026-11-02T10:00:00Z"`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the document lacks %s", want)
		}
	}
	if _, err := Import(ctx, s, opener(data), ImportOptions{RenameDatabases: map[string]string{src: dst}}); err != nil {
		t.Fatalf("import: %v", err)
	}
	before, after := records(t, s, src), records(t, s, dst)
	if len(before) != 11 {
		t.Fatalf("exported %d datasets, want 11: %q", len(before), before)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("re-exported datasets differ (-exported +imported):\n%s", diff)
	}
	if diff := cmp.Diff(dump(t, s, src), dump(t, s, dst)); diff != "" {
		t.Errorf("imported graph differs (-exported +imported):\n%s", diff)
	}
	// Importing again changes nothing: statement edges merge, definitions replace.
	if _, err := Import(ctx, s, opener(data), ImportOptions{RenameDatabases: map[string]string{src: dst}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, records(t, s, dst)); diff != "" {
		t.Errorf("second import changed the datasets:\n%s", diff)
	}
}

// TestOpenLineageCarriesKinds exports defined datasets of every kind as OpenLineage events with
// Tributary's facet (kind, definedBy, metadata) and imports them back with their kinds; the
// edges statements wrote into a defined dataset stay out of its definition's event.
func TestOpenLineageCarriesKinds(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	src := testDB(t, s, "EXR_")
	dst := testDB(t, s, "EXS_")
	buildShop(t, s, src)
	buildKinds(t, s, src)
	data, _ := runExport(t, s, "database:"+src, FormatOpenLineage)
	if n := strings.Count(strings.TrimSpace(string(data)), "\n") + 1; n != 7 {
		t.Fatalf("%d events, want one per defined dataset (4 views, a dynamic table, a materialized view, a dbt model)", n)
	}
	if _, err := Import(ctx, s, opener(data), ImportOptions{RenameDatabases: map[string]string{src: dst}}); err != nil {
		t.Fatalf("import: %v", err)
	}
	for name, want := range map[string]struct {
		kind      string
		definedBy graph.Origin
		meta      graph.Meta
		sources   []string
	}{
		"MART.REVENUE_DT": {graph.KindDynamicTable, graph.OriginDynamicTable,
			graph.Meta{TargetLag: "1 hour", Warehouse: "WH", RefreshMode: "INCREMENTAL", Initialize: "ON_SCHEDULE"}, []string{"RAW.ORDERS.AMOUNT dynamic_table"}},
		"MART.ORDERS_MV": {graph.KindMaterializedView, graph.OriginView, graph.Meta{}, []string{"RAW.ORDERS.ID view"}},
		"MART.FCT_ORDERS": {graph.KindTable, graph.OriginDBT, graph.Meta{UniqueID: "model.shop.fct_orders", Description: "orders",
			Tags: []string{"finance", "daily"}, Owner: "ana", Materialization: "table", Path: "models/fct_orders.sql"},
			[]string{"STAGE.ORDERS_CLEAN.AMOUNT dbt"}}, // not q3's edge from RAW.ORDERS.AMOUNT
	} {
		d, err := s.DatasetDetail(ctx, oid(t, dst+"."+name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var sources []string
		for _, c := range d.Columns {
			for _, src := range c.Sources {
				sources = append(sources, strings.TrimPrefix(src.Column.String(), dst+".")+" "+string(src.Origin))
			}
		}
		got := struct {
			kind      string
			definedBy graph.Origin
			meta      graph.Meta
			sources   []string
		}{d.Kind, d.DefinedBy, d.Meta, sources}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(want)); diff != "" {
			t.Errorf("%s after an OpenLineage round trip (-want +got):\n%s", name, diff)
		}
	}
}
