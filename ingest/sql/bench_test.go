package sql

import (
	"os"
	"testing"
)

func benchmarkParseFile(b *testing.B, path string) {
	src, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	s := string(src)
	if _, err := Parse(s); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Parse(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseBench200(b *testing.B) {
	benchmarkParseFile(b, "testdata/snowflake-syntax/bench/bench_200.sql")
}

func BenchmarkParseUnion500(b *testing.B) {
	benchmarkParseFile(b, "testdata/snowflake-syntax/bench/patho_union_500.sql")
}

func BenchmarkParse5000Lines(b *testing.B) {
	benchmarkParseFile(b, "testdata/snowflake-syntax/bench/patho_5000_lines.sql")
}

func BenchmarkParseDeepNesting(b *testing.B) {
	benchmarkParseFile(b, "testdata/snowflake-syntax/bench/patho_deep_nesting.sql")
}
