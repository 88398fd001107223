package graph

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/cypher"
)

// Migration is one schema migration file, cypher/migrations/NNN_name.cypher.
type Migration struct {
	Version    int
	Name       string
	Statements []string
}

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) {
	return loadMigrations(cypher.Migrations, "migrations")
}

func loadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".cypher" {
			continue
		}
		base := strings.TrimSuffix(e.Name(), ".cypher")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 || name == "" {
			return nil, fmt.Errorf("migration file %s: want NNN_name.cypher", e.Name())
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		stmts := splitStatements(string(b))
		if len(stmts) == 0 {
			return nil, fmt.Errorf("migration %s: no statements", e.Name())
		}
		out = append(out, Migration{Version: v, Name: base, Statements: stmts})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share version %d", out[i-1].Name, out[i].Name, out[i].Version)
		}
	}
	return out, nil
}

// splitStatements splits a migration file into statements ending with ';' at the end of a line,
// dropping '//' comment lines. Migration statements hold no string literals with ";\n".
func splitStatements(src string) []string {
	var stmts []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "//") {
			continue
		}
		cur.WriteString(t)
		if strings.HasSuffix(t, ";") {
			stmts = append(stmts, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
			continue
		}
		cur.WriteByte('\n')
	}
	if rest := strings.TrimSpace(cur.String()); rest != "" {
		stmts = append(stmts, rest)
	}
	return stmts
}

// Migrate applies the migrations not yet recorded in the graph, in order, and records each as
// (:Migration {version, name, appliedAt}). Every statement uses IF NOT EXISTS and the record is
// merged, so running it again, or from two processes at once, is safe. It returns the names of
// the migrations this call recorded (none when the graph is up to date).
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	migrations, err := Migrations()
	if err != nil {
		return nil, err
	}
	return s.migrate(ctx, migrations)
}

func (s *Store) migrate(ctx context.Context, migrations []Migration) ([]string, error) {
	done, err := s.appliedVersions(ctx)
	if err != nil {
		return nil, err
	}
	applied := []string{}
	for _, m := range migrations {
		if done[m.Version] {
			continue
		}
		for i, stmt := range m.Statements {
			if err := s.runSchemaStatement(ctx, stmt); err != nil {
				return applied, fmt.Errorf("migration %s statement %d: %w", m.Name, i+1, err)
			}
		}
		if m.Name == searchMigration {
			if err := s.backfillSearch(ctx, ""); err != nil {
				return applied, fmt.Errorf("migration %s: %w", m.Name, err)
			}
		}
		res, err := neo4j.ExecuteQuery(ctx, s.driver, cypher.RecordMigration,
			map[string]any{"version": int64(m.Version), "name": m.Name}, neo4j.EagerResultTransformer,
			neo4j.ExecuteQueryWithDatabase(s.database), neo4j.ExecuteQueryWithWritersRouting())
		if err != nil {
			return applied, fmt.Errorf("record migration %s: %w", m.Name, err)
		}
		if len(res.Records) == 1 {
			if fresh, _, _ := neo4j.GetRecordValue[bool](res.Records[0], "fresh"); fresh {
				applied = append(applied, m.Name)
			}
		}
	}
	return applied, nil
}

// runSchemaStatement runs one IF NOT EXISTS schema statement. When another process creates the
// same index or constraint at the same moment, Neo4j reports EquivalentSchemaRuleAlreadyExists
// instead of doing nothing; the statement is then run again, which must now be a no-op.
func (s *Store) runSchemaStatement(ctx context.Context, stmt string) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		_, err = neo4j.ExecuteQuery(ctx, s.driver, stmt, nil, neo4j.EagerResultTransformer,
			neo4j.ExecuteQueryWithDatabase(s.database), neo4j.ExecuteQueryWithWritersRouting())
		var nerr *neo4j.Neo4jError
		if err == nil || !errors.As(err, &nerr) || nerr.Code != "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists" {
			return err
		}
	}
	return err
}

func (s *Store) appliedVersions(ctx context.Context) (map[int]bool, error) {
	res, err := s.read(ctx, cypher.AppliedMigrations, nil)
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	done := make(map[int]bool, len(res.Records))
	for _, rec := range res.Records {
		v, _, err := neo4j.GetRecordValue[int64](rec, "version")
		if err != nil {
			return nil, fmt.Errorf("read applied migrations: %w", err)
		}
		done[int(v)] = true
	}
	return done, nil
}

// MigrationLevel is the highest migration version recorded in the graph, 0 when none.
func (s *Store) MigrationLevel(ctx context.Context) (int, error) {
	res, err := s.read(ctx, cypher.MigrationLevel, nil)
	if err != nil {
		return 0, fmt.Errorf("migration level: %w", err)
	}
	if len(res.Records) != 1 {
		return 0, fmt.Errorf("migration level: %d records, want 1", len(res.Records))
	}
	level, _, err := neo4j.GetRecordValue[int64](res.Records[0], "level")
	if err != nil {
		return 0, fmt.Errorf("migration level: %w", err)
	}
	return int(level), nil
}

// ServerInfo returns the Neo4j version and edition; it doubles as a ping for health checks.
func (s *Store) ServerInfo(ctx context.Context) (ServerInfo, error) {
	res, err := s.read(ctx, cypher.ServerInfo, nil)
	if err != nil {
		return ServerInfo{}, fmt.Errorf("server info: %w", err)
	}
	if len(res.Records) != 1 {
		return ServerInfo{}, fmt.Errorf("server info: %d records, want 1", len(res.Records))
	}
	var info ServerInfo
	if info.Version, _, err = neo4j.GetRecordValue[string](res.Records[0], "version"); err != nil {
		return ServerInfo{}, fmt.Errorf("server info: %w", err)
	}
	if info.Edition, _, err = neo4j.GetRecordValue[string](res.Records[0], "edition"); err != nil {
		return ServerInfo{}, fmt.Errorf("server info: %w", err)
	}
	return info, nil
}

// searchMigration is the migration whose index reads the derived search properties; nodes
// written before it get them from backfillSearch before it is recorded.
const searchMigration = "004_search"

// backfillBatch is how many nodes of each kind one backfill transaction fills.
const backfillBatch = 5000

// backfillSearch sets the derived search properties (searchProps) of every column, table and
// view whose id starts with prefix ("" for all) that has none, in batches. Safe to run again or
// from two processes at once: it only writes what each id determines. A node whose id does not
// parse gets its properties from its name alone.
func (s *Store) backfillSearch(ctx context.Context, prefix string) error {
	for {
		res, err := s.read(ctx, cypher.SearchBackfillTodo, map[string]any{"limit": int64(backfillBatch), "prefix": prefix})
		if err != nil {
			return fmt.Errorf("backfill search properties: %w", err)
		}
		if len(res.Records) == 0 {
			return nil
		}
		columns, datasets := []any{}, []any{}
		for _, rec := range res.Records {
			id, _, err := neo4j.GetRecordValue[string](rec, "id")
			if err != nil {
				return fmt.Errorf("backfill search properties: %w", err)
			}
			isColumn, _, err := neo4j.GetRecordValue[bool](rec, "column")
			if err != nil {
				return fmt.Errorf("backfill search properties: %w", err)
			}
			name, _, _ := neo4j.GetRecordValue[string](rec, "name")
			if isColumn {
				props := nameSearchProps(name)
				if c, err := ParseColumnID(id); err == nil {
					props = columnSearchProps(c)
				}
				columns = append(columns, map[string]any{"id": id, "search": props})
				continue
			}
			props := nameSearchProps(name)
			if o, err := ParseObjectID(id); err == nil {
				props = objectSearchProps(o)
			}
			datasets = append(datasets, map[string]any{"id": id, "search": props})
		}
		_, err = neo4j.ExecuteQuery(ctx, s.driver, cypher.SearchBackfill,
			map[string]any{"columns": columns, "datasets": datasets}, neo4j.EagerResultTransformer,
			neo4j.ExecuteQueryWithDatabase(s.database), neo4j.ExecuteQueryWithWritersRouting())
		if err != nil {
			return fmt.Errorf("backfill search properties: %w", err)
		}
	}
}
