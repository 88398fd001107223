package sql

import (
	"fmt"
	"os"
	"strings"
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

// BenchmarkParseScaling parses 1, 4 and 16 copies of bench_200.sql in one
// script; B/op and ns/op should grow linearly with the copies.
func BenchmarkParseScaling(b *testing.B) {
	src, err := os.ReadFile("testdata/snowflake-syntax/bench/bench_200.sql")
	if err != nil {
		b.Fatal(err)
	}
	one := strings.TrimRight(string(src), "; \n") + ";\n"
	for _, n := range []int{1, 4, 16} {
		s := strings.Repeat(one, n)
		b.Run(fmt.Sprintf("copies=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				if _, err := Parse(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScanBench200 scans what BenchmarkParseBench200 parses (what a dir listing does per
// file instead of parsing it).
func BenchmarkScanBench200(b *testing.B) {
	src, err := os.ReadFile("testdata/snowflake-syntax/bench/bench_200.sql")
	if err != nil {
		b.Fatal(err)
	}
	s := string(src)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if len(ScanScript(s)) == 0 {
			b.Fatal("no statements")
		}
	}
}
