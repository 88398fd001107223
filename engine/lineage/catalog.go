package lineage

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Table is a table or view known to a Catalog. Database and Schema may be
// empty when the catalog entry does not say them.
type Table struct {
	Database string
	Schema   string
	Name     string
	Columns  []string // resolved column names, in table order
}

// Catalog looks up a table's columns. All names are resolved identifiers
// (unquoted upper-cased, quoted exact); database and schema may be empty when
// the statement and the defaults leave them open, and an entry registered
// with fewer parts matches a lookup that has more (it stands for any
// database or schema). ok is false for an unknown or ambiguous name.
type Catalog interface {
	Table(database, schema, name string) (t Table, ok bool)
}

// MapCatalog is an in-memory Catalog. The zero value is empty and usable.
type MapCatalog struct {
	byName map[string][]Table
	// byFold maps each upper-cased table name to the registered names that
	// fold to it, for the case-insensitive fallback of Table.
	byFold map[string][]string
}

// Add registers a table. Names must already be resolved identifiers.
func (c *MapCatalog) Add(t Table) {
	if c.byName == nil {
		c.byName = make(map[string][]Table)
	}
	if c.byFold == nil {
		c.byFold = make(map[string][]string)
	}
	list := c.byName[t.Name]
	for i, old := range list {
		if old.Database == t.Database && old.Schema == t.Schema {
			list[i] = t
			return
		}
	}
	if len(list) == 0 {
		f := strings.ToUpper(t.Name)
		c.byFold[f] = append(c.byFold[f], t.Name)
	}
	c.byName[t.Name] = append(list, t)
}

// Len returns the number of tables.
func (c *MapCatalog) Len() int {
	var n int
	for _, l := range c.byName {
		n += len(l)
	}
	return n
}

// Table implements Catalog. Among the entries whose given parts agree with
// the lookup, the one that agrees on the most parts wins; a tie between
// different tables is ambiguous (ok false). When no entry agrees exactly, an
// entry whose parts agree ignoring case is taken if it is the only one (the
// returned names are the entry's, so the caller sees the difference). The
// returned Table fills in the parts the lookup left open from the entry, and
// those the entry left open from the lookup.
func (c *MapCatalog) Table(database, schema, name string) (Table, bool) {
	return c.table(database, schema, name, true)
}

// table is Table, with the case-insensitive fallback only when fold is set.
func (c *MapCatalog) table(database, schema, name string, fold bool) (Table, bool) {
	t, ok := c.entry(database, schema, name)
	if !ok && fold {
		t, ok = c.foldEntry(database, schema, name)
	}
	if !ok {
		return Table{}, false
	}
	if t.Database == "" {
		t.Database = database
	}
	if t.Schema == "" {
		t.Schema = schema
	}
	return t, true
}

// entry returns the registered entry that Table resolves to, as registered.
func (c *MapCatalog) entry(database, schema, name string) (Table, bool) {
	if c == nil {
		return Table{}, false
	}
	best, bestScore, tie := -1, -1, false
	list := c.byName[name]
	for i, t := range list {
		score, ok := agree(t.Database, database)
		if !ok {
			continue
		}
		s2, ok := agree(t.Schema, schema)
		if !ok {
			continue
		}
		score = score*2 + s2*3 // the schema matters more than the database
		switch {
		case score > bestScore:
			best, bestScore, tie = i, score, false
		case score == bestScore:
			tie = true
		}
	}
	if best < 0 || tie {
		return Table{}, false
	}
	return list[best], true
}

// foldEntry is entry ignoring case: the one registered entry whose given
// parts equal the lookup's ignoring case.
func (c *MapCatalog) foldEntry(database, schema, name string) (Table, bool) {
	if c == nil {
		return Table{}, false
	}
	var found []Table
	for _, n := range c.byFold[strings.ToUpper(name)] {
		for _, t := range c.byName[n] {
			if foldAgree(t.Database, database) && foldAgree(t.Schema, schema) {
				found = append(found, t)
			}
		}
	}
	if len(found) != 1 {
		return Table{}, false
	}
	return found[0], true
}

func foldAgree(entry, lookup string) bool {
	return entry == "" || lookup == "" || strings.EqualFold(entry, lookup)
}

// agree compares an entry's part with a lookup's part: both given and equal
// scores 1, one of them open scores 0, both given and different do not agree.
func agree(entry, lookup string) (int, bool) {
	switch {
	case entry == "" || lookup == "":
		return 0, true
	case entry == lookup:
		return 1, true
	default:
		return 0, false
	}
}

// ParseCatalogJSON reads a catalog written as a JSON object whose keys are
// "DB.SCHEMA.TABLE", "SCHEMA.TABLE" or "TABLE" and whose values are arrays of
// column names. Keys and column names use SQL identifier syntax: unquoted
// names are upper-cased, names in double quotes are kept exactly.
func ParseCatalogJSON(data []byte) (*MapCatalog, error) {
	var raw map[string][]string
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("parse catalog: %w", err)
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	c := &MapCatalog{}
	for _, k := range keys {
		parts, err := splitName(k)
		if err != nil {
			return nil, fmt.Errorf("parse catalog key %q: %w", k, err)
		}
		if len(parts) > 3 {
			return nil, fmt.Errorf("parse catalog key %q: more than 3 parts", k)
		}
		t := Table{Name: parts[len(parts)-1]}
		if len(parts) >= 2 {
			t.Schema = parts[len(parts)-2]
		}
		if len(parts) == 3 {
			t.Database = parts[0]
		}
		for _, col := range raw[k] {
			cp, err := splitName(col)
			if err != nil || len(cp) != 1 {
				return nil, fmt.Errorf("parse catalog key %q: bad column name %q", k, col)
			}
			t.Columns = append(t.Columns, cp[0])
		}
		c.Add(t)
	}
	return c, nil
}

// normalizeIdent resolves a name given as a Go string the way Snowflake
// resolves an identifier written in SQL (for Options defaults).
func normalizeIdent(s string) string {
	if s == "" {
		return ""
	}
	if p, err := splitName(s); err == nil && len(p) == 1 {
		return p[0]
	}
	return strings.ToUpper(s)
}
