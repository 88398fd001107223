// Package sql is a lexer and recursive-descent parser for Snowflake SQL: the
// query language and the statements that carry column lineage. It produces
// the typed syntax tree defined in ast.go, with a position on every node.
// The package is pure: it does no I/O and keeps no state between calls.
//
// # API
//
//	ParseScript(src) []StatementResult  // one result per statement; never fails as a whole
//	Parse(src) (*Script, error)         // all statements, or the first *SyntaxError
//	ParseExpr(src) (Expr, error)        // one scalar expression
//	Inspect(node, func(Node) bool)      // depth-first walk over any subtree
//	Format(node) string                 // the node as one line of SQL that parses back to the same tree
//
// ParseScript splits the input at semicolons outside strings, quoted
// identifiers, comments and scripting blocks, and parses each statement on its own, so one bad
// statement does not lose the others: each StatementResult holds either the
// statement (Stmt) or its error (Err), plus its index, position and source
// text. Statements are:
//
//   - *CreateView: CREATE [OR REPLACE] [SECURE] [{LOCAL|GLOBAL} TEMP|TEMPORARY|VOLATILE]
//     [RECURSIVE] [MATERIALIZED] VIEW [IF NOT EXISTS] name [(col [COMMENT ...]
//     [WITH MASKING POLICY p [USING (...)]] [WITH TAG (...)], ...)] [COPY GRANTS]
//     [COMMENT = '...'] [CHANGE_TRACKING = ...] [WITH ROW ACCESS POLICY p ON (...)]
//     [WITH TAG (...)] [CLUSTER BY (...)] AS query
//   - *CreateTableAs: CREATE [OR REPLACE] [TRANSIENT|TEMPORARY|...] [DYNAMIC]
//     [ICEBERG] TABLE [IF NOT EXISTS] name [(col [type], ...)] [options] AS
//     query, with its NAME = value options (TARGET_LAG, WAREHOUSE, REFRESH_MODE,
//     INITIALIZE, ...) in Options
//   - *Insert: INSERT [OVERWRITE] INTO t [(cols)] query (also VALUES); a WITH
//     clause written before INSERT is merged into the query's WITH
//   - *Merge: MERGE INTO t [AS a] USING src ON cond WHEN [NOT] MATCHED [AND c]
//     THEN UPDATE SET ... | DELETE | INSERT [(cols)] VALUES (...)
//   - *QueryStmt: a bare query
//   - *Unsupported: any other statement (DDL, DML without lineage, multi-table
//     INSERT ALL/FIRST, CREATE TABLE without AS, Snowflake Scripting, ...),
//     recognised by its leading keywords and skipped with a note.
//
// # Syntax errors
//
// A *SyntaxError carries Line, Col (1-based, Col in bytes), Offset, the token
// found and what was expected; Error() reads "line:col: unexpected X,
// expected Y". Lexical errors (unterminated strings or comments) and nesting
// deeper than MaxDepth (1000 levels of expressions, queries and FROM items)
// are syntax errors too; no input makes the parser panic or recurse without
// bound.
//
// # Identifiers and keywords
//
// Identifiers keep their quoting (Ident.Quoted); Ident.Normalized follows
// Snowflake: unquoted names are upper-cased, quoted ones kept exactly. Only
// Snowflake's reserved keywords are reserved; words such as FIRST, LAST, USER,
// VALUE, LEVEL, DATE, TIMESTAMP or LIMIT remain ordinary names where Snowflake
// allows them.
//
// # Interval literals
//
// INTERVAL '1 day, 2 hours' is Snowflake's interval constant (the units
// inside the string). INTERVAL '1' DAY and INTERVAL '1-6' YEAR TO MONTH, with
// an interval qualifier after the string, are the literals of Snowflake's
// INTERVAL data types (INTERVAL YEAR TO MONTH, INTERVAL DAY TO SECOND, ...):
// TypedLiteral.Qualifier holds the qualifier, and CAST(x AS INTERVAL DAY TO
// SECOND) parses too. So a field word (YEAR, MONTH, DAY, HOUR, MINUTE,
// SECOND) right after INTERVAL '...' is read as the qualifier, never as a
// column alias: SELECT INTERVAL '1' day has one unnamed column; write
// INTERVAL '1' AS day for an alias. Before this rule, d + INTERVAL '1' DAY AS
// x failed to parse (DAY was taken as the alias).
//
// # Leniency
//
// The parser accepts a few forms that other dialects use and that carry the
// same lineage, so that inputs written for them still parse: WITH before
// INSERT, FILTER (WHERE ...) after an aggregate, a trailing comma at the end
// of a select list, and a JOIN without ON.
//
// Snowflake Scripting blocks (BEGIN ... END, DECLARE ... END, and unquoted
// CREATE PROCEDURE ... AS BEGIN ... END bodies) are kept whole as one
// *Unsupported statement despite their inner semicolons.
//
// Not supported: the WINDOW clause (Snowflake has none; OVER takes an inline
// specification), and a quantified comparison over a list of values
// (x = ANY (1, 2)): Snowflake's ANY/ALL/SOME take only a subquery
// (<expr> op { ALL | ANY } ( <query> ), Subquery operators reference), so the
// parser reports a syntax error that points at ANY and suggests IN (...).
package sql
