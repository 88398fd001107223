package lineage

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCatalogJSONAndLookup(t *testing.T) {
	cat, err := ParseCatalogJSON([]byte(`{
		"db.sales.orders": ["id", "Amount", "\"mixedCase\""],
		"crm.customers": ["id"],
		"regions": ["code"],
		"\"My DB\".\"s.x\".\"T\"": ["c"],
		"other.sales.orders": ["x"]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name            string
		db, schema, tbl string
		want            Table
		ok              bool
	}{
		{"exact", "DB", "SALES", "ORDERS", Table{"DB", "SALES", "ORDERS", []string{"ID", "AMOUNT", "mixedCase"}}, true},
		{"open database, two databases have it: ambiguous", "", "SALES", "ORDERS", Table{}, false},
		{"other database", "OTHER", "SALES", "ORDERS", Table{"OTHER", "SALES", "ORDERS", []string{"X"}}, true},
		{"2-part entry fills the database from the lookup", "PROD", "CRM", "CUSTOMERS", Table{"PROD", "CRM", "CUSTOMERS", []string{"ID"}}, true},
		{"2-part entry, wrong schema", "PROD", "SALES", "CUSTOMERS", Table{}, false},
		{"1-part entry matches any schema", "PROD", "X", "REGIONS", Table{"PROD", "X", "REGIONS", []string{"CODE"}}, true},
		{"quoted names kept exactly", "My DB", "s.x", "T", Table{"My DB", "s.x", "T", []string{"C"}}, true},
		{"no exact match: the only entry equal ignoring case", "MY DB", "S.X", "T", Table{"My DB", "s.x", "T", []string{"C"}}, true},
		{"case-insensitive table name", "DB", "SALES", "orders", Table{"DB", "SALES", "ORDERS", []string{"ID", "AMOUNT", "mixedCase"}}, true},
		{"case-insensitive, several entries: ambiguous", "", "sales", "orders", Table{}, false},
		{"unknown", "DB", "SALES", "NOPE", Table{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := cat.Table(tc.db, tc.schema, tc.tbl)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v (%+v)", ok, tc.ok, got)
			}
			if diff := cmp.Diff(tc.want, got); ok && diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCatalogLookupPrefersMostSpecific(t *testing.T) {
	var c MapCatalog
	c.Add(Table{Name: "T", Columns: []string{"ANY"}})
	c.Add(Table{Schema: "S", Name: "T", Columns: []string{"IN_S"}})
	c.Add(Table{Database: "D", Schema: "S", Name: "T", Columns: []string{"IN_D_S"}})
	for _, tc := range []struct{ db, schema, want string }{
		{"D", "S", "IN_D_S"},
		{"E", "S", "IN_S"},
		{"E", "Q", "ANY"},
	} {
		got, ok := c.Table(tc.db, tc.schema, "T")
		if !ok || got.Columns[0] != tc.want {
			t.Errorf("Table(%s, %s, T) = %+v, %v; want columns [%s]", tc.db, tc.schema, got, ok, tc.want)
		}
	}
}

func TestParseCatalogJSONErrors(t *testing.T) {
	for _, in := range []string{
		`[]`,
		`{"t": "a"}`,
		`{"a.b.c.d": ["x"]}`,
		`{"a..": ["x"]}`,
		`{"\"open": ["x"]}`,
		`{"t": ["a.b"]}`,
		`{"t": [""]}`,
	} {
		if _, err := ParseCatalogJSON([]byte(in)); err == nil {
			t.Errorf("ParseCatalogJSON(%s): no error", in)
		}
	}
}

func TestQuoteIdent(t *testing.T) {
	for in, want := range map[string]string{
		"ABC":      "ABC",
		"A_1$":     "A_1$",
		"abc":      `"abc"`,
		"a.b":      `"a.b"`,
		"1A":       `"1A"`,
		`say "hi"`: `"say ""hi"""`,
		"Order Id": `"Order Id"`,
	} {
		if got := QuoteIdent(in); got != want {
			t.Errorf("QuoteIdent(%q) = %s, want %s", in, got, want)
		}
	}
	if got := (tableID{"DB", "", "T"}).column("c d"); got != `DB.T."c d"` {
		t.Errorf("column name %s", got)
	}
}

func TestCompose(t *testing.T) {
	for _, tc := range []struct {
		outer, inner, want kind
	}{
		{kIdentity, kIdentity, kIdentity},
		{kIdentity, kAggregation, kAggregation},
		{kTransformation, kIdentity, kTransformation},
		{kTransformation, kAggregation, kAggregation},
		{kAggregation, kTransformation, kAggregation},
		{kIdentity, kWindow, kWindow},
		{kTransformation, kConditional, kConditional},
		{kFilter, kAggregation, kFilter},
		{kConditional, kWindow, kConditional},
		{kSort, kIdentity, kSort},
	} {
		if got := compose(tc.outer, tc.inner); got != tc.want {
			t.Errorf("compose(%s, %s) = %s, want %s", tc.outer.subtype(), tc.inner.subtype(), got.subtype(), tc.want.subtype())
		}
	}
}

func TestNormalizeMergesMasking(t *testing.T) {
	got := normalize([]edge{
		{col: "B", k: kTransformation, mask: true},
		{col: "A", k: kIdentity, mask: true},
		{col: "B", k: kTransformation, mask: false},
		{col: "A", k: kIdentity, mask: true},
	})
	want := []edge{{col: "A", k: kIdentity, mask: true}, {col: "B", k: kTransformation, mask: false}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(edge{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
