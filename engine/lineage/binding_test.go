package lineage

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// render prints a statement compactly: "COL <- SRC SUBTYPE[ M][ U], ...; ..."
// (M masked, U unverified) then
// "| SRC SUBTYPE, ..." for the statement-level inputs.
func render(st Statement) string {
	var b strings.Builder
	for i, c := range st.Columns {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(c.Name + " <-")
		for j, s := range c.Sources {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(" " + s.Column + " " + s.Subtype)
			if s.Masking {
				b.WriteString(" M")
			}
			if !s.IsVerified() {
				b.WriteString(" U")
			}
		}
	}
	if len(st.Indirect) > 0 {
		b.WriteString(" |")
		for j, in := range st.Indirect {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(" " + in.Column + " " + in.Subtype)
		}
	}
	return b.String()
}

// TestBinding checks name binding and edge typing on small statements over
// this catalog: A(ID, X, K), B(ID, Y, K), T(ID, ARR, GRP, TS, V).
func TestBinding(t *testing.T) {
	cat, err := ParseCatalogJSON([]byte(`{"A": ["id", "x", "k"], "B": ["id", "y", "k"], "T": ["id", "arr", "grp", "ts", "v"]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, sql, want string
		warnings        int
	}{
		{"inner scope shadows the outer one",
			"SELECT (SELECT MAX(id) FROM b) AS m, id FROM a",
			"M <- B.ID AGGREGATION; ID <- A.ID IDENTITY", 0},
		{"correlated reference to the outer scope",
			"SELECT (SELECT MAX(y) FROM b WHERE b.k = a.k) AS m FROM a",
			"M <- B.Y AGGREGATION | A.K FILTER, B.K FILTER", 0},
		{"USING column: left side for LEFT JOIN, once in *",
			"SELECT * FROM a LEFT JOIN b USING (id)",
			"ID <- A.ID IDENTITY; X <- A.X IDENTITY; K <- A.K IDENTITY; Y <- B.Y IDENTITY; K <- B.K IDENTITY | A.ID JOIN, B.ID JOIN", 0},
		{"USING column: right side for RIGHT JOIN",
			"SELECT id FROM a RIGHT JOIN b USING (id)",
			"ID <- B.ID IDENTITY | A.ID JOIN, B.ID JOIN", 0},
		{"USING column: both sides for FULL JOIN",
			"SELECT id FROM a FULL JOIN b USING (id)",
			"ID <- A.ID IDENTITY, B.ID IDENTITY | A.ID JOIN, B.ID JOIN", 0},
		{"NATURAL JOIN joins on the common columns",
			"SELECT x, y FROM a NATURAL JOIN b",
			"X <- A.X IDENTITY; Y <- B.Y IDENTITY | A.ID JOIN, A.K JOIN, B.ID JOIN, B.K JOIN", 0},
		{"qualified star of a CTE",
			"WITH c AS (SELECT id, x * 2 AS x2 FROM a) SELECT c.* FROM c",
			"ID <- A.ID IDENTITY; X2 <- A.X TRANSFORMATION", 0},
		{"ORDER BY prefers the output alias",
			"SELECT x AS id FROM a ORDER BY id",
			"ID <- A.X IDENTITY | A.X SORT", 0},
		{"GROUP BY prefers the source column over an alias",
			"SELECT x AS id, COUNT(*) AS n FROM a GROUP BY id",
			"ID <- A.X IDENTITY; N <- | A.ID GROUP_BY", 0},
		{"lambda parameters are not columns",
			"SELECT FILTER(arr, id -> id > 1) AS f FROM t",
			"F <- T.ARR TRANSFORMATION", 0},
		{"CONNECT BY is a self-join, START WITH a filter",
			"SELECT id, LEVEL AS lvl FROM t START WITH grp = 1 CONNECT BY PRIOR id = v",
			"ID <- T.ID IDENTITY; LVL <- | T.GRP FILTER, T.ID JOIN, T.V JOIN", 0},
		{"ASOF JOIN MATCH_CONDITION is a join input",
			"SELECT a.x, b.y FROM a ASOF JOIN b MATCH_CONDITION (a.k >= b.k) ON a.id = b.id",
			"X <- A.X IDENTITY; Y <- B.Y IDENTITY | A.ID JOIN, A.K JOIN, B.ID JOIN, B.K JOIN", 0},
		{"WITHIN GROUP order is a SORT input of the column",
			"SELECT LISTAGG(v, ',') WITHIN GROUP (ORDER BY ts) AS l FROM t",
			"L <- T.TS SORT, T.V AGGREGATION", 0},
		{"ORDER BY ALL sorts by every output column",
			"SELECT id, x FROM a ORDER BY ALL",
			"ID <- A.ID IDENTITY; X <- A.X IDENTITY | A.ID SORT, A.X SORT", 0},
		{"positional reference into a derived table",
			"SELECT d.$2 AS second FROM (SELECT id, x FROM a) d",
			"SECOND <- A.X IDENTITY", 0},
		{"scalar subquery over an aggregated CTE in WHERE",
			"WITH m AS (SELECT MAX(x) AS mx FROM a) SELECT id FROM a WHERE x = (SELECT mx FROM m)",
			"ID <- A.ID IDENTITY | A.X FILTER", 0},
		{"FLATTEN over a column of a joined table",
			"SELECT f.value AS v FROM a JOIN t ON t.id = a.id, LATERAL FLATTEN(input => t.arr) f",
			"V <- T.ARR TRANSFORMATION | A.ID JOIN, T.ID JOIN", 0},
		{"lateral alias in WHERE and QUALIFY",
			"SELECT x + 1 AS x1, ROW_NUMBER() OVER (PARTITION BY k ORDER BY id) AS rn FROM a WHERE x1 > 0 QUALIFY rn = 1",
			"X1 <- A.X TRANSFORMATION; RN <- A.ID WINDOW, A.K WINDOW | A.ID FILTER, A.K FILTER, A.X FILTER", 0},
		{"unknown column of the only (catalog) table keeps an unverified edge and warns",
			"SELECT nope FROM a",
			"NOPE <- A.NOPE IDENTITY U", 1},
		{"unknown qualified column of a catalog table keeps an unverified edge",
			"SELECT b.nope + 1 AS n, a.x FROM a JOIN b ON a.id = b.id",
			"N <- B.NOPE TRANSFORMATION U; X <- A.X IDENTITY | A.ID JOIN, B.ID JOIN", 1},
		{"unknown unqualified column with two candidate tables: warning, no edge",
			"SELECT nope FROM a JOIN b ON a.id = b.id",
			"NOPE <- | A.ID JOIN, B.ID JOIN", 1},
		{"a quoted name matches the catalog's only case variant, with a warning",
			`SELECT "x" AS lx, a."k" FROM a`,
			`LX <- A.X IDENTITY; "k" <- A.K IDENTITY`, 2},
		{"an unqualified case match in one of two tables binds to it",
			`SELECT "y" FROM a JOIN b ON a.id = b.id`,
			`"y" <- B.Y IDENTITY | A.ID JOIN, B.ID JOIN`, 1},
		{"unknown column in a correlated subquery: two relations in scope, no edge",
			"SELECT id FROM a WHERE EXISTS (SELECT 1 FROM b WHERE nope = 1)",
			"ID <- A.ID IDENTITY", 1},
		{"unknown qualifier warns",
			"SELECT z.id FROM a",
			"ID <-", 1},
		{"a sequence's NEXTVAL is no column",
			"INSERT INTO b (id, y) SELECT my_seq.NEXTVAL, x FROM a",
			"ID <-; Y <- A.X IDENTITY", 0},
		{"IDENTIFIER('a') names a table",
			"SELECT x FROM IDENTIFIER('a')",
			"X <- A.X IDENTITY", 0},
		{"hashing masks, a second unmasked path unmasks",
			"SELECT SHA2(x) AS h, x || MD5(x) AS both, HASH(x, id) AS hh FROM a",
			"H <- A.X TRANSFORMATION M; BOTH <- A.X TRANSFORMATION; HH <- A.ID TRANSFORMATION M, A.X TRANSFORMATION M", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := AnalyzeSQL(tc.sql, Options{Catalog: cat})
			if len(res.Errors) > 0 {
				t.Fatalf("parse: %+v", res.Errors)
			}
			st := res.Statements[0]
			if diff := cmp.Diff(tc.want, render(st)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if len(st.Warnings) != tc.warnings {
				t.Errorf("warnings %+v, want %d", st.Warnings, tc.warnings)
			}
		})
	}
}
