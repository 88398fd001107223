package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tributary-lineage/tributary/api"
	"github.com/tributary-lineage/tributary/internal/warehousetest"
)

// demoServe ingests the demo warehouse under unique database names and serves it; it returns
// the server and the names standing for ANALYTICS and RAW.
func demoServe(t *testing.T) (s *serving, analytics, raw string) {
	t.Helper()
	analytics, raw = uniqueDB(t), uniqueDB(t)
	dir := warehousetest.Copy(t, analytics, raw)
	code, stdout, stderr := runCmd(t, testEnv(nil), "ingest", "--source", "dir:"+dir, "--default-database", analytics, "--inline")
	if code != exitOK {
		t.Fatalf("ingest the demo warehouse: exit %d\n%s\n%s", code, stdout, stderr)
	}
	return apiServe(t), analytics, raw
}

// getJSONBody GETs rawURL and decodes its JSON body into v; it returns the status.
func getJSONBody(t *testing.T, rawURL string, v any) int {
	t.Helper()
	code, b := getBody(t, rawURL)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: body is not JSON: %v\n%s", rawURL, err, b)
	}
	return code
}

// TestSearchJudgedQueries runs the judged query set (testdata/search_judged.json: queries people
// type on the demo warehouse, each with the objects that must be among the first hits) over
// HTTP against the demo warehouse.
func TestSearchJudgedQueries(t *testing.T) {
	b, err := os.ReadFile("testdata/search_judged.json")
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Queries []struct {
			Q    string   `json:"q"`
			Kind string   `json:"kind"`
			Top  int      `json:"top"`
			Want []string `json:"want"`
		} `json:"queries"`
	}
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Queries) < 25 {
		t.Fatalf("%d judged queries, want at least 25", len(set.Queries))
	}
	s, analytics, raw := demoServe(t)
	for _, jq := range set.Queries {
		t.Run(jq.Q, func(t *testing.T) {
			v := url.Values{"q": {warehousetest.Rename(jq.Q, analytics, raw)}, "limit": {"20"},
				"database": {analytics, raw}}
			if jq.Kind != "" {
				v.Set("kind", jq.Kind)
			}
			var res api.SearchJSON
			if code := getJSONBody(t, s.base+"/api/v1/lineage/search?"+v.Encode(), &res); code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			var top []string
			for i, h := range res.Items {
				if i < jq.Top {
					top = append(top, h.ID)
				}
			}
			for _, w := range jq.Want {
				if id := warehousetest.Rename(w, analytics, raw); !slices.Contains(top, id) {
					var got []string
					for _, h := range res.Items {
						got = append(got, h.Kind+" "+h.ID+" ("+h.Match+")")
					}
					t.Errorf("%s not in the first %d hits:\n  %s", id, jq.Top, strings.Join(got, "\n  "))
				}
			}
		})
	}
}

// TestBrowseDemoWarehouse lists the demo's failed views (REPORTING.BROKEN_VIEW with its
// position), its tables, and answers a table's name on /views/ with a 404 naming the table.
func TestBrowseDemoWarehouse(t *testing.T) {
	s, analytics, raw := demoServe(t)
	base := s.base + "/api/v1/lineage/"

	var failed api.DatasetListJSON
	if code := getJSONBody(t, base+"views?"+url.Values{"database": {analytics}, "status": {"failed"}}.Encode(), &failed); code != 200 {
		t.Fatalf("failed views: status %d", code)
	}
	if len(failed.Items) != 1 {
		t.Fatalf("failed views: %+v, want REPORTING.BROKEN_VIEW alone", failed.Items)
	}
	bv := failed.Items[0]
	if bv.ID != analytics+".REPORTING.BROKEN_VIEW" || bv.Status != "failed" || bv.Error == nil ||
		bv.Error.Position != "reporting/broken_view.sql:7:31" || bv.Error.Line != 7 || bv.Error.Col != 31 {
		t.Errorf("failed view: %+v (error %+v), want BROKEN_VIEW at reporting/broken_view.sql:7:31", bv, bv.Error)
	}

	// All views, two pages of 50: 74 views, each once.
	var ids []string
	cursor := ""
	for {
		v := url.Values{"database": {analytics}, "limit": {"50"}}
		if cursor != "" {
			v.Set("cursor", cursor)
		}
		var page api.DatasetListJSON
		if code := getJSONBody(t, base+"views?"+v.Encode(), &page); code != 200 {
			t.Fatalf("views page: status %d", code)
		}
		for _, it := range page.Items {
			ids = append(ids, it.ID)
			if it.Kind != "view" || (it.Status == "ok" && it.Columns == 0) {
				t.Errorf("view item %+v", it)
			}
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(ids) != 74 || !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != 74 {
		t.Errorf("%d views listed (sorted %t), want 74 once each", len(ids), slices.IsSorted(ids))
	}

	var marts api.DatasetListJSON
	getJSONBody(t, base+"views?"+url.Values{"database": {analytics}, "schema": {"marts"}, "q": {"orders"}}.Encode(), &marts)
	var names []string
	for _, it := range marts.Items {
		names = append(names, it.Name)
	}
	// orders: the word whole, as a prefix or one edit away (order).
	if !slices.Contains(names, "FCT_ORDERS") || slices.ContainsFunc(names, func(n string) bool { return !strings.Contains(n, "ORDER") }) {
		t.Errorf("marts views matching orders: %v, want FCT_ORDERS and only names with ORDER", names)
	}

	var tables api.DatasetListJSON
	getJSONBody(t, base+"tables?"+url.Values{"database": {raw}, "limit": {"100"}}.Encode(), &tables)
	if len(tables.Items) != 19 || tables.Items[0].Kind != "table" {
		t.Errorf("%d tables, want the 19 raw tables", len(tables.Items))
	}
	for _, it := range tables.Items {
		if it.ID == raw+".SHOP.ORDERS" && it.Columns != 14 {
			t.Errorf("ORDERS has %d columns, want 14", it.Columns)
		}
	}

	// A table's name on /views/: 404 naming the table; /datasets/ answers it.
	var p map[string]any
	if code := getJSONBody(t, base+"views/"+raw+".SHOP.ORDERS", &p); code != 404 ||
		!strings.Contains(p["detail"].(string), "table "+raw+".SHOP.ORDERS") {
		t.Errorf("views/%s.SHOP.ORDERS: %d %v, want 404 naming the table", raw, code, p)
	}
	var ds api.ViewJSON
	if code := getJSONBody(t, base+"datasets/"+raw+".SHOP.ORDERS", &ds); code != 200 || ds.Kind != "table" || len(ds.Columns) != 14 || len(ds.Downstream) == 0 {
		t.Errorf("datasets/%s.SHOP.ORDERS: %d %+v", raw, code, ds)
	}
	if code := getJSONBody(t, base+"datasets/"+analytics+".MARTS.FCT_ORDERS", &ds); code != 200 || ds.Kind != "view" || ds.Status != "ok" {
		t.Errorf("datasets/MARTS.FCT_ORDERS: %d %+v", code, ds)
	}
}
