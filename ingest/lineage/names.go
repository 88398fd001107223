package lineage

import (
	"fmt"
	"strings"
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
func QuoteIdent(s string) string {
	if isUnquoted(s) && strings.ToUpper(s) == s {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// isUnquoted reports whether s is a valid unquoted Snowflake identifier: a
// letter or underscore, then letters, digits, underscores or dollar signs.
func isUnquoted(s string) bool {
	if s == "" {
		return false
	}
	for k := 0; k < len(s); k++ {
		c := s[k]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '_':
		case (c >= '0' && c <= '9') || c == '$':
			if k == 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// splitName splits a dotted name written in SQL identifier syntax into
// resolved parts: unquoted parts are upper-cased, "quoted" parts are kept
// exactly ("" inside quotes is a quote).
func splitName(s string) ([]string, error) {
	var parts []string
	i := 0
	for {
		if i >= len(s) {
			return nil, fmt.Errorf("empty identifier at offset %d in %q", i, s)
		}
		var part string
		if s[i] == '"' {
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(s) {
				if s[j] == '"' {
					if j+1 < len(s) && s[j+1] == '"' {
						b.WriteByte('"')
						j += 2
						continue
					}
					closed = true
					j++
					break
				}
				b.WriteByte(s[j])
				j++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated quoted identifier in %q", s)
			}
			if b.Len() == 0 {
				return nil, fmt.Errorf("empty quoted identifier in %q", s)
			}
			part = b.String()
			i = j
		} else {
			j := i
			for j < len(s) && s[j] != '.' {
				j++
			}
			raw := strings.TrimSpace(s[i:j])
			if raw == "" {
				return nil, fmt.Errorf("empty identifier at offset %d in %q", i, s)
			}
			part = strings.ToUpper(raw)
			i = j
		}
		parts = append(parts, part)
		if i == len(s) {
			return parts, nil
		}
		if s[i] != '.' {
			return nil, fmt.Errorf("expected '.' at offset %d in %q", i, s)
		}
		i++
	}
}
