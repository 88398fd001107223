package graph

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ColumnID names a column as DB.SCHEMA.TABLE.COLUMN. Parts hold identifiers as Snowflake resolves
// them: an unquoted identifier is upper-cased, a quoted one is kept exactly (without its quotes).
type ColumnID struct {
	Database, Schema, Table, Column string
}

// ObjectID names a table or view as DB.SCHEMA.NAME, with the same rules as ColumnID.
type ObjectID struct {
	Database, Schema, Name string
}

// ParseColumnID parses a four-part column name such as `db.s.t.c` or `"My db".S."a.b"."x""y"`.
func ParseColumnID(s string) (ColumnID, error) {
	parts, err := ParseIdentifiers(s)
	if err != nil {
		return ColumnID{}, fmt.Errorf("parse column id %q: %w", s, err)
	}
	if len(parts) != 4 {
		return ColumnID{}, fmt.Errorf("parse column id %q: want 4 parts DB.SCHEMA.TABLE.COLUMN, got %d", s, len(parts))
	}
	return ColumnID{Database: parts[0], Schema: parts[1], Table: parts[2], Column: parts[3]}, nil
}

// ParseObjectID parses a three-part table or view name such as `db.s.t`.
func ParseObjectID(s string) (ObjectID, error) {
	parts, err := ParseIdentifiers(s)
	if err != nil {
		return ObjectID{}, fmt.Errorf("parse object id %q: %w", s, err)
	}
	if len(parts) != 3 {
		return ObjectID{}, fmt.Errorf("parse object id %q: want 3 parts DB.SCHEMA.NAME, got %d", s, len(parts))
	}
	return ObjectID{Database: parts[0], Schema: parts[1], Name: parts[2]}, nil
}

// String is the canonical form; a part is quoted only when it cannot be written unquoted.
func (c ColumnID) String() string {
	return joinIdentifiers(c.Database, c.Schema, c.Table, c.Column)
}

// Object is the table or view the column belongs to.
func (c ColumnID) Object() ObjectID {
	return ObjectID{Database: c.Database, Schema: c.Schema, Name: c.Table}
}

// Validate reports an empty part or a part that is not UTF-8.
func (c ColumnID) Validate() error {
	if c.Database == "" || c.Schema == "" || c.Table == "" || c.Column == "" {
		return fmt.Errorf("column id %s: empty part", c)
	}
	if !utf8.ValidString(c.Database + c.Schema + c.Table + c.Column) {
		return fmt.Errorf("column id %q: not UTF-8", c.String())
	}
	return nil
}

// String is the canonical form; a part is quoted only when it cannot be written unquoted.
func (o ObjectID) String() string {
	return joinIdentifiers(o.Database, o.Schema, o.Name)
}

// Column is the id of the column named name in this table or view.
func (o ObjectID) Column(name string) ColumnID {
	return ColumnID{Database: o.Database, Schema: o.Schema, Table: o.Name, Column: name}
}

// SchemaID is the canonical DB.SCHEMA form of the object's schema.
func (o ObjectID) SchemaID() string {
	return joinIdentifiers(o.Database, o.Schema)
}

// Validate reports an empty part or a part that is not UTF-8.
func (o ObjectID) Validate() error {
	if o.Database == "" || o.Schema == "" || o.Name == "" {
		return fmt.Errorf("object id %s: empty part", o)
	}
	if !utf8.ValidString(o.Database + o.Schema + o.Name) {
		return fmt.Errorf("object id %q: not UTF-8", o.String())
	}
	return nil
}

// QuoteIdentifier writes one identifier the way Snowflake reads it back: bare when it is a valid
// unquoted identifier in upper case, otherwise in double quotes with inner quotes doubled.
func QuoteIdentifier(s string) string {
	if isBare(s) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// ParseIdentifiers splits a dotted name into resolved parts: unquoted parts are upper-cased and
// must be valid Snowflake unquoted identifiers; quoted parts are kept exactly ("" is a quote).
func ParseIdentifiers(s string) ([]string, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("name is not valid UTF-8")
	}
	var parts []string
	i := 0
	for {
		if i >= len(s) {
			return nil, fmt.Errorf("empty identifier at offset %d", i)
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
				return nil, fmt.Errorf("unterminated quoted identifier at offset %d", i)
			}
			if b.Len() == 0 {
				return nil, fmt.Errorf("empty quoted identifier at offset %d", i)
			}
			part = b.String()
			i = j
		} else {
			j := i
			for j < len(s) && s[j] != '.' {
				j++
			}
			raw := s[i:j]
			if raw == "" {
				return nil, fmt.Errorf("empty identifier at offset %d", i)
			}
			if !isUnquoted(raw) {
				return nil, fmt.Errorf("invalid unquoted identifier %q at offset %d (quote it)", raw, i)
			}
			part = strings.ToUpper(raw)
			i = j
		}
		parts = append(parts, part)
		if i == len(s) {
			return parts, nil
		}
		if s[i] != '.' {
			return nil, fmt.Errorf("expected '.' at offset %d, found %q", i, s[i])
		}
		i++
	}
}

func joinIdentifiers(parts ...string) string {
	var b strings.Builder
	for k, p := range parts {
		if k > 0 {
			b.WriteByte('.')
		}
		b.WriteString(QuoteIdentifier(p))
	}
	return b.String()
}

// isUnquoted: Snowflake's unquoted identifier: a letter or underscore, then letters, digits,
// underscores or dollar signs (ASCII only).
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

// isBare: can be written without quotes and resolve to itself (unquoted and already upper case).
func isBare(s string) bool {
	return isUnquoted(s) && strings.ToUpper(s) == s
}
