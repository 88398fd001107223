package ident

import (
	"slices"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"ORDERS": "ORDERS", "orders": `"orders"`, "_X$1": "_X$1", "1X": `"1X"`, "my table": `"my table"`,
		`say "hi"`: `"say ""hi"""`, "ü": `"ü"`, "": `""`, "A.B": `"A.B"`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestSplit(t *testing.T) {
	good := []struct {
		in   string
		mode Mode
		want []string
	}{
		{"db.sch.t", Strict, []string{"DB", "SCH", "T"}},
		{`"My DB".s."a""b"`, Strict, []string{"My DB", "S", `a"b`}},
		{`"a.b".c`, Strict, []string{"a.b", "C"}},
		{" my db . s ", Lenient, []string{"MY DB", "S"}},
	}
	for _, tc := range good {
		got, err := Split(tc.in, tc.mode)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("Split(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		// What Quote writes, Split reads back.
		quoted := make([]string, len(got))
		for i, p := range got {
			quoted[i] = Quote(p)
		}
		if back, err := Split(strings.Join(quoted, "."), Strict); err != nil || !slices.Equal(back, got) {
			t.Errorf("round trip of %q: %q, %v", got, back, err)
		}
	}
	bad := []struct {
		in   string
		mode Mode
		want string
	}{
		{"", Strict, "empty identifier at offset 0"},
		{"a..b", Strict, "empty identifier at offset 2"},
		{"a.", Lenient, "empty identifier at offset 2"},
		{`"abc`, Strict, "unterminated quoted identifier at offset 0"},
		{`a.""`, Strict, "empty quoted identifier at offset 2"},
		{"a.has space", Strict, `invalid unquoted identifier "has space" at offset 2`},
		{`"a"b`, Strict, `expected '.' at offset 3, found 'b'`},
		{"a. .b", Lenient, "empty identifier at offset 2"},
	}
	for _, tc := range bad {
		if _, err := Split(tc.in, tc.mode); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Split(%q) error %v, want %q", tc.in, err, tc.want)
		}
	}
}
