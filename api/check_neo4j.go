package api

import (
	"context"
	"fmt"

	"github.com/tributary-lineage/tributary/graph"
)

// GraphProber is the part of *graph.Store the Neo4j checker uses.
type GraphProber interface {
	ServerInfo(ctx context.Context) (graph.ServerInfo, error)
	MigrationLevel(ctx context.Context) (int, error)
}

// ConnectivityVerifier is satisfied by neo4j.DriverWithContext. Unlike a
// query, which the driver retries until its deadline, it fails at once when
// the server refuses connections.
type ConnectivityVerifier interface {
	VerifyConnectivity(ctx context.Context) error
}

// Neo4jChecker reports whether Neo4j answers, its version and edition, and
// the schema migration level of the graph.
type Neo4jChecker struct {
	conn  ConnectivityVerifier
	store GraphProber
}

// NewNeo4jChecker returns a checker over store (a *graph.Store works) that
// first verifies connectivity through conn (the driver the store uses; nil
// skips that step, and a dead server then costs the whole check timeout).
func NewNeo4jChecker(store GraphProber, conn ConnectivityVerifier) *Neo4jChecker {
	return &Neo4jChecker{conn: conn, store: store}
}

// Name implements Checker.
func (n *Neo4jChecker) Name() string { return "neo4j" }

// Check implements Checker. Neo4j answering without a readable migration
// level, or with none applied, is degraded rather than down.
func (n *Neo4jChecker) Check(ctx context.Context) (CheckResult, error) {
	if n.conn != nil {
		if err := n.conn.VerifyConnectivity(ctx); err != nil {
			return CheckResult{}, fmt.Errorf("verify connectivity: %w", err)
		}
	}
	info, err := n.store.ServerInfo(ctx)
	if err != nil {
		return CheckResult{}, err // the store's error already says "server info: ..."
	}
	res := CheckResult{Status: StatusUp, Version: info.Version, Info: map[string]any{"edition": info.Edition}}
	level, err := n.store.MigrationLevel(ctx)
	switch {
	case err != nil:
		res.Status = StatusDegraded
		res.Message = err.Error()
	case level == 0:
		res.Info["migration_level"] = level
		res.Status = StatusDegraded
		res.Message = "no schema migrations applied; run `tributary migrate`"
	default:
		res.Info["migration_level"] = level
	}
	return res, nil
}
