package ingest

import (
	"strings"
	"unicode"

	"github.com/tributary-lineage/tributary/engine/sql"
)

// maxExpression bounds the expression text stored on an edge.
const maxExpression = 500

// itemExpressions returns, for a CREATE VIEW whose query is one SELECT without stars, the SQL
// text of each select item's expression (alias left out), in output order; nil otherwise
// (stars, set operations, column lists that rename: positions are not known). Bare column
// references give "" (their edges are IDENTITY; the text adds nothing).
func itemExpressions(text string, q *sql.Query) []string {
	if q == nil {
		return nil
	}
	sel, ok := q.Body.(*sql.Select)
	if !ok || len(sel.Items) == 0 {
		return nil
	}
	end := len(text)
	if len(sel.From) > 0 {
		end = sel.From[0].Position().Offset
	}
	out := make([]string, len(sel.Items))
	for i, it := range sel.Items {
		switch it.Expr.(type) {
		case *sql.Star:
			return nil
		case *sql.ColumnRef:
			continue
		}
		start := it.Expr.Position().Offset
		stop := end
		if i+1 < len(sel.Items) {
			stop = sel.Items[i+1].Position().Offset
		}
		if it.Alias != nil && it.Alias.Offset > start {
			stop = it.Alias.Offset
		}
		if start < 0 || stop > len(text) || start >= stop {
			return nil
		}
		out[i] = trimItem(text[start:stop], i == len(sel.Items)-1 && it.Alias == nil)
	}
	return out
}

// trimItem removes what follows an item's expression in its text slice: spaces, a comma, an
// AS keyword and, for the last item without alias, the FROM keyword.
func trimItem(s string, last bool) string {
	for {
		t := strings.TrimRightFunc(s, unicode.IsSpace)
		t = strings.TrimSuffix(t, ",")
		if last {
			if u := strings.ToUpper(t); strings.HasSuffix(u, "FROM") && (len(t) == 4 || !isWordByte(t[len(t)-5])) {
				t = t[:len(t)-4]
			}
		}
		if nl := strings.LastIndexByte(t, '\n'); nl >= 0 && strings.HasPrefix(strings.TrimSpace(t[nl+1:]), "--") {
			t = t[:nl] // a comment line before the next item
		}
		if u := strings.ToUpper(strings.TrimRightFunc(t, unicode.IsSpace)); strings.HasSuffix(u, " AS") || strings.HasSuffix(u, "\tAS") || strings.HasSuffix(u, "\nAS") {
			t = strings.TrimRightFunc(t, unicode.IsSpace)
			t = t[:len(t)-2]
		}
		if t == s {
			break
		}
		s = t
	}
	if len(s) > maxExpression {
		s = s[:maxExpression] + "..."
	}
	return s
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z'
}
