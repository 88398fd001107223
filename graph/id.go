package graph

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tributary-lineage/tributary/internal/ident"
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
func QuoteIdentifier(s string) string { return ident.Quote(s) }

// ParseIdentifiers splits a dotted name into resolved parts: unquoted parts are upper-cased and
// must be valid Snowflake unquoted identifiers; quoted parts are kept exactly ("" is a quote).
func ParseIdentifiers(s string) ([]string, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("name is not valid UTF-8")
	}
	return ident.Split(s, ident.Strict)
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

func isUnquoted(s string) bool { return ident.IsUnquoted(s) }

// isBare: can be written without quotes and resolve to itself (unquoted and already upper case).
func isBare(s string) bool { return ident.IsBare(s) }
