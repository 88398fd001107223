package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tributary-lineage/tributary/graph"
)

func runMigrate(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "migrate", "Apply pending Neo4j schema migrations (constraints, indexes), print what was\napplied or \"schema up to date\", then the migration level. Safe to repeat.")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	cfg, _, code, ok := setup(e)
	if !ok {
		return code
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := migrate(ctx, e, cfg); err != nil {
		fmt.Fprintf(e.stderr, "tributary migrate: %v\n", err)
		return exitFail
	}
	return exitOK
}

func migrate(ctx context.Context, e env, cfg Config) (err error) {
	driver, err := newNeo4jDriver(cfg.Neo4j)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if cerr := driver.Close(cctx); cerr != nil {
			err = errors.Join(err, fmt.Errorf("close neo4j driver: %w", cerr))
		}
	}()
	store := graph.NewStore(driver, cfg.Neo4j.Database)
	applied, err := store.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s on %s: %w", cfg.Neo4j.Database, cfg.Neo4j.URI, err)
	}
	if len(applied) == 0 {
		fmt.Fprintln(e.stdout, "schema up to date")
	}
	for _, name := range applied {
		fmt.Fprintf(e.stdout, "applied %s\n", name)
	}
	level, err := store.MigrationLevel(ctx)
	if err != nil {
		return fmt.Errorf("read migration level: %w", err)
	}
	fmt.Fprintf(e.stdout, "migration level %d\n", level)
	return nil
}
