package dbt

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tributary-lineage/tributary/engine/lineage"
	"github.com/tributary-lineage/tributary/graph"
)

// The fixtures are written by testdata/regen.sh with real dbt-core:
// manifest-v10 by dbt-core 1.6, manifest-v11 by 1.7, manifest-v12 by 1.8.
var fixtures = []struct {
	dir     string
	version int
	dbt     string
}{
	{"manifest-v10", 10, "1.6."},
	{"manifest-v11", 11, "1.7."},
	{"manifest-v12", 12, "1.8."},
}

func readFixture(t *testing.T, dir string, project bool) *Manifest {
	t.Helper()
	proj := ""
	if project {
		proj = filepath.Join("testdata", "jaffle")
	}
	m, err := ReadProject(filepath.Join("testdata", dir, "manifest.json"), proj)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func modelByName(t *testing.T, m *Manifest, name string) Model {
	t.Helper()
	for _, md := range m.Models {
		if md.Name == name {
			return md
		}
	}
	t.Fatalf("no model %s", name)
	return Model{}
}

func columnNames(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

func TestManifestModels(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.dir, func(t *testing.T) {
			m := readFixture(t, f.dir, true)
			if m.SchemaVersion != f.version || !strings.HasPrefix(m.DBTVersion, f.dbt) || m.ProjectName != "jaffle" {
				t.Errorf("version v%d dbt %s project %s", m.SchemaVersion, m.DBTVersion, m.ProjectName)
			}
			type summary struct {
				ID, Target, Mat string
			}
			var got []summary
			for _, md := range m.Models {
				got = append(got, summary{md.UniqueID, md.Target.String(), md.Materialization})
			}
			want := []summary{
				{"model.jaffle.dim_customers", "ANALYTICS.MARTS.DIM_CUSTOMERS", MaterializedTable},
				{"model.jaffle.fct_daily_revenue", "ANALYTICS.MARTS.FCT_DAILY_REVENUE", MaterializedIncremental},
				{"model.jaffle.fct_orders", "ANALYTICS.MARTS.FCT_ORDERS", MaterializedTable},
				{"model.jaffle.rpt_region_revenue", "ANALYTICS.MARTS.RPT_REGION_REVENUE", MaterializedDynamicTable},
				{"model.jaffle.stg_customers", "ANALYTICS.STAGING.STG_CUSTOMERS", MaterializedView},
				{"model.jaffle.stg_orders", "ANALYTICS.STAGING.STG_ORDERS", MaterializedView},
				{"model.jaffle.stg_payments", "ANALYTICS.STAGING.STG_PAYMENTS", MaterializedView},
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("models (-want +got):\n%s", d)
			}
			if d := cmp.Diff([]Skipped{{"model.jaffle.int_order_payments", "ephemeral: inlined by dbt into the models that read it"}}, m.Skipped); d != "" {
				t.Errorf("skipped (-want +got):\n%s", d)
			}

			fct := modelByName(t, m, "fct_orders")
			if fct.Description != "One row per order with what was paid for it." || fct.Owner != "sales-analytics" ||
				fct.OriginalFilePath != "models/marts/fct_orders.sql" || !slices.Equal(fct.Tags, []string{"marts"}) {
				t.Errorf("fct_orders metadata %+v", fct)
			}
			// The catalog gives every column in table order; the manifest's
			// documentation is kept on the documented ones.
			if d := cmp.Diff([]string{"ORDER_ID", "CUSTOMER_ID", "ORDER_DATE", "STATUS", "AMOUNT_PAID", "SPLIT_PAYMENT"}, columnNames(fct.Columns)); d != "" {
				t.Errorf("fct_orders columns (-want +got):\n%s", d)
			}
			if fct.ColumnsFrom != ColumnsFromCatalog || fct.Columns[4].Description != "Sum of successful payments, 0 when none." || fct.Columns[4].DataType != "numeric" {
				t.Errorf("fct_orders amount_paid %+v from %s", fct.Columns[4], fct.ColumnsFrom)
			}
			dim := modelByName(t, m, "dim_customers")
			if dim.Owner != "analytics-engineering" || !slices.Equal(dim.Tags, []string{"marts", "pii"}) {
				t.Errorf("dim_customers owner %q tags %v", dim.Owner, dim.Tags)
			}
			rpt := modelByName(t, m, "rpt_region_revenue")
			if rpt.TargetLag != "1 hour" || rpt.Warehouse != "reporting_wh" {
				t.Errorf("dynamic table options lag %q warehouse %q", rpt.TargetLag, rpt.Warehouse)
			}
			inc := modelByName(t, m, "fct_daily_revenue")
			if inc.Owner != "finance-data" || !strings.Contains(inc.CompiledCode, "select max(order_date) from analytics.marts.fct_daily_revenue") {
				t.Errorf("incremental model: owner %q, compiled code without its is_incremental() block:\n%s", inc.Owner, inc.CompiledCode)
			}

			// The ephemeral model leaves no dataset: no target, no table, and
			// it is inlined as a CTE into the model that reads it.
			for _, md := range m.Models {
				if strings.Contains(strings.ToLower(md.Target.Name), "int_order_payments") {
					t.Errorf("ephemeral model is a target: %s", md.Target)
				}
			}
			if !strings.Contains(fct.CompiledCode, "__dbt__cte__int_order_payments as (") ||
				!slices.Contains(fct.DependsOn, "model.jaffle.int_order_payments") {
				t.Errorf("fct_orders does not inline the ephemeral model:\n%s", fct.CompiledCode)
			}
		})
	}
}

func TestSourcesAndSeeds(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.dir, func(t *testing.T) {
			m := readFixture(t, f.dir, true)
			var ids []string
			for _, s := range m.Sources {
				ids = append(ids, s.UniqueID+" "+s.Target.String()+" "+s.ColumnsFrom)
			}
			want := []string{
				// dbt-duckdb's catalog leaves out the attached raw database:
				// the sources' columns are those documented in the manifest.
				"source.jaffle.shop.customers RAW.SHOP.CUSTOMERS manifest",
				"source.jaffle.shop.orders RAW.SHOP.ORDERS manifest",
				"source.jaffle.shop.payments RAW.SHOP.PAYMENTS manifest",
			}
			if d := cmp.Diff(want, ids); d != "" {
				t.Errorf("sources (-want +got):\n%s", d)
			}
			orders := m.Sources[1]
			if d := cmp.Diff([]Column{
				{Name: "ID", Description: "Order id.", DataType: "integer"},
				{Name: "CUSTOMER_ID", DataType: "integer"},
				{Name: "ORDERED_AT", DataType: "timestamp"},
				{Name: "STATUS", Description: "placed, shipped, returned or cancelled.", DataType: "varchar"},
			}, orders.Columns); d != "" {
				t.Errorf("orders columns (-want +got):\n%s", d)
			}
			if len(m.Seeds) != 1 || m.Seeds[0].Target != (graph.ObjectID{Database: "ANALYTICS", Schema: "REFERENCE", Name: "COUNTRY_CODES"}) {
				t.Fatalf("seeds %+v", m.Seeds)
			}
		})
	}
}

// Without catalog.json, columns come from the manifest's documentation, and
// a seed's from its CSV header when the project is at hand.
func TestColumnsWithoutCatalog(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "manifest-v12", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseManifest(data)
	if err != nil {
		t.Fatal(err)
	}
	seed := m.Seeds[0]
	if seed.ColumnsFrom != ColumnsFromManifest || !slices.Equal(columnNames(seed.Columns), []string{"COUNTRY_CODE", "SALES_REGION"}) {
		t.Errorf("seed columns from %s: %v", seed.ColumnsFrom, columnNames(seed.Columns))
	}
	csv, err := os.ReadFile(filepath.Join("testdata", "jaffle", "seeds", "country_codes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	header, err := SeedHeader(csv)
	if err != nil {
		t.Fatal(err)
	}
	m.ApplySeedHeader(seed.UniqueID, header)
	seed = m.Seeds[0]
	if seed.ColumnsFrom != ColumnsFromCSV || !slices.Equal(columnNames(seed.Columns), []string{"COUNTRY_CODE", "COUNTRY_NAME", "SALES_REGION"}) ||
		seed.Columns[0].Description != "Two-letter ISO 3166 code." {
		t.Errorf("seed from CSV: %s %+v", seed.ColumnsFrom, seed.Columns)
	}
	customers := m.Sources[0]
	if customers.ColumnsFrom != ColumnsFromManifest || !slices.Equal(columnNames(customers.Columns), []string{"ID", "FIRST_NAME", "LAST_NAME", "EMAIL", "COUNTRY_CODE"}) {
		t.Errorf("customers columns from %s: %v", customers.ColumnsFrom, columnNames(customers.Columns))
	}
	if _, err := SeedHeader([]byte("a,,c\n")); err == nil || !strings.Contains(err.Error(), "column 2 has no name") {
		t.Errorf("SeedHeader with an empty name: %v", err)
	}
}

func TestManifestVersionRefused(t *testing.T) {
	cases := map[string]string{
		`{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/manifest/v9.json"}}`:  "schema version v9 is not supported",
		`{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/manifest/v13.json"}}`: "schema version v13 is not supported",
		`{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/catalog/v1.json"}}`:   "is not a manifest schema URL",
		`{"metadata":`: "parse dbt manifest",
	}
	for in, want := range cases {
		if _, err := ParseManifest([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseManifest(%s) = %v, want %q", in, err, want)
		}
	}
}

func TestQuotedRelation(t *testing.T) {
	in := `{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/manifest/v12.json"},
	"nodes":{"model.p.m":{"unique_id":"model.p.m","resource_type":"model","name":"m",
	"relation_name":"\"Analytics\".mart.\"My Table\"","compiled_code":"select 1 as \"a\"",
	"columns":{"b":{"name":"b"},"Quoted":{"name":"Quoted","quote":true}},
	"config":{"materialized":"table"}},
	"model.p.n":{"unique_id":"model.p.n","resource_type":"model","name":"n","relation_name":"x.y.n",
	"config":{"materialized":"view"}}},"sources":{}}`
	m, err := ParseManifest([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Models) != 1 {
		t.Fatalf("models %+v", m.Models)
	}
	md := m.Models[0]
	if md.Target != (graph.ObjectID{Database: "Analytics", Schema: "MART", Name: "My Table"}) {
		t.Errorf("target %+v", md.Target)
	}
	if !slices.Equal(columnNames(md.Columns), []string{"B", "Quoted"}) {
		t.Errorf("columns %v", columnNames(md.Columns))
	}
	if got := md.Statement(); got != "CREATE OR REPLACE TABLE \"Analytics\".MART.\"My Table\" AS\nselect 1 as \"a\"" {
		t.Errorf("statement %q", got)
	}
	if d := cmp.Diff([]Skipped{{"model.p.n", "no compiled code (the manifest comes from dbt parse; run dbt compile)"}}, m.Skipped); d != "" {
		t.Errorf("skipped (-want +got):\n%s", d)
	}
}

// Every model's compiled code, analysed by the lineage engine as the DDL
// that materialises it with the sources, seeds and models as the catalog,
// yields column lineage that reaches the raw tables.
func TestModelsAnalyse(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.dir, func(t *testing.T) {
			m := readFixture(t, f.dir, true)
			cat := m.LineageCatalog()
			edges := map[string][]string{} // "TARGET.COLUMN" -> sources with type
			for _, md := range m.Models {
				res := lineage.AnalyzeSQL(md.Statement(), lineage.Options{Catalog: cat})
				if len(res.Errors) != 0 || len(res.Statements) != 1 {
					t.Fatalf("%s: errors %+v\n%s", md.UniqueID, res.Errors, md.Statement())
				}
				st := res.Statements[0]
				if st.Target == nil || *st.Target != md.Target.String() {
					t.Errorf("%s: target %v, want %s", md.UniqueID, st.Target, md.Target)
				}
				for _, w := range st.Warnings {
					t.Errorf("%s: warning %+v", md.UniqueID, w)
				}
				for _, c := range st.Columns {
					for _, s := range c.Sources {
						k := md.Target.String() + "." + c.Name
						edges[k] = append(edges[k], s.Column+" "+s.Subtype)
					}
				}
				for _, src := range edges {
					for _, s := range src {
						if strings.Contains(s, "INT_ORDER_PAYMENTS") {
							t.Errorf("%s: an edge reaches the ephemeral model: %s", md.UniqueID, s)
						}
					}
				}
			}
			want := map[string][]string{
				"ANALYTICS.STAGING.STG_ORDERS.ORDER_DATE":    {"RAW.SHOP.ORDERS.ORDERED_AT TRANSFORMATION"},
				"ANALYTICS.STAGING.STG_PAYMENTS.AMOUNT":      {"RAW.SHOP.PAYMENTS.AMOUNT_CENTS TRANSFORMATION"},
				"ANALYTICS.STAGING.STG_CUSTOMERS.EMAIL_HASH": {"RAW.SHOP.CUSTOMERS.EMAIL TRANSFORMATION"},
				// Through the inlined ephemeral model down to the staging view.
				// COALESCE makes the value a condition of itself too.
				"ANALYTICS.MARTS.FCT_ORDERS.AMOUNT_PAID":     {"ANALYTICS.STAGING.STG_PAYMENTS.AMOUNT AGGREGATION", "ANALYTICS.STAGING.STG_PAYMENTS.AMOUNT CONDITIONAL"},
				"ANALYTICS.MARTS.FCT_ORDERS.ORDER_DATE":      {"ANALYTICS.STAGING.STG_ORDERS.ORDER_DATE IDENTITY"},
				"ANALYTICS.MARTS.DIM_CUSTOMERS.SALES_REGION": {"ANALYTICS.REFERENCE.COUNTRY_CODES.SALES_REGION IDENTITY"},
				"ANALYTICS.MARTS.FCT_DAILY_REVENUE.REVENUE":  {"ANALYTICS.MARTS.FCT_ORDERS.AMOUNT_PAID AGGREGATION"},
				"ANALYTICS.MARTS.RPT_REGION_REVENUE.REVENUE": {"ANALYTICS.MARTS.DIM_CUSTOMERS.LIFETIME_VALUE AGGREGATION"},
			}
			for col, w := range want {
				if d := cmp.Diff(w, edges[col]); d != "" {
					t.Errorf("%s (-want +got):\n%s", col, d)
				}
			}
			// split_payment is computed from count(*) of the ephemeral
			// model: no column feeds it.
			if split := edges["ANALYTICS.MARTS.FCT_ORDERS.SPLIT_PAYMENT"]; len(split) != 0 {
				t.Errorf("split_payment has sources %v", split)
			}
		})
	}
}

// The whole chain, analysed as one script in dependency order with
// ExpandViews, traces a mart column down to the raw table.
func TestLineageReachesSources(t *testing.T) {
	m := readFixture(t, "manifest-v12", true)
	order := []string{"stg_orders", "stg_customers", "stg_payments", "fct_orders", "dim_customers", "rpt_region_revenue"}
	var script strings.Builder
	for _, name := range order {
		script.WriteString(modelByName(t, m, name).Statement())
		script.WriteString(";\n")
	}
	// Only sources and seeds in the catalog: models come from the script.
	cat := &Manifest{Sources: m.Sources, Seeds: m.Seeds}
	res := lineage.AnalyzeSQL(script.String(), lineage.Options{Catalog: cat.LineageCatalog(), ExpandViews: true})
	if len(res.Errors) != 0 {
		t.Fatalf("errors %+v", res.Errors)
	}
	last := res.Statements[len(res.Statements)-1]
	var got []string
	for _, c := range last.Columns {
		if c.Name == "REVENUE" {
			for _, s := range c.Sources {
				got = append(got, s.Column+" "+s.Subtype)
			}
		}
	}
	if d := cmp.Diff([]string{"RAW.SHOP.PAYMENTS.AMOUNT_CENTS AGGREGATION", "RAW.SHOP.PAYMENTS.AMOUNT_CENTS CONDITIONAL"}, got); d != "" {
		t.Errorf("rpt_region_revenue.revenue (-want +got):\n%s", d)
	}
}

// A Snowflake catalog reports names as stored: a quoted mixed-case column
// keeps its case, and the catalog's order wins over the documentation's.
func TestSnowflakeCatalogNamesKept(t *testing.T) {
	m, err := ParseManifest([]byte(`{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/manifest/v11.json","adapter_type":"snowflake"},
	"nodes":{"model.p.m":{"unique_id":"model.p.m","resource_type":"model","name":"m","relation_name":"DB.S.M",
	"compiled_code":"select 1 as \"Mixed\", 2 as id","config":{"materialized":"table"},
	"columns":{"id":{"name":"id","description":"key","data_type":"number"}}}},"sources":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCatalog([]byte(`{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/catalog/v1.json"},
	"nodes":{"model.p.m":{"columns":{"ID":{"type":"NUMBER","index":2,"name":"ID"},"Mixed":{"type":"NUMBER","index":1,"name":"Mixed"}}}},"sources":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	m.ApplyCatalog(c)
	want := []Column{{Name: "Mixed", DataType: "NUMBER"}, {Name: "ID", Description: "key", DataType: "number"}}
	if d := cmp.Diff(want, m.Models[0].Columns); d != "" {
		t.Errorf("columns (-want +got):\n%s", d)
	}
	if _, err := ParseCatalog([]byte(`{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/catalog/v2.json"}}`)); err == nil ||
		!strings.Contains(err.Error(), "catalog/v2.json") {
		t.Errorf("catalog v2: %v", err)
	}
}
