// Package snowflake reads views (with their DDL text), dynamic tables and
// materialized views (SHOW DYNAMIC TABLES and SHOW MATERIALIZED VIEWS, whose
// text column is the CREATE statement) and table and view columns from
// Snowflake through gosnowflake and database/sql.
//
// Views come from <DB>.INFORMATION_SCHEMA.VIEWS, one query per database; when
// Snowflake answers 090030 ("Information schema query returned too much
// data") the source asks per schema with a bound TABLE_SCHEMA, and for a
// schema that is still too large it pages SHOW VIEWS IN SCHEMA with
// LIMIT ... FROM '<last name>'. ListShow uses SHOW VIEWS paging throughout.
// Secure views whose text the role cannot see are returned with Hidden set,
// never dropped.
package snowflake

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/snowflakedb/gosnowflake"
)

// Kinds of defined objects besides views (View.Kind).
const (
	KindDynamicTable     = "DYNAMIC TABLE"
	KindMaterializedView = "MATERIALIZED VIEW"
)

// View is one Snowflake view, dynamic table or materialized view as listed.
type View struct {
	Database    string
	Schema      string
	Name        string
	Kind        string // "" for a view, KindDynamicTable, KindMaterializedView
	Text        string // the CREATE statement; empty when Hidden
	Secure      bool
	Hidden      bool // the role cannot see the text (secure view of another owner)
	Created     time.Time
	LastAltered time.Time // Created when listed with SHOW
	Comment     string
	// Dynamic tables: SHOW DYNAMIC TABLES' target_lag, warehouse and refresh_mode (the mode
	// in effect: INCREMENTAL or FULL when the definition says AUTO).
	TargetLag, Warehouse, RefreshMode string
}

// Column is one column of a table or view, as INFORMATION_SCHEMA.COLUMNS
// reports it.
type Column struct {
	Database string
	Schema   string
	Table    string
	Name     string
	Ordinal  int
	DataType string
	Nullable bool
}

// Snapshot is everything in scope: views and the columns of every table and
// view, ordered by database, schema, name (and ordinal).
type Snapshot struct {
	Databases []string
	Views     []View
	Columns   []Column
}

// Error codes the source reacts to.
const (
	// CodeTooMuchData is Snowflake's "Information schema query returned too
	// much data. Please repeat query with more selective predicates."
	CodeTooMuchData = 90030
	// CodeDoesNotExist is "Object does not exist or not authorized".
	CodeDoesNotExist = 2003
	// CodeInsufficientPrivileges is "Insufficient privileges to operate on".
	CodeInsufficientPrivileges = 3001
)

// ErrorCode returns the Snowflake error number carried by err, if any.
func ErrorCode(err error) (int, bool) {
	var se *gosnowflake.SnowflakeError
	if errors.As(err, &se) {
		return se.Number, true
	}
	return 0, false
}

// Source reads view metadata from one Snowflake account.
type Source struct {
	db       *sql.DB
	owned    bool
	scope    scope
	method   ListMethod
	pageSize int
	log      *slog.Logger
}

// New returns a source reading through db (opened with the gosnowflake
// driver). Only cfg's scope, list method and page size are used; the caller
// keeps ownership of db. log may be nil.
func New(db *sql.DB, cfg Config, log *slog.Logger) (*Source, error) {
	if db == nil {
		return nil, errors.New("snowflake source: nil *sql.DB")
	}
	if err := cfg.validateScope(); err != nil {
		return nil, fmt.Errorf("snowflake source: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Source{
		db: db, scope: newScope(cfg), method: cfg.listMethod(), pageSize: cfg.pageSize(),
		log: log.With("source", "snowflake"),
	}, nil
}

// Open validates cfg and returns a source with its own connection pool,
// closed by Close. No connection is made until the first query.
func Open(cfg Config, log *slog.Logger) (*Source, error) {
	dc, err := cfg.DriverConfig()
	if err != nil {
		return nil, err
	}
	return OpenConfig(dc, cfg, log)
}

// OpenConfig is Open with a ready gosnowflake configuration; cfg supplies
// the scope and listing settings.
func OpenConfig(dc gosnowflake.Config, cfg Config, log *slog.Logger) (*Source, error) {
	db := sql.OpenDB(gosnowflake.NewConnector(gosnowflake.SnowflakeDriver{}, dc))
	s, err := New(db, cfg, log)
	if err != nil {
		return nil, errors.Join(err, db.Close())
	}
	s.owned = true
	return s, nil
}

// Close closes the connection pool if the source opened it.
func (s *Source) Close() error {
	if !s.owned {
		return nil
	}
	return s.db.Close()
}

// Ping checks that the source can log in and run a query.
func (s *Source) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping snowflake: %w", err)
	}
	return nil
}

// ListDatabases returns the databases in scope, sorted.
func (s *Source) ListDatabases(ctx context.Context) ([]string, error) {
	var out []string
	err := s.showPaged(ctx, "SHOW TERSE DATABASES", func(r showRow) error {
		if name := r.str("name"); s.scope.database(name) {
			out = append(out, name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list databases: %w", err)
	}
	return out, nil
}

// ListSchemas returns the schemas of database in scope (never
// INFORMATION_SCHEMA), sorted.
func (s *Source) ListSchemas(ctx context.Context, database string) ([]string, error) {
	var out []string
	err := s.showPaged(ctx, "SHOW TERSE SCHEMAS IN DATABASE "+QuoteIdent(database), func(r showRow) error {
		if name := r.str("name"); s.scope.schema(database, name) {
			out = append(out, name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list schemas in %s: %w", QuoteIdent(database), err)
	}
	return out, nil
}

// ListViews returns the views of database in scope, ordered by schema and
// name.
func (s *Source) ListViews(ctx context.Context, database string) ([]View, error) {
	var (
		views []View
		err   error
	)
	if s.method == ListShow {
		views, err = s.viewsByShow(ctx, database)
	} else {
		views, err = s.viewsByInformationSchema(ctx, database)
	}
	if err != nil {
		return nil, fmt.Errorf("list views in %s: %w", QuoteIdent(database), err)
	}
	return views, nil
}

const viewColumns = `TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION, IS_SECURE, CREATED, LAST_ALTERED, COMMENT`

func viewsQuery(database string, perSchema bool) string {
	q := "SELECT " + viewColumns + " FROM " + QuoteIdent(database) + ".INFORMATION_SCHEMA.VIEWS"
	if perSchema {
		return q + " WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME"
	}
	return q + " WHERE TABLE_SCHEMA <> 'INFORMATION_SCHEMA' ORDER BY TABLE_SCHEMA, TABLE_NAME"
}

func (s *Source) viewsByInformationSchema(ctx context.Context, database string) ([]View, error) {
	views, err := s.queryViews(ctx, viewsQuery(database, false))
	if err == nil {
		return s.keepViews(views), nil
	}
	if code, _ := ErrorCode(err); code != CodeTooMuchData {
		return nil, err
	}
	s.log.InfoContext(ctx, "information schema returned too much data; listing views per schema", "database", database)
	schemas, err := s.ListSchemas(ctx, database)
	if err != nil {
		return nil, err
	}
	var out []View
	for _, schema := range schemas {
		vs, err := s.queryViews(ctx, viewsQuery(database, true), schema)
		if code, _ := ErrorCode(err); code == CodeTooMuchData {
			s.log.InfoContext(ctx, "information schema returned too much data; paging SHOW VIEWS", "database", database, "schema", schema)
			vs, err = s.showViews(ctx, database, schema)
		}
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", QuoteIdent(schema), err)
		}
		out = append(out, vs...)
	}
	return s.keepViews(out), nil
}

func (s *Source) keepViews(vs []View) []View {
	out := vs[:0]
	for _, v := range vs {
		if s.scope.schema(v.Database, v.Schema) {
			out = append(out, v)
		}
	}
	return out
}

func (s *Source) queryViews(ctx context.Context, query string, args ...any) ([]View, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []View
	for rows.Next() {
		var (
			v                    View
			text, secure, commnt sql.NullString
			created, altered     sql.NullTime
		)
		if err := rows.Scan(&v.Database, &v.Schema, &v.Name, &text, &secure, &created, &altered, &commnt); err != nil {
			return nil, fmt.Errorf("scan view: %w", err)
		}
		v.Text = text.String
		v.Hidden = strings.TrimSpace(text.String) == ""
		if v.Hidden {
			v.Text = ""
		}
		v.Secure = isYes(secure.String)
		v.Created = created.Time.UTC()
		v.LastAltered = altered.Time.UTC()
		v.Comment = commnt.String
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func isYes(s string) bool {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "YES", "TRUE", "Y", "1":
		return true
	}
	return false
}

func (s *Source) viewsByShow(ctx context.Context, database string) ([]View, error) {
	schemas, err := s.ListSchemas(ctx, database)
	if err != nil {
		return nil, err
	}
	var out []View
	for _, schema := range schemas {
		vs, err := s.showViews(ctx, database, schema)
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", QuoteIdent(schema), err)
		}
		out = append(out, vs...)
	}
	return out, nil
}

// showViews pages SHOW VIEWS IN SCHEMA. SHOW reports no LAST_ALTERED unless
// a last_altered column is present; Created stands in for it.
func (s *Source) showViews(ctx context.Context, database, schema string) ([]View, error) {
	var out []View
	base := "SHOW VIEWS IN SCHEMA " + QuoteIdent(database) + "." + QuoteIdent(schema)
	err := s.showPaged(ctx, base, func(r showRow) error {
		v := View{
			Database: database,
			Schema:   schema,
			Name:     r.str("name"),
			Text:     r.str("text"),
			Secure:   isYes(r.str("is_secure")),
			Created:  r.time("created_on"),
			Comment:  r.str("comment"),
		}
		if d := r.str("database_name"); d != "" {
			v.Database = d
		}
		if sc := r.str("schema_name"); sc != "" {
			v.Schema = sc
		}
		if isYes(r.str("is_materialized")) {
			return nil // listed with SHOW MATERIALIZED VIEWS (ListDefinedTables)
		}
		v.Hidden = strings.TrimSpace(v.Text) == ""
		if v.Hidden {
			v.Text = ""
		}
		v.LastAltered = r.time("last_altered")
		if v.LastAltered.IsZero() {
			v.LastAltered = v.Created
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Columns returns the columns of every table and view of database in scope,
// ordered by schema, table and ordinal position, for star expansion.
func (s *Source) Columns(ctx context.Context, database string) ([]Column, error) {
	cols, err := s.queryColumns(ctx, columnsQuery(database, false))
	if code, _ := ErrorCode(err); code == CodeTooMuchData {
		s.log.InfoContext(ctx, "information schema returned too much data; listing columns per schema", "database", database)
		cols, err = s.columnsPerSchema(ctx, database)
	}
	if err != nil {
		return nil, fmt.Errorf("list columns in %s: %w", QuoteIdent(database), err)
	}
	out := cols[:0]
	for _, c := range cols {
		if s.scope.schema(c.Database, c.Schema) {
			out = append(out, c)
		}
	}
	return out, nil
}

const columnColumns = `TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, IS_NULLABLE`

func columnsQuery(database string, perSchema bool) string {
	q := "SELECT " + columnColumns + " FROM " + QuoteIdent(database) + ".INFORMATION_SCHEMA.COLUMNS"
	if perSchema {
		return q + " WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION"
	}
	return q + " WHERE TABLE_SCHEMA <> 'INFORMATION_SCHEMA' ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION"
}

func (s *Source) columnsPerSchema(ctx context.Context, database string) ([]Column, error) {
	schemas, err := s.ListSchemas(ctx, database)
	if err != nil {
		return nil, err
	}
	var out []Column
	for _, schema := range schemas {
		cols, err := s.queryColumns(ctx, columnsQuery(database, true), schema)
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", QuoteIdent(schema), err)
		}
		out = append(out, cols...)
	}
	return out, nil
}

func (s *Source) queryColumns(ctx context.Context, query string, args ...any) ([]Column, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Column
	for rows.Next() {
		var (
			c                  Column
			dataType, nullable sql.NullString
		)
		if err := rows.Scan(&c.Database, &c.Schema, &c.Table, &c.Name, &c.Ordinal, &dataType, &nullable); err != nil {
			return nil, fmt.Errorf("scan column: %w", err)
		}
		c.DataType = dataType.String
		c.Nullable = isYes(nullable.String)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Snapshot lists every database in scope with its views, dynamic tables, materialized views
// and columns. A dynamic table or materialized view replaces a view of the same name (SHOW
// VIEWS and INFORMATION_SCHEMA.VIEWS may list a materialized view too).
func (s *Source) Snapshot(ctx context.Context) (*Snapshot, error) {
	dbs, err := s.ListDatabases(ctx)
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{Databases: dbs}
	for _, db := range dbs {
		views, err := s.ListViews(ctx, db)
		if err != nil {
			return nil, err
		}
		defined, err := s.ListDefinedTables(ctx, db)
		if err != nil {
			return nil, err
		}
		cols, err := s.Columns(ctx, db)
		if err != nil {
			return nil, err
		}
		snap.Views = append(snap.Views, mergeDefined(views, defined)...)
		snap.Columns = append(snap.Columns, cols...)
	}
	return snap, nil
}

// mergeDefined adds defined to views, dropping views that share a name with one of them, and
// orders the result by schema and name.
func mergeDefined(views, defined []View) []View {
	if len(defined) == 0 {
		return views
	}
	key := func(v View) [2]string { return [2]string{v.Schema, v.Name} }
	byName := map[[2]string]bool{}
	for _, d := range defined {
		byName[key(d)] = true
	}
	out := make([]View, 0, len(views)+len(defined))
	for _, v := range views {
		if !byName[key(v)] {
			out = append(out, v)
		}
	}
	out = append(out, defined...)
	slices.SortFunc(out, func(a, b View) int {
		return cmp.Or(strings.Compare(a.Schema, b.Schema), strings.Compare(a.Name, b.Name))
	})
	return out
}

// ListDefinedTables returns the dynamic tables (SHOW DYNAMIC TABLES) and materialized views
// (SHOW MATERIALIZED VIEWS) of database in scope, paged per schema, ordered by schema and
// name. Their Text is the CREATE statement SHOW reports in its text column.
func (s *Source) ListDefinedTables(ctx context.Context, database string) ([]View, error) {
	schemas, err := s.ListSchemas(ctx, database)
	if err != nil {
		return nil, err
	}
	var out []View
	for _, schema := range schemas {
		in := " IN SCHEMA " + QuoteIdent(database) + "." + QuoteIdent(schema)
		for _, kind := range []string{KindDynamicTable, KindMaterializedView} {
			err := s.showPaged(ctx, "SHOW "+kind+"S"+in, func(r showRow) error {
				out = append(out, definedTable(database, schema, kind, r))
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("list %ss in %s.%s: %w", strings.ToLower(kind), QuoteIdent(database), QuoteIdent(schema), err)
			}
		}
	}
	return mergeDefined(nil, out), nil
}

// definedTable reads a row of SHOW DYNAMIC TABLES or SHOW MATERIALIZED VIEWS.
func definedTable(database, schema, kind string, r showRow) View {
	v := View{
		Database: database, Schema: schema, Name: r.str("name"), Kind: kind,
		Text: r.str("text"), Secure: isYes(r.str("is_secure")), Created: r.time("created_on"), Comment: r.str("comment"),
	}
	if d := r.str("database_name"); d != "" {
		v.Database = d
	}
	if sc := r.str("schema_name"); sc != "" {
		v.Schema = sc
	}
	if kind == KindDynamicTable {
		v.TargetLag, v.Warehouse, v.RefreshMode = r.str("target_lag"), r.str("warehouse"), r.str("refresh_mode")
	}
	v.Hidden = strings.TrimSpace(v.Text) == ""
	if v.Hidden {
		v.Text = ""
	}
	v.LastAltered = v.Created
	return v
}

// showRow is one row of a SHOW command, read by lower-case column name
// because SHOW output columns vary between Snowflake releases.
type showRow map[string]any

func (r showRow) str(name string) string {
	switch v := r[name].(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func (r showRow) time(name string) time.Time {
	if t, ok := r[name].(time.Time); ok {
		return t.UTC()
	}
	return time.Time{}
}

// showPaged runs base with LIMIT <page size> [FROM '<last name>'] until a
// page comes back short, calling fn for every row.
func (s *Source) showPaged(ctx context.Context, base string, fn func(showRow) error) error {
	from := ""
	for page := 0; ; page++ {
		q := fmt.Sprintf("%s LIMIT %d", base, s.pageSize)
		if page > 0 {
			q += " FROM " + quoteLiteral(from)
		}
		n, last, err := s.showPage(ctx, q, fn)
		if err != nil {
			return err
		}
		if n < s.pageSize {
			return nil
		}
		// SHOW's sort order is Snowflake's, not necessarily Go's byte order,
		// so only a cursor that did not move at all is treated as stuck.
		if page > 0 && last == from {
			return fmt.Errorf("%s: paging did not advance past %q", base, from)
		}
		from = last
	}
}

func (s *Source) showPage(ctx context.Context, query string, fn func(showRow) error) (int, string, error) {
	rows, err := s.db.QueryContext(ctx, query)
	if err != nil {
		return 0, "", err
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return 0, "", err
	}
	for i := range names {
		names[i] = strings.ToLower(names[i])
	}
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n, last := 0, ""
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, "", fmt.Errorf("scan: %w", err)
		}
		r := make(showRow, len(names))
		for i, name := range names {
			r[name] = vals[i]
		}
		if err := fn(r); err != nil {
			return 0, "", err
		}
		n++
		last = r.str("name")
	}
	if err := rows.Err(); err != nil {
		return 0, "", err
	}
	return n, last, nil
}

// Transient reports whether err is worth retrying later because the network
// or the service failed, rather than the request itself: SQL, privilege and
// login errors from Snowflake are permanent; connection failures, timeouts
// and unclassified transport errors are transient. A cancelled context is
// not transient.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var se *gosnowflake.SnowflakeError
	if !errors.As(err, &se) {
		return true
	}
	switch se.Number {
	case gosnowflake.ErrFailedToPostQuery, gosnowflake.ErrCodeServiceUnavailable,
		gosnowflake.ErrFailedToGetChunk, gosnowflake.ErrFailedToRenewSession, codeSessionExpired:
		return true
	}
	return se.SQLState == "08001" || se.SQLState == "08006" // connection not established / failed
}

// codeSessionExpired is Snowflake's 390112 "session expired".
const codeSessionExpired = 390112
