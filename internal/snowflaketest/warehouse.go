package snowflaketest

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Warehouse is the fixture the server answers metadata queries from. Names
// are stored as Snowflake stores them (unquoted identifiers upper-case).
// Mutate it through Server.Update while a server is running.
type Warehouse struct {
	Databases []*Database

	// InfoSchemaRowLimit makes an INFORMATION_SCHEMA query whose filtered
	// rows outnumber it fail with 090030 "too much data", as Snowflake does
	// for large databases. Zero means no limit.
	InfoSchemaRowLimit int

	// QueryHistory is SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY.
	QueryHistory QueryHistory
}

// Database is a fixture database.
type Database struct {
	Name    string
	Created time.Time
	// Unauthorized hides the database from the session's role: it is left
	// out of SHOW DATABASES and any query on it fails with 002003.
	Unauthorized bool
	Schemas      []*Schema
}

// Schema is a fixture schema.
type Schema struct {
	Name    string
	Created time.Time
	Tables  []*Table
	Views   []*View

	DynamicTables     []*DynamicTable
	MaterializedViews []*MaterializedView
}

// Table is a fixture base table.
type Table struct {
	Name    string
	Created time.Time
	Columns []ColumnDef
}

// View is a fixture view. Hidden means the session's role cannot see the
// text of this secure view: INFORMATION_SCHEMA gives NULL and SHOW VIEWS an
// empty text.
type View struct {
	Name        string
	Text        string
	Secure      bool
	Hidden      bool
	Created     time.Time
	LastAltered time.Time
	Comment     string
	Columns     []ColumnDef
}

// ColumnDef is a column of a fixture table or view.
type ColumnDef struct {
	Name     string
	Type     string // Snowflake DATA_TYPE, e.g. TEXT, NUMBER, TIMESTAMP_NTZ
	Nullable bool
}

// Database returns the database named name, or nil.
func (w *Warehouse) Database(name string) *Database {
	for _, d := range w.Databases {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// AddDatabase returns the database named name, creating it if needed.
func (w *Warehouse) AddDatabase(name string) *Database {
	if d := w.Database(name); d != nil {
		return d
	}
	d := &Database{Name: name, Created: fixtureEpoch}
	w.Databases = append(w.Databases, d)
	return d
}

// Schema returns the schema named name, or nil.
func (d *Database) Schema(name string) *Schema {
	for _, s := range d.Schemas {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// AddSchema returns the schema named name, creating it if needed.
func (d *Database) AddSchema(name string) *Schema {
	if s := d.Schema(name); s != nil {
		return s
	}
	s := &Schema{Name: name, Created: fixtureEpoch}
	d.Schemas = append(d.Schemas, s)
	return s
}

// PutView adds v or replaces the view with the same name.
func (s *Schema) PutView(v View) {
	for i, old := range s.Views {
		if old.Name == v.Name {
			s.Views[i] = &v
			return
		}
	}
	s.Views = append(s.Views, &v)
}

// DropView removes the view named name and reports whether it existed.
func (s *Schema) DropView(name string) bool {
	for i, v := range s.Views {
		if v.Name == name {
			s.Views = append(s.Views[:i], s.Views[i+1:]...)
			return true
		}
	}
	return false
}

// PutTable adds t or replaces the table with the same name.
func (s *Schema) PutTable(t Table) {
	for i, old := range s.Tables {
		if old.Name == t.Name {
			s.Tables[i] = &t
			return
		}
	}
	s.Tables = append(s.Tables, &t)
}

// PutView adds or replaces a view, creating its database and schema.
func (w *Warehouse) PutView(db, schema string, v View) {
	w.AddDatabase(db).AddSchema(schema).PutView(v)
}

// PutTable adds or replaces a table, creating its database and schema.
func (w *Warehouse) PutTable(db, schema string, t Table) {
	w.AddDatabase(db).AddSchema(schema).PutTable(t)
}

// DropView removes a view and reports whether it existed.
func (w *Warehouse) DropView(db, schema, name string) bool {
	d := w.Database(db)
	if d == nil {
		return false
	}
	s := d.Schema(schema)
	if s == nil {
		return false
	}
	return s.DropView(name)
}

var fixtureEpoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

const infoSchema = "INFORMATION_SCHEMA"

// showLimitMax is Snowflake's largest LIMIT for SHOW commands.
const showLimitMax = 10000

// Patterns of the metadata queries the fixture understands, applied to the
// normalised SQL text.
const (
	identPat = `("(?:[^"]|"")+")`
	limitPat = `(?: LIMIT (\d+)(?: FROM '((?:[^'\\]|''|\\.)*)')?)?`
)

var (
	showDatabasesRe = regexp.MustCompile(`(?i)^SHOW TERSE DATABASES` + limitPat + `$`)
	showSchemasRe   = regexp.MustCompile(`(?i)^SHOW TERSE SCHEMAS IN DATABASE ` + identPat + limitPat + `$`)
	showViewsRe     = regexp.MustCompile(`(?i)^SHOW VIEWS IN SCHEMA ` + identPat + `\.` + identPat + limitPat + `$`)
	infoSelectRe    = regexp.MustCompile(`(?i)^SELECT (.+?) FROM ` + identPat +
		`\.INFORMATION_SCHEMA\.(VIEWS|COLUMNS)(?: WHERE (.+?))?(?: ORDER BY (.+?))?$`)
	predicateRe = regexp.MustCompile(`(?i)^([A-Z_]+) (=|<>|!=) (\?|'((?:[^'\\]|''|\\.)*)')$`)
	andRe       = regexp.MustCompile(`(?i) AND `)
)

// answer runs a metadata query against the fixture. ok is false when the
// query is not one the fixture understands.
func (w *Warehouse) answer(q Query) (res *Result, err error, ok bool) {
	sql := q.Normalized
	if m := showDatabasesRe.FindStringSubmatch(sql); m != nil {
		res, err := w.showDatabases(m[1], m[2])
		return res, err, true
	}
	if m := showSchemasRe.FindStringSubmatch(sql); m != nil {
		res, err := w.showSchemas(unquoteIdent(m[1]), m[2], m[3])
		return res, err, true
	}
	if m := showViewsRe.FindStringSubmatch(sql); m != nil {
		res, err := w.showViews(unquoteIdent(m[1]), unquoteIdent(m[2]), m[3], m[4])
		return res, err, true
	}
	if m := infoSelectRe.FindStringSubmatch(sql); m != nil {
		return w.infoSelect(q, unquoteIdent(m[2]), strings.ToUpper(m[3]), m[1], m[4], m[5])
	}
	return w.answerHistory(q)
}

func unquoteIdent(s string) string {
	return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
}

// unquoteLiteral decodes the body of a single-quoted Snowflake string
// literal: ” and backslash escapes.
func unquoteLiteral(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' && i+1 < len(s) && s[i+1] == '\'':
			b.WriteByte('\'')
			i++
		case c == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case '0':
				b.WriteByte(0)
			default:
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func (w *Warehouse) visibleDatabase(name string) (*Database, error) {
	d := w.Database(name)
	if d == nil || d.Unauthorized {
		return nil, ErrDoesNotExist("Database", `"`+name+`"`)
	}
	return d, nil
}

// page applies SHOW's LIMIT n FROM 'name': rows whose name sorts after the
// cursor, at most n of them.
func page(names []string, limit, from string) ([]int, error) {
	idx := make([]int, 0, len(names))
	cursor := unquoteLiteral(from)
	for i, n := range names {
		if from != "" && n <= cursor {
			continue
		}
		idx = append(idx, i)
	}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > showLimitMax {
			return nil, &Error{Code: "001003", SQLState: "42000",
				Message: fmt.Sprintf("SQL compilation error: invalid LIMIT %s; must be between 1 and %d", limit, showLimitMax)}
		}
		if len(idx) > n {
			idx = idx[:n]
		}
	}
	return idx, nil
}

// showInSchema answers the common part of SHOW <objects> IN SCHEMA db.schema
// [LIMIT n FROM 'name']: the schema (or Snowflake's error for a missing
// one) and its objects sorted by name, paged.
func showInSchema[T any](w *Warehouse, db, schema, limit, from string, list func(*Schema) []T, name func(T) string) (*Database, *Schema, []T, error) {
	d, err := w.visibleDatabase(db)
	if err != nil {
		return nil, nil, nil, err
	}
	s := d.Schema(schema)
	if s == nil {
		return nil, nil, nil, ErrDoesNotExist("Schema", `"`+db+`"."`+schema+`"`)
	}
	objects, err := pageByName(list(s), name, limit, from)
	if err != nil {
		return nil, nil, nil, err
	}
	return d, s, objects, nil
}

// pageByName sorts objects by name and applies SHOW's LIMIT n FROM 'name'.
func pageByName[T any](objects []T, name func(T) string, limit, from string) ([]T, error) {
	sorted := append([]T(nil), objects...)
	sort.Slice(sorted, func(i, j int) bool { return name(sorted[i]) < name(sorted[j]) })
	names := make([]string, len(sorted))
	for i, o := range sorted {
		names[i] = name(o)
	}
	idx, err := page(names, limit, from)
	if err != nil {
		return nil, err
	}
	out := make([]T, len(idx))
	for k, i := range idx {
		out[k] = sorted[i]
	}
	return out, nil
}

var terseColumns = []Column{
	{Name: "created_on", Type: "timestamp_ltz", Nullable: true, Scale: 3},
	{Name: "name", Type: "text", Nullable: true},
	{Name: "kind", Type: "text", Nullable: true},
	{Name: "database_name", Type: "text", Nullable: true},
	{Name: "schema_name", Type: "text", Nullable: true},
}

func (w *Warehouse) showDatabases(limit, from string) (*Result, error) {
	var dbs []*Database
	for _, d := range w.Databases {
		if !d.Unauthorized {
			dbs = append(dbs, d)
		}
	}
	sort.Slice(dbs, func(i, j int) bool { return dbs[i].Name < dbs[j].Name })
	names := make([]string, len(dbs))
	for i, d := range dbs {
		names[i] = d.Name
	}
	idx, err := page(names, limit, from)
	if err != nil {
		return nil, err
	}
	res := &Result{Columns: terseColumns}
	for _, i := range idx {
		res.Rows = append(res.Rows, []any{dbs[i].Created, dbs[i].Name, "STANDARD", nil, nil})
	}
	return res, nil
}

func (w *Warehouse) showSchemas(db, limit, from string) (*Result, error) {
	d, err := w.visibleDatabase(db)
	if err != nil {
		return nil, err
	}
	names := []string{infoSchema}
	created := map[string]time.Time{infoSchema: d.Created}
	for _, s := range d.Schemas {
		names = append(names, s.Name)
		created[s.Name] = s.Created
	}
	sort.Strings(names)
	idx, err := page(names, limit, from)
	if err != nil {
		return nil, err
	}
	res := &Result{Columns: terseColumns}
	for _, i := range idx {
		res.Rows = append(res.Rows, []any{created[names[i]], names[i], "", d.Name, nil})
	}
	return res, nil
}

var showViewsColumns = []Column{
	{Name: "created_on", Type: "timestamp_ltz", Nullable: true, Scale: 3},
	{Name: "name", Type: "text", Nullable: true},
	{Name: "reserved", Type: "text", Nullable: true},
	{Name: "database_name", Type: "text", Nullable: true},
	{Name: "schema_name", Type: "text", Nullable: true},
	{Name: "owner", Type: "text", Nullable: true},
	{Name: "comment", Type: "text", Nullable: true},
	{Name: "text", Type: "text", Nullable: true},
	{Name: "is_secure", Type: "text", Nullable: true},
	{Name: "is_materialized", Type: "text", Nullable: true},
	{Name: "owner_role_type", Type: "text", Nullable: true},
	{Name: "change_tracking", Type: "text", Nullable: true},
}

// showViews answers SHOW VIEWS, which lists materialized views too (with
// is_materialized true), as Snowflake does.
func (w *Warehouse) showViews(db, schema, limit, from string) (*Result, error) {
	type listed struct {
		name string
		row  []any
	}
	d, s, views, err := showInSchema(w, db, schema, limit, from,
		func(s *Schema) []listed {
			var out []listed
			for _, v := range s.Views {
				text := v.Text
				if v.Hidden {
					text = ""
				}
				out = append(out, listed{v.Name, []any{v.Created, v.Name, "", nil, nil, "SYSADMIN", v.Comment, text,
					strconv.FormatBool(v.Secure), "false", "ROLE", "OFF"}})
			}
			for _, mv := range s.MaterializedViews {
				out = append(out, listed{mv.Name, []any{mv.Created, mv.Name, "", nil, nil, "SYSADMIN", mv.Comment, mv.Text,
					strconv.FormatBool(mv.Secure), "true", "ROLE", "OFF"}})
			}
			return out
		}, func(o listed) string { return o.name })
	if err != nil {
		return nil, err
	}
	res := &Result{Columns: showViewsColumns}
	for _, v := range views {
		v.row[3], v.row[4] = d.Name, s.Name
		res.Rows = append(res.Rows, v.row)
	}
	return res, nil
}

// infoColumns are the columns the fixture's INFORMATION_SCHEMA views have.
var infoColumns = map[string][]Column{
	"VIEWS": {
		{Name: "TABLE_CATALOG", Type: "text"},
		{Name: "TABLE_SCHEMA", Type: "text"},
		{Name: "TABLE_NAME", Type: "text"},
		{Name: "TABLE_OWNER", Type: "text", Nullable: true},
		{Name: "VIEW_DEFINITION", Type: "text", Nullable: true},
		{Name: "CHECK_OPTION", Type: "text", Nullable: true},
		{Name: "IS_UPDATABLE", Type: "text", Nullable: true},
		{Name: "INSERTABLE_INTO", Type: "text", Nullable: true},
		{Name: "IS_SECURE", Type: "text", Nullable: true},
		{Name: "CREATED", Type: "timestamp_ltz", Nullable: true, Scale: 3},
		{Name: "LAST_ALTERED", Type: "timestamp_ltz", Nullable: true, Scale: 3},
		{Name: "COMMENT", Type: "text", Nullable: true},
	},
	"COLUMNS": {
		{Name: "TABLE_CATALOG", Type: "text"},
		{Name: "TABLE_SCHEMA", Type: "text"},
		{Name: "TABLE_NAME", Type: "text"},
		{Name: "COLUMN_NAME", Type: "text"},
		{Name: "ORDINAL_POSITION", Type: "fixed", Precision: 9},
		{Name: "IS_NULLABLE", Type: "text", Nullable: true},
		{Name: "DATA_TYPE", Type: "text", Nullable: true},
	},
}

// systemViews are rows the fixture shows for INFORMATION_SCHEMA itself, as
// Snowflake lists its own views there.
var systemViews = []View{
	{Name: "COLUMNS", Columns: []ColumnDef{{Name: "TABLE_CATALOG", Type: "TEXT"}, {Name: "COLUMN_NAME", Type: "TEXT"}}},
	{Name: "SCHEMATA", Columns: []ColumnDef{{Name: "CATALOG_NAME", Type: "TEXT"}, {Name: "SCHEMA_NAME", Type: "TEXT"}}},
	{Name: "TABLES", Columns: []ColumnDef{{Name: "TABLE_CATALOG", Type: "TEXT"}, {Name: "TABLE_NAME", Type: "TEXT"}}},
	{Name: "VIEWS", Columns: []ColumnDef{{Name: "TABLE_CATALOG", Type: "TEXT"}, {Name: "VIEW_DEFINITION", Type: "TEXT"}}},
}

type infoRow map[string]any

func (w *Warehouse) infoRows(d *Database, view string) []infoRow {
	var rows []infoRow
	addView := func(schema string, v *View) {
		switch view {
		case "VIEWS":
			var def any = v.Text
			if v.Hidden {
				def = nil
			}
			secure := "NO"
			if v.Secure {
				secure = "YES"
			}
			var comment any
			if v.Comment != "" {
				comment = v.Comment
			}
			rows = append(rows, infoRow{
				"TABLE_CATALOG": d.Name, "TABLE_SCHEMA": schema, "TABLE_NAME": v.Name,
				"TABLE_OWNER": "SYSADMIN", "VIEW_DEFINITION": def, "CHECK_OPTION": "NONE",
				"IS_UPDATABLE": "NO", "INSERTABLE_INTO": "NO", "IS_SECURE": secure,
				"CREATED": v.Created, "LAST_ALTERED": v.LastAltered, "COMMENT": comment,
			})
		case "COLUMNS":
			rows = append(rows, columnRows(d.Name, schema, v.Name, v.Columns)...)
		}
	}
	for i := range systemViews {
		addView(infoSchema, &systemViews[i])
	}
	for _, s := range d.Schemas {
		for _, v := range s.Views {
			addView(s.Name, v)
		}
		if view == "COLUMNS" {
			// COLUMNS covers every table-like object; VIEWS has no materialized views.
			for _, t := range s.Tables {
				rows = append(rows, columnRows(d.Name, s.Name, t.Name, t.Columns)...)
			}
			for _, dt := range s.DynamicTables {
				rows = append(rows, columnRows(d.Name, s.Name, dt.Name, dt.Columns)...)
			}
			for _, mv := range s.MaterializedViews {
				rows = append(rows, columnRows(d.Name, s.Name, mv.Name, mv.Columns)...)
			}
		}
	}
	return rows
}

func columnRows(db, schema, table string, cols []ColumnDef) []infoRow {
	rows := make([]infoRow, len(cols))
	for i, c := range cols {
		nullable := "NO"
		if c.Nullable {
			nullable = "YES"
		}
		rows[i] = infoRow{
			"TABLE_CATALOG": db, "TABLE_SCHEMA": schema, "TABLE_NAME": table,
			"COLUMN_NAME": c.Name, "ORDINAL_POSITION": i + 1, "IS_NULLABLE": nullable,
			"DATA_TYPE": c.Type,
		}
	}
	return rows
}

func (w *Warehouse) infoSelect(q Query, db, view, selectList, where, orderBy string) (*Result, error, bool) {
	known := map[string]Column{}
	for _, c := range infoColumns[view] {
		known[c.Name] = c
	}
	var cols []Column
	for _, item := range strings.Split(selectList, ",") {
		name := strings.ToUpper(strings.TrimSpace(item))
		c, ok := known[name]
		if !ok {
			return nil, nil, false // a column the fixture does not model
		}
		cols = append(cols, c)
	}
	type pred struct {
		col, op string
		value   string
	}
	var preds []pred
	binds := 0
	if where != "" {
		for _, p := range andRe.Split(where, -1) {
			m := predicateRe.FindStringSubmatch(strings.TrimSpace(p))
			if m == nil {
				return nil, nil, false
			}
			col := strings.ToUpper(m[1])
			if _, ok := known[col]; !ok {
				return nil, nil, false
			}
			val := unquoteLiteral(m[4])
			if m[3] == "?" {
				v, ok := q.Bind(binds)
				if !ok {
					return nil, &Error{Code: "002049", SQLState: "22000",
						Message: fmt.Sprintf("SQL compilation error: bind variable %d not set", binds+1)}, true
				}
				binds++
				val = v
			}
			preds = append(preds, pred{col: col, op: m[2], value: val})
		}
	}
	if binds != len(q.Bindings) {
		return nil, &Error{Code: "002049", SQLState: "22000",
			Message: fmt.Sprintf("SQL compilation error: %d bind values for %d placeholders", len(q.Bindings), binds)}, true
	}
	var order []string
	if orderBy != "" {
		for _, item := range strings.Split(orderBy, ",") {
			name := strings.ToUpper(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(item), " ASC")))
			if _, ok := known[name]; !ok {
				return nil, nil, false
			}
			order = append(order, name)
		}
	}

	d, err := w.visibleDatabase(db)
	if err != nil {
		return nil, err, true
	}
	var rows []infoRow
	for _, r := range w.infoRows(d, view) {
		keep := true
		for _, p := range preds {
			v, _ := r[p.col].(string)
			if (p.op == "=") != (v == p.value) {
				keep = false
				break
			}
		}
		if keep {
			rows = append(rows, r)
		}
	}
	if w.InfoSchemaRowLimit > 0 && len(rows) > w.InfoSchemaRowLimit {
		return nil, ErrTooMuchData(), true
	}
	sort.SliceStable(rows, func(i, j int) bool {
		for _, c := range order {
			if cmp := compareAny(rows[i][c], rows[j][c]); cmp != 0 {
				return cmp < 0
			}
		}
		return false
	})
	res := &Result{Columns: cols}
	for _, r := range rows {
		out := make([]any, len(cols))
		for i, c := range cols {
			out[i] = r[c.Name]
		}
		res.Rows = append(res.Rows, out)
	}
	return res, nil, true
}

func compareAny(a, b any) int {
	switch x := a.(type) {
	case int:
		y, _ := b.(int)
		return x - y
	case string:
		y, _ := b.(string)
		return strings.Compare(x, y)
	case time.Time:
		y, _ := b.(time.Time)
		return x.Compare(y)
	}
	return 0
}
