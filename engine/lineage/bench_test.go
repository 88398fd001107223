package lineage

import (
	"os"
	"strings"
	"testing"

	"github.com/tributary-lineage/tributary/engine/sql"
)

func readBench(b *testing.B, path string) string {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return string(data)
}

// benchParseLineage measures parse + lineage of one input.
func benchParseLineage(b *testing.B, src string, opts Options) {
	b.Helper()
	res := AnalyzeSQL(src, opts)
	if len(res.Errors) > 0 {
		b.Fatalf("input does not parse: %+v", res.Errors[0])
	}
	if len(res.Statements) == 0 {
		b.Fatal("no statement analysed")
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		AnalyzeSQL(src, opts)
	}
}

// benchLineageOnly measures lineage of an already parsed input.
func benchLineageOnly(b *testing.B, src string, opts Options) {
	b.Helper()
	parsed := sql.ParseScript(src)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Analyze(parsed, opts)
	}
}

func BenchmarkBench200ParseLineage(b *testing.B) {
	benchParseLineage(b, readBench(b, "../sql/testdata/snowflake-syntax/bench/bench_200.sql"), Options{})
}

func BenchmarkBench200LineageOnly(b *testing.B) {
	benchLineageOnly(b, readBench(b, "../sql/testdata/snowflake-syntax/bench/bench_200.sql"), Options{})
}

func BenchmarkPathoUnion500(b *testing.B) {
	benchParseLineage(b, readBench(b, "../sql/testdata/snowflake-syntax/bench/patho_union_500.sql"), Options{})
}

func BenchmarkPatho5000Lines(b *testing.B) {
	benchParseLineage(b, readBench(b, "../sql/testdata/snowflake-syntax/bench/patho_5000_lines.sql"), Options{})
}

func BenchmarkPathoDeepNesting(b *testing.B) {
	benchParseLineage(b, readBench(b, "../sql/testdata/snowflake-syntax/bench/patho_deep_nesting.sql"), Options{})
}

func BenchmarkSharedCTE12(b *testing.B) {
	src := readBench(b, "testdata/golden/shared_cte.sql")
	cat, err := ParseCatalogJSON([]byte(`{"DB.S.BASE": ["k", "x", "y"]}`))
	if err != nil {
		b.Fatal(err)
	}
	benchParseLineage(b, src, Options{Catalog: cat, DefaultDatabase: "DB", DefaultSchema: "S"})
}

// BenchmarkUnionScaling runs the same UNION ALL shape at growing sizes: the
// ns/op and B/op per branch should stay flat (memory linear in input).
func BenchmarkUnionScaling(b *testing.B) {
	for _, n := range []int{125, 250, 500, 1000} {
		var sb strings.Builder
		sb.WriteString("CREATE VIEW v AS\n")
		for i := range n {
			if i > 0 {
				sb.WriteString("UNION ALL\n")
			}
			sb.WriteString("SELECT id, name, amount * 2 AS amt FROM db.s.t")
			sb.WriteString(itoa(i))
			sb.WriteString(" WHERE flag = 1\n")
		}
		b.Run(itoa(n), func(b *testing.B) { benchParseLineage(b, sb.String(), Options{}) })
	}
}

// BenchmarkSharedCTEScaling grows the self-joined CTE chain: time must grow
// linearly with the depth, not as 3^depth.
func BenchmarkSharedCTEScaling(b *testing.B) {
	for _, depth := range []int{6, 12, 24, 48} {
		var sb strings.Builder
		sb.WriteString("WITH c0 AS (SELECT k, x FROM base)")
		for i := 1; i <= depth; i++ {
			p := "c" + itoa(i-1)
			sb.WriteString(",\nc" + itoa(i) + " AS (SELECT a.k, a.x + b.x + c.x AS x FROM " + p + " a JOIN " + p + " b ON a.k = b.k JOIN " + p + " c ON c.k = b.k)")
		}
		sb.WriteString("\nSELECT k, x FROM c" + itoa(depth))
		b.Run(itoa(depth), func(b *testing.B) { benchParseLineage(b, sb.String(), Options{}) })
	}
}

// BenchmarkChainedCTEScaling is patho_5000_lines' shape at growing depths:
// each CTE adds a dimension's column to AMOUNT, so AMOUNT's lineage at level
// i has i+1 sources. Copied per level that would be depth² edges; as a DAG of
// references (see lin) B/op must grow linearly with the depth.
func BenchmarkChainedCTEScaling(b *testing.B) {
	for _, depth := range []int{50, 100, 200, 400} {
		var sb strings.Builder
		sb.WriteString("WITH cte_0 AS (SELECT id, amount FROM base)")
		for i := 1; i <= depth; i++ {
			p, d := "cte_"+itoa(i-1), "dim_"+itoa(i)
			sb.WriteString(",\ncte_" + itoa(i) + " AS (SELECT s.id, s.amount + COALESCE(d.adj, 0) AS amount FROM " + p +
				" s LEFT JOIN " + d + " d ON d.id = s.id WHERE s.amount BETWEEN -1000 AND 1000)")
		}
		sb.WriteString("\nSELECT id, amount FROM cte_" + itoa(depth))
		b.Run(itoa(depth), func(b *testing.B) { benchParseLineage(b, sb.String(), Options{}) })
	}
}
