package lineage

import (
	"fmt"
	"strings"

	"github.com/tributary-lineage/tributary/internal/ident"
)

// tableID is a resolved table or view name; Database and Schema are empty
// when neither the statement nor the defaults give them.
type tableID struct {
	db, schema, name string
}

func (t tableID) String() string { return joinNames(t.db, t.schema, t.name) }

// column returns the canonical name of column c of t.
func (t tableID) column(c string) string { return joinNames(t.db, t.schema, t.name, c) }

// joinNames joins the non-empty parts, quoting those that need it.
func joinNames(parts ...string) string {
	var b strings.Builder
	first := true
	for _, p := range parts {
		if p == "" {
			continue
		}
		if !first {
			b.WriteByte('.')
		}
		first = false
		b.WriteString(QuoteIdent(p))
	}
	return b.String()
}

// QuoteIdent writes a resolved identifier the way Snowflake reads it back:
// bare when it is a valid unquoted identifier already in upper case,
// otherwise in double quotes with inner quotes doubled.
func QuoteIdent(s string) string { return ident.Quote(s) }

// splitName splits a dotted name written in SQL identifier syntax into
// resolved parts: unquoted parts are trimmed and upper-cased, "quoted" parts
// are kept exactly ("" inside quotes is a quote). Catalog keys are read this way.
func splitName(s string) ([]string, error) {
	parts, err := ident.Split(s, ident.Lenient)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", s, err)
	}
	return parts, nil
}
