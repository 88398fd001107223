package snowflaketest

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// HistoryQuery is one row of SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY. Names
// follow the view's columns.
type HistoryQuery struct {
	QueryID         string
	QueryText       string
	QueryType       string // e.g. INSERT, MERGE, CREATE_TABLE_AS_SELECT, SELECT
	DatabaseName    string
	SchemaName      string
	ExecutionStatus string // SUCCESS, FAIL or INCIDENT
	StartTime       time.Time
	EndTime         time.Time
	RoleName        string
	UserName        string
	WarehouseName   string
}

// QueryHistory is the fixture's ACCOUNT_USAGE.QUERY_HISTORY.
type QueryHistory struct {
	Queries []HistoryQuery
	// Latency hides the queries that ended less than Latency before Now, as
	// ACCOUNT_USAGE lags behind (Snowflake documents up to 45 minutes for
	// QUERY_HISTORY).
	Latency time.Duration
	// Now is the server's clock for Latency; nil means time.Now.
	Now func() time.Time
	// Denied makes every query of the view fail as it does for a role
	// without IMPORTED PRIVILEGES on the SNOWFLAKE database.
	Denied bool
}

// DynamicTable is a fixture dynamic table, as SHOW DYNAMIC TABLES lists it.
type DynamicTable struct {
	Name        string
	Text        string // the full CREATE DYNAMIC TABLE statement
	TargetLag   string // e.g. "1 hour" or "DOWNSTREAM"
	Warehouse   string
	RefreshMode string // AUTO, FULL or INCREMENTAL
	Comment     string
	Created     time.Time
	Columns     []ColumnDef
}

// MaterializedView is a fixture materialized view, as SHOW MATERIALIZED
// VIEWS lists it.
type MaterializedView struct {
	Name        string
	Text        string // the full CREATE MATERIALIZED VIEW statement
	SourceTable string // DB.SCHEMA.TABLE of the table it reads
	Secure      bool
	Comment     string
	Created     time.Time
	Columns     []ColumnDef
}

// PutDynamicTable adds or replaces a dynamic table, creating its database
// and schema.
func (w *Warehouse) PutDynamicTable(db, schema string, dt DynamicTable) {
	s := w.AddDatabase(db).AddSchema(schema)
	for i, old := range s.DynamicTables {
		if old.Name == dt.Name {
			s.DynamicTables[i] = &dt
			return
		}
	}
	s.DynamicTables = append(s.DynamicTables, &dt)
}

// PutMaterializedView adds or replaces a materialized view, creating its
// database and schema.
func (w *Warehouse) PutMaterializedView(db, schema string, mv MaterializedView) {
	s := w.AddDatabase(db).AddSchema(schema)
	for i, old := range s.MaterializedViews {
		if old.Name == mv.Name {
			s.MaterializedViews[i] = &mv
			return
		}
	}
	s.MaterializedViews = append(s.MaterializedViews, &mv)
}

// queryHistoryColumns are the QUERY_HISTORY columns the fixture serves.
var queryHistoryColumns = map[string]Column{
	"QUERY_ID":         {Name: "QUERY_ID", Type: "text", Nullable: true},
	"QUERY_TEXT":       {Name: "QUERY_TEXT", Type: "text", Nullable: true},
	"QUERY_TYPE":       {Name: "QUERY_TYPE", Type: "text", Nullable: true},
	"DATABASE_NAME":    {Name: "DATABASE_NAME", Type: "text", Nullable: true},
	"SCHEMA_NAME":      {Name: "SCHEMA_NAME", Type: "text", Nullable: true},
	"EXECUTION_STATUS": {Name: "EXECUTION_STATUS", Type: "text", Nullable: true},
	"START_TIME":       {Name: "START_TIME", Type: "timestamp_ltz", Nullable: true, Scale: 3},
	"END_TIME":         {Name: "END_TIME", Type: "timestamp_ltz", Nullable: true, Scale: 3},
	"ROLE_NAME":        {Name: "ROLE_NAME", Type: "text", Nullable: true},
	"USER_NAME":        {Name: "USER_NAME", Type: "text", Nullable: true},
	"WAREHOUSE_NAME":   {Name: "WAREHOUSE_NAME", Type: "text", Nullable: true},
}

func (q HistoryQuery) value(col string) any {
	switch col {
	case "QUERY_ID":
		return q.QueryID
	case "QUERY_TEXT":
		return q.QueryText
	case "QUERY_TYPE":
		return q.QueryType
	case "DATABASE_NAME":
		return nullIfEmpty(q.DatabaseName)
	case "SCHEMA_NAME":
		return nullIfEmpty(q.SchemaName)
	case "EXECUTION_STATUS":
		return q.ExecutionStatus
	case "START_TIME":
		return q.StartTime
	case "END_TIME":
		if q.EndTime.IsZero() {
			return nil
		}
		return q.EndTime
	case "ROLE_NAME":
		return nullIfEmpty(q.RoleName)
	case "USER_NAME":
		return nullIfEmpty(q.UserName)
	case "WAREHOUSE_NAME":
		return nullIfEmpty(q.WarehouseName)
	}
	return nil
}

var (
	queryHistoryRe = regexp.MustCompile(`(?i)^SELECT (.+?) FROM SNOWFLAKE\.ACCOUNT_USAGE\.QUERY_HISTORY` +
		`(?: WHERE (.+?))?(?: ORDER BY (.+?))?(?: LIMIT (\d+))?$`)
	historyPredRe = regexp.MustCompile(`(?i)^(START_TIME|END_TIME) (>|>=|<|<=) \?$|^(EXECUTION_STATUS) = '([A-Z]+)'$`)
	showDynamicRe = regexp.MustCompile(`(?i)^SHOW DYNAMIC TABLES IN SCHEMA ` + identPat + `\.` + identPat + limitPat + `$`)
	showMatViewRe = regexp.MustCompile(`(?i)^SHOW MATERIALIZED VIEWS IN SCHEMA ` + identPat + `\.` + identPat + limitPat + `$`)
)

// answerHistory answers QUERY_HISTORY, SHOW DYNAMIC TABLES and SHOW
// MATERIALIZED VIEWS; ok is false for any other query.
func (w *Warehouse) answerHistory(q Query) (*Result, error, bool) {
	sql := q.Normalized
	if m := queryHistoryRe.FindStringSubmatch(sql); m != nil {
		return w.queryHistory(q, m[1], m[2], m[3], m[4])
	}
	if m := showDynamicRe.FindStringSubmatch(sql); m != nil {
		res, err := w.showDynamicTables(unquoteIdent(m[1]), unquoteIdent(m[2]), m[3], m[4])
		return res, err, true
	}
	if m := showMatViewRe.FindStringSubmatch(sql); m != nil {
		res, err := w.showMaterializedViews(unquoteIdent(m[1]), unquoteIdent(m[2]), m[3], m[4])
		return res, err, true
	}
	return nil, nil, false
}

// queryHistory serves SELECT <columns> FROM SNOWFLAKE.ACCOUNT_USAGE.
// QUERY_HISTORY [WHERE <predicates joined by AND>] [ORDER BY <columns>]
// [LIMIT n], where a predicate is START_TIME/END_TIME compared with a bind
// (>, >=, <, <=) or EXECUTION_STATUS = '<status>'. Anything else is not
// understood (ok false), so an unexpected query fails the test.
func (w *Warehouse) queryHistory(q Query, selectList, where, orderBy, limit string) (*Result, error, bool) {
	var cols []Column
	for _, item := range strings.Split(selectList, ",") {
		c, ok := queryHistoryColumns[strings.ToUpper(strings.TrimSpace(item))]
		if !ok {
			return nil, nil, false
		}
		cols = append(cols, c)
	}
	type pred struct {
		col, op string
		t       time.Time
		status  string
	}
	var preds []pred
	binds := 0
	if where != "" {
		for _, p := range andRe.Split(where, -1) {
			m := historyPredRe.FindStringSubmatch(strings.TrimSpace(p))
			if m == nil {
				return nil, nil, false
			}
			if m[3] != "" {
				preds = append(preds, pred{col: "EXECUTION_STATUS", op: "=", status: strings.ToUpper(m[4])})
				continue
			}
			t, err := bindTime(q, binds)
			if err != nil {
				return nil, err, true
			}
			binds++
			preds = append(preds, pred{col: strings.ToUpper(m[1]), op: m[2], t: t})
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
			if _, ok := queryHistoryColumns[name]; !ok {
				return nil, nil, false
			}
			order = append(order, name)
		}
	}
	n := -1
	if limit != "" {
		var err error
		if n, err = strconv.Atoi(limit); err != nil {
			return nil, nil, false
		}
	}
	h := w.QueryHistory
	if h.Denied {
		return nil, ErrDoesNotExist("Schema", "SNOWFLAKE.ACCOUNT_USAGE"), true
	}
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	var rows []HistoryQuery
	for _, hq := range h.Queries {
		end := hq.EndTime
		if end.IsZero() {
			end = hq.StartTime
		}
		if h.Latency > 0 && end.After(now.Add(-h.Latency)) {
			continue // not in ACCOUNT_USAGE yet
		}
		keep := true
		for _, p := range preds {
			if p.col == "EXECUTION_STATUS" {
				keep = keep && strings.EqualFold(hq.ExecutionStatus, p.status)
				continue
			}
			v := hq.StartTime
			if p.col == "END_TIME" {
				v = hq.EndTime
			}
			c := v.Compare(p.t)
			switch p.op {
			case ">":
				keep = keep && c > 0
			case ">=":
				keep = keep && c >= 0
			case "<":
				keep = keep && c < 0
			case "<=":
				keep = keep && c <= 0
			}
		}
		if keep {
			rows = append(rows, hq)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		for _, c := range order {
			if cmp := compareAny(rows[i].value(c), rows[j].value(c)); cmp != 0 {
				return cmp < 0
			}
		}
		return false
	})
	if n >= 0 && len(rows) > n {
		rows = rows[:n]
	}
	res := &Result{Columns: cols}
	for _, r := range rows {
		out := make([]any, len(cols))
		for i, c := range cols {
			out[i] = r.value(c.Name)
		}
		res.Rows = append(res.Rows, out)
	}
	return res, nil, true
}

// bindTime reads the i-th bind as a timestamp: gosnowflake sends a
// time.Time as TIMESTAMP_NTZ/LTZ nanoseconds since the epoch, TIMESTAMP_TZ
// as "<nanoseconds> <offset minutes + 1440>".
func bindTime(q Query, i int) (time.Time, error) {
	if i >= len(q.Bindings) {
		return time.Time{}, &Error{Code: "002049", SQLState: "22000",
			Message: fmt.Sprintf("SQL compilation error: bind variable %d not set", i+1)}
	}
	b := q.Bindings[i]
	v, ok := q.Bind(i)
	if !ok {
		return time.Time{}, &Error{Code: "002049", SQLState: "22000",
			Message: fmt.Sprintf("SQL compilation error: bind variable %d is NULL", i+1)}
	}
	switch strings.ToUpper(b.Type) {
	case "TIMESTAMP_NTZ", "TIMESTAMP_LTZ", "TIMESTAMP_TZ":
		ns, err := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
		if err != nil {
			return time.Time{}, &Error{Code: "002049", SQLState: "22000",
				Message: fmt.Sprintf("bind variable %d: bad %s value %q", i+1, b.Type, v)}
		}
		return time.Unix(0, ns).UTC(), nil
	case "TEXT":
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return time.Time{}, &Error{Code: "100035", SQLState: "22007",
				Message: fmt.Sprintf("Timestamp '%s' is not recognized", v)}
		}
		return t.UTC(), nil
	}
	return time.Time{}, &Error{Code: "002049", SQLState: "22000",
		Message: fmt.Sprintf("bind variable %d: type %s cannot be compared with a timestamp", i+1, b.Type)}
}

// showDynamicTablesColumns are SHOW DYNAMIC TABLES' output columns, in
// Snowflake's order: is_iceberg is TEXT Y/N (2024_08 bundle), scheduling_state
// reads ACTIVE or SUSPENDED (2024_02 bundle), initialization_warehouse came
// with the 2026_01 bundle and is NULL unless set.
var showDynamicTablesColumns = []Column{
	{Name: "created_on", Type: "timestamp_ltz", Nullable: true, Scale: 3},
	{Name: "name", Type: "text", Nullable: true},
	{Name: "reserved", Type: "text", Nullable: true},
	{Name: "database_name", Type: "text", Nullable: true},
	{Name: "schema_name", Type: "text", Nullable: true},
	{Name: "cluster_by", Type: "text", Nullable: true},
	{Name: "rows", Type: "fixed", Nullable: true, Precision: 38},
	{Name: "bytes", Type: "fixed", Nullable: true, Precision: 38},
	{Name: "owner", Type: "text", Nullable: true},
	{Name: "target_lag", Type: "text", Nullable: true},
	{Name: "refresh_mode", Type: "text", Nullable: true},
	{Name: "refresh_mode_reason", Type: "text", Nullable: true},
	{Name: "warehouse", Type: "text", Nullable: true},
	{Name: "comment", Type: "text", Nullable: true},
	{Name: "text", Type: "text", Nullable: true},
	{Name: "automatic_clustering", Type: "text", Nullable: true},
	{Name: "scheduling_state", Type: "text", Nullable: true},
	{Name: "last_suspended_on", Type: "timestamp_ltz", Nullable: true, Scale: 3},
	{Name: "is_clone", Type: "boolean", Nullable: true},
	{Name: "is_replica", Type: "boolean", Nullable: true},
	{Name: "is_iceberg", Type: "text", Nullable: true},
	{Name: "data_timestamp", Type: "timestamp_ltz", Nullable: true, Scale: 3},
	{Name: "owner_role_type", Type: "text", Nullable: true},
	{Name: "initialization_warehouse", Type: "text", Nullable: true},
}

func (w *Warehouse) showDynamicTables(db, schema, limit, from string) (*Result, error) {
	d, s, dts, err := showInSchema(w, db, schema, limit, from,
		func(s *Schema) []*DynamicTable { return s.DynamicTables }, func(o *DynamicTable) string { return o.Name })
	if err != nil {
		return nil, err
	}
	res := &Result{Columns: showDynamicTablesColumns}
	for _, dt := range dts {
		res.Rows = append(res.Rows, []any{
			dt.Created, dt.Name, "", d.Name, s.Name, "", 0, 0, "SYSADMIN",
			dt.TargetLag, orDefault(dt.RefreshMode, "INCREMENTAL"), nil, dt.Warehouse, dt.Comment, dt.Text,
			"OFF", "ACTIVE", nil, false, false, "N", dt.Created, "ROLE", nil,
		})
	}
	return res, nil
}

// showMaterializedViewsColumns are SHOW MATERIALIZED VIEWS' output columns,
// in Snowflake's order.
var showMaterializedViewsColumns = []Column{
	{Name: "created_on", Type: "timestamp_ltz", Nullable: true, Scale: 3},
	{Name: "name", Type: "text", Nullable: true},
	{Name: "reserved", Type: "text", Nullable: true},
	{Name: "database_name", Type: "text", Nullable: true},
	{Name: "schema_name", Type: "text", Nullable: true},
	{Name: "cluster_by", Type: "text", Nullable: true},
	{Name: "rows", Type: "fixed", Nullable: true, Precision: 38},
	{Name: "bytes", Type: "fixed", Nullable: true, Precision: 38},
	{Name: "source_database_name", Type: "text", Nullable: true},
	{Name: "source_schema_name", Type: "text", Nullable: true},
	{Name: "source_table_name", Type: "text", Nullable: true},
	{Name: "refreshed_on", Type: "timestamp_ltz", Nullable: true, Scale: 3},
	{Name: "compacted_on", Type: "timestamp_ltz", Nullable: true, Scale: 3},
	{Name: "owner", Type: "text", Nullable: true},
	{Name: "invalid", Type: "boolean", Nullable: true},
	{Name: "invalid_reason", Type: "text", Nullable: true},
	{Name: "behind_by", Type: "text", Nullable: true},
	{Name: "comment", Type: "text", Nullable: true},
	{Name: "text", Type: "text", Nullable: true},
	{Name: "is_secure", Type: "boolean", Nullable: true},
	{Name: "automatic_clustering", Type: "text", Nullable: true},
	{Name: "owner_role_type", Type: "text", Nullable: true},
	{Name: "budget", Type: "text", Nullable: true},
}

func (w *Warehouse) showMaterializedViews(db, schema, limit, from string) (*Result, error) {
	d, s, mvs, err := showInSchema(w, db, schema, limit, from,
		func(s *Schema) []*MaterializedView { return s.MaterializedViews }, func(o *MaterializedView) string { return o.Name })
	if err != nil {
		return nil, err
	}
	res := &Result{Columns: showMaterializedViewsColumns}
	for _, mv := range mvs {
		var srcDB, srcSchema, srcTable any
		if parts := strings.Split(mv.SourceTable, "."); len(parts) == 3 {
			srcDB, srcSchema, srcTable = parts[0], parts[1], parts[2]
		}
		res.Rows = append(res.Rows, []any{
			mv.Created, mv.Name, "", d.Name, s.Name, "", 0, 0,
			srcDB, srcSchema, srcTable, mv.Created, mv.Created, "SYSADMIN",
			false, nil, "0s", mv.Comment, mv.Text, mv.Secure, "OFF", "ROLE", nil,
		})
	}
	return res, nil
}
