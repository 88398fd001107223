package graph

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseColumnID(t *testing.T) {
	tests := []struct {
		in        string
		want      ColumnID
		canonical string
	}{
		{"db.s.t.c", ColumnID{"DB", "S", "T", "C"}, "DB.S.T.C"},
		{"Db.Sch_1.T$x._c9", ColumnID{"DB", "SCH_1", "T$X", "_C9"}, "DB.SCH_1.T$X._C9"},
		{`"DB"."S"."T"."C"`, ColumnID{"DB", "S", "T", "C"}, "DB.S.T.C"},
		{`"My db".S."a.b"."x""y"`, ColumnID{"My db", "S", "a.b", `x"y`}, `"My db".S."a.b"."x""y"`},
		{`d.s.t."lower"`, ColumnID{"D", "S", "T", "lower"}, `D.S.T."lower"`},
		{`d.s."with space".c`, ColumnID{"D", "S", "with space", "C"}, `D.S."with space".C`},
		{"d.s.t.\"`tick`\"", ColumnID{"D", "S", "T", "`tick`"}, "D.S.T.\"`tick`\""},
		{`d.s.t."}) DETACH DELETE n //"`, ColumnID{"D", "S", "T", "}) DETACH DELETE n //"}, `D.S.T."}) DETACH DELETE n //"`},
		{`d.s.t."Ünïcødé 列"`, ColumnID{"D", "S", "T", "Ünïcødé 列"}, `D.S.T."Ünïcødé 列"`},
		{`d.s.t."1ST"`, ColumnID{"D", "S", "T", "1ST"}, `D.S.T."1ST"`},
		{`d.s.t."A-B"`, ColumnID{"D", "S", "T", "A-B"}, `D.S.T."A-B"`},
		{`d.s.t.""""`, ColumnID{"D", "S", "T", `"`}, `D.S.T.""""`},
		{`d.s.t."a.b.c.d"`, ColumnID{"D", "S", "T", "a.b.c.d"}, `D.S.T."a.b.c.d"`},
		{`d.s.t."x'y"`, ColumnID{"D", "S", "T", "x'y"}, `D.S.T."x'y"`},
		{`d.s.t." "`, ColumnID{"D", "S", "T", " "}, `D.S.T." "`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseColumnID(tt.in)
			if err != nil {
				t.Fatalf("ParseColumnID(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseColumnID(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if s := got.String(); s != tt.canonical {
				t.Errorf("String() = %q, want %q", s, tt.canonical)
			}
			again, err := ParseColumnID(got.String())
			if err != nil {
				t.Fatalf("reparse %q: %v", got.String(), err)
			}
			if again != got {
				t.Errorf("round trip: %#v != %#v", again, got)
			}
		})
	}
}

func TestParseColumnIDErrors(t *testing.T) {
	tests := []struct{ in, wantErr string }{
		{"", "empty identifier"},
		{"a.b.c", "want 4 parts"},
		{"a.b.c.d.e", "want 4 parts"},
		{"a..c.d", "empty identifier"},
		{"a.b.c.", "empty identifier"},
		{`a.b.c."open`, "unterminated"},
		{`a.b.c.""`, "empty quoted"},
		{"a.b.c.has space", "invalid unquoted"},
		{"a.b.c.1abc", "invalid unquoted"},
		{"a.b.c.ü", "invalid unquoted"},
		{`a.b.c."x"y`, "expected '.'"},
		{"a.b.c.`t`", "invalid unquoted"},
		{"a.b.c.x-y", "invalid unquoted"},
		{"a.b.c.\"\xff\"", "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseColumnID(tt.in)
			if err == nil {
				t.Fatalf("ParseColumnID(%q) = nil error, want %q", tt.in, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseColumnID(%q) error %q, want it to contain %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestObjectID(t *testing.T) {
	o, err := ParseObjectID(`analytics."Raw Data".orders`)
	if err != nil {
		t.Fatal(err)
	}
	want := ObjectID{"ANALYTICS", "Raw Data", "ORDERS"}
	if o != want {
		t.Fatalf("got %#v, want %#v", o, want)
	}
	if got := o.String(); got != `ANALYTICS."Raw Data".ORDERS` {
		t.Errorf("String() = %q", got)
	}
	if got := o.SchemaID(); got != `ANALYTICS."Raw Data"` {
		t.Errorf("SchemaID() = %q", got)
	}
	c := o.Column("id")
	if got := c.String(); got != `ANALYTICS."Raw Data".ORDERS."id"` {
		t.Errorf("Column().String() = %q", got)
	}
	if c.Object() != o {
		t.Errorf("Column().Object() = %#v, want %#v", c.Object(), o)
	}
	if _, err := ParseObjectID("a.b.c.d"); err == nil {
		t.Error("ParseObjectID of 4 parts: want error")
	}
	if err := (ObjectID{Database: "A", Name: "B"}).Validate(); err == nil {
		t.Error("Validate of empty schema: want error")
	}
}

func TestQuoteIdentifier(t *testing.T) {
	tests := map[string]string{
		"ABC":    "ABC",
		"abc":    `"abc"`,
		"A_1$":   "A_1$",
		"_":      "_",
		"$A":     `"$A"`,
		"1A":     `"1A"`,
		"A B":    `"A B"`,
		`A"B`:    `"A""B"`,
		"A.B":    `"A.B"`,
		"ÄB":     `"ÄB"`,
		"SELECT": "SELECT",
	}
	for in, want := range tests {
		if got := QuoteIdentifier(in); got != want {
			t.Errorf("QuoteIdentifier(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzColumnIDRoundTrip(f *testing.F) {
	for _, seed := range [][4]string{
		{"DB", "S", "T", "C"},
		{"my db", "a.b", `x"y`, "}) DETACH DELETE n //"},
		{"`", "ü", " ", `""`},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	f.Fuzz(func(t *testing.T, db, schema, table, column string) {
		id := ColumnID{db, schema, table, column}
		if id.Validate() != nil {
			return
		}
		got, err := ParseColumnID(id.String())
		if err != nil {
			t.Fatalf("ParseColumnID(%q): %v", id.String(), err)
		}
		if got != id {
			t.Fatalf("round trip of %#v via %q gave %#v", id, id.String(), got)
		}
		if got.String() != id.String() {
			t.Fatalf("String not stable: %q vs %q", got.String(), id.String())
		}
	})
}

func FuzzParseColumnID(f *testing.F) {
	for _, s := range []string{"a.b.c.d", `"x""y".b.c.d`, `a.b.c."`, "..."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseColumnID(s)
		if err != nil {
			return
		}
		again, err := ParseColumnID(id.String())
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", id.String(), s, err)
		}
		if again != id {
			t.Fatalf("%q -> %#v -> %q -> %#v", s, id, id.String(), again)
		}
	})
}
