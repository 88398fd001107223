// Package sql is a lexer and recursive-descent parser for Snowflake SQL: the
// query language and the statements that carry column lineage (CREATE VIEW,
// CREATE TABLE ... AS SELECT, INSERT ... SELECT, MERGE, bare queries). It
// produces the typed syntax tree defined in ast.go, with a position on every
// node. Other statements are recognised and returned as *Unsupported.
//
// The package is pure: it does no I/O.
package sql
